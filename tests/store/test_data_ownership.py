"""Data ownership, on real DuckDB files: the archive round trip, an import that is all or nothing,
erasure that leaves no trace in the file, and backups (also while another thread writes, and while
the real app serves the database)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mendwell import archive, audit
from mendwell.archive import export_archive, import_archive
from mendwell.backup_requests import request_dir, start_watcher
from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.data import archive as data_archive
from mendwell.data.archive import TABLES
from mendwell.demo import generate
from mendwell.errors import ArchiveError, MendwellError
from mendwell.instruments import Catalog, Instrument
from mendwell.scoring import scores
from tests.support.cli import run_cli
from tests.support.data import MAIN_TABLES, fingerprint, instrument, new_database, opened

# -- helpers --------------------------------------------------------------------------------------


def rows(store: Database, table: str, where: str = "") -> pd.DataFrame:
    """A table's archived columns, sorted, as a DataFrame."""
    cols = ", ".join(TABLES[table])
    return store.engine.read(f"SELECT {cols} FROM {table} t {where} ORDER BY {cols}")


def bids(catalog: Catalog) -> Instrument:
    return instrument(catalog, "bids")


def some_answers(inst: Instrument, shift: int = 1) -> dict[str, Answer | None]:
    """A whole-number answer for every item of an instrument without show_if."""
    assert not any(it.show_if for it in inst.items)
    return {it.id: Answer(float(inst.scale(it)[0] + shift % 2), None) for it in inst.items}


def add_history(store: Database, catalog: Catalog, couple_id: int, months: int = 2) -> None:
    """Submitted check-ins with answers and a note for each partner of a couple."""
    couple = store.couples.get(couple_id)
    assert couple is not None
    inst = bids(catalog)
    for m in range(months):
        for p in couple.partners:
            ck = store.checkins.open(p.partner_id, dt.date(2020, 1 + m, 1))
            store.checkins.save_answers(ck.checkin_id, inst, some_answers(inst, m + p.slot))
            store.checkins.save_note(ck.checkin_id, f"note {m} of {p.name}", private=p.slot == 1)
            assert store.checkins.submit(ck.checkin_id, catalog)


# -- crafting archives ------------------------------------------------------------------------------


Members = dict[str, bytes]


