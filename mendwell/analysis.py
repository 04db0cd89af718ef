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


# -- trends ----------------------------------------------------------------------------


def with_gaps(df: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per partner, subscale and month from `start` to `end`; missed months have NaN scores.

    Plotly then draws a gap there instead of a line across the missed month.
    """
    if df.empty:
        return df
    periods = pd.to_datetime(df["period"])
    first = start if start is not None else periods.min()
    last = end if end is not None else periods.max()
    months = pd.date_range(first, last, freq="MS")
    keys = df[["partner_id", "instrument_id", "subscale_id"]].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"period": months}), how="cross")
    data = df.assign(period=periods)
    return grid.merge(data, on=["partner_id", "instrument_id", "subscale_id", "period"], how="left").sort_values(
        ["partner_id", "instrument_id", "subscale_id", "period"], ignore_index=True
    )


# -- themes ----------------------------------------------------------------------------

# A theme shows up in a month when a partner chose it in a "what did it touch"
# question, or answered an item tagged with it at or past the middle of its
# scale toward the hard end (e.g. "a couple of times" or more for how often a
# hurt happened; "sometimes" or less for how often a reach was met). Private
# items never count (validation also keeps themes off private items).
THEME_SIGNALS_SQL = """
WITH mine AS (
    SELECT c.checkin_id, c.partner_id, c.period FROM checkins c
    WHERE c.couple_id = ? AND c.status = 'submitted'
),
answered AS (
    SELECT m.partner_id, m.period, r.instrument_id, r.instrument_version, r.item_id, r.value, r.text
    FROM responses r JOIN mine m USING (checkin_id)
),
from_choices AS (
    SELECT a.partner_id, a.period, o.theme AS theme_id, a.instrument_id, a.item_id
    FROM answered a
    JOIN instrument_items i
      ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
    JOIN instrument_options o
      ON o.instrument_id = a.instrument_id AND o.version = a.instrument_version AND o.item_id = a.item_id
    WHERE i.kind = 'multi' AND NOT i.private AND o.theme IS NOT NULL
      AND list_contains(CAST(a.text AS INTEGER[]), o.value)
),
from_items AS (
    SELECT a.partner_id, a.period, unnest(i.themes) AS theme_id, a.instrument_id, a.item_id
    FROM answered a
    JOIN instrument_items i
      ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
    LEFT JOIN instrument_subscales s
      ON s.instrument_id = i.instrument_id AND s.version = i.version AND s.subscale_id = i.subscale_id
    WHERE len(i.themes) > 0 AND NOT i.private AND a.value IS NOT NULL
      AND CASE WHEN (coalesce(s.higher_is, 'worse') = 'better') = (NOT i.reverse)
               THEN a.value <= (i.scale_min + i.scale_max) / 2.0
               ELSE a.value >= (i.scale_min + i.scale_max) / 2.0 END
)
SELECT partner_id, period, theme_id, instrument_id, item_id FROM from_choices
UNION ALL
SELECT partner_id, period, theme_id, instrument_id, item_id FROM from_items
ORDER BY partner_id, period, theme_id
"""


def theme_signals(store: Store, couple_id: int) -> pd.DataFrame:
    """Every (partner, month, theme, source item) where a theme showed up."""
    return store.query(THEME_SIGNALS_SQL, [couple_id])


def theme_months(signals: pd.DataFrame) -> pd.DataFrame:
    """Per partner, month and theme: how many answers pointed to it."""
    if signals.empty:
        return pd.DataFrame(columns=["partner_id", "period", "theme_id", "signals"])
    return (
        signals.groupby(["partner_id", "period", "theme_id"], as_index=False).size().rename(columns={"size": "signals"})
    )


def recurring_themes(
    signals: pd.DataFrame, last_period: pd.Timestamp, window: int = 6, min_months: int = 3
) -> pd.DataFrame:
    """Themes present in at least `min_months` of the `window` months ending at `last_period`.

    Months without a check-in count as months without the theme. Ranked by
    how many months it appeared in, then by how many answers pointed to it.
    """
    cols = ["partner_id", "theme_id", "months", "signals", "last_seen"]
    if signals.empty:
        return pd.DataFrame(columns=cols)
    periods = pd.to_datetime(signals["period"])
    first = pd.Timestamp(last_period) - pd.DateOffset(months=window - 1)
    recent = signals[(periods >= first) & (periods <= pd.Timestamp(last_period))]
    if recent.empty:
        return pd.DataFrame(columns=cols)
    agg = recent.groupby(["partner_id", "theme_id"], as_index=False).agg(
        months=("period", "nunique"), signals=("period", "size"), last_seen=("period", "max")
    )
    agg = agg[agg["months"] >= min_months]
    return agg.sort_values(["partner_id", "months", "signals"], ascending=[True, False, False], ignore_index=True)[cols]


# -- micro-hurts: kinds and repair -------------------------------------------------------

MICRO_HURTS = "micro_hurts"
FREQUENCY = "frequency"
REPAIRED = "repaired"

KINDS_SQL = """
SELECT c.partner_id, c.period, r.item_id, r.value
FROM checkins c
JOIN responses r USING (checkin_id)
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE c.couple_id = ? AND c.status = 'submitted' AND r.instrument_id = ? AND i.subscale_id = ?
  AND NOT i.private AND r.value > i.scale_min
ORDER BY c.partner_id, c.period, i.position
"""

REPAIR_RATIO_SQL = """
SELECT c.partner_id, c.period,
       count(*) AS named,
       count(*) FILTER (WHERE r.value > i.scale_min) AS mended,
       count(*) FILTER (WHERE r.value > i.scale_min) / count(*) AS ratio
FROM checkins c
JOIN responses r USING (checkin_id)
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE c.couple_id = ? AND c.status = 'submitted' AND r.instrument_id = ? AND i.subscale_id = ?
  AND NOT i.private AND r.value IS NOT NULL
GROUP BY c.partner_id, c.period
ORDER BY c.partner_id, c.period
"""


def micro_hurt_kinds(store: Store, couple_id: int) -> pd.DataFrame:
    """Per partner and month, each kind of small hurt that happened and how often (scale value)."""
    return store.query(KINDS_SQL, [couple_id, MICRO_HURTS, FREQUENCY])


def repair_ratio(store: Store, couple_id: int) -> pd.DataFrame:
    """Per partner and month: named small hurts, how many were mended or partly mended, and the share."""
    return store.query(REPAIR_RATIO_SQL, [couple_id, MICRO_HURTS, REPAIRED])


# -- two perspectives on the same moments --------------------------------------------------

# For an item that mirrors another (my view of how I met my partner's reaches
# vs. my partner's view of how I met them), pair each partner's answer with
# the other partner's answer to the mirrored item in the same month. Values
# are turned the same way round (reverse items reversed) before averaging.
MIRROR_SQL = """
WITH mine AS (
    SELECT c.checkin_id, c.partner_id, c.period FROM checkins c
    WHERE c.couple_id = ? AND c.status = 'submitted'
),
answered AS (
    SELECT m.partner_id, m.period, r.instrument_id, r.item_id, i.subscale_id, i.mirror,
           CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS v
    FROM responses r JOIN mine m USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE r.value IS NOT NULL AND NOT i.private
)
-- `receiver` is the partner whose reaches are in question; their own view
-- comes from the mirrored ("was met") item, the giver's from the mirror item.
SELECT recv.partner_id AS receiver_id, give.partner_id AS giver_id, recv.period,
       recv.instrument_id, recv.subscale_id AS receiver_subscale,
       avg(recv.v) AS receiver_view, avg(give.v) AS giver_view,
       avg(give.v) - avg(recv.v) AS gap, count(*) AS pairs
FROM answered give
JOIN answered recv
  ON recv.item_id = give.mirror AND recv.instrument_id = give.instrument_id
 AND recv.period = give.period AND recv.partner_id <> give.partner_id
GROUP BY recv.partner_id, give.partner_id, recv.period, recv.instrument_id, recv.subscale_id
ORDER BY receiver_id, recv.period
"""


def mirrored_views(store: Store, couple_id: int) -> pd.DataFrame:
    """Per month: how a partner saw their reaches met, and how the other saw themselves meeting them."""
    return store.query(MIRROR_SQL, [couple_id])
