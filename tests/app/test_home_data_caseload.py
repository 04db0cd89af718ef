"""Small things that matter (issue 12), with AppTest on the real pages and a real DuckDB file:

- Home points to Together once both partners have checked in for a month (on the demo, and as the second
  partner submits), with warm words and a link;
- a file that is not an archive, uploaded on the Data page, is explained in the page itself;
- the Caseload has a column per kind of flag, sortable (dates as dates, counts as numbers, the most pressing
  kind in words that sort in its order), couples with the most pressing flags first.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton, PageLink

from mendwell import audit, caseload, periods, together
from mendwell.archive import export_archive
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.apptest import app_store, button, elements, ok, open_page, shown, sign_in, start_app
from tests.support.auth import as_signed_in, cookie_for, partner_accounts, therapist
from tests.support.data import (
    THIS_MONTH,
    check_in,
    fingerprint,
    make_couple,
    opened,
    safety_concerns_last_month,
    whole_plan,
)
from tests.support.ui import CASELOAD, DATA
from ui import resources, state

# -- Home points to Together ------------------------------------------------------------------------------


def together_links(at: AppTest) -> list[PageLink]:
    """Links on the page to Together."""
    return [link for link in elements(at.main, "page_link", PageLink) if "together" in link.proto.page]


def test_home_points_to_together_once_both_have_checked_in(
    demo_store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = demo_store.couples.all()[0]
    newest = together.revealed_months(demo_store, demo.couple_id)[0]  # the demo has months both answered
    fresh = make_couple(demo_store, "Nell & Ode", ("Nell", "Ode"))
    nell, ode = fresh.partners
    check_in(demo_store, catalog, nell.partner_id, THIS_MONTH, whole_plan(catalog, 2))  # only one of the two
    demo_cookie = cookie_for(demo_store, partner_accounts(demo_store, demo)[0])
    nell_cookie = cookie_for(demo_store, partner_accounts(demo_store, fresh)[0])
    doctor_cookie = cookie_for(demo_store, therapist(demo_store, "Dr Home", [fresh.couple_id]))
    demo_store.close()

    # the first visit to a demo couple's Home: their newest open month, and the way to it
    as_signed_in(monkeypatch, demo_cookie)
    at = start_app()
    [link] = together_links(at)
    assert link.label == f"Open {periods.label(newest)} together"
    words = shown(at)
    if newest == THIS_MONTH:
        assert f"You have both checked in for {periods.label(THIS_MONTH)}, so the month is open on Together" in words
    else:
        assert f"{periods.label(newest)} is open on Together, since you both checked in" in words

    # a couple with no open month yet: Home says nothing of Together ...
    as_signed_in(monkeypatch, nell_cookie)
    at = start_app()
    assert together_links(at) == [] and "open on Together" not in shown(at)
    assert "You have checked in. Ode's check-in" in shown(at)  # said to Nell, who is at the screen
    as_signed_in(monkeypatch, doctor_cookie)  # their therapist reads about them, not to them
    at = start_app()
    assert f"Nell has checked in; Ode's check-in for {periods.label(THIS_MONTH)} is still open." in shown(at)
    assert "Your check-in" not in shown(at) and "whenever you are ready" not in shown(at)
    as_signed_in(monkeypatch, nell_cookie)
    at = start_app()
    # ... until the second partner checks in: then it says so warmly, and links to the month
    check_in(app_store(), catalog, ode.partner_id, THIS_MONTH, whole_plan(catalog, 1))
    ok(at.run())
    [link] = together_links(at)
    assert link.label == f"Open {periods.label(THIS_MONTH)} together"
    [success] = [s.value for s in at.success]
    assert success.startswith(
        f"You have both checked in for {periods.label(THIS_MONTH)}, so the month is open on Together: what each "
        "of you felt, side by side, in your own words."
    )
    assert success.endswith("Look at it together when there is a quiet moment; there is no hurry.")
    as_signed_in(monkeypatch, doctor_cookie)  # their therapist opens the page; the couple open it together
    at = start_app()
    [link] = together_links(at)
    assert link.label == f"Open {periods.label(THIS_MONTH)} on Together"
    # said to the therapist as to a therapist (found: "Look at it together when there is a quiet moment")
    [success] = [s.value for s in at.success]
    assert success.startswith(f"Nell and Ode have both checked in for {periods.label(THIS_MONTH)}")
    assert success.endswith("It is theirs to look at together first; you can open it with them in a session.")


# -- a wrong file on the Data page ------------------------------------------------------------------------

NOT_AN_ARCHIVE = "is not a Mendwell archive, so nothing was imported."


def test_a_file_that_is_not_an_archive_is_explained_in_the_page(
    store: Database, catalog: Catalog, app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    with opened(tmp_path / "home.duckdb") as home:  # a couple's own Mendwell at home, and its archive
        home.definitions.register(catalog.instruments)
        us = make_couple(home, "Cy & Di", ("Cy", "Di"))
        check_in(home, catalog, us.partners[0].partner_id, THIS_MONTH, whole_plan(catalog, 2))
        real = export_archive(home, tmp_path / "cy-di.zip").read_bytes()
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [], owner=True))
    store.close()

    at = open_page(start_app(), DATA)
    assert (
        at.file_uploader(key="import_upload").allowed_type == []
    )  # taken whatever it is, so the page can say why it will not do
    assert "the .zip file `mendwell archive` makes" in shown(at)  # what is accepted, before choosing
    before = fingerprint(app_store())

    export_zip = io.BytesIO()  # a spreadsheet export is a zip too (its members were listed as "unexpected")
    with zipfile.ZipFile(export_zip, "w") as zf:
        zf.writestr("notes.csv", "couple_id,partner_id,period,body\n")
        zf.writestr("responses.csv", "couple_id,partner_id\n")
    for name, content, kind in [
        ("notes.pdf", b"%PDF-1.7 not an archive", "application/pdf"),
        ("holiday.zip", b"a text file given a .zip name", "application/zip"),
        ("mendwell-export-2026-11-30.zip", export_zip.getvalue(), "application/zip"),
    ]:
        at.file_uploader(key="import_upload").set_value((name, content, kind))
        ok(at.run())
        [warning] = [w.value for w in at.warning]
        assert f"\u201c{name}\u201d {NOT_AN_ARCHIVE}" in warning.replace("\\", "")
        assert "mendwell archive" in warning
        assert not [b for b in at.button if b.label == "Import it"]
        assert "This archive would add" not in shown(at)
    assert fingerprint(app_store()) == before

    # an archive cut short (a download that did not finish) is said to be damaged, not "not an archive"
    at.file_uploader(key="import_upload").set_value(("cy-di.zip", real[: len(real) // 2], "application/zip"))
    ok(at.run())
    [warning] = [w.value for w in at.warning]
    assert NOT_AN_ARCHIVE not in warning and "damaged or did not finish downloading" in warning
    assert fingerprint(app_store()) == before

    # a real archive is previewed, with no such message
    at.file_uploader(key="import_upload").set_value(("cy-di.zip", real, "application/zip"))
    ok(at.run())
    assert NOT_AN_ARCHIVE not in shown(at) and not at.warning
    assert "This archive would add:" in shown(at)
    assert [b.label for b in at.button if b.label == "Import it"] == ["Import it"]

    # imported: said in words, not offered again, and the new couple is the owner's to open (found: it was no
    # one's, so nobody could see, archive or erase it without a trip to Accounts first)
    ok(button(at, "Import it").click().run())
    [said] = [s.value.replace("\\", "") for s in at.success]
    assert said.startswith("Imported 1 couple, 2 partners and 1 check-in.") and "Cy & Di can now be opened" in said
    assert "This archive would add" not in shown(at) and not [b for b in at.button if b.label == "Import it"]
    [cy] = [c for c in app_store().couples.all() if c.name == "Cy & Di"]
    owner = app_store().accounts.by_name("Dr Owner")
    assert owner is not None and cy.couple_id in app_store().accounts.granted(owner.account_id)


# -- the caseload: a column per kind of flag ----------------------------------------------------------------


def test_the_caseload_has_a_column_per_kind_most_pressing_first(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = THIS_MONTH + dt.timedelta(days=19)  # the 20th of this month
    told = therapist(store, "Dr Told")
    # "Safe Test": both said yes last month, told that a yes raises a flag (the flag was on, with a therapist)
    worried = safety_concerns_last_month(store, catalog, told_by=told.account_id)
    late = make_couple(store, "Lark & Moss", ("Lark", "Moss"))
    store.couples.set_checkin_day(late.couple_id, 5)  # their day has gone by, and neither has checked in
    calm = make_couple(store, "Cato & Dell", ("Cato", "Dell"))  # their day (the 28th) is still to come
    themed = make_couple(store, "Eno & Fay", ("Eno", "Fay"))
    for back in (3, 2, 1):  # every month "unseen", the same answers: a theme that keeps coming back
        for p in themed.partners:
            check_in(store, catalog, p.partner_id, periods.add_months(THIS_MONTH, -back), whole_plan(catalog, 1))
    ids = [worried, late.couple_id, calm.couple_id, themed.couple_id]

    board = caseload.board(store, ids, catalog, today, safety_flag=True)
    table = board.table.set_index("Couple")
    assert list(board.table.columns) == [
        "couple_id", "Couple", "Most pressing", "Safety check", "Reliably harder since the start",
        "Hard two months running", "Themes coming back", "This month", "Flags", "Last check-in",
    ]  # fmt: skip
    assert table.loc["Safe Test", "Most pressing"] == "1 · safety check"
    assert (
        table.loc["Safe Test", "Safety check"]
        == "Ann: safety check raised a concern; Bob: safety check raised a concern"
    )
    assert table.loc["Lark & Moss", "Most pressing"] == "5 · past the check-in day"
    assert table.loc["Lark & Moss", "This month"] == "neither yet, 15 days past their check-in day"
    assert table.loc["Cato & Dell", "Most pressing"] == "nothing flagged"
    assert table.loc["Cato & Dell", "This month"] == "neither yet, due in 8 days"
    assert table.loc["Cato & Dell", "Flags"] == 0 and pd.isna(table.loc["Cato & Dell", "Last check-in"])
    assert "Eno: Unseen" in table.loc["Eno & Fay", "Themes coming back"]
    assert table.loc["Eno & Fay", "Last check-in"] == pd.Timestamp(periods.add_months(THIS_MONTH, -1))
    # most pressing first, and sorting the column by its words keeps that order
    pressing = list(board.table["Most pressing"])
    assert pressing[0] == "1 · safety check" and pressing[-1] == "nothing flagged"
    assert pressing == sorted(pressing)
    # without the safety flag its kind has no column, and the ranks count the kinds shown: the most pressing is 1
    # (found: "2 · reliably harder" at the top, with no 1 anywhere, beside a help saying 1 is the most pressing)
    hidden = caseload.board(store, ids, catalog, today, safety_flag=False).table.set_index("Couple")
    assert "Safety check" not in hidden.columns
    assert hidden.loc["Lark & Moss", "Most pressing"] == "4 · past the check-in day"
    assert hidden.loc["Safe Test", "Most pressing"] != "1 · safety check"
    # the details: each flag as a sentence for the therapist
    [first, *_] = board.details[worried]
    assert first.startswith("Ann's private safety check raised a concern in the last three months")
    assert board.details[calm.couple_id] == []
    assert board.details[late.couple_id] == ["This month so far: neither yet, 15 days past their check-in day."]

    # the page: the same board, each column sortable by its kind, each kind explained in its header
    sign_in(monkeypatch, store, therapist(store, "Dr Board", ids))
    store.close()
    at = open_page(start_app(), CASELOAD)
    labels = [f.label for f in at.selectbox]  # the sidebar's too
    assert len(labels) == len(set(labels)) and "Couple to open" in labels, labels  # one name, one chooser
    frame = at.dataframe[0]
    # the short columns first, in view on a laptop (found: the count and the last check-in were off to the right)
    assert list(frame.proto.column_order)[:4] == ["Couple", "Most pressing", "Flags", "Last check-in"]
    assert "couple_id" not in frame.value.columns
    assert frame.value["Couple"].iloc[0] == "Safe Test"
    config = json.loads(frame.proto.columns)
    for kind in caseload.KINDS:
        assert config[kind.column]["help"] == kind.help
        assert config[kind.column]["type_config"]["type"] == "text"
    assert config["This month"]["label"] == f"This month ({periods.label(dt.date.today())})"
    assert config["Flags"]["type_config"] == {"type": "number", "format": "%d"}
    assert config["Last check-in"]["type_config"] == {"type": "date", "format": "MMM YYYY"}
    assert frame.proto.row_height > 64  # over 4rem, Streamlit wraps a cell's words instead of cutting them
    # the one empty cell (Cato & Dell have not checked in yet) says so, not Streamlit's "None"
    assert pd.isna(frame.value.set_index("Couple").loc["Cato & Dell", "Last check-in"])
    assert frame.proto.placeholder == "not yet"

    # built once per write (ui.resources.board_for): a check-in by one of the couples shows on the next run
    cato = calm.partners[0]
    ok(at.run())
    assert at.dataframe[0].value.set_index("Couple").loc["Cato & Dell", "This month"].startswith("neither yet")
    check_in(app_store(), catalog, cato.partner_id, THIS_MONTH, whole_plan(catalog, 1))
    ok(at.run())
    assert (
        at.dataframe[0]
        .value.set_index("Couple")
        .loc["Cato & Dell", "This month"]
        .startswith("Cato checked in; Dell not yet")
    )


def test_an_export_is_offered_only_for_the_couple_it_was_made_for(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A therapist prepares an export of one couple, then chooses another in the sidebar: the Data page does not
    offer the first couple's file as if it were the second's (it did: the prepared file was kept for the tab)."""
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    cy = make_couple(store, "Cy & Di", ("Cy", "Di"))
    for couple in (ada, cy):
        check_in(store, catalog, couple.partners[0].partner_id, THIS_MONTH, whole_plan(catalog, 2))
    sign_in(monkeypatch, store, therapist(store, "Dr Both", [ada.couple_id, cy.couple_id]))
    store.close()

    at = open_page(start_app(), DATA)
    assert at.session_state[state.COUPLE] == ada.couple_id
    [fmt] = [r for r in at.radio if r.label == "Format"]
    assert fmt.options == ["Spreadsheet (CSV)", "Parquet (for data tools)", "JSON (for programs)"]

    def offered() -> list[str]:
        return [b.label for b in elements(at, "download_button", DownloadButton) if "export" in b.label]

    ok(button(at, "Prepare the export").click().run())
    assert offered() == ["Download the export (.zip)"]
    ok(at.sidebar.selectbox(key=state.COUPLE).select_index(1).run())
    assert at.session_state[state.COUPLE] == cy.couple_id
    assert offered() == []  # Ada & Bo's file is not offered as Cy & Di's
    ok(button(at, "Prepare the export").click().run())
    assert offered() == ["Download the export (.zip)"]
    exports = [e.couple_id for e in audit.entries(app_store()) if e.action == audit.EXPORT]
    assert exports == [ada.couple_id, cy.couple_id]


