"""The DuckDB store: migrations, one check-in per partner per month, transactions, threads, names, locking."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mendwell.checkin import Answer
from mendwell.data import LATEST_SCHEMA, Database
from mendwell.errors import AlreadySubmitted, MendwellError
from mendwell.instruments import Catalog, Instrument
from mendwell.limits import NAME_MAX as NAME_LIMIT
from mendwell.scoring import scores
from tests.support.cli import run_cli
from tests.support.data import instrument, make_couple_ids

MARCH = dt.date(2025, 3, 1)


def bids(catalog: Catalog) -> Instrument:
    return instrument(catalog, "bids")


def partners(store: Database, name: str = "Ann & Bo") -> tuple[int, int, int]:
    """Create a couple of Ann and Bo; returns (couple_id, partner 1, partner 2)."""
    return make_couple_ids(store, name, ("Ann", "Bo"))


def run_threads(n: int, work: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    """Run work(i) in n threads released together; returns (results, exceptions)."""
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            out = work(i)
        except BaseException as exc:  # noqa: BLE001 - every escaping exception is the finding
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(out)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def cli_info(db: Path) -> subprocess.CompletedProcess[str]:
    """`mendwell info` in a separate process on this database."""
    return run_cli(db, "info", timeout=60)


# -- migrations -------------------------------------------------------------------------------------


def test_upgrade_from_schema_1_keeps_data_and_rebuilds_definitions(tmp_path: Path, catalog: Catalog) -> None:
    """A schema-1 file upgrades in place: data intact, instrument tables rebuilt from the JSON snapshot."""
    path = tmp_path / "old.duckdb"
    old = Database(path, upgrade_to=1)
    assert old.engine.schema_version() == 1
    tables = set(old.engine.read("SELECT table_name FROM information_schema.tables").table_name)
    assert {"couples", "partners", "checkins", "responses", "instrument_versions"} <= tables
    assert not tables & {"notes", "instrument_items", "instrument_subscales", "instrument_bands"}

    inst = bids(catalog)
    answers = {
        "toward_me": 3.0,  # my_bids_met: 3, 4-1=3, 4-0=4 -> 10/3
        "away_from_me": 1.0,
        "against_me": 0.0,
        "i_turned_toward": 2.0,  # meeting_theirs: 2, 4-2=2, 4-4=0 -> 4/3
        "i_turned_away": 2.0,
        "i_turned_against": 4.0,
    }
    with old.engine.cursor() as cur:
        row = cur.execute("INSERT INTO couples (name) VALUES ('Old & Timer') RETURNING couple_id").fetchone()
        assert row is not None
        couple_id = int(row[0])
        pids = []
        for slot, name in ((1, "Old"), (2, "Timer")):
            prow = cur.execute(
                "INSERT INTO partners (couple_id, slot, name) VALUES (?, ?, ?) RETURNING partner_id",
                [couple_id, slot, name],
            ).fetchone()
            assert prow is not None
            pids.append(int(prow[0]))
        crow = cur.execute(
            "INSERT INTO checkins (couple_id, partner_id, period, status, started_at, updated_at, submitted_at) "
            "VALUES (?, ?, DATE '2024-03-01', 'submitted', TIMESTAMP '2024-03-05 20:00:00', "
            "TIMESTAMP '2024-03-05 20:10:00', TIMESTAMP '2024-03-05 20:10:00') RETURNING checkin_id",
            [couple_id, pids[0]],
        ).fetchone()
        assert crow is not None
        checkin_id = int(crow[0])
        cur.executemany(
            "INSERT INTO responses VALUES (?, 'bids', 1, ?, ?, NULL)",
            [(checkin_id, item_id, value) for item_id, value in answers.items()],
        )
        for snap in (inst, catalog.get("micro_hurts")):
            assert snap is not None
            cur.execute(
                "INSERT INTO instrument_versions VALUES (?, ?, ?, ?, ?, current_timestamp)",
                [snap.id, snap.version, snap.content_hash(), snap.title, snap.model_dump_json()],
            )
    old.close()

    new = Database(path)
    try:
        assert new.engine.schema_version() == LATEST_SCHEMA
        assert new.engine.read("SELECT version FROM schema_version ORDER BY version").version.tolist() == list(
            range(1, LATEST_SCHEMA + 1)
        )
        # a column added by a later migration is filled from the JSON snapshot
        follow_up = new.engine.read(
            "SELECT show_if_item FROM instrument_items "
            "WHERE instrument_id = 'micro_hurts' AND item_id = 'unheard_repaired'"
        )
        assert follow_up.show_if_item.tolist() == ["unheard_often"]
        couple = new.couples.get(couple_id)
        assert couple is not None and couple.name == "Old & Timer"
        assert [p.name for p in couple.partners] == ["Old", "Timer"]
        ck = new.checkins.by_id(checkin_id)
        assert ck is not None and ck.submitted and ck.period == dt.date(2024, 3, 1)
        assert new.checkins.answers(checkin_id) == {"bids": {k: Answer(v, None) for k, v in answers.items()}}

        items = new.engine.read(
            "SELECT item_id, subscale_id, reverse, scale_min, scale_max FROM instrument_items "
            "WHERE instrument_id = 'bids' AND version = 1 ORDER BY position"
        )
        assert items.item_id.tolist() == [it.id for it in inst.items]
        assert items.reverse.tolist() == [it.reverse for it in inst.items]
        assert (items.scale_min == 0).all() and (items.scale_max == 4).all()
        assert len(new.engine.read("SELECT * FROM instrument_bands WHERE instrument_id = 'bids'")) == 6

        got = scores(new, couple_id)
        assert got[["subscale_id", "score", "band"]].values.tolist() == [
            ["my_bids_met", 10 / 3, "Often met"],
            ["meeting_theirs", 4 / 3, "Hard to turn toward this month"],
        ]
    finally:
        new.close()

    again = Database(path)  # reopening does not rebuild (or duplicate) anything
    try:
        assert again.engine.table_counts()["responses"] == 6
        micro = catalog.get("micro_hurts")
        assert micro is not None
        n_items = int(again.engine.read("SELECT count(*) AS n FROM instrument_items").n[0])
        assert n_items == len(inst.items) + len(micro.items)
    finally:
        again.close()


def test_fresh_store_is_at_latest_schema(db_file: Path) -> None:
    """A new file is created at the latest schema."""
    s = Database(db_file)
    try:
        assert s.engine.schema_version() == LATEST_SCHEMA
    finally:
        s.close()


def test_newer_schema_is_refused(db_file: Path) -> None:
    """A file written by a newer Mendwell is refused with a plain MendwellError, and left free for others."""
    s = Database(db_file)
    s.engine.read("INSERT INTO schema_version VALUES (99, '0099_future.sql', current_timestamp)")
    s.close()
    with pytest.raises(MendwellError) as excinfo:
        Database(db_file)
    message = str(excinfo.value)
    assert "newer Mendwell (schema 99)" in message
    assert f"knows schema {LATEST_SCHEMA}" in message
    assert "update" in message.lower()
    # the refused file is not held open: another process gets the same plain reason, not "in use"
    result = cli_info(db_file)
    assert result.returncode == 1
    assert "newer Mendwell" in result.stderr
    assert "Traceback" not in result.stderr


# -- one check-in per partner per month ----------------------------------------------------------------


def test_open_checkin_twice_returns_same(store: Database) -> None:
    """Any day of a month opens that month's single check-in."""
    _, p1, p2 = partners(store)
    first = store.checkins.open(p1, dt.date(2025, 3, 5))
    second = store.checkins.open(p1, dt.date(2025, 3, 28))
    assert first.checkin_id == second.checkin_id
    assert first.period == MARCH and first.status == "draft"
    assert store.checkins.open(p2, MARCH).checkin_id != first.checkin_id
    assert store.checkins.open(p1, dt.date(2025, 4, 1)).checkin_id != first.checkin_id
    n = store.engine.read("SELECT count(*) AS n FROM checkins WHERE partner_id = ? AND period = ?", [p1, MARCH]).n[0]
    assert n == 1


