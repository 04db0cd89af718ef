"""Together: a month both partners have submitted, opened side by side.

Nothing here ever returns a private item, a private subscale or a private
note: the queries filter them out in SQL, so no page can show them by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mendwell import stats
from mendwell.analysis import FREQUENCY, MICRO_HURTS, REPAIRED
from mendwell.data import Database

# Shared numeric items both partners answered that month, furthest apart first
# (distance as a share of the item's scale, so 0..4 and 0..2 items compare).


def revealed_months(db: Database, couple_id: int) -> list[dt.date]:
    """Months every partner of the couple has submitted, newest first."""
    return db.analytics.revealed_months(couple_id)


def differences(db: Database, couple_id: int, period: dt.date, top: int = 5) -> pd.DataFrame:
    """The shared questions the two answered most differently that month."""
    return db.analytics.differences(couple_id, period, top)


def named_hurts(db: Database, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Each small hurt a partner named that month (how often, and whether it was mended).

    Pairs each `frequency` item with the `repaired` item whose show_if points at it.
    """
    return db.analytics.named_hurts(couple_id, period, MICRO_HURTS, FREQUENCY, REPAIRED)


def shared_notes(db: Database, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Notes the partners chose to share for that month (private ones never)."""
    return db.analytics.shared_notes(couple_id, period)


SEEING_DIFFERENTLY = "seeing it differently"
CLOSE = "close together"
CANT_TELL_GAP = "can't tell yet"


def dyad_gaps(month_scores: pd.DataFrame) -> pd.DataFrame:
    """How far apart the two partners are on each shared part in one month, against the gap's own error.

    SE_D = sqrt(SE_A^2 + SE_B^2), with each partner's SE the part's SEM (see mendwell/analysis.py). The two
    are "seeing it differently" only when the gap exceeds 1.96 x SE_D (and one answer step), the same
    bar as a reliable change; otherwise they are close together, or, without an SEM, it can't be told.
    """
    cols = ["instrument_id", "subscale_id", "first_id", "first_score", "second_id", "second_score", "gap", "se_d",
            "bound", "reading"]  # fmt: skip
    if month_scores.empty:
        return pd.DataFrame(columns=cols)
    shared = month_scores[~month_scores["private"].astype(bool)]
    rows = []
    for (inst, sub), part in shared.groupby(["instrument_id", "subscale_id"], sort=False):
        if len(part) != 2:
            continue
        a, b = part.sort_values("partner_id").itertuples()
        gap = abs(float(a.score) - float(b.score))
        se_d = stats.se_difference(float(a.sem), float(b.sem))
        step = max(float(a.step), float(b.step))
        bound = stats.threshold(se_d, step) if se_d == se_d else float("nan")
        reading = CANT_TELL_GAP if bound != bound else SEEING_DIFFERENTLY if gap > bound else CLOSE
        rows.append((inst, sub, int(a.partner_id), float(a.score), int(b.partner_id), float(b.score), gap, se_d,
                     bound, reading))  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


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
