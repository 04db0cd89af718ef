"""A month is revealed once both partners have submitted it: until then neither sees what the other answered.

Every view of a couple's results is seen through a `Lens`. A partner's lens waits on the other partner (their
answers, scores, themes and notes from a month show only once the month is revealed); a shared screen's lens
waits on both (the couple is watching together); a therapist's lens waits on no one. `seen` applies a lens to
a couple's computed results, after they are computed and kept, so the statistics (a baseline, the spread of a
part) are the same whoever looks; only what is shown differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from mendwell import stats

__all__ = ["EVERY_MONTH", "Lens", "seen", "seen_frame", "waiting_months"]


@dataclass(frozen=True)
class Lens:
    """Whose months are shown only once revealed (`waiting`: partner ids). Hashable, so it keys kept results."""

    waiting: tuple[int, ...] = ()

    @classmethod
    def of(cls, partner_ids: Iterable[int]) -> Lens:
        """A lens waiting on these partners (in a fixed order, so equal lenses key the same results)."""
        return cls(tuple(sorted(set(partner_ids))))

    def __bool__(self) -> bool:
        return bool(self.waiting)


EVERY_MONTH = Lens()  # a therapist's and the machine operator's: every submitted month

# what a waited-on partner's score loses when the month it is compared with is not open to the viewer
MONTH_BEFORE = ("previous_score", "previous_period", "previous_tone", "month_change")
FROM_THE_START = ("reference_score", "change", "rc", "clinical_class")
HIDDEN_START = "their starting point is a month not open to you both yet"


def _periods(months: Iterable[dt.date | pd.Timestamp]) -> set[pd.Timestamp]:
    return {pd.Timestamp(m) for m in months}


def seen_frame(
    frame: pd.DataFrame,
    lens: Lens,
    revealed: Collection[dt.date | pd.Timestamp],
    partner_col: str | None = "partner_id",
) -> pd.DataFrame:
    """The rows of `frame` this lens shows: a waited-on partner's rows only from revealed months (all rows of a
    month when `partner_col` is None: rows that hold both partners' answers). A score's comparison with a month
    the lens hides loses what would tell that month: the month before's score and change; for a starting point,
    its score, the change, the verdict (can't tell, and why) and the clinical class."""
    if not lens or frame.empty:
        return frame
    shown = pd.to_datetime(frame["period"]).isin(_periods(revealed))
    if partner_col is not None:
        shown |= ~frame[partner_col].isin(lens.waiting)
    out = frame[shown]
    if partner_col is None:
        return out
    out = out.copy()
    waited = out[partner_col].isin(lens.waiting)
    shown_months = _periods(revealed)

    def hidden(when: str) -> pd.Series:
        return waited & out[when].notna() & ~pd.to_datetime(out[when]).isin(shown_months)

    if "previous_period" in out:  # "since the month before", when that month is not open to this viewer
        gone = hidden("previous_period")
        out.loc[gone, [c for c in MONTH_BEFORE if c in out]] = None
    if "reference_period" in out:
        # a comparison with a starting point not open to this viewer would tell it (its score is the score
        # minus the change): no verdict is given, and it says why
        gone = hidden("reference_period")
        out.loc[gone, [c for c in FROM_THE_START if c in out]] = None
        if "verdict" in out:
            out.loc[gone, "verdict"] = stats.CANT_TELL
        if "reason" in out:
            out.loc[gone, "reason"] = HIDDEN_START
    return out


# which column names the partner in each of a couple's results (None: the row holds both partners' answers)
PARTNER_OF = {"reliable": "partner_id", "signals": "partner_id", "kinds": "partner_id", "repair": "partner_id"}


def seen(
    data: Mapping[str, pd.DataFrame], lens: Lens, revealed: Collection[dt.date | pd.Timestamp]
) -> dict[str, pd.DataFrame]:
    """A couple's results (`ui.resources.couple_analysis`) as this lens shows them."""
    return {name: seen_frame(frame, lens, revealed, PARTNER_OF.get(name)) for name, frame in data.items()}


def waiting_months(
    submitted: pd.DataFrame, lens: Lens, revealed: Collection[dt.date | pd.Timestamp]
) -> dict[int, list[pd.Timestamp]]:
    """For each waited-on partner, the months they submitted that this lens does not show yet (oldest first):
    what a page says it is keeping back. `submitted` has partner_id and period."""
    if not lens or submitted.empty:
        return {}
    shown = _periods(revealed)
    out: dict[int, list[pd.Timestamp]] = {}
    for pid, period in zip(submitted["partner_id"], pd.to_datetime(submitted["period"]), strict=True):
        if int(pid) in lens.waiting and period not in shown:
            out.setdefault(int(pid), []).append(pd.Timestamp(period))
    return {pid: sorted(months) for pid, months in out.items()}