def read_members(path: Path) -> Members:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(members: Members, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def frame(members: Members, table: str) -> pd.DataFrame:
    return pq.read_table(io.BytesIO(members[f"{table}.parquet"])).to_pandas()


def set_frame(members: Members, table: str, df: pd.DataFrame, *, count: bool = True) -> None:
    """Replace a table's parquet; the manifest's row count follows unless count=False."""
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
    members[f"{table}.parquet"] = buf.getvalue()
    if count:
        edit_manifest(members, lambda m: m["tables"][table].__setitem__("rows", len(df)))


def edit_table(table: str, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Callable[[Members], None]:
    def edit(members: Members) -> None:
        df = frame(members, table)
        changed = change(df)
        set_frame(members, table, df if changed is None else changed)

    return edit


def edit_manifest(members: Members, change: Callable[[dict[str, Any]], object]) -> None:
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()


def manifest_edit(change: Callable[[dict[str, Any]], object]) -> Callable[[Members], None]:
    return lambda members: edit_manifest(members, change)


def first(df: pd.DataFrame, column: str, value: object, where: pd.Series | None = None) -> pd.DataFrame:
    """Set `column` of the first (matching) row to `value`."""
    df.loc[df.index[where][0] if where is not None else df.index[0], column] = value
    return df


def as_text(df: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """Turn a typed column into text and put `value` in its first row."""
    df[column] = df[column].astype(str)
    df.loc[df.index[0], column] = value
    return df


@dataclass(frozen=True)
class World:
    target: Path  # a closed database holding the three demo couples
    new: Path  # an archive of couple 4 alone (not in target)
    full: Path  # an archive of couples 1 to 4
    new_couple: int


@pytest.fixture
def demo_store(db_file: Path, catalog: Catalog) -> Iterator[Database]:
    """Three demo couples, written into this file in the test's own run (not a copy of a file made once, as
    tests/conftest.py's): the search for traces of erased text needs it stored as written. In a copy, the
    markers planted later were packed with rows already there, and one draft note's was out of plain sight, so
    "no trace" would have proved nothing for it."""
    store = Database(db_file)
    store.definitions.register(catalog.instruments)
    generate(store, catalog, couples=3, months=24, seed=11)
    yield store
    store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> World:
    d = tmp_path_factory.mktemp("ownership-world")
    source = d / "source.duckdb"
    new_database(source, catalog, demo=(3, 12, 5))
    assert not Path(f"{source}.wal").exists()
    shutil.copy(source, d / "target.duckdb")
    with opened(source) as src:
        couple_id = src.couples.create("Newcomers", ["Ed", "Flo"])
        add_history(src, catalog, couple_id)
        src.baselines.mark(couple_id, dt.date(2025, 1, 1))  # so that every archived table holds a row
        export_archive(src, d / "new.zip", couple_id=couple_id)
        export_archive(src, d / "full.zip")
    return World(d / "target.duckdb", d / "new.zip", d / "full.zip", couple_id)


@pytest.fixture
def target(world: World, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the target database (three demo couples), open."""
    path = tmp_path / "target.duckdb"
    shutil.copy(world.target, path)
    store = Database(path)
    yield store
    store.close()


# -- archive round trip ---------------------------------------------------------------------------


def _by_content(db: Database) -> pd.DataFrame:
    """Every score, keyed by what it is about rather than by this database's ids."""
    sc = scores(db)
    couples = {c.couple_id: c for c in db.couples.all()}
    who = {p.partner_id: (c.name, p.slot, p.name) for c in couples.values() for p in c.partners}
    keyed = sc.assign(
        couple=[who[int(p)][0] for p in sc["partner_id"]], slot=[who[int(p)][1] for p in sc["partner_id"]]
    )
    cols = ["couple", "slot", "period", "instrument_id", "subscale_id", "score", "band"]
    return keyed[cols].sort_values(cols[:5], ignore_index=True)


def test_archive_round_trip_keeps_every_row_and_score(demo_store: Database, tmp_path: Path) -> None:
    source = demo_store
    arc = export_archive(source, tmp_path / "out" / "all.zip")
    with opened(tmp_path / "empty.duckdb") as empty:
        assert empty.couples.count() == 0
        added = import_archive(empty, arc)
        assert added["couples"] == 3 and added["responses"] > 1000 and added["notes"] > 0
        for table in ("couples", "partners", "checkins", "responses", "notes", "instrument_versions"):
            assert added[table] == len(rows(source, table)), table
        # the same couples and partners (names, slots) and the same stable identifiers
        shape = [(c.name, [(p.slot, p.name) for p in c.partners]) for c in source.couples.all()]
        assert [(c.name, [(p.slot, p.name) for p in c.partners]) for c in empty.couples.all()] == shape
        assert set(rows(empty, "couples")["uid"]) == set(rows(source, "couples")["uid"])
        want = _by_content(source)
        assert len(want) > 100
        pd.testing.assert_frame_equal(_by_content(empty), want)

        before = fingerprint(empty)
        again = import_archive(empty, arc)
        assert all(n == 0 for n in again.values()), again  # the same couples: nothing new
        assert fingerprint(empty) == before

        # new rows after the import take fresh ids
        couple_id = empty.couples.create("After the import", ["Cy", "Di"])
        couple = empty.couples.get(couple_id)
        imported = rows(empty, "couples", f"WHERE couple_id <> {couple_id}")
        assert couple is not None and couple_id > int(imported["couple_id"].max())
        ck = empty.checkins.open(couple.partners[0].partner_id, dt.date(2031, 5, 1))
        assert ck.checkin_id > int(rows(empty, "checkins", f"WHERE checkin_id <> {ck.checkin_id}")["checkin_id"].max())


def test_a_start_of_therapy_travels_with_the_archive(demo_store: Database, tmp_path: Path) -> None:
    """The other side of refusing a mark in mid-month: a couple's start of therapy, as the app marks it (a
    month), comes back with their archive, and their baseline with it."""
    first = demo_store.couples.all()[0].couple_id
    month = dt.date(2025, 6, 1)
    demo_store.baselines.mark(first, month)
    arc = export_archive(demo_store, tmp_path / "marked.zip")
    with opened(tmp_path / "empty.duckdb") as empty:
        import_archive(empty, arc)
        assert empty.baselines.get(first) == month
        assert [c.couple_id for c in empty.couples.all() if empty.baselines.get(c.couple_id)] == [first]


def test_per_couple_archive_holds_only_that_couple(demo_store: Database, tmp_path: Path) -> None:
    couple_id = demo_store.couples.all()[1].couple_id
    arc = export_archive(demo_store, tmp_path / "one.zip", couple_id=couple_id)
    members = read_members(arc)
    assert sorted(members) == sorted(["manifest.json", *(f"{t}.parquet" for t in TABLES)])
    manifest = json.loads(members["manifest.json"])
    assert manifest["couple_id"] == couple_id
    own = set(rows(demo_store, "checkins", f"WHERE couple_id = {couple_id}")["checkin_id"])
    assert own
    couples, partners, checkins = (frame(members, t) for t in ("couples", "partners", "checkins"))
    assert list(couples["couple_id"]) == [couple_id]
    assert set(partners["couple_id"]) == {couple_id} and len(partners) == 2
    assert set(checkins["couple_id"]) == {couple_id} and set(checkins["checkin_id"]) == own
    responses, notes = frame(members, "responses"), frame(members, "notes")
    assert len(responses) > 0 and set(responses["checkin_id"]) <= own
    assert set(notes["checkin_id"]) <= own
    for table in TABLES:
        assert manifest["tables"][table]["rows"] == len(frame(members, table)), table

    with opened(tmp_path / "empty.duckdb") as empty:
        import_archive(empty, arc)
        assert [c.name for c in empty.couples.all()] == [demo_store.couples.all()[1].name]
        assert empty.engine.table_counts()["checkins"] == len(own)


def test_cli_archive_then_import(demo_store: Database, db_file: Path, tmp_path: Path) -> None:
    counts = demo_store.engine.table_counts()
    demo_store.close()
    out = tmp_path / "all.zip"
    done = run_cli(db_file, "archive", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout and out.is_file()
    other = tmp_path / "other" / "mendwell.duckdb"
    other.parent.mkdir()
    done = run_cli(other, "import", str(out))
    assert done.returncode == 0, done.stderr
    assert "Imported:" in done.stdout and "3 couples" in done.stdout
    again = run_cli(other, "import", str(out))
    assert again.returncode == 0 and "Nothing new" in again.stdout
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip at all")
    refused = run_cli(other, "import", str(broken))
    assert refused.returncode == 1
    assert "Nothing was imported" in refused.stderr and "not a zip archive" in refused.stderr
    assert "Traceback" not in refused.stderr
    with opened(other) as imported:
        assert imported.engine.table_counts() == counts


# -- import is all or nothing ------------------------------------------------------------------------


def _not_zip(members: Members) -> bytes:
    return b"PK but not really a zip file" * 10


def _empty(members: Members) -> bytes:
    return b""


def _drop(name: str) -> Callable[[Members], None]:
    def drop(members: Members) -> None:
        del members[name]

    return drop


def _replace(name: str, data: bytes) -> Callable[[Members], None]:
    return lambda members: members.__setitem__(name, data)


def _salt_of_the_first_partner(salt: str | None) -> Callable[[Members], None]:
    """The archive's first partner's salt, as given (found: any text was imported as a salt; one not in base64
    stopped that partner's sign-in where their sealing key is worked out, and a short one weakens the key)."""

    def edit(members: Members) -> None:
        partner = int(frame(members, "partners")["partner_id"].iloc[0])
        salts = frame(members, "salts")
        salted = pd.DataFrame({"partner_id": pd.Series([partner], dtype="int32"), "salt": [salt]})
        set_frame(members, "salts", pd.concat([salts[salts["partner_id"] != partner], salted], ignore_index=True))

    return edit


def _start_of_therapy(day: dt.date) -> Callable[[Members], None]:
    """The archive's first couple's start-of-therapy mark on `day` (the app marks a month: its first day)."""

    def edit(members: Members) -> None:
        couple = int(frame(members, "couples")["couple_id"].iloc[0])
        marks = pd.DataFrame({"couple_id": pd.Series([couple], dtype="int32"), "period": [day],
                              "marked_at": [pd.Timestamp("2026-03-20 10:00")]})  # fmt: skip
        set_frame(members, "baselines", marks)

    return edit


def _footer_not_text(name: str) -> Callable[[Members], None]:
    """The Parquet file's footer names its writer in bytes that are not UTF-8 (found by the fuzz test: the
    footer's row count was then read unguarded, and the import ended in DuckDB's exception)."""

    def damage(members: Members) -> None:
        assert b"DuckDB version" in members[name]
        members[name] = members[name].replace(b"DuckDB version", b"\xc4uckDB version")

    return damage


def _likert(df: pd.DataFrame) -> pd.Series:
    """Answers to the bids questionnaire's 0 to 4 questions (every one of them a likert scale)."""
    return (df["instrument_id"] == "bids") & df["value"].notna()


def _third_partner_here(df: pd.DataFrame) -> pd.DataFrame:
    """A third partner for the archive's own couple, in a slot its two partners already hold."""
    extra = df.iloc[:1].copy()
    extra["partner_id"], extra["slot"], extra["name"] = 999, 2, "Intruder"
    return pd.concat([df, extra])


def _answered_otherwise(df: pd.DataFrame) -> pd.DataFrame:
    """Couple 1 (also in the target: the same couple) answered one question of a submitted month otherwise."""
    where = (df["instrument_id"] == "bids") & df["value"].notna() & (df["checkin_id"] == df["checkin_id"].min())
    index = df.index[where][0]
    df.loc[index, "value"] = 4.0 if df.loc[index, "value"] != 4.0 else 0.0
    return df


# (id, which archive, edit, phrase the message must contain)
BROKEN: list[tuple[str, str, Callable[[Members], object], str]] = [
    ("not a zip", "new", _not_zip, "the file is not a zip archive"),
    ("empty file", "new", _empty, "the file is not a zip archive"),
    ("no manifest", "new", _drop("manifest.json"), "manifest.json is missing"),
    ("manifest not json", "new", _replace("manifest.json", b"{not json"), "manifest.json is not valid"),
    ("manifest nested deep", "new", _replace("manifest.json", b"[" * 100_000), "manifest.json is not valid"),
    ("manifest unknown key", "new", manifest_edit(lambda m: m.update(surprise=1)), "surprise"),
    ("manifest wrong format", "new", manifest_edit(lambda m: m.update(format="zip-of-things")),
     "format is 'zip-of-things'"),
    ("manifest newer format", "new", manifest_edit(lambda m: m.update(format_version=99)), "newer than this"),
    ("manifest lacks a table", "new", manifest_edit(lambda m: m["tables"].pop("notes")), "tables missing: notes"),
    ("manifest unknown table", "new", manifest_edit(lambda m: m["tables"].update(x={"file": "x", "rows": 0})),
     "unknown tables: x"),
    ("manifest row count", "new", manifest_edit(lambda m: m["tables"]["checkins"].update(rows=1)),
     "but the manifest says 1"),
    ("missing table member", "new", _drop("responses.parquet"), "responses.parquet is missing"),
    ("table not parquet", "new", _replace("notes.parquet", b"hello"), "notes.parquet cannot be read"),
    ("footer not utf-8", "new", _footer_not_text("salts.parquet"), "salts.parquet cannot be read"),
    ("salt not base64", "new", _salt_of_the_first_partner("not a salt at all"), "salts: a salt is not one"),
    ("salt too short", "new", _salt_of_the_first_partner("c2FsdA=="), "salts: a salt is not one"),
    ("salt missing", "new", _salt_of_the_first_partner(None), "salts: a salt is not one"),
    ("start of therapy mid-month", "new", _start_of_therapy(dt.date(2026, 3, 15)), "baselines: the start of therapy"),
    ("missing column", "new", edit_table("responses", lambda df: df.drop(columns=["text"])),
     "responses.parquet: columns are"),
    ("extra column", "new", edit_table("notes", lambda df: df.assign(mood="sunny")), "notes.parquet: columns are"),
    ("text in integer column", "new", edit_table("couples", lambda df: as_text(df, "couple_id", "four")),
     "couples.parquet: 1 row(s) with values of the wrong type"),
    ("text in date column", "new", edit_table("checkins", lambda df: as_text(df, "period", "someday")),
     "checkins.parquet: 1 row(s) with values of the wrong type"),
    ("duplicate ids", "new", edit_table("checkins", lambda df: pd.concat([df, df.iloc[:1]])),
     "checkins: the same id appears more than once"),
    ("response without check-in", "new", edit_table("responses", lambda df: first(df, "checkin_id", 987_654_321)),
     "responses: refer to a check-in that is not in the archive"),
    ("note without check-in", "new", edit_table("notes", lambda df: first(df, "checkin_id", 987_654_321)),
     "notes: refer to a check-in that is not in the archive"),
    ("period not on day 1", "new", edit_table("checkins", lambda df: first(df, "period", dt.date(2020, 1, 15))),
     "checkins: period must be the first day of a month"),
    ("status done", "new", edit_table("checkins", lambda df: first(df, "status", "done")),
     "checkins: status must be draft or submitted"),
    ("status missing", "new", edit_table("checkins", lambda df: first(df, "status", None)),
     "checkins: status is missing"),
    ("created_at missing", "new", edit_table("couples", lambda df: df.assign(created_at=pd.NaT)),
     "couples: created_at is missing"),
    ("partner slot 3", "new", edit_table("partners", lambda df: first(df, "slot", 3)),
     "partners: slot must be 1 or 2"),
    ("third partner in a taken slot", "new", edit_table("partners", _third_partner_here),
     "partners: two partners share a slot in one couple"),
    ("couple name too long", "new", edit_table("couples", lambda df: first(df, "name", "x" * 81)),
     "couples: a name is empty or longer than 80 characters"),
    ("check-in day 99", "new", edit_table("couples", lambda df: first(df, "checkin_day", 99)),
     "couples: checkin_day must be from 1 to 28"),
    ("note too long", "new", edit_table("notes", lambda df: first(df, "body", "x" * 4001)),
     "notes: a note is empty or longer than 4000 characters"),
    ("unknown questionnaire version", "new", edit_table("responses", lambda df: first(df, "instrument_version", 99)),
     "responses: answers to a questionnaire version the archive does not describe"),
    ("invalid questionnaire", "new", edit_table("instrument_versions", lambda df: first(df, "definition", "{}")),
     "instrument_versions: a questionnaire definition is not valid"),
    ("questionnaire differs", "new", edit_table("instrument_versions", lambda df: first(df, "content_hash", "0" * 16)),
     "instrument_versions: a questionnaire version differs"),
    ("unexpected member", "new", _replace("../evil.txt", b"evil"), "unexpected members in the archive: ../evil.txt"),
    # answers the app could never have stored
    ("value 99 on a 0 to 4 question", "new", edit_table("responses", lambda df: first(df, "value", 99.0, _likert(df))),
     "responses: a value outside its question's scale"),
    ("value -3 on a 0 to 4 question", "new", edit_table("responses", lambda df: first(df, "value", -3.0, _likert(df))),
     "responses: a value outside its question's scale"),
    ("half a step", "new", edit_table("responses", lambda df: first(df, "value", 1.5, _likert(df))),
     "responses: a value outside its question's scale"),
    ("text in a number question", "new", edit_table("responses", lambda df: first(df, "text", "hello", _likert(df))),
     "responses: a number question holding text"),
    ("an unknown question", "new", edit_table("responses", lambda df: first(df, "item_id", "no_such_question")),
     "responses: answers to a question the questionnaire does not have"),
    ("a month to come", "new", edit_table("checkins", lambda df: first(df, "period", dt.date(2099, 1, 1))),
     "checkins: a check-in for a month that has not come yet"),
    # some rows are new and fine, one month was answered differently here: nothing at all is imported
    ("a month answered differently here", "full", edit_table("responses", _answered_otherwise),
     "was answered differently in this database and in the archive"),
    ("two partners in one slot", "full", edit_table("partners", lambda df: first(
        df, "slot", 2, (df["couple_id"] == 1) & (df["slot"] == 1))), "partners: two partners share a slot"),
]  # fmt: skip


def craft(good: Path, out: Path, edit: Callable[[Members], object]) -> Path:
    members = read_members(good)
    result = edit(members)
    if isinstance(result, bytes):
        out.write_bytes(result)
        return out
    return write_members(members, out)


def test_crafted_but_unchanged_archives_import(world: World, target: Database, tmp_path: Path) -> None:
    """The control for the broken archives: rewriting every member the same way changes nothing."""

    def rewrite_all(members: Members) -> None:
        for table in TABLES:
            set_frame(members, table, frame(members, table))
        edit_manifest(members, lambda m: None)

    full = craft(world.full, tmp_path / "full.zip", rewrite_all)
    new = craft(world.new, tmp_path / "new.zip", rewrite_all)
    assert import_archive(target, full)["couples"] == 1  # couples 1 to 3 are there already: only 4 is new
    assert [c.couple_id for c in target.couples.all()] == [1, 2, 3, world.new_couple]
    assert import_archive(target, new) == dict.fromkeys(TABLES, 0)
    assert target.engine.table_counts()["checkins"] > 4


@pytest.mark.parametrize(("which", "edit", "phrase"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_archive_is_refused_whole(
    world: World, target: Database, tmp_path: Path, which: str, edit: Callable[[Members], object], phrase: str
) -> None:
    bad = craft(world.full if which == "full" else world.new, tmp_path / "bad.zip", edit)
    before = fingerprint(target)
    with pytest.raises(ArchiveError) as caught:
        import_archive(target, bad)
    assert caught.value.problems and all(isinstance(p, str) and p for p in caught.value.problems)
    message = str(caught.value)
    assert message.startswith("Nothing was imported")
    assert phrase in message, message
    assert fingerprint(target) == before
    assert [c.couple_id for c in target.couples.all()] == [1, 2, 3]


def test_path_traversal_member_is_refused_and_nothing_is_written_outside(
    world: World, target: Database, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex
    names = [f"../evil-{tag}.txt", f"../../evil-{tag}.txt", f"/tmp/evil-{tag}.txt", f"notes/../../evil-{tag}.txt"]
    members = read_members(world.new)
    for name in names:
        members[name] = b"written outside"
    bad = write_members(members, tmp_path / "bad.zip")
    before = fingerprint(target)
    with pytest.raises(ArchiveError, match="unexpected members in the archive") as caught:
        import_archive(target, bad)
    assert "../evil-" in str(caught.value)
    assert fingerprint(target) == before
    temp = Path(tempfile.gettempdir())
    places = [temp, *temp.iterdir(), tmp_path, tmp_path.parent, Path.cwd(), Path("/tmp")]
    for place in places:
        if place.is_dir():
            assert not list(place.glob(f"*{tag}*")), place


def test_declared_size_over_the_limit_is_refused(
    world: World, target: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "ARCHIVE_UNPACKED_MAX_BYTES", 1000)
    before = fingerprint(target)
    with pytest.raises(ArchiveError, match="unpacks to more than"):
        import_archive(target, world.new)
    assert fingerprint(target) == before


def test_a_clash_found_only_while_writing_still_imports_nothing(
    world: World, target: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a check ever miss a clash, the database's own constraints stop the write half way:
    the transaction is rolled back (couples were already inserted when partners clash) and the
    caller gets the plain ArchiveError, not a DuckDB exception."""
    monkeypatch.setattr(data_archive, "_checks", lambda cur: [])
    bad = craft(world.new, tmp_path / "bad.zip", edit_table("partners", _third_partner_here))
    before = fingerprint(target)
    with pytest.raises(ArchiveError, match="does not fit this database"):
        import_archive(target, bad)
    assert fingerprint(target) == before
    assert target.couples.get(world.new_couple) is None


def test_a_couple_added_by_another_session_during_an_import_never_receives_its_data(
    world: World, target: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Data page imports while other sessions serve. A couple created between the checks and the
    write takes the next id: the archive's couple must come in under an id of its own, and its check-ins,
    answers and notes must not end up under that other couple's partners."""
    checks = data_archive._checks
    happened = []

    def checks_then_a_walk_in(cur: duckdb.DuckDBPyConnection) -> list[str]:
        problems = checks(cur)
        happened.append(target.couples.create("Walk-in", ["Kai", "Lu"]))  # another session, committed now
        return problems

    monkeypatch.setattr(data_archive, "_checks", checks_then_a_walk_in)
    import_archive(target, world.new)
    assert len(happened) == 1
    walk_in = target.couples.get(happened[0])
    assert walk_in is not None and walk_in.name == "Walk-in"
    assert target.checkins.listing(walk_in.couple_id).empty  # the walk-in got nothing of theirs
    newcomers = [c for c in target.couples.all() if c.name == "Newcomers"]
    assert len(newcomers) == 1 and newcomers[0].couple_id != walk_in.couple_id
    assert not target.checkins.listing(newcomers[0].couple_id).empty


def test_a_good_archive_changes_the_target(world: World, target: Database) -> None:
    """Without this, 'the target is unchanged' above could hold for an importer that never writes."""
    before = fingerprint(target)
    added = import_archive(target, world.new)
    assert added["couples"] == 1 and added["checkins"] == 4 and added["responses"] > 0 and added["notes"] == 4
    assert fingerprint(target) != before
    couple = target.couples.get(world.new_couple)
    assert couple is not None and couple.name == "Newcomers"


# -- erase leaves no trace -------------------------------------------------------------------------------

MARK = "ERASE-MARKER-7Q"


def plant(store: Database, catalog: Catalog, couple_id: int) -> list[str]:
    """Give a couple unique names, notes (with an earlier version) and answers; returns the markers."""
    couple = store.couples.get(couple_id)
    assert couple is not None
    one, two = couple.partners
    markers = {
        "couple": f"{MARK}-COUPLE-FINAL",
        "partner1": f"{MARK}-PARTNER-ONE",
        "partner2": f"{MARK}-PARTNER-TWO-Zoë",
        "private_draft": f"{MARK}-PRIVATE-NOTE-DRAFT",
        "private": f"{MARK}-PRIVATE-NOTE I felt unseen when the plans changed",
        "shared": f"{MARK}-SHARED-NOTE we laughed about the kettle",
    }
    store.couples.rename(couple_id, markers["couple"])
    store.couples.rename_partner(one.partner_id, markers["partner1"])
    store.couples.rename_partner(two.partner_id, markers["partner2"])
    period = dt.date(2032, 2, 1)
    ck1 = store.checkins.open(one.partner_id, period)
    store.checkins.save_note(ck1.checkin_id, markers["private_draft"], private=True)
    store.checkins.save_note(ck1.checkin_id, markers["private"], private=True)
    ck2 = store.checkins.open(two.partner_id, period)
    store.checkins.save_note(ck2.checkin_id, markers["shared"], private=False)
    inst = bids(catalog)
    store.checkins.save_answers(ck2.checkin_id, inst, some_answers(inst))
    text_items = [(i, it) for i in catalog.instruments for it in i.items if it.kind == "text" and not it.show_if]
    if text_items:  # the shipped instruments have none today; the notes carry the free text then
        inst, it = text_items[0]
        markers["text"] = f"{MARK}-TEXT-ANSWER"
        store.checkins.save_answers(ck1.checkin_id, inst, {it.id: Answer(None, markers["text"])})
    assert store.checkins.submit(ck2.checkin_id, catalog)
    with store.engine.cursor() as cur:
        cur.execute("CHECKPOINT")
    return list(markers.values())


def files_next_to(db: Path) -> list[Path]:
    return [p for p in db.parent.rglob("*") if p.is_file()]


def traces(db: Path, markers: list[str]) -> dict[str, list[str]]:
    """Which markers occur (as UTF-8 or UTF-16LE) in which file next to the database."""
    found: dict[str, list[str]] = {}
    for path in files_next_to(db):
        data = path.read_bytes()
        hits = [m for m in markers if m.encode("utf-8") in data or m.encode("utf-16-le") in data]
        if hits:
            found[path.name] = hits
    return found


def others_state(store: Database, erased: list[int]) -> dict[str, pd.DataFrame]:
    """Everything of the couples that stay."""
    ids = ", ".join(str(i) for i in erased) or "NULL"
    by_checkin = f"WHERE checkin_id IN (SELECT checkin_id FROM checkins WHERE couple_id NOT IN ({ids}))"
    state = {
        "couples": rows(store, "couples", f"WHERE couple_id NOT IN ({ids})"),
        "partners": rows(store, "partners", f"WHERE couple_id NOT IN ({ids})"),
        "checkins": rows(store, "checkins", f"WHERE couple_id NOT IN ({ids})"),
        "responses": rows(store, "responses", by_checkin),
        "notes": rows(store, "notes", by_checkin),
    }
    sc = scores(store)
    state["scores"] = sc[~sc["couple_id"].isin(erased)].reset_index(drop=True)
    return state


def assert_same_state(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert got.keys() == want.keys()
    for key in want:
        pd.testing.assert_frame_equal(got[key], want[key], obj=key)


def test_markers_are_found_in_the_file_before_erasing(demo_store: Database, catalog: Catalog, db_file: Path) -> None:
    """The search below can see text in a DuckDB file: without this, 'no trace' would prove nothing."""
    markers = plant(demo_store, catalog, 2)
    demo_store.close()
    found = traces(db_file, markers)
    assert set(found.get(db_file.name, [])) == set(markers)


def test_erase_couple_leaves_no_trace(demo_store: Database, catalog: Catalog, db_file: Path) -> None:
    store = demo_store
    markers = plant(store, catalog, 2)
    assert traces(db_file, markers)
    keep = others_state(store, [2])
    assert len(keep["scores"]) > 0 and len(keep["responses"]) > 0
    counts = store.engine.table_counts()
    gone = {t: len(rows(store, t, w)) for t, w in (
        ("couples", "WHERE couple_id = 2"), ("partners", "WHERE couple_id = 2"),
        ("checkins", "WHERE couple_id = 2"),
        ("responses", "WHERE checkin_id IN (SELECT checkin_id FROM checkins WHERE couple_id = 2)"),
        ("notes", "WHERE checkin_id IN (SELECT checkin_id FROM checkins WHERE couple_id = 2)"),
    )}  # fmt: skip
    store.couples.erase(2)
    assert store.couples.get(2) is None
    store.close()
    assert traces(db_file, markers) == {}
    with opened(db_file) as reopened:
        assert reopened.engine.table_counts() == {t: counts[t] - gone[t] for t in counts}
        assert_same_state(others_state(reopened, [2]), keep)
        new_id = reopened.couples.create("Fresh start", ["Gil", "Hal"])
        assert new_id > 3  # never the erased couple's id again, nor any other
        assert [c.couple_id for c in reopened.couples.all()] == [1, 3, new_id]
        with pytest.raises(MendwellError, match="no couple with id 2"):
            reopened.couples.erase(2)


def test_erase_all_leaves_no_trace(demo_store: Database, catalog: Catalog, db_file: Path) -> None:
    store = demo_store
    markers = plant(store, catalog, 2)
    one = store.couples.get(1)
    assert one is not None
    ck = store.checkins.open(one.partners[0].partner_id, dt.date(2033, 3, 1))
    other = f"{MARK}-COUPLE-ONE-NOTE"
    store.checkins.save_note(ck.checkin_id, other, private=False)
    markers.append(other)
    with store.engine.cursor() as cur:
        cur.execute("CHECKPOINT")
    assert traces(db_file, markers)
    store.erase_all()
    assert store.couples.all() == [] and store.engine.table_counts() == dict.fromkeys(MAIN_TABLES, 0)
    store.close()
    assert traces(db_file, markers) == {}
    with opened(db_file) as reopened:
        assert reopened.engine.table_counts() == dict.fromkeys(MAIN_TABLES, 0)
        new_id = reopened.couples.create("Fresh start", ["Gil", "Hal"])
        assert new_id > 3
        # the questionnaires are still known: a check-in can be given and scored
        couple = reopened.couples.get(new_id)
        assert couple is not None
        ck = reopened.checkins.open(couple.partners[0].partner_id, dt.date(2034, 1, 1))
        inst = bids(catalog)
        reopened.checkins.save_answers(ck.checkin_id, inst, some_answers(inst))
        assert reopened.checkins.submit(ck.checkin_id, catalog)
        assert set(scores(reopened)["couple_id"]) == {new_id}


def test_cli_erase_couple_and_all(demo_store: Database, catalog: Catalog, db_file: Path) -> None:
    markers = plant(demo_store, catalog, 3)
    keep = others_state(demo_store, [3])
    demo_store.close()
    assert traces(db_file, markers)

    done = run_cli(db_file, "erase", "--couple", "3", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Erased couple 3" in done.stdout
    assert traces(db_file, markers) == {}
    with opened(db_file) as store:
        assert_same_state(others_state(store, [3]), keep)
        markers = plant(store, catalog, 1)
    assert traces(db_file, markers)

    done = run_cli(db_file, "erase", "--all", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Erased everything" in done.stdout
    assert traces(db_file, markers) == {}
    with opened(db_file) as store:
        assert store.engine.table_counts() == dict.fromkeys(MAIN_TABLES, 0)


def test_cli_erase_refuses_without_yes_or_for_an_unknown_couple(
    demo_store: Database, catalog: Catalog, db_file: Path
) -> None:
    markers = plant(demo_store, catalog, 2)
    before = fingerprint(demo_store)
    demo_store.close()
    for args in (["--couple", "2"], ["--all"]):
        done = run_cli(db_file, "erase", *args)
        assert done.returncode == 1, args
        assert "Run it again with --yes" in done.stderr
        assert "Erased" not in done.stdout
    done = run_cli(db_file, "erase", "--couple", "99", "--yes")
    assert done.returncode == 1
    assert done.stderr.strip() == "mendwell: There is no couple with id 99."
    with opened(db_file) as store:
        assert fingerprint(store) == before
    assert set(traces(db_file, markers)[db_file.name]) == set(markers)


# -- backup --------------------------------------------------------------------------------------------


def test_backup_is_an_identical_copy_and_never_overwrites(demo_store: Database, tmp_path: Path) -> None:
    out = demo_store.backup(tmp_path / "backups" / "copy.duckdb")
    assert out.is_file()
    with opened(out) as copy:
        assert fingerprint(copy) == fingerprint(demo_store)
        pd.testing.assert_frame_equal(scores(copy), scores(demo_store))
        # the copy carries on where the original stands
        assert copy.couples.create("Only in the copy", ["Ivy", "Jo"]) == 4
    assert demo_store.couples.count() == 3

    taken = tmp_path / "taken.duckdb"
    taken.write_bytes(b"precious")
    with pytest.raises(MendwellError, match="already exists"):
        demo_store.backup(taken)
    assert taken.read_bytes() == b"precious"
    with pytest.raises(MendwellError, match=r"already exists|another file"):
        demo_store.backup(demo_store.path)


BACKUPS = 20  # copies taken while another thread writes


def test_backup_while_another_thread_writes_is_consistent(store: Database, catalog: Catalog, tmp_path: Path) -> None:
    inst = bids(catalog)
    n = len(inst.items)
    couple_id = store.couples.create("Busy", ["Ann", "Bo"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    raw_partner, api_partner = (p.partner_id for p in couple.partners)
    answers = some_answers(inst)
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0]
    progress = threading.Condition()  # notified after each written round

    def one_transaction(period: dt.date) -> None:
        """A submitted check-in and its N answers in a single transaction."""

        def work(cur: duckdb.DuckDBPyConnection) -> None:
            row = cur.execute(
                "INSERT INTO checkins (couple_id, partner_id, period, status, started_at, updated_at, submitted_at) "
                "VALUES (?, ?, ?, 'submitted', now(), now(), now()) RETURNING checkin_id",
                [couple_id, raw_partner, period],
            ).fetchone()
            assert row is not None
            cur.executemany(
                "INSERT INTO responses VALUES (?, ?, ?, ?, ?, NULL)",
                [(row[0], inst.id, inst.version, it.id, 2.0) for it in inst.items],
            )

        store.engine.transaction(work)

    def writer() -> None:
        k = 0
        try:
            while not stop.is_set():
                period = dt.date(1900 + k // 12, k % 12 + 1, 1)
                one_transaction(period)
                ck = store.checkins.open(api_partner, period)  # a draft with no answer yet
                store.checkins.save_answers(ck.checkin_id, inst, answers)  # N answers at once
                assert store.checkins.submit(ck.checkin_id, catalog)
                k += 1
                with progress:
                    written[0] = k
                    progress.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            with progress:
                progress.notify_all()

    thread = threading.Thread(target=writer)
    started = time.monotonic()
    thread.start()
    copies: list[Path] = []
    try:
        # a fixed number of copies, each taken after the writer has written at least one more
        # round since the previous one (however slow the machine), while it goes on writing
        for i in range(BACKUPS):

            def ahead(i: int = i) -> bool:
                return written[0] > i or bool(errors)

            with progress:
                progress.wait_for(ahead, timeout=120)  # a hang guard, not a speed check
            if errors:
                break
            assert written[0] > i, f"the writer made no progress for two minutes ({written[0]} rounds)"
            copies.append(store.backup(tmp_path / f"copy-{len(copies)}.duckdb"))
    finally:
        stop.set()
        thread.join(timeout=30)
    seconds = time.monotonic() - started
    assert not errors, errors
    assert not thread.is_alive(), "the writer did not stop"
    assert written[0] >= BACKUPS and len(copies) == BACKUPS
    print(
        f"\n[backup] {len(copies)} backups while a thread wrote {written[0]} rounds ({2 * written[0]} check-ins) "
        f"in {seconds:.1f} s: {written[0] / seconds:.1f} rounds/s, {len(copies) / seconds:.1f} backups/s"
    )

    final = store.engine.read("SELECT checkin_id, item_id, value FROM responses")
    final_rows = set(final.itertuples(index=False, name=None))
    seen = []
    for path in copies:
        with opened(path) as copy:
            per = copy.engine.read(
                "SELECT c.checkin_id, c.partner_id, c.status, count(r.item_id) AS answers FROM checkins c "
                "LEFT JOIN responses r USING (checkin_id) GROUP BY ALL"
            )
            copied = copy.engine.read("SELECT checkin_id, item_id, value FROM responses")
        raw = per[per["partner_id"] == raw_partner]
        api = per[per["partner_id"] == api_partner]
        assert set(raw["answers"]) <= {n}, (path.name, raw)
        assert set(api["answers"]) <= {0, n}, (path.name, api)
        assert set(api.loc[api["status"] == "submitted", "answers"]) <= {n}, (path.name, api)
        assert set(copied.itertuples(index=False, name=None)) <= final_rows
        seen.append(len(per))
    assert seen == sorted(seen) and seen[-1] > 0


def test_two_backups_at_the_same_moment_both_succeed(demo_store: Database, tmp_path: Path) -> None:
    """The Data page's button and a `mendwell backup` served by the watcher can run at once in one process."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    made: list[Path] = []

    def back_up(i: int) -> None:
        barrier.wait()
        for k in range(6):
            try:
                made.append(demo_store.backup(tmp_path / f"b{i}-{k}.duckdb"))
            except BaseException as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=back_up, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(made) == 12
    want = fingerprint(demo_store)
    for path in made[:: len(made) - 1]:  # the first and the last
        with opened(path) as copy:
            assert fingerprint(copy) == want


def test_cli_backup_asks_the_process_holding_the_database(demo_store: Database, db_file: Path, tmp_path: Path) -> None:
    """The CLI cannot open a file another process holds: the holder's watcher makes the copy."""
    stop = start_watcher(demo_store)
    try:
        out = tmp_path / "backups" / "while-open.duckdb"
        done = run_cli(db_file, "backup", str(out))
        assert done.returncode == 0, done.stderr
        assert "made by the running app" in done.stdout
        refused = run_cli(db_file, "backup", str(out))
        assert refused.returncode == 1
        assert "already exists" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        stop.set()
    assert not list(request_dir(db_file).glob("*")), "requests and answers are cleaned up"
    with opened(out) as copy:
        assert fingerprint(copy) == fingerprint(demo_store)


def test_cli_archive_asks_the_process_holding_the_database(
    demo_store: Database, db_file: Path, tmp_path: Path, catalog: Catalog
) -> None:
    """The Data page shows `mendwell archive` while the app holds the file (found: it failed as "in use"): the
    holder's watcher writes the archive, logged as the operator's, and it brings everything to another Mendwell."""
    stop = start_watcher(demo_store)
    try:
        out = tmp_path / "whole.zip"
        done = run_cli(db_file, "archive", str(out))
        assert done.returncode == 0, done.stderr
        assert "made by the running app" in done.stdout
        one = run_cli(db_file, "archive", str(tmp_path / "one.zip"), "--couple", "1")
        assert one.returncode == 0, one.stderr
    finally:
        stop.set()
    assert not list(request_dir(db_file).glob("*")), "requests and answers are cleaned up"
    logged = [(e.actor, e.couple_id) for e in audit.entries(demo_store) if e.action == audit.ARCHIVE]
    assert logged == [(audit.OPERATOR, None), (audit.OPERATOR, 1)]
    elsewhere = new_database(tmp_path / "elsewhere.duckdb", catalog)
    with opened(elsewhere) as target:
        import_archive(target, out)
        assert len(target.couples.all()) == len(demo_store.couples.all())


def _required_columns() -> list[tuple[str, str]]:
    """(table, column) for every archived column the database's schema declares NOT NULL, as a fresh database
    reports it: the list follows the migrations."""
    with tempfile.TemporaryDirectory() as d, opened(Path(d) / "schema.duckdb") as db:
        found = db.engine.rows(
            "SELECT table_name, column_name FROM information_schema.columns WHERE is_nullable = 'NO'"
        )
    return sorted((t, c) for t, c in found if c in TABLES.get(t, {}))


@pytest.mark.parametrize(("table", "column"), _required_columns(), ids=lambda v: str(v))
def test_a_missing_required_value_is_refused_in_words(
    world: World, target: Database, tmp_path: Path, table: str, column: str
) -> None:
    """Every value the database requires, missing in an archive, is refused by a sentence of ours, never by the
    database's own constraint message (found: a mid-month start of therapy came back as "Constraint Error: CHECK
    constraint failed on table ...")."""
    members = read_members(world.new)  # one couple: the smallest archive that holds a row of every table
    df = frame(members, table)
    assert not df.empty, f"the archive holds no {table}: nothing to take a value from"
    df[column] = df[column].astype(object)
    df.loc[df.index[0], column] = None
    set_frame(members, table, df)
    bad = write_members(members, tmp_path / "missing.zip")
    with pytest.raises(ArchiveError) as caught:
        import_archive(target, bad)
    message = str(caught.value)
    assert "Error" not in message and "constraint" not in message.lower(), message
    assert f"{table}: " in message, message
