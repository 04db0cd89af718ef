"""Analytic queries: scores, changes, themes, small hurts and repair, two perspectives, Together, caseload.

Each query lives in `sql/NAME.sql` and runs with bound parameters; the
domain modules (`scoring`, `analysis`, `together`, `caseload`, `safety`)
turn the results into what pages and reports show.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mendwell.data.engine import Engine
from mendwell.data.sqlfiles import query
from mendwell.limits import CHECKIN_DAY_DEFAULT
from mendwell.periods import month_start


class Analytics:
    """Read-only analytic queries over the whole database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _run(self, name: str, **params: object) -> pd.DataFrame:
        return self._engine.read(query(name), params)

    def scores(self, couple_id: int | None = None, partner_id: int | None = None) -> pd.DataFrame:
        """Scores per partner, month and subscale, with band and tone (everyone's when no filter is given)."""
        return self._run("scores", scores_couple=couple_id, scores_partner=partner_id)

    def changes(self, couple_id: int, min_own: int) -> pd.DataFrame:
        """Each score of a couple with the previous one, the reliability and the SD to judge the change by."""
        return self._run("reliable_change", scores_couple=None, scores_partner=None, couple_id=couple_id,
                         min_own=min_own)  # fmt: skip

    def latest_changes(self, min_own: int) -> pd.DataFrame:
        """Every partner's latest shared score per subscale with its previous one (for caseload flags)."""
        return self._run("latest_changes", scores_couple=None, scores_partner=None, min_own=min_own)

    def theme_signals(self, couple_id: int) -> pd.DataFrame:
        """Every (partner, month, theme, source item) where a theme showed up."""
        return self._run("theme_signals", couple_id=couple_id)

    def hurt_kinds(self, couple_id: int, instrument_id: str, subscale_id: str) -> pd.DataFrame:
        """Per partner and month, each kind of small hurt that happened and how often."""
        return self._run("hurt_kinds", couple_id=couple_id, instrument_id=instrument_id, subscale_id=subscale_id)

    def repair_ratio(self, couple_id: int, instrument_id: str, subscale_id: str) -> pd.DataFrame:
        """Per partner and month: named small hurts and how many were mended."""
        return self._run("repair_ratio", couple_id=couple_id, instrument_id=instrument_id, subscale_id=subscale_id)

    def mirrored_views(self, couple_id: int) -> pd.DataFrame:
        """Per month: how a partner saw their reaches met, and how the other saw themselves meeting them."""
        return self._run("mirrored_views", couple_id=couple_id)

    def revealed_months(self, couple_id: int) -> list[dt.date]:
        """Months both partners submitted, newest first."""
        df = self._run("revealed_months", couple_id=couple_id)
        return [pd.Timestamp(p).date() for p in df["period"]]

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

    def caseload_overview(self, period: dt.date) -> pd.DataFrame:
        """One row per couple: last check-in, how many submitted in `period`, check-in day."""
        return self._run("caseload_overview", period=month_start(period), default_day=CHECKIN_DAY_DEFAULT)

    def safety_flags(self, since: dt.date) -> pd.DataFrame:
        """couple_id, partner_id where a safety check raised a concern since `since`."""
        return self._run("safety_flags", since=since)
