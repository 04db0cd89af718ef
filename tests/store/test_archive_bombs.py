"""Archives made to exhaust the server are refused before anything in them is inflated, and every refusal is
said in plain words (found: a 1 MB zip whose manifest.json inflates to 1 GiB was refused for its ratio, then
read whole anyway, 2.5 GB of memory and 12 s, and the page showed "JSONDecodeError: ... char 1073741824").

Each bomb is real: a zip written here, read by the real importer into a real DuckDB file; that nothing was
inflated is measured (the memory Python allocated while importing), not assumed.
"""

from __future__ import annotations

import json
import re
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mendwell.archive import FORMAT, FORMAT_VERSION, MANIFEST, export_archive, import_archive
from mendwell.data import Database
from mendwell.data.archive import TABLES
from mendwell.data.sqlfiles import LATEST_SCHEMA
from mendwell.errors import ArchiveError
from mendwell.limits import ARCHIVE_MANIFEST_MAX_BYTES, ARCHIVE_MAX_RATIO
from tests.support.data import fingerprint

MiB = 1024**2
BOMB_MB = 64  # what a bomb here inflates to: deflated spaces pack about 1000:1, into some 64 KB
LIE_MB = 32  # bzip2 packs this many MB of spaces into under a hundred bytes
SMALL_PEAK = 8 * MiB  # what Python may allocate while refusing one: far below what any of them inflates to
# a Python exception's class name ("JSONDecodeError", "UnicodeDecodeError", "BadZipFile") is not for a person
CLASS_NAME = re.compile(r"\b\w*(Error|Exception|BadZipFile)\b")


def manifest(rows: dict[str, int] | None = None) -> bytes:
    """A sound manifest for every table (rows 0 unless given)."""
    tables = {t: {"file": f"{t}.parquet", "rows": (rows or {}).get(t, 0)} for t in TABLES}
    return json.dumps(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": LATEST_SCHEMA,
            "mendwell_version": "0.1.0",
            "created_at": "2026-01-01T00:00:00+00:00",
            "tables": tables,
        }
    ).encode()


def spaces(mb: int) -> Iterator[bytes]:
    """`mb` MB of spaces, a MB at a time (the test never holds a bomb's contents whole)."""
    chunk = b" " * MiB
    for _ in range(mb):
        yield chunk


def refused(store: Database, path: Path) -> tuple[list[str], int]:
    """Import `path`, which must be refused whole: (the problems said, the peak of memory Python allocated)."""
    before = fingerprint(store)
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveError) as caught:
            import_archive(store, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fingerprint(store) == before
    problems = caught.value.problems
    for problem in problems:
        assert not CLASS_NAME.search(problem), problem
    return problems, peak


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the central directory's entry for `member` to declare `declared` bytes unpacked (what `zipfile`
    trusts), leaving the packed bytes as they are."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_len = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_len] == member.encode():
            data[start + 24 : start + 28] = declared.to_bytes(4, "little")
            path.write_bytes(bytes(data))
            return
        start += 4
    raise AssertionError(f"{member} is not in {path}")


# -- the zip ---------------------------------------------------------------------------------------------


