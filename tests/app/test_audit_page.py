"""The practice owner's Audit log page: the log in words a person reads (who did what, when, to which couple by
name), a couple chosen by name, and a couple since erased still accounted for by its number."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendwell import audit, periods
from mendwell.data import Database
from mendwell.text import md_escape
from tests.support.apptest import app_store, click, ok, open_page, sign_in, start_app
from tests.support.auth import therapist
from tests.support.data import HOSTILE_COUPLE, make_couple
from tests.support.ui import ACCOUNTS, AUDIT, CASELOAD, TRENDS
from ui import state

COLUMNS = ["#", "When", "Who", "What", "Couple", "Details"]
EVERY = "Every couple"


def test_the_log_reads_in_words_and_a_couple_is_chosen_by_name(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    hostile = make_couple(store, HOSTILE_COUPLE, ("Cy", "Di"))
    gone = make_couple(store, "Ed & Flo", ("Ed", "Flo"))
    audit.record(store, "Dr Owner", audit.VIEW, ada.couple_id, "Trends")
    audit.record(store, "Dr Owner", audit.VIEW, hostile.couple_id, "Together")
    audit.record(store, "Dr Owner", audit.EXPORT, gone.couple_id, "csv")
    store.couples.erase(gone.couple_id)
    audit.record(store, "Dr Owner", audit.ERASE, gone.couple_id)
    audit.record(store, "Dr Owner", audit.SETTING, None, "safety flag shown to therapists")
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [ada.couple_id, hostile.couple_id], owner=True))
    store.close()

    at = open_page(start_app(), AUDIT)
    table = at.dataframe[0].value
    assert list(table.columns) == COLUMNS
    assert list(table["#"]) == sorted(table["#"], reverse=True)  # newest first
    by_seq = table.set_index("#")
    [trends] = table[table["Details"] == "Trends"]["#"]
    assert by_seq.loc[trends, ["Who", "What", "Couple"]].tolist() == ["Dr Owner", "view", "Ada & Bo"]
    # a couple since erased: its entries stay, named by its number (its name went with it)
    erased = table[table["What"].isin(["erase", "export"])]
    assert set(erased["Couple"]) == {f"couple {gone.couple_id} (erased)"}
    # an entry about no couple says nothing there
    assert table[table["Details"] == "safety flag shown to therapists"]["Couple"].tolist() == [""]

    chooser = at.selectbox(key="audit_couple")
    assert chooser.label == "Entries about"  # not "Couple", which the sidebar's chooser of a couple is called
    # names as typed, never as markdown; a couple since erased by its number, to ask about them still
    assert chooser.options == [EVERY, "Ada & Bo", HOSTILE_COUPLE, f"couple {gone.couple_id} (erased)"]
    ok(chooser.select(gone.couple_id).run())
    assert sorted(at.dataframe[0].value["What"]) == ["erase", "export"]
    chooser = at.selectbox(key="audit_couple")
    ok(chooser.select_index(2).run())
    mine = at.dataframe[0].value
    assert set(mine["Couple"]) == {HOSTILE_COUPLE} and list(mine["Details"]) == ["Together"]
    ok(at.selectbox(key="audit_couple").select(EVERY).run())
    again = at.dataframe[0].value
    assert set(table["#"]) <= set(again["#"]) == {e.seq for e in audit.entries(app_store())}  # every entry again


def test_a_page_about_no_one_couple_is_logged_without_one(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening Trends logs a view of the couple chosen in the sidebar; opening the caseload, the accounts or the
    log itself logs a view of no couple (they are about every couple, or none), whichever couple is chosen."""
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [ada.couple_id], owner=True))
    store.close()

    at = start_app()
    for page in (TRENDS, CASELOAD, ACCOUNTS, AUDIT):
        open_page(at, page)
    views = [(e.detail, e.couple_id) for e in audit.entries(app_store()) if e.action == audit.VIEW]
    assert ("Trends", ada.couple_id) in views
    assert {(title, None) for title in ("Caseload", "Accounts", "Audit log")} <= set(views)
    assert not [v for v in views if v[0] in ("Caseload", "Accounts", "Audit log") and v[1] is not None]


def test_a_couple_opened_on_the_caseload_is_logged_and_its_name_stays_words(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caseload's "Open a couple" shows one couple's flags in sentences and their start of therapy: a view
    of that couple, logged as one each time another couple is opened there; and their name, however it is
    written, is shown as words, never as markdown (bold, a link)."""
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    hostile = make_couple(store, HOSTILE_COUPLE, ("Cy", "Di"))
    sign_in(monkeypatch, store, therapist(store, "Dr Board", [ada.couple_id, hostile.couple_id]))
    store.close()

    at = open_page(start_app(), CASELOAD)

    def opened() -> list[int | None]:
        return [e.couple_id for e in audit.entries(app_store()) if e.detail == "Caseload: a couple's flags"]

    first = at.selectbox(key=state.CASELOAD_PICK).value
    assert opened() == [first]
    ok(at.run())  # a rerun of the same couple is not another view
    assert opened() == [first]
    other = ada.couple_id if first == hostile.couple_id else hostile.couple_id
    ok(at.selectbox(key=state.CASELOAD_PICK).select(other).run())
    assert opened() == [first, other]
    ok(at.selectbox(key=state.CASELOAD_PICK).select(hostile.couple_id).run())  # the hostile name on screen
    # every markdown element naming the couple names it escaped: as words (and there is one)
    naming = [m.value for m in at.markdown if "bold" in m.value or "alert(1)" in m.value]
    assert naming
    for text in naming:
        assert md_escape(HOSTILE_COUPLE) in text, text

    # marking the start of therapy changes every verdict of theirs: it is logged, as is clearing it
    ok(click(at, "Mark this month as the start"))
    ok(click(at, "Use each first check-in instead"))
    marks = [(e.couple_id, e.detail) for e in audit.entries(app_store()) if "start of therapy" in e.detail]
    this_month = periods.month_start()
    assert marks == [
        (hostile.couple_id, f"start of therapy marked at {this_month:%Y-%m}"),
        (hostile.couple_id, "start of therapy cleared"),
    ]
