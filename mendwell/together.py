"""Together: a month both partners have submitted, opened side by side.

Nothing here ever returns a private item, a private subscale or a private
note: the queries filter them out in SQL, so no page can show them by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mendwell.analysis import FREQUENCY, MICRO_HURTS, REPAIRED
from mendwell.periods import month_start
from mendwell.store import Store

REVEALED_SQL = """
SELECT c.period
FROM checkins c JOIN partners p USING (partner_id)
WHERE c.couple_id = ? AND c.status = 'submitted'
GROUP BY c.period
HAVING count(DISTINCT c.partner_id) = (SELECT count(*) FROM partners WHERE couple_id = ?)
ORDER BY c.period DESC
"""

# Shared numeric items both partners answered that month, furthest apart first
# (distance as a share of the item's scale, so 0..4 and 0..2 items compare).
DIFFERENCES_SQL = """
WITH answers AS (
    SELECT c.partner_id, r.instrument_id, r.instrument_version, r.item_id, r.value
    FROM checkins c JOIN responses r USING (checkin_id)
    WHERE c.couple_id = ? AND c.period = ? AND c.status = 'submitted' AND r.value IS NOT NULL
)
SELECT a.instrument_id, a.item_id, a.partner_id AS first_id, a.value AS first_value,
       b.partner_id AS second_id, b.value AS second_value,
       abs(a.value - b.value) / (i.scale_max - i.scale_min) AS distance
FROM answers a
JOIN answers b
  ON b.instrument_id = a.instrument_id AND b.item_id = a.item_id AND b.partner_id > a.partner_id
JOIN instrument_items i
  ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
WHERE NOT i.private AND i.kind IN ('likert', 'choice', 'count', 'yesno') AND a.value <> b.value
ORDER BY distance DESC, a.instrument_id, i.position
LIMIT ?
"""

NAMED_HURTS_SQL = """
WITH mine AS (
    SELECT c.partner_id, r.item_id, r.value, i.subscale_id, i.position, i.show_if_item, i.scale_min
    FROM checkins c JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.couple_id = ? AND c.period = ? AND c.status = 'submitted' AND r.instrument_id = ?
      AND NOT i.private
)
-- a "was it mended?" follow-up belongs to the hurt its show_if depends on
SELECT f.partner_id, f.item_id AS often_item, f.value AS often, m.item_id AS repaired_item, m.value AS repaired
FROM mine f
LEFT JOIN mine m
  ON m.partner_id = f.partner_id AND m.subscale_id = ? AND m.show_if_item = f.item_id
WHERE f.subscale_id = ? AND f.value > f.scale_min
ORDER BY f.partner_id, f.position
"""

SHARED_NOTES_SQL = """
SELECT c.partner_id, n.body
FROM notes n JOIN checkins c USING (checkin_id)
WHERE c.couple_id = ? AND c.period = ? AND c.status = 'submitted' AND NOT n.is_private
ORDER BY c.partner_id
"""


def revealed_months(store: Store, couple_id: int) -> list[dt.date]:
    """Months every partner of the couple has submitted, newest first."""
    df = store.query(REVEALED_SQL, [couple_id, couple_id])
    return [pd.Timestamp(p).date() for p in df["period"]]


def differences(store: Store, couple_id: int, period: dt.date, top: int = 5) -> pd.DataFrame:
    """The shared questions the two answered most differently that month."""
    return store.query(DIFFERENCES_SQL, [couple_id, month_start(period), top])


def named_hurts(store: Store, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Each small hurt a partner named that month (how often, and whether it was mended).

    Pairs each `frequency` item with the `repaired` item whose show_if points at it.
    """
    return store.query(NAMED_HURTS_SQL, [couple_id, month_start(period), MICRO_HURTS, REPAIRED, FREQUENCY])


def shared_notes(store: Store, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Notes the partners chose to share for that month (private ones never)."""
    return store.query(SHARED_NOTES_SQL, [couple_id, month_start(period)])


@dataclass(frozen=True)
class Prompt:
    """A conversation prompt drawn from the repair steps."""

    step: str
    text: str


def prompts(
    month_scores: pd.DataFrame,
    hurts: pd.DataFrame,
    recurring_titles: Sequence[str],
    hurt_labels: Mapping[str, str],
) -> list[Prompt]:
    """A few prompts chosen from what this month's answers show (always at least one)."""
    out: list[Prompt] = []
    shared = month_scores[~month_scores["private"].astype(bool)] if not month_scores.empty else month_scores
    stirred = shared[(shared["instrument_id"] == "nervous_system") & shared["band_tone"].isin(["concern", "watch"])]
    if not stirred.empty:
        out.append(
            Prompt(
                "Slow down first",
                "Some of this month's answers show bodies that were on alert. Before talking about what "
                "happened, take a few slow breaths together, and agree that either of you can ask for a pause.",
            )
        )
    if not hurts.empty:
        kinds = sorted({hurt_labels.get(i, i) for i in hurts["often_item"]})
        out.append(
            Prompt(
                "Name the impact, not the intent",
                "You each named small hurts this month ("
                + ", ".join(k.lower() for k in kinds[:3])
                + ("…" if len(kinds) > 3 else "")
                + "). Take turns saying how one of them landed in you, starting with \u201cI felt\u2026\u201d. "
                "The listener's only task is to understand, not to explain.",
            )
        )
        if (hurts["repaired"].fillna(0) == 0).any():
            out.append(
                Prompt(
                    "Repair in the present",
                    "Some of what hurt has not been mended yet. Is there one small thing you could say or do "
                    "for each other this week, while it is still close?",
                )
            )
    if recurring_titles:
        out.append(
            Prompt(
                "Notice the theme underneath",
                "\u201c"
                + recurring_titles[0]
                + "\u201d keeps coming back. Without looking for who is to blame, you could wonder together "
                "when this feeling first showed up, and what would help it ease.",
            )
        )
    if not out:
        out.append(
            Prompt(
                "Keep what works",
                "This month looks fairly calm. You could each name one moment when you felt close, and what "
                "made it possible.",
            )
        )
    return out