def test_a_manifest_that_inflates_a_thousand_fold_is_refused_and_never_read(store: Database, tmp_path: Path) -> None:
    """The tester's bomb, smaller: refused for its ratio, and that is all (it was then read whole and parsed)."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open(MANIFEST, "w") as out:
        for chunk in spaces(BOMB_MB):
            out.write(chunk)
    assert bomb.stat().st_size * ARCHIVE_MAX_RATIO < BOMB_MB * MiB // 5  # far past the ratio accepted

    problems, peak = refused(store, bomb)

    assert peak < SMALL_PEAK, f"{peak / MiB:.0f} MB allocated: the manifest was inflated"
    [problem] = problems
    assert problem.startswith("manifest.json would unpack to") and "not a Mendwell archive" in problem


@pytest.mark.parametrize("member", [MANIFEST, "responses.parquet"])
def test_a_member_that_lies_about_its_size_is_refused_before_it_is_read(
    store: Database, tmp_path: Path, member: str
) -> None:
    """A bzip2 member that declares 100 bytes passes every size and ratio check, and Python's zipfile inflates all
    it holds in one go before cutting it to the size declared: only the packing a Mendwell archive uses (stored,
    or deflated by a zip tool) is read."""
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_STORED) as zf:
        if member != MANIFEST:
            zf.writestr(MANIFEST, manifest())
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_BZIP2
        with zf.open(info, "w") as out:
            for chunk in spaces(LIE_MB):
                out.write(chunk)
    lie_about_size(bomb, member, 100)
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo(member).file_size == 100 and zf.getinfo(member).compress_size < 1000

    problems, peak = refused(store, bomb)

    assert peak < SMALL_PEAK, f"{peak / MiB:.0f} MB allocated: the member was inflated"
    [problem] = problems
    assert problem.startswith(f"{member} is packed with a method") and "not a Mendwell archive" in problem, problem


def test_a_manifest_larger_than_any_manifest_is_refused_unread(store: Database, tmp_path: Path) -> None:
    """Not a bomb by its ratio (stored, 1:1), but far larger than a manifest ever is: refused by its size."""
    big = tmp_path / "big-manifest.zip"
    padding = "x" * (ARCHIVE_MANIFEST_MAX_BYTES + MiB)
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, json.dumps({"format": padding}))

    problems, peak = refused(store, big)

    assert peak < ARCHIVE_MANIFEST_MAX_BYTES // 2, f"{peak / MiB:.1f} MB allocated: the manifest was read"
    [problem] = problems
    assert problem.startswith("manifest.json unpacks to more than 1 MB") and "not a Mendwell archive" in problem


@pytest.mark.parametrize("members", [3_000, 0x10000], ids=["end record", "zip64 end record"])
def test_a_zip_listing_more_members_than_any_archive_is_refused_unopened(
    store: Database, tmp_path: Path, members: int
) -> None:
    """Found: Python's zipfile reads a zip's whole list of members, and makes an object of each, to open it: a
    47 MB file of one-letter entries took 370 MB and 5 s, so an upload at the page's limit (200 MB) would take
    some 1.5 GB of the server's memory. The list's size is read from the zip's last bytes first (for a zip of
    more than 65,535 members, from its Zip64 record, as zipfile writes it)."""
    crowded = tmp_path / "crowded.zip"
    with zipfile.ZipFile(crowded, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, manifest())
        for n in range(members):
            zf.writestr(str(n), b"")

    problems, peak = refused(store, crowded)

    assert peak < SMALL_PEAK // 8, f"{peak / MiB:.1f} MB allocated: the list of members was read"
    [problem] = problems
    assert re.fullmatch(
        r"the archive's list of the files it holds takes [\d.]+ (KB|MB), where a Mendwell archive's takes under "
        r"1 KB; this is not a Mendwell archive",
        problem,
    ), problem


def test_a_real_manifest_is_far_below_the_limit(store: Database, tmp_path: Path) -> None:
    archived = export_archive(store, tmp_path / "real.zip")
    with zipfile.ZipFile(archived) as zf:
        assert zf.getinfo(MANIFEST).file_size * 100 < ARCHIVE_MANIFEST_MAX_BYTES
    assert import_archive(store, archived) == dict.fromkeys(TABLES, 0)  # and it is read as before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{not json", "manifest.json is not valid JSON: Expecting property name enclosed in double quotes "
                       "(line 1, column 2)"),
        (b"", "manifest.json is not valid JSON: Expecting value (line 1, column 1)"),
        (b"[" * 100_000, "manifest.json is not valid: it is nested too deeply to read"),
        (b'{"format": "\xff\xfe"}', "manifest.json is not valid: it is not text (UTF-8)"),
    ],
    ids=["not json", "empty", "nested deep", "not utf-8"],
)  # fmt: skip
def test_a_manifest_that_cannot_be_parsed_is_said_plainly(
    store: Database, tmp_path: Path, content: bytes, said: str
) -> None:
    """Found: "manifest.json is not valid: JSONDecodeError: Expecting value: line 1 column 1073741825 (char
    1073741824)": a class name and a position in bytes, not words for a person."""
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MANIFEST, content)
    problems, _ = refused(store, path)
    assert problems == [said]


# -- the Parquet files inside -----------------------------------------------------------------------------


