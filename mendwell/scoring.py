"""Subscale scores, computed in DuckDB from the raw answers.

A score is the mean (or sum) of a subscale's answered items in one submitted
check-in, after reversing reverse-keyed items (value' = min + max - value).
Items hidden by `show_if` have no stored answer, so they are left out rather
than counted as zero. Each score carries the band it falls in, taken from
the instrument version the answers were given under.
"""

from __future__ import annotations

import pandas as pd

from mendwell.data import Database

EXPORT_COLUMNS = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "band"]


def scores(db: Database, couple_id: int | None = None, partner_id: int | None = None) -> pd.DataFrame:
    """Scores per partner, month and subscale, with band and tone (SQL in mendwell/data/sql/scores.sql)."""
    return db.analytics.scores(couple_id, partner_id)