def test_submit_twice(store: Database, catalog: Catalog) -> None:
    """The first submit wins; the second reports False and changes nothing."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH)
    store.checkins.save_answers(ck.checkin_id, bids(catalog), {"toward_me": Answer(value=2.0)})
    assert store.checkins.submit(ck.checkin_id, catalog) is True
    first = store.checkins.by_id(ck.checkin_id)
    assert store.checkins.submit(ck.checkin_id, catalog) is False
    assert store.checkins.by_id(ck.checkin_id) == first
    assert first is not None and first.submitted and first.submitted_at is not None
    rows = store.engine.read("SELECT status FROM checkins WHERE partner_id = ?", [p1])
    assert rows.status.tolist() == ["submitted"]
    assert store.checkins.open(p1, MARCH) == first  # no new draft for a submitted month


def test_submit_missing_checkin(store: Database, catalog: Catalog) -> None:
    """Submitting a check-in that does not exist is a MendwellError."""
    with pytest.raises(MendwellError, match="no longer exists"):
        store.checkins.submit(987654, catalog)


def test_saving_an_item_twice_keeps_one_row(store: Database, catalog: Catalog) -> None:
    """The latest answer replaces the earlier one; None clears it."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH).checkin_id
    inst = bids(catalog)
    store.checkins.save_answers(ck, inst, {"toward_me": Answer(value=1.0), "against_me": Answer(value=0.0)})
    store.checkins.save_answers(ck, inst, {"toward_me": Answer(value=3.0)})
    rows = store.engine.read("SELECT item_id, value FROM responses WHERE checkin_id = ? ORDER BY item_id", [ck])
    assert rows.values.tolist() == [["against_me", 0.0], ["toward_me", 3.0]]
    store.checkins.save_answers(ck, inst, {"against_me": None})
    assert store.checkins.answers(ck) == {"bids": {"toward_me": Answer(3.0, None)}}


