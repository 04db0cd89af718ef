"""Subscale scores, computed in DuckDB from the raw answers.

A score is the mean (or sum) of a subscale's answered items in one submitted
check-in, after reversing reverse-keyed items (value' = min + max - value).
Items hidden by `show_if` have no stored answer, so they are left out rather
than counted as zero. Each score carries the band it falls in, taken from
the instrument version the answers were given under.
"""

from __future__ import annotations

import pandas as pd

from mendwell.store import Store

# The mean is written as sum / count so it equals a plain recomputation
# bit for bit (answers are whole numbers, so the sum is exact).
SCORES_SQL = """
WITH answered AS (
    SELECT c.couple_id, c.partner_id, c.period, r.instrument_id, r.instrument_version,
           i.subscale_id,
           CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS v
    FROM checkins c
    JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.status = 'submitted' AND r.value IS NOT NULL AND i.subscale_id IS NOT NULL
      {where}
),
scored AS (
    SELECT a.couple_id, a.partner_id, a.period, a.instrument_id, a.instrument_version, a.subscale_id,
           s.higher_is, s.private, s.position AS subscale_position, s.scoring,
           count(*) AS n_items,
           CASE s.scoring WHEN 'sum' THEN sum(a.v) ELSE sum(a.v) / count(*) END AS score
    FROM answered a
    JOIN instrument_subscales s
      ON s.instrument_id = a.instrument_id AND s.version = a.instrument_version AND s.subscale_id = a.subscale_id
    GROUP BY a.couple_id, a.partner_id, a.period, a.instrument_id, a.instrument_version, a.subscale_id,
             s.higher_is, s.private, s.position, s.scoring
)
SELECT sc.couple_id, sc.partner_id, sc.period, sc.instrument_id, sc.subscale_id, sc.score,
       b.label AS band, b.tone AS band_tone, sc.instrument_version, sc.n_items, sc.higher_is,
       sc.private, sc.subscale_position
FROM scored sc
LEFT JOIN instrument_bands b
  ON b.instrument_id = sc.instrument_id AND b.version = sc.instrument_version
 AND b.subscale_id = sc.subscale_id AND (b.below IS NULL OR sc.score < b.below)
QUALIFY row_number() OVER (
    PARTITION BY sc.partner_id, sc.period, sc.instrument_id, sc.instrument_version, sc.subscale_id
    ORDER BY b.position
) = 1
ORDER BY sc.couple_id, sc.partner_id, sc.period, sc.instrument_id, sc.subscale_position
"""

EXPORT_COLUMNS = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "band"]


def scores_sql(couple_id: int | None = None, partner_id: int | None = None) -> tuple[str, list[object]]:
    """The scores query, filtered early by couple and/or partner."""
    where, params = "", []
    if couple_id is not None:
        where += " AND c.couple_id = ?"
        params.append(couple_id)
    if partner_id is not None:
        where += " AND c.partner_id = ?"
        params.append(partner_id)
    return SCORES_SQL.format(where=where), params


def scores(store: Store, couple_id: int | None = None, partner_id: int | None = None) -> pd.DataFrame:
    """Scores per partner, month and subscale, with band and tone."""
    sql, params = scores_sql(couple_id, partner_id)
    return store.query(sql, params)
