"""Baselines: the month a therapist marks as the start of therapy for a couple.

Without a mark, each partner's baseline is their first check-in; with one, their first check-in from
that month on. Reliable change is judged against the baseline (see mendwell/analysis.py).
"""

from __future__ import annotations

import datetime as dt

from mendwell.data.engine import Engine
from mendwell.periods import month_start


class Baselines:
    """The start-of-therapy mark per couple."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, couple_id: int) -> dt.date | None:
        """The marked start month of a couple, or None (then each partner's first check-in is the baseline)."""
        row = self._engine.one("SELECT period FROM baselines WHERE couple_id = ?", [couple_id])
        return row[0] if row else None

    def mark(self, couple_id: int, period: dt.date) -> None:
        """Mark `period` (any day of it) as the start of therapy for a couple, replacing an earlier mark."""
        start = month_start(period)
        self._engine.transaction(
            lambda cur: cur.execute(
                "INSERT OR REPLACE INTO baselines (couple_id, period, marked_at) VALUES (?, ?, current_timestamp)",
                [couple_id, start],
            )
        )
        self._engine.bump(couple_id)

    def clear(self, couple_id: int) -> None:
        """Remove the mark: each partner's first check-in is their baseline again."""
        self._engine.transaction(lambda cur: cur.execute("DELETE FROM baselines WHERE couple_id = ?", [couple_id]))
        self._engine.bump(couple_id)