def test_save_on_submitted_checkin_is_refused(store: Database, catalog: Catalog) -> None:
    """After submit, answers and notes cannot change, and nothing is written."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH).checkin_id
    inst = bids(catalog)
    store.checkins.save_answers(ck, inst, {"toward_me": Answer(value=1.0)})
    store.checkins.save_note(ck, "before", private=True)
    assert store.checkins.submit(ck, catalog)
    responses = store.engine.read("SELECT * FROM responses ORDER BY item_id")
    checkin = store.checkins.by_id(ck)
    with pytest.raises(AlreadySubmitted, match="already submitted"):
        store.checkins.save_answers(ck, inst, {"toward_me": Answer(value=4.0), "against_me": Answer(value=2.0)})
    with pytest.raises(AlreadySubmitted):
        store.checkins.save_answers(ck, inst, {"toward_me": None})
    with pytest.raises(AlreadySubmitted):
        store.checkins.save_note(ck, "after", private=False)
    pd.testing.assert_frame_equal(store.engine.read("SELECT * FROM responses ORDER BY item_id"), responses)
    assert store.checkins.by_id(ck) == checkin
    assert store.checkins.note(ck) == ("before", True)


def test_save_unknown_item_is_a_programming_error(store: Database, catalog: Catalog) -> None:
    """An item id the instrument does not have raises KeyError and writes nothing."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH).checkin_id
    with pytest.raises(KeyError):
        store.checkins.save_answers(ck, bids(catalog), {"toward_me": Answer(value=1.0), "nope": Answer(value=1.0)})
    assert store.checkins.answers(ck) == {}


# -- transactions --------------------------------------------------------------------------------------


def test_exception_in_transaction_leaves_no_partial_write(store: Database) -> None:
    """Work that fails halfway is rolled back entirely; the store stays usable."""
    before = store.engine.table_counts()

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        row = cur.execute("INSERT INTO couples (name) VALUES ('Half') RETURNING couple_id").fetchone()
        assert row is not None
        cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, 1, 'One')", [row[0]])
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.engine.transaction(work)
    assert store.engine.table_counts() == before
    assert store.engine.read("SELECT count(*) AS n FROM couples WHERE name = 'Half'").n[0] == 0
    partners(store)  # still usable afterwards
    assert store.engine.table_counts()["couples"] == before["couples"] + 1


def test_failing_statement_in_transaction_rolls_back(store: Database) -> None:
    """A statement DuckDB refuses (slot 3 breaks a CHECK) undoes the earlier inserts too."""
    before = store.engine.table_counts()

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        row = cur.execute("INSERT INTO couples (name) VALUES ('Three') RETURNING couple_id").fetchone()
        assert row is not None
        cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, 3, 'Third')", [row[0]])

    with pytest.raises(duckdb.ConstraintException):
        store.engine.transaction(work)
    assert store.engine.table_counts() == before


# -- threads ------------------------------------------------------------------------------------------------


