"""The therapist's caseload: every couple's rhythm, and flags that matter clinically.

Flags (for the therapist only, never in share mode): a reliable worsening in a
partner's latest check-in, and a subscale in a concern band two months
running. Private subscales never raise a flag.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mendwell.analysis import MIN_OWN_SCORES, classify
from mendwell.periods import month_start
from mendwell.scoring import scores_sql
from mendwell.store import Store

OVERVIEW_SQL = """
SELECT c.couple_id, c.name, coalesce(c.checkin_day, 28) AS checkin_day,
       (SELECT count(*) FROM partners p WHERE p.couple_id = c.couple_id) AS partners,
       (SELECT max(k.period) FROM checkins k WHERE k.couple_id = c.couple_id AND k.status = 'submitted')
           AS last_checkin,
       (SELECT count(*) FROM checkins k WHERE k.couple_id = c.couple_id AND k.period = ?
           AND k.status = 'submitted') AS submitted_now
FROM couples c
ORDER BY c.name, c.couple_id
"""

LATEST_CHANGE_SQL = """
WITH sc AS ({scores}),
shared AS (SELECT * FROM sc WHERE NOT private),
own AS (
    SELECT couple_id, instrument_id, subscale_id, stddev_samp(score) AS sd, count(*) AS n
    FROM shared GROUP BY couple_id, instrument_id, subscale_id
),
alls AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd FROM shared GROUP BY instrument_id, subscale_id
),
ordered AS (
    SELECT s.*,
           lag(s.score) OVER w AS previous_score,
           lag(s.period) OVER w AS previous_period,
           lag(s.band_tone) OVER w AS previous_tone,
           row_number() OVER (PARTITION BY s.partner_id, s.instrument_id, s.subscale_id ORDER BY s.period DESC) AS rn
    FROM shared s
    WINDOW w AS (PARTITION BY s.partner_id, s.instrument_id, s.subscale_id ORDER BY s.period)
)
SELECT o.couple_id, o.partner_id, o.period, o.instrument_id, o.subscale_id, o.score, o.band, o.band_tone,
       o.higher_is, o.previous_score, o.previous_period, o.previous_tone,
       o.score - o.previous_score AS change, sub.reliability,
       CASE WHEN own.n >= {min_own} THEN own.sd ELSE alls.sd END AS sd,
       CASE WHEN own.n >= {min_own} THEN 'couple' ELSE 'everyone' END AS sd_source
FROM ordered o
JOIN instrument_subscales sub
  ON sub.instrument_id = o.instrument_id AND sub.version = o.instrument_version AND sub.subscale_id = o.subscale_id
LEFT JOIN own ON own.couple_id = o.couple_id AND own.instrument_id = o.instrument_id AND own.subscale_id = o.subscale_id
LEFT JOIN alls ON alls.instrument_id = o.instrument_id AND alls.subscale_id = o.subscale_id
WHERE o.rn = 1
"""


def overview(store: Store, today: dt.date | None = None) -> pd.DataFrame:
    """One row per couple: last check-in, how many submitted this month, check-in day."""
    return store.query(OVERVIEW_SQL, [month_start(today)])


def flags(store: Store) -> pd.DataFrame:
    """Flags per couple and partner: `kind` is 'reliable worsening' or 'concern two months running'."""
    sql, params = scores_sql()
    latest = store.query(LATEST_CHANGE_SQL.format(scores=sql, min_own=MIN_OWN_SCORES), params)
    cols = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "kind"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    judged = classify(latest)
    worse = judged[judged["verdict"] == "worsened"].assign(kind="reliable worsening")
    months_apart = pd.to_datetime(latest["period"]).dt.to_period("M").astype("int64") - pd.to_datetime(
        latest["previous_period"]
    ).dt.to_period("M").astype("int64")
    running = latest[
        latest["band_tone"].eq("concern") & latest["previous_tone"].eq("concern") & months_apart.eq(1)
    ].assign(kind="concern two months running")
    return pd.concat([worse[cols], running[cols]], ignore_index=True).sort_values(cols[:5], ignore_index=True)
