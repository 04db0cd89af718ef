"""Honest statistics over a couple's scores: reliable change and recurring themes.

Reliable change follows Jacobson & Truax (1991): with a subscale's
reliability r and the spread SD of its scores, SEM = SD * sqrt(1 - r),
S_diff = sqrt(2) * SEM, and a change from a partner's previous score is
reliable when |change| > 1.96 * S_diff. SD comes from the couple's own
history when it holds at least `MIN_OWN_SCORES` scores of that subscale,
otherwise from every stored score of it; each row says which. Without a
reliability figure, or without a previous score, the verdict is "unknown".
"""

from __future__ import annotations

import pandas as pd

from mendwell.scoring import scores_sql
from mendwell.store import Store

MIN_OWN_SCORES = 10
Z = 1.96

RELIABLE_CHANGE_SQL = """
WITH mine AS ({couple_scores}),
everyone AS ({all_scores}),
own_sd AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd, count(*) AS n
    FROM mine GROUP BY instrument_id, subscale_id
),
all_sd AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd
    FROM everyone GROUP BY instrument_id, subscale_id
),
ordered AS (
    SELECT m.*,
           lag(m.score) OVER w AS previous_score,
           lag(m.period) OVER w AS previous_period
    FROM mine m
    WINDOW w AS (PARTITION BY m.partner_id, m.instrument_id, m.subscale_id ORDER BY m.period)
)
SELECT o.couple_id, o.partner_id, o.period, o.instrument_id, o.subscale_id, o.score, o.band, o.band_tone,
       o.higher_is, o.private, o.previous_score, o.previous_period,
       o.score - o.previous_score AS change,
       s.reliability,
       CASE WHEN own.n >= {min_own} THEN own.sd ELSE alls.sd END AS sd,
       CASE WHEN own.n >= {min_own} THEN 'couple' ELSE 'everyone' END AS sd_source
FROM ordered o
JOIN instrument_subscales s
  ON s.instrument_id = o.instrument_id AND s.version = o.instrument_version AND s.subscale_id = o.subscale_id
LEFT JOIN own_sd own ON own.instrument_id = o.instrument_id AND own.subscale_id = o.subscale_id
LEFT JOIN all_sd alls ON alls.instrument_id = o.instrument_id AND alls.subscale_id = o.subscale_id
ORDER BY o.partner_id, o.instrument_id, o.subscale_id, o.period
"""


def reliable_change(store: Store, couple_id: int) -> pd.DataFrame:
    """Each score of a couple with its change from the previous one and a verdict.

    `verdict` is "improved", "worsened", "no reliable change" or "unknown";
    `reason` says why a verdict is unknown.
    """
    mine, mine_params = scores_sql(couple_id)
    everyone, all_params = scores_sql()
    sql = RELIABLE_CHANGE_SQL.format(couple_scores=mine, all_scores=everyone, min_own=MIN_OWN_SCORES)
    df = store.query(sql, mine_params + all_params)
    return classify(df)


def classify(df: pd.DataFrame) -> pd.DataFrame:
    """Add s_diff, threshold, verdict and reason columns (vectorised)."""
    out = df.copy()
    r = out["reliability"].astype("float64")
    sd = out["sd"].astype("float64")
    out["s_diff"] = (2.0**0.5) * sd * (1.0 - r) ** 0.5
    out["threshold"] = Z * out["s_diff"]
    change = out["change"].astype("float64")
    better = out["higher_is"].eq("better")
    reliable = change.abs() > out["threshold"]
    improved = reliable & ((change > 0) & better | (change < 0) & ~better)
    worsened = reliable & ~improved
    out["verdict"] = "no reliable change"
    out.loc[improved, "verdict"] = "improved"
    out.loc[worsened, "verdict"] = "worsened"
    reason = pd.Series("", index=out.index, dtype="object")
    reason[sd.isna() | sd.eq(0)] = "not enough scores yet to know how much this usually varies"
    reason[change.isna()] = "no earlier check-in to compare with"
    reason[r.isna()] = "this part has no reliability figure"
    unknown = reason.ne("")
    out.loc[unknown, "verdict"] = "unknown"
    out["reason"] = reason
    return out
