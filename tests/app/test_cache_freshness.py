"""The app's caches follow what their results depend on. A couple's results (Trends, Themes, the glance) are
kept per write of that couple; reliable change also judges them by the practice's reference figures (the spread
of everyone's first check-ins), which another couple's first check-in changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from mendwell import analysis
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.reveal import EVERY_MONTH
from tests.support.apptest import app_store
from tests.support.data import THIS_MONTH, check_in, make_couple, make_couple_ids, month, whole_plan
from ui import resources


def test_a_couples_results_follow_the_practices_reference_figures(
    demo_store: Database, catalog: Catalog, app_env: Path
) -> None:
    """When another couple's first check-ins change the reference figures, a couple's kept results are judged by
    the new figures at once, as the caseload's are (they were kept as they were until the couple's own next
    write, up to an hour: Trends and the caseload could disagree on the same month)."""
    couple = demo_store.couples.all()[0]
    demo_store.close()
    db = app_store()
    before = resources.analysis_for(db, couple.couple_id, EVERY_MONTH)["reliable"]
    view = resources.trends_view_for(db, resources.get_catalog(), couple, EVERY_MONTH, 12, False)
    ref = resources.reference_for(db)

    newcomers = make_couple(db, "New & Here", ("New", "Here"))  # their first check-ins, at the scales' ends
    for partner, value in zip(newcomers.partners, (0, 4), strict=True):
        check_in(db, catalog, partner.partner_id, THIS_MONTH, whole_plan(catalog, value))
    assert analysis.reference_token(resources.reference_for(db)) != analysis.reference_token(ref)

    after = resources.analysis_for(db, couple.couple_id, EVERY_MONTH)["reliable"]
    fresh = analysis.reliable_change(db, couple.couple_id, analysis.reference(db))
    pd.testing.assert_frame_equal(after, fresh)
    assert not after["partners"].equals(before["partners"])  # the figures it is judged by did change
    assert resources.trends_view_for(db, resources.get_catalog(), couple, EVERY_MONTH, 12, False) is not view


def test_after_an_erasure_nothing_kept_in_memory_is_reused(demo_store: Database, app_env: Path) -> None:
    """The views kept for Trends and Themes (resources, not data: `st.cache_data.clear()` left them, names and
    scores, for up to an hour after their couple was erased) are forgotten with everything else."""
    couple = demo_store.couples.all()[0]
    demo_store.close()
    db = app_store()
    catalog = resources.get_catalog()
    trends = resources.trends_view_for(db, catalog, couple, EVERY_MONTH, 12, False)
    themes = resources.themes_view_for(db, catalog, couple, EVERY_MONTH, 12, False, THIS_MONTH)
    assert resources.trends_view_for(db, catalog, couple, EVERY_MONTH, 12, False) is trends  # kept
    resources.forget_erased(db)
    assert resources.trends_view_for(db, catalog, couple, EVERY_MONTH, 12, False) is not trends
    assert resources.themes_view_for(db, catalog, couple, EVERY_MONTH, 12, False, THIS_MONTH) is not themes


def test_a_kept_view_is_drawn_with_the_names_it_is_asked_with(demo_store: Database, app_env: Path) -> None:
    """The couple (names) is read before its revision: a rename committed between the two must not leave the
    old names kept under the new revision. The names are part of a view's key."""
    couple = demo_store.couples.all()[0]
    demo_store.close()
    db, catalog = app_store(), resources.get_catalog()
    view = resources.trends_view_for(db, catalog, couple, EVERY_MONTH, 12, False)
    first = couple.partners[0]
    renamed = dataclasses.replace(couple, partners=(dataclasses.replace(first, name="Renamed"), *couple.partners[1:]))
    again = resources.trends_view_for(db, catalog, renamed, EVERY_MONTH, 12, False)
    assert again is not view and again is not None
    drawn = {t.name for inst in again.instruments for c in inst.charts for t in c.figure.data}
    assert "Renamed" in drawn and first.name not in drawn


def test_the_themes_view_names_a_missed_month_once_it_has_ended(
    store: Database, catalog: Catalog, app_env: Path
) -> None:
    """Both checked in for January; Ann for February too, Bob not yet. While February is this month it is still
    Bob's to answer; once March comes, the kept view says he sent nothing for it (it was kept until the couple's
    next write, up to an hour after the month turned)."""
    couple_id, ann, bob = make_couple_ids(store, "Us")
    for who, months in ((ann, (0, 1)), (bob, (0,))):
        for i in months:
            check_in(store, catalog, who, month(i), {"micro_hurts": {"unheard_often": 0}})
    store.close()
    db = app_store()
    couple = db.couples.get(couple_id)
    assert couple is not None

    def said(today: dt.date) -> list[str]:
        view = resources.themes_view_for(db, resources.get_catalog(), couple, EVERY_MONTH, 12, False, today)
        assert view is not None
        return [note for heat in view.heatmaps for note in heat.notes]

    assert said(month(1)) == []
    assert said(month(1).replace(day=17)) == []  # any day of the month keys the same view
    assert said(month(2)) == ["Months without a check-in from Bob: February 2025."]