def test_concurrent_saves_to_one_item(store: Database, catalog: Catalog) -> None:
    """16 threads save the same item of the same check-in at once: one row, one of their values."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH).checkin_id
    inst = bids(catalog)

    def save(i: int) -> None:
        store.checkins.save_answers(
            ck, inst, {"toward_me": Answer(value=float(i % 5)), "against_me": Answer(value=1.0)}
        )

    _, errors = run_threads(16, save)
    assert errors == []
    rows = store.engine.read("SELECT item_id, value FROM responses WHERE checkin_id = ? ORDER BY item_id", [ck])
    assert rows.item_id.tolist() == ["against_me", "toward_me"]
    assert rows.value.iloc[0] == 1.0
    assert rows.value.iloc[1] in {0.0, 1.0, 2.0, 3.0, 4.0}


def test_concurrent_submits(store: Database, catalog: Catalog) -> None:
    """8 threads submit at once: exactly one succeeds, the check-in is submitted once."""
    _, p1, _ = partners(store)
    ck = store.checkins.open(p1, MARCH).checkin_id
    store.checkins.save_answers(ck, bids(catalog), {"toward_me": Answer(value=2.0)})

    results, errors = run_threads(8, lambda _: store.checkins.submit(ck, catalog))
    assert errors == []
    assert sorted(results, key=bool) == [False] * 7 + [True]
    rows = store.engine.read("SELECT status, submitted_at FROM checkins WHERE partner_id = ?", [p1])
    assert rows.status.tolist() == ["submitted"]
    assert store.engine.read("SELECT count(*) AS n FROM responses WHERE checkin_id = ?", [ck]).n[0] == 1


def test_concurrent_open_checkin_gets_one_id(store: Database) -> None:
    """Two threads starting the same partner's check-in at once get the same one (repeated to catch races)."""
    _, p1, _ = partners(store)
    for month in range(1, 13):
        period = dt.date(2024, month, 1)

        def open_one(_: int, period: dt.date = period) -> int:
            return store.checkins.open(p1, period).checkin_id

        results, errors = run_threads(2, open_one)
        assert errors == [], f"month {month}: {errors!r}"
        assert len(set(results)) == 1, f"month {month}: {results}"
    n = store.engine.read("SELECT count(*) AS n, count(DISTINCT period) AS d FROM checkins WHERE partner_id = ?", [p1])
    assert (n.n[0], n.d[0]) == (12, 12)


# -- names ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "   ", "\t\n ", "\x00"])
def test_empty_names_are_refused(store: Database, bad: str) -> None:
    """An empty or blank couple or partner name is refused, and nothing is written."""
    with pytest.raises(MendwellError, match="Please give a couple name"):
        store.couples.create(bad, ["Ann", "Bo"])
    with pytest.raises(MendwellError, match="Please give a partner name"):
        store.couples.create("Ann & Bo", ["Ann", bad])
    assert store.engine.table_counts()["couples"] == 0


@pytest.mark.parametrize("second", ["Sam", " sam ", "SAM", "Sam\u202e"])
def test_two_partners_of_a_couple_may_not_share_a_name(store: Database, second: str) -> None:
    """Found: "Sam & Sam" was added with two partners both called Sam (every page then read "Sam: … / Sam: …"),
    from the Accounts page, first-run setup or the command line alike. Refused, and nothing is written."""
    with pytest.raises(MendwellError, match="Two partners need different names"):
        store.couples.create("Sam & Sam", ["Sam", second])
    assert store.engine.table_counts()["couples"] == 0
    assert store.couples.create("Sam & Sam", ["Sam", "Sam B."])


def test_long_names_are_refused_kindly(store: Database) -> None:
    """Over 80 characters is refused with a message saying how long it is and the limit."""
    assert store.couples.create("x" * NAME_LIMIT, ["a" * NAME_LIMIT, "b"])  # exactly the limit is fine
    with pytest.raises(MendwellError) as excinfo:
        store.couples.create("y" * (NAME_LIMIT + 1), ["Ann", "Bo"])
    assert str(excinfo.value) == f"That couple name is {NAME_LIMIT + 1} characters long; please keep it to 80."
    with pytest.raises(MendwellError, match="partner name is 200 characters long; please keep it to 80"):
        store.couples.create("Ann & Bo", ["Ann", "z" * 200])
    couple_id, p1, _ = partners(store)
    with pytest.raises(MendwellError, match="please keep it to 80"):
        store.couples.rename(couple_id, "q" * 81)
    with pytest.raises(MendwellError, match="please keep it to 80"):
        store.couples.rename_partner(p1, "q" * 81)
    with pytest.raises(MendwellError, match="Please give a partner name"):
        store.couples.rename_partner(p1, "  ")
    assert store.engine.table_counts()["couples"] == 2
    couple = store.couples.get(couple_id)
    assert couple is not None and couple.name == "Ann & Bo" and couple.partners[0].name == "Ann"


