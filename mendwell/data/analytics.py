"""Analytic queries: scores, changes, themes, small hurts and repair, two perspectives, Together, caseload.

Each query lives in `sql/NAME.sql` and runs with bound parameters; the
domain modules (`scoring`, `analysis`, `together`, `caseload`, `safety`)
turn the results into what pages and reports show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mendwell.data.engine import Engine
from mendwell.data.sqlfiles import query
from mendwell.limits import CHECKIN_DAY_DEFAULT
from mendwell.periods import month_start

if TYPE_CHECKING:
    import pandas as pd


class Analytics:
    """Read-only analytic queries over the whole database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _run(self, name: str, **params: object) -> pd.DataFrame:
        return self._engine.read(query(name), params)

    def scores(self, couple_id: int | None = None, partner_id: int | None = None) -> pd.DataFrame:
        """Scores per partner, month and subscale, with band and tone (everyone's when no filter is given)."""
        return self._run("scores", scores_couple=couple_id, scores_couples=None, scores_partner=partner_id)

    def changes(self, couple_id: int | None) -> pd.DataFrame:
        """Each score of a couple (every couple's when None) with its baseline, previous score, reliability, norms."""
        return self._run(
            "reliable_change", scores_couple=couple_id, scores_couples=None, scores_partner=None, latest_only=False
        )

    def changes_of(self, couple_ids: Sequence[int], *, latest_only: bool = False) -> pd.DataFrame:
        """`changes` of several couples (a therapist's caseload) in one query; with `latest_only`, each
        partner's latest score of each subscale only."""
        return self._run(
            "reliable_change",
            scores_couple=None,
            scores_couples=list(couple_ids),
            scores_partner=None,
            latest_only=latest_only,
        )

    def reference_items(self) -> pd.DataFrame:
        """Every partner's first check-in per subscale: each scored answer (reversed as scored) and the score."""
        return self._run("reference_items")

    def submitted_signature(self) -> tuple[int, int, int]:
        """(how many, sum and largest id) of every submitted check-in: it changes whenever the reference
        population could (a check-in submitted, imported or erased anywhere; a submitted one never changes)."""
        row = self._run("submitted_signature").iloc[0]
        return int(row["n"]), int(row["id_sum"]), int(row["id_max"])

    def theme_signals(self, couple_id: int) -> pd.DataFrame:
        """Every (partner, month, theme, source item) where a theme showed up."""
        found = self._run("theme_signals", couple_id=couple_id, couple_ids=None, since=None)
        return found.drop(columns="couple_id")

    def theme_signals_of(self, couple_ids: Sequence[int], since: dt.date | None) -> pd.DataFrame:
        """`theme_signals` of several couples in one query, with `couple_id`, from the month `since` on."""
        return self._run("theme_signals", couple_id=None, couple_ids=list(couple_ids), since=since)

    def hurt_kinds(self, couple_id: int, instrument_id: str, subscale_id: str) -> pd.DataFrame:
        """Per partner and month, each kind of small hurt that happened and how often."""
        return self._run("hurt_kinds", couple_id=couple_id, instrument_id=instrument_id, subscale_id=subscale_id)

    def repair_counts(self, couple_id: int, instrument_id: str, often_subscale: str, subscale_id: str) -> pd.DataFrame:
        """Per partner and month: small hurts named, and how many of them were mended, partly, not yet, unanswered."""
        return self._run("repair_counts", couple_id=couple_id, instrument_id=instrument_id,
                         often_subscale=often_subscale, subscale_id=subscale_id)  # fmt: skip

    def mirrored_views(self, couple_id: int) -> pd.DataFrame:
        """Per month: how a partner saw their reaches met, and how the other saw themselves meeting them."""
        return self._run("mirrored_views", couple_id=couple_id)

    def revealed_months(self, couple_id: int) -> list[dt.date]:
        """Months both partners submitted, newest first."""
        return [row[0] for row in self._engine.rows(query("revealed_months"), {"couple_id": couple_id})]

    def differences(self, couple_id: int, period: dt.date, top: int) -> pd.DataFrame:
        """The shared answers where the two partners differ most in a month."""
        return self._run("differences", couple_id=couple_id, period=month_start(period), top=top)

    def named_hurts(
        self, couple_id: int, period: dt.date, instrument_id: str, often_subscale: str, repaired_subscale: str
    ) -> pd.DataFrame:
        """Each small hurt a partner named in a month, with its "was it mended?" answer."""
        return self._run("named_hurts", couple_id=couple_id, period=month_start(period), instrument_id=instrument_id,
                         often_subscale=often_subscale, repaired_subscale=repaired_subscale)  # fmt: skip

    def shared_notes(self, couple_id: int, period: dt.date) -> pd.DataFrame:
        """The notes partners chose to share for a month."""
        return self._run("shared_notes", couple_id=couple_id, period=month_start(period))

    def caseload_overview(self, period: dt.date, couple_ids: list[int]) -> pd.DataFrame:
        """One row per couple of `couple_ids`: last check-in, how many submitted in `period`, check-in day."""
        return self._run("caseload_overview", period=month_start(period), default_day=CHECKIN_DAY_DEFAULT,
                         couples=couple_ids)  # fmt: skip

    def safety_flags(self, since: dt.date, couple_ids: list[int], sent_from: str) -> pd.DataFrame:
        """couple_id, partner_id (of `couple_ids`) where a safety check raised a concern in a month from `since`,
        in a check-in submitted at or after `sent_from` (a timestamp as `Settings.stamp` stores it)."""
        return self._run("safety_flags", since=since, couples=couple_ids, sent_from=sent_from)