def test_the_data_page_erases_a_couple_only_when_its_name_is_typed_and_then_nothing_of_them_is_kept(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner erases a couple on the Data page: a wrong name erases nothing; the right one erases them, says
    so, logs it, and nothing of them stays on screen or in the app's memory (the caseload's kept rows); then
    "erase everything", only once those words are typed."""
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    cy = make_couple(store, "Cy & Di", ("Cy", "Di"))
    for couple in (ada, cy):
        check_in(store, catalog, couple.partners[0].partner_id, THIS_MONTH, whole_plan(catalog, 2))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [ada.couple_id, cy.couple_id], owner=True))
    store.close()

    at = open_page(start_app(), CASELOAD)
    boards = resources._BOARDS[app_store()]
    assert ada.couple_id in boards and cy.couple_id in boards
    open_page(at, DATA)
    assert at.session_state[state.COUPLE] == ada.couple_id

    def erase(form: str, field: str, typed: str, label: str) -> None:
        [box] = [t for t in at.text_input if t.form_id.startswith(form) and t.label == field]
        box.input(typed)
        ok(button(at, label).click().run())

    erase("erase_couple", "Type the couple's name to confirm", "Ada & B", "Erase this couple")
    assert [w.value for w in at.warning][-1] == "The name does not match, so nothing was erased."
    assert [c.name for c in app_store().couples.all()] == ["Ada & Bo", "Cy & Di"]
    erase("erase_couple", "Type the couple's name to confirm", "Ada & Bo", "Erase this couple")
    # the message names who was erased (the form below now names the next couple), and only it does
    erased = "Erased Ada & Bo. Nothing of them is left in the database file."
    assert erased in [s.value.replace("\\", "") for s in at.success]
    assert [c.name for c in app_store().couples.all()] == ["Cy & Di"]
    assert at.session_state[state.COUPLE] == cy.couple_id and "Ada" not in shown(at).replace(erased, "")
    [box] = [t for t in at.text_input if t.form_id.startswith("erase_couple")]
    assert box.form_id == f"erase_couple_{cy.couple_id}" and box.value == ""  # the next couple's own form, empty
    assert ada.couple_id not in boards and not len(boards)  # forgotten, not left in memory
    assert [e.couple_id for e in audit.entries(app_store()) if e.action == audit.ERASE] == [ada.couple_id]

    erase("erase_all", "Type \u201cerase everything\u201d to confirm", "erase", "Erase everything")
    assert app_store().couples.all() != []
    erase("erase_all", "Type \u201cerase everything\u201d to confirm", "Erase everything", "Erase everything")
    assert app_store().couples.all() == []
    # their own account went with everything: signed out, and told what happened
    assert [t.value for t in at.title] == ["Sign in"]
    [said] = [s.value for s in at.success]
    assert said.startswith("Everything was erased, every account with it, and the database file was rewritten.")


def test_backups_are_deleted_only_once_the_owner_says_yes_and_the_page_says_so(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: one click on "Delete the backups made here" deleted every backup, with no question and no word."""
    from mendwell.backups import list_backups
    from mendwell.config import db_path

    make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [], owner=True))
    store.close()
    at = open_page(start_app(), DATA)
    ok(button(at, "Make a backup now").click().run())
    assert len(list_backups(db_path())) == 1
    ok(button(at, "Delete the backups made here").click().run())
    assert len(list_backups(db_path())) == 1  # asked first
    ok(button(at, "Keep them").click().run())
    assert len(list_backups(db_path())) == 1 and not [b for b in at.button if b.label.startswith("Yes, delete")]
    ok(button(at, "Delete the backups made here").click().run())
    ok(button(at, "Yes, delete 1 backup for good").click().run())
    assert list_backups(db_path()) == []
    assert "Deleted 1 backup." in [s.value for s in at.success]
    assert not [b for b in at.button if b.label == "Delete the backups made here"]