def test_partners_can_swap_names_but_never_share_one(store: Database) -> None:
    """A partner renamed alone cannot take the other's name (every page would read "Ann: ... / Ann: ..."), and
    nothing is changed by the refusal; both renamed at once may swap names."""
    couple_id, p1, p2 = partners(store)
    revision = store.engine.revision(couple_id)
    with pytest.raises(MendwellError, match="different names"):
        store.couples.rename_partner(p1, " bO ")
    with pytest.raises(MendwellError, match="different names"):
        store.couples.rename_partners({p1: "Cy", p2: "cy"})
    couple = store.couples.get(couple_id)
    assert couple is not None and [p.name for p in couple.partners] == ["Ann", "Bo"]
    assert store.engine.revision(couple_id) == revision  # nothing written, so nothing cached went stale
    store.couples.rename_partners({p1: "Bo", p2: "Ann"})
    couple = store.couples.get(couple_id)
    assert couple is not None and [p.name for p in couple.partners] == ["Bo", "Ann"]
    assert store.engine.revision(couple_id) > revision


def test_whitespace_in_names_is_tidied(store: Database) -> None:
    """Leading, trailing and repeated whitespace is collapsed to single spaces."""
    couple_id = store.couples.create("  Ann \t and\n\nBo  ", [" Ann ", "Bo"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    assert couple.name == "Ann and Bo"
    assert [p.name for p in couple.partners] == ["Ann", "Bo"]


HOSTILE = [
    "**Bold** _x_ [click](http://evil.example) # heading",
    "<script>alert('x')</script>",
    "'; DROP TABLE couples; --",
    'Robert"); DELETE FROM partners; --',
    ":red[alert] :smile: $x^2$ `code` \\ |a|b|",
    "Zoë & Łukasz 💛 ☕ مرحبا 日本",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_round_trip(store: Database, name: str) -> None:
    """Names with markdown, HTML or SQL are stored and read back byte for byte."""
    couple_id = store.couples.create(name, [name, name[::-1]])
    couple = store.couples.get(couple_id)
    assert couple is not None
    assert couple.name.encode() == name.encode()
    assert [p.name for p in couple.partners] == [name, name[::-1]]
    assert [c.name for c in store.couples.all()] == [name]
    raw = store.engine.read("SELECT name FROM couples WHERE couple_id = ?", [couple_id]).name[0]
    assert raw == name
    store.couples.rename(couple_id, name + "!")
    store.couples.rename_partner(couple.partners[0].partner_id, "<b>" + name)
    renamed = store.couples.get(couple_id)
    assert renamed is not None
    assert renamed.name == name + "!"
    assert renamed.partners[0].name == "<b>" + name
    assert store.engine.table_counts()["couples"] == 1  # nothing was dropped


# -- another process ---------------------------------------------------------------------------------------------


def test_second_process_gets_a_plain_message(db_file: Path, store: Database) -> None:
    """While a Database holds the file, the CLI in another process exits non-zero with advice, not a traceback."""
    partners(store)
    result = cli_info(db_file)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "in use by another Mendwell process" in result.stderr
    assert "app" in result.stderr
    assert "Stop the app" in result.stderr
    assert result.stdout == ""
    store.close()
    freed = cli_info(db_file)
    assert freed.returncode == 0, freed.stderr
    assert "couples: 1" in freed.stdout


def test_upgrade_takes_direction_controls_out_of_names_saved_before(tmp_path: Path) -> None:
    """Names saved before names were cleaned could hold a right-to-left override left open, which turned the
    sidebar's chooser, the caseload and the audit log backwards ("Ada(5#) niboR &"): schema 8 takes them out."""
    path = tmp_path / "old.duckdb"
    old = Database(path, upgrade_to=7)
    with old.engine.cursor() as cur:
        row = cur.execute(
            "INSERT INTO couples (name) VALUES (?) RETURNING couple_id", ["Ada \u202e & Robin"]
        ).fetchone()
        assert row is not None
        cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, 1, ?)", [row[0], "\u2067Ada\u2069"])
        cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, 2, ?)", [row[0], "\u202e"])
        cur.execute(
            "INSERT INTO accounts (name, name_key, role, created_at) VALUES (?, 'dr rtl', 'therapist', now())",
            ["Dr \u202eRtl"],
        )
    old.close()
    db = Database(path)
    assert db.engine.schema_version() >= 8
    assert [c.name for c in db.couples.all()] == ["Ada & Robin"]  # spaces as a save makes them
    assert [p.name for p in db.couples.all()[0].partners] == ["Ada", "Partner 2"]  # never an empty name
    assert db.engine.rows("SELECT name, name_key FROM accounts") == [("Dr Rtl", "dr rtl")]
    db.close()