def test_a_parquet_file_that_inflates_far_past_its_size_is_refused_before_it_is_loaded(
    store: Database, tmp_path: Path
) -> None:
    """Parquet compresses its own pages: a few KB of zstd in a stored member (1:1 to the zip) holds a written
    answer of 16 MB. Its footer says so, and it is refused from there, before DuckDB loads its rows."""
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(export_archive(store, tmp_path / "real.zip")) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    real_rows = {t: pq.read_metadata(pa.BufferReader(members[f"{t}.parquet"])).num_rows for t in TABLES}
    answer = pa.table(
        {
            "checkin_id": pa.array([1], pa.int64()),
            "instrument_id": ["bids"],
            "instrument_version": pa.array([1], pa.int32()),
            "item_id": ["b1"],
            "value": pa.array([None], pa.float64()),
            "text": ["a" * (16 * MiB)],
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(answer, sink, compression="zstd", use_dictionary=False)
    members["responses.parquet"] = sink.getvalue().to_pybytes()
    members[MANIFEST] = manifest({**real_rows, "responses": 1})
    assert len(members["responses.parquet"]) * ARCHIVE_MAX_RATIO < 16 * MiB // 5
    bomb = tmp_path / "parquet-bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)

    problems, _ = refused(store, bomb)

    [problem] = problems
    assert problem.startswith("responses.parquet would unpack to") and "not a Mendwell archive" in problem, problem


def test_a_parquet_file_of_more_rows_than_any_archive_holds_is_refused_before_it_is_loaded(
    store: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column of one value repeated packs millions of rows into a few KB (50 million in 458 KB), within every size
    limit, and DuckDB would load them all. The footer says how many rows there are: more than `ARCHIVE_ROWS_MAX`
    is refused from there, and so is a count that is not the manifest's, before a row is loaded. (The limit is
    lowered here so that the file is quick to write; the rule is the same.)"""
    monkeypatch.setattr("mendwell.data.archive.ARCHIVE_ROWS_MAX", 50_000)
    with zipfile.ZipFile(export_archive(store, tmp_path / "real.zip")) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    real_rows = {t: pq.read_metadata(pa.BufferReader(members[f"{t}.parquet"])).num_rows for t in TABLES}
    n = 200_000
    answers = pa.table(
        {
            "checkin_id": pa.array([1] * n, pa.int64()),
            "instrument_id": ["bids"] * n,
            "instrument_version": pa.array([1] * n, pa.int32()),
            "item_id": ["b1"] * n,
            "value": pa.array([1.0] * n, pa.float64()),
            "text": pa.array([None] * n, pa.string()),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(answers, sink, compression="zstd")
    members["responses.parquet"] = sink.getvalue().to_pybytes()
    assert len(members["responses.parquet"]) * 10 < n  # packed far tighter than a byte a row
    for declared, said in (
        (n, "responses.parquet holds 200,000 rows, more than a Mendwell archive holds (50,000); refused"),
        (5, None),
    ):
        members[MANIFEST] = manifest({**real_rows, "responses": declared})
        bomb = tmp_path / f"rows-{declared}.zip"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        monkeypatch.setattr("mendwell.data.archive.ARCHIVE_ROWS_MAX", 50_000 if said else 10 * n)
        problems, peak = refused(store, bomb)
        assert problems == [said or f"responses.parquet: {n} rows, but the manifest says 5"], problems
        assert peak < SMALL_PEAK


def archive_with_responses(store: Database, tmp_path: Path, answers: pa.Table, name: str) -> Path:
    """The store's real archive with `answers` as its responses.parquet (dictionary-encoded, as Parquet writers
    do by default), the manifest counting them."""
    with zipfile.ZipFile(export_archive(store, tmp_path / "real.zip")) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    real_rows = {t: pq.read_metadata(pa.BufferReader(members[f"{t}.parquet"])).num_rows for t in TABLES}
    sink = pa.BufferOutputStream()
    pq.write_table(answers, sink, compression="zstd")
    members["responses.parquet"] = sink.getvalue().to_pybytes()
    members[MANIFEST] = manifest({**real_rows, "responses": answers.num_rows})
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def answers_with(text: pa.Array) -> pa.Table:
    """Answers to one question, one row per value of `text`."""
    n = len(text)
    return pa.table(
        {
            "checkin_id": pa.array(range(n), pa.int64()),
            "instrument_id": ["bids"] * n,
            "instrument_version": pa.array([1] * n, pa.int32()),
            "item_id": ["b1"] * n,
            "value": pa.array([None] * n, pa.float64()),
            "text": text,
        }
    )


def test_a_text_stored_once_for_many_rows_is_refused_before_it_is_loaded(store: Database, tmp_path: Path) -> None:
    """Found: Parquet stores a text once and each row as a reference to it, so a file of under a kilobyte can
    hold a thousand written answers of 1 MB each. Its footer is honest and small, and DuckDB took 4.6 GB of memory
    and 20 s to load it. The texts' lengths are read first (quickly: DuckDB measures each stored text once)."""
    rows, each = 400, 256 * 1024
    text = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["a" * each]))
    bomb = archive_with_responses(store, tmp_path, answers_with(text), "dictionary-bomb.zip")
    with zipfile.ZipFile(bomb) as zf:
        packed = zf.getinfo("responses.parquet").file_size
    assert packed * ARCHIVE_MAX_RATIO < rows * each // 20  # far past the ratio accepted

    problems, _ = refused(store, bomb)

    [problem] = problems
    assert problem.startswith("responses.parquet would unpack to") and "not a Mendwell archive" in problem, problem


def test_a_column_of_lists_is_refused_before_it_is_loaded(store: Database, tmp_path: Path) -> None:
    """One row of a list column can repeat a text a million times, and loading casts it to one long text."""
    text = pa.array([["a short text"] * 1000] * 3, pa.list_(pa.string()))
    odd = archive_with_responses(store, tmp_path, answers_with(text), "lists.zip")

    problems, _ = refused(store, odd)

    assert problems == ["responses.parquet: text holds lists or records, not single values; this is not a Mendwell "
                        "archive"]  # fmt: skip


def test_sizes_are_said_as_people_say_them() -> None:
    """Found: "more than 2.00001 MB" in a refusal."""
    from mendwell.limits import human_bytes

    assert [human_bytes(n) for n in (512, 2 * 1024**2 + 10, 1536 * 1024**2, 8 * 1024**3)] == [
        "512 bytes", "2 MB", "1.5 GB", "8 GB",
    ]  # fmt: skip
