"""The `mendwell` command line, run in real subprocesses against real DuckDB files."""

from __future__ import annotations

import csv
import re
import subprocess
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mendwell.data import LATEST_SCHEMA, Database
from mendwell.instruments import load_catalog
from mendwell.scoring import scores
from tests.support.cli import ok, run_cli
from tests.support.paths import ASSESSMENTS

TABLES = ("couples", "partners", "checkins", "responses", "scores")
RESPONSE_COLUMNS = [
    "couple_id", "partner_id", "period", "instrument_id", "instrument_version", "item_id", "value", "text",
]  # fmt: skip
SCORE_COLUMNS = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "band"]
READERS = {"csv": "read_csv", "parquet": "read_parquet", "json": "read_json"}

EXTRA_TOML = """
id = "extra"
title = "A therapist's own questions"
version = 3
summary = "Written outside the project."
order = 99

[response]
min = 0
max = 4
labels = ["0", "1", "2", "3", "4"]

[[subscales]]
id = "closeness"
title = "Closeness"
higher_is = "better"
bands = [{ below = 2, label = "Far", tone = "concern" }, { label = "Near", tone = "ok" }]

[[subscales]]
id = "evenings"
title = "Evenings together"
higher_is = "better"
scoring = "sum"

[[items]]
id = "trigger"
kind = "likert"
text = "We spent time just the two of us."
subscale = "closeness"

[[items]]
id = "follow"
kind = "likert"
text = "That time felt good."
subscale = "closeness"
show_if = { item = "trigger", above = 2 }

[[items]]
id = "argued"
kind = "yesno"
text = "We had an argument."

[[items]]
id = "argued_how"
kind = "choice"
text = "How did it end?"
show_if = { item = "argued", equals = 1 }
options = [{ value = 1, label = "Apart" }, { value = 2, label = "Half mended" }, { value = 3, label = "Mended" }]

[[items]]
id = "date_nights"
kind = "count"
text = "How many evenings were just ours (at least one is usual)?"
subscale = "evenings"

[items.response]
min = 1
max = 8

[[items]]
id = "low_closeness"
kind = "likert"
text = "I felt far from my partner."
subscale = "closeness"
reverse = true
show_if = { item = "trigger", below = 2 }
"""


# -- helpers ---------------------------------------------------------------------------------------


@contextmanager
def read_db(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed before the next CLI run needs the file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        yield con
    finally:
        con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a query."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def info_counts(db: Path) -> dict[str, int]:
    """The `info` command's table counts."""
    out = ok(run_cli(db, "info")).stdout
    counts = {}
    for line in out.splitlines()[1:]:
        name, _, n = line.partition(": ")
        counts[name] = int(n.replace(",", ""))
    return counts


def read_table(path: Path, fmt: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """An exported file read back with DuckDB's own reader: (columns, rows)."""
    con = duckdb.connect()
    try:
        quoted = str(path).replace("'", "''")
        cur = con.execute(f"SELECT * FROM {READERS[fmt]}('{quoted}')")
        columns = [d[0] for d in cur.description]
        return columns, cur.fetchall()
    finally:
        con.close()


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file as dicts of raw strings (Python's csv module, not DuckDB)."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`demo --couples 2 --months 6 --seed 3` into a fresh file (shared, read-only after)."""
    db = tmp_path_factory.mktemp("cli_demo") / "demo.duckdb"
    result = ok(run_cli(db, "demo", "--couples", "2", "--months", "6", "--seed", "3"))
    assert "Added 2 demo couple(s)" in result.stdout
    return db


@pytest.fixture(scope="module")
def exports(demo_db: Path) -> dict[str, Path]:
    """The demo database exported in each format: {format: directory}."""
    out = {}
    for fmt in READERS:
        outdir = demo_db.parent / f"export_{fmt}"
        result = ok(run_cli(demo_db, "export", str(outdir), "--format", fmt))
        for table in TABLES:
            assert f"{table}: {outdir / f'{table}.{fmt}'}" in result.stdout
        out[fmt] = outdir
    return out


# -- demo and info -------------------------------------------------------------------------------------


def test_demo_then_info(demo_db: Path) -> None:
    """info reports the rows the demo wrote: 2 couples, 4 partners, up to 6 check-ins each."""
    counts = info_counts(demo_db)
    assert counts["couples"] == 2
    assert counts["partners"] == 4
    assert 12 <= counts["checkins"] <= 24
    with read_db(demo_db) as con:
        for table in ("couples", "partners", "checkins", "responses", "notes"):
            assert counts[table] == scalar(con, f"SELECT count(*) FROM {table}"), table
        per_checkin = con.execute("SELECT count(*) FROM responses GROUP BY checkin_id").fetchall()
        assert len(per_checkin) == counts["checkins"]  # every check-in has answers
        assert scalar(con, "SELECT count(DISTINCT period) FROM checkins") == 6
        assert scalar(con, "SELECT max(version) FROM schema_version") == LATEST_SCHEMA
    assert f"(schema {LATEST_SCHEMA})" in ok(run_cli(demo_db, "info")).stdout


def imported_by(result: subprocess.CompletedProcess[str]) -> set[str]:
    """The modules a run imported, from what `PYTHONPROFILEIMPORTTIME` printed."""
    lines = (line for line in result.stderr.splitlines() if line.startswith("import time:"))
    return {line.rsplit("|", 1)[1].strip() for line in lines} - {"imported package"}


@pytest.mark.parametrize("args", [("info",), ("account", "list"), ("account", "--help")])
def test_everyday_commands_start_without_the_analysis_libraries(demo_db: Path, args: tuple[str, ...]) -> None:
    """The commands typed often load neither pandas nor plotly (half a second of every start, once): the data
    layer imports pandas only where a query hands back a table."""
    imported = imported_by(ok(run_cli(demo_db, *args, env_extra={"PYTHONPROFILEIMPORTTIME": "1"})))
    assert {"duckdb", "mendwell.data"} <= imported  # the run was measured, and it read the database
    assert not {"pandas", "plotly", "streamlit", "pyarrow"} & imported


def test_a_table_command_still_loads_pandas_when_it_needs_it(demo_db: Path) -> None:
    """The other side of the lazy import: an export builds its tables with pandas, and says so in its imports."""
    out = demo_db.parent / "lazy_export"
    imported = imported_by(ok(run_cli(demo_db, "export", str(out), env_extra={"PYTHONPROFILEIMPORTTIME": "1"})))
    assert "pandas" in imported


def test_demo_if_empty_adds_nothing_to_a_used_database(demo_db: Path) -> None:
    """--if-empty leaves a database with couples alone."""
    before = info_counts(demo_db)
    result = ok(run_cli(demo_db, "demo", "--if-empty", "--couples", "5"))
    assert "already holds 2 couple(s); no demo added" in result.stdout
    assert info_counts(demo_db) == before


def test_demo_if_empty_fills_an_empty_database(tmp_path: Path) -> None:
    """--if-empty on an empty database does add the demo (the counterpart)."""
    db = tmp_path / "empty.duckdb"
    ok(run_cli(db, "demo", "--if-empty", "--couples", "1", "--months", "2"))
    assert info_counts(db)["couples"] == 1


def test_demo_answers_extra_instrument(tmp_path: Path) -> None:
    """An instrument from MENDWELL_ASSESSMENTS is answered, within its scales, honouring show_if."""
    extra_dir = tmp_path / "therapist"
    extra_dir.mkdir()
    (extra_dir / "extra.toml").write_text(EXTRA_TOML, encoding="utf-8")
    db = tmp_path / "extra.duckdb"
    result = ok(run_cli(db, "demo", "--couples", "4", "--months", "12", "--seed", "5", extra_dirs=[extra_dir]))
    assert "warning" not in result.stderr

    with read_db(db) as con:
        answered = dict(
            con.execute(
                "SELECT item_id, count(*) FROM responses WHERE instrument_id = 'extra' AND instrument_version = 3 "
                "GROUP BY item_id"
            ).fetchall()
        )
        assert set(answered) == {"trigger", "follow", "argued", "argued_how", "date_nights", "low_closeness"}
        assert answered["trigger"] == scalar(con, "SELECT count(*) FROM checkins")

        # every answer fits its item's scale (and a choice answer is one of its options)
        out_of_scale = con.execute(
            "SELECT r.instrument_id, r.item_id, r.value, i.scale_min, i.scale_max FROM responses r "
            "JOIN instrument_items i ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version "
            "AND i.item_id = r.item_id WHERE r.value IS NOT NULL AND NOT r.value BETWEEN i.scale_min AND i.scale_max "
            "LIMIT 5"
        ).fetchall()
        assert out_of_scale == []
        bad_choice = scalar(
            con,
            "SELECT count(*) FROM responses r JOIN instrument_items i ON i.instrument_id = r.instrument_id "
            "AND i.version = r.instrument_version AND i.item_id = r.item_id WHERE i.kind = 'choice' AND NOT EXISTS "
            "(SELECT 1 FROM instrument_options o WHERE o.instrument_id = r.instrument_id "
            "AND o.version = r.instrument_version AND o.item_id = r.item_id AND o.value = r.value)",
        )
        assert bad_choice == 0

        # show_if, over all rows of every instrument (the extra one and the real ones)
        catalog = load_catalog([ASSESSMENTS, extra_dir])
        assert catalog.problems == ()
        checked = 0
        for inst in catalog.instruments:
            for it in inst.items:
                cond = it.show_if
                if cond is None:
                    continue
                bound: float | None
                if cond.above is not None:
                    test, bound = "t.value > ?", cond.above
                elif cond.below is not None:
                    test, bound = "t.value < ?", cond.below
                else:
                    test, bound = "t.value = ?", cond.equals
                where = f"{inst.id}.{it.id}"
                shown, wrongly = con.execute(
                    "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM responses t "
                    f"WHERE t.checkin_id = f.checkin_id AND t.instrument_id = ? AND t.item_id = ? AND {test})) "
                    "FROM responses f WHERE f.instrument_id = ? AND f.item_id = ?",
                    [inst.id, cond.item, bound, inst.id, it.id],
                ).fetchone() or (0, 0)
                assert wrongly == 0, f"{where}: {wrongly} answers whose trigger does not open them"
                closed = scalar(
                    con,
                    f"SELECT count(*) FROM responses t WHERE t.instrument_id = ? AND t.item_id = ? AND NOT ({test})",
                    [inst.id, cond.item, bound],
                )
                assert shown > 0 and closed > 0, f"{where}: the data should both open and close it"
                checked += 1
        assert checked == 3 + 12  # the extra file's three, the twelve micro-hurt follow-ups
        # a hidden follow-up is absent, not stored as an empty answer
        assert scalar(con, "SELECT count(*) FROM responses WHERE value IS NULL AND text IS NULL") == 0


# -- check-assessments ------------------------------------------------------------------------------------


def test_check_assessments_real_dir(tmp_path: Path) -> None:
    """The shipped instruments pass, by default and when named."""
    db = tmp_path / "unused.duckdb"
    default = ok(run_cli(db, "check-assessments"))
    assert default.stdout == ""
    assert "All good: 7 instrument(s) and 9 theme(s) loaded." in default.stderr
    ok(run_cli(db, "check-assessments", str(ASSESSMENTS)))
    assert not db.exists()  # checking files never creates a database


def test_check_assessments_reports_broken_file_only(tmp_path: Path) -> None:
    """Exit 1; one `FILE: FIELD: message` line per problem, all for the broken file."""
    d = tmp_path / "mixed"
    d.mkdir()
    good_text = EXTRA_TOML.replace('id = "extra"', 'id = "fine"', 1)
    (d / "a_good.toml").write_text(good_text, encoding="utf-8")
    broken = d / "b_broken.toml"
    broken.write_text(
        good_text.replace('id = "fine"', 'id = "broken"', 1)
        .replace('kind = "yesno"', 'kind = "yesno"\nreverse = true', 1)
        .replace('show_if = { item = "trigger", above = 2 }', 'show_if = { item = "argued", above = 0 }', 1),
        encoding="utf-8",
    )
    result = run_cli(tmp_path / "unused.duckdb", "check-assessments", str(d))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    parsed = [re.fullmatch(r"(.+?): (\S+): (.+)", line) for line in lines]
    assert all(parsed), lines
    assert {m.group(1) for m in parsed if m} == {str(broken)}
    fields = {m.group(2): m.group(3) for m in parsed if m}
    assert set(fields) == {"items[argued].reverse", "items[follow].show_if.item"}
    assert "only likert" in fields["items[argued].reverse"]
    assert "later item" in fields["items[follow].show_if.item"]
    assert "a_good.toml" not in result.stdout
    assert "2 problem(s) in 1 file(s); 1 instrument(s) are fine." in result.stderr


# -- export --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(READERS))
def test_export_formats(demo_db: Path, exports: dict[str, Path], fmt: str) -> None:
    """Each format holds the five tables with the documented columns and every row."""
    outdir = exports[fmt]
    tables = {t: read_table(outdir / f"{t}.{fmt}", fmt) for t in TABLES}
    r_cols, r_rows = tables["responses"]
    assert r_cols[: len(RESPONSE_COLUMNS)] == RESPONSE_COLUMNS
    s_cols, s_rows = tables["scores"]
    assert s_cols[: len(SCORE_COLUMNS)] == SCORE_COLUMNS
    assert tables["couples"][0][:2] == ["couple_id", "name"]
    assert tables["partners"][0] == ["partner_id", "couple_id", "slot", "name"]
    assert tables["checkins"][0][:4] == ["checkin_id", "couple_id", "partner_id", "period"]

    with read_db(demo_db) as con:
        for table in ("couples", "partners", "checkins"):
            assert len(tables[table][1]) == scalar(con, f"SELECT count(*) FROM {table}"), table
        # every submitted answer except the private safety check, which is never exported
        submitted_answers = scalar(
            con,
            "SELECT count(*) FROM responses JOIN checkins USING (checkin_id) "
            "WHERE status = 'submitted' AND instrument_id <> 'safety'",
        )
        assert scalar(con, "SELECT count(*) FROM responses WHERE instrument_id = 'safety'") > 0
    assert len(r_rows) == submitted_answers > 0
    instrument_at = RESPONSE_COLUMNS.index("instrument_id")
    assert all(str(r[instrument_at]) != "safety" for r in r_rows)
    store = Database(demo_db)
    try:
        n_scores = len(scores(store))
    finally:
        store.close()
    assert len(s_rows) == n_scores > 0
    score_at = s_cols.index("score")
    assert all(isinstance(r[score_at], float) for r in s_rows)


def test_export_csv_period_format(exports: dict[str, Path]) -> None:
    """Periods in CSV are written as YYYY-MM-01."""
    for table in ("responses", "scores", "checkins"):
        rows = csv_rows(exports["csv"] / f"{table}.csv")
        assert rows
        bad = [r["period"] for r in rows if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])-01", r["period"])]
        assert bad == [], table


def test_export_one_couple(demo_db: Path, tmp_path: Path) -> None:
    """--couple ID writes only that couple's rows, in every table that has a couple."""
    with read_db(demo_db) as con:
        couple_ids = [r[0] for r in con.execute("SELECT couple_id FROM couples ORDER BY couple_id").fetchall()]
    assert len(couple_ids) == 2
    chosen = couple_ids[1]
    outdir = tmp_path / "one"
    ok(run_cli(demo_db, "export", str(outdir), "--couple", str(chosen)))
    for table in (*TABLES, "notes"):
        rows = csv_rows(outdir / f"{table}.csv")
        if table != "notes":
            assert rows, table
        assert {int(r["couple_id"]) for r in rows} <= {chosen}, table
    partner_ids = {int(r["partner_id"]) for r in csv_rows(outdir / "partners.csv")}
    assert len(partner_ids) == 2
    assert {int(r["partner_id"]) for r in csv_rows(outdir / "responses.csv")} <= partner_ids

    missing = run_cli(demo_db, "export", str(tmp_path / "none"), "--couple", "999")
    assert missing.returncode == 1
    assert "There is no couple with id 999" in missing.stderr
    assert "Traceback" not in missing.stderr


def _instrument_defs(directory: Path) -> dict[str, dict[str, Any]]:
    """The instrument TOML files as plain dicts, by id."""
    defs = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name != "themes.toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            defs[data["id"]] = data
    return defs


def test_exported_scores_match_recomputation_from_exported_responses(exports: dict[str, Path]) -> None:
    """scores.csv equals a recomputation from responses.csv and the TOML files alone, exactly."""
    defs = _instrument_defs(ASSESSMENTS)
    values: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for r in csv_rows(exports["csv"] / "responses.csv"):
        if r["value"] == "":
            continue
        d = defs[r["instrument_id"]]
        assert int(r["instrument_version"]) == d["version"]
        item = next(it for it in d["items"] if it["id"] == r["item_id"])
        if "subscale" not in item:
            continue
        v = float(r["value"])
        if item.get("reverse", False):
            scale = item.get("response") or d["response"]
            v = scale.get("min", 0) + scale.get("max", 4) - v
        key: tuple[str, ...] = (r["couple_id"], r["partner_id"], r["period"], r["instrument_id"], item["subscale"])
        values[key].append(v)

    expected: dict[tuple[str, ...], tuple[float, str]] = {}
    for key, vs in values.items():
        sub = next(s for s in defs[key[3]]["subscales"] if s["id"] == key[4])
        score = sum(vs) if sub.get("scoring", "mean") == "sum" else sum(vs) / len(vs)
        band = next((b["label"] for b in sub.get("bands", []) if "below" not in b or score < b["below"]), "")
        expected[key] = (score, band)

    actual: dict[tuple[str, ...], tuple[float, str]] = {
        (r["couple_id"], r["partner_id"], r["period"], r["instrument_id"], r["subscale_id"]): (
            float(r["score"]),
            r["band"],
        )
        for r in csv_rows(exports["csv"] / "scores.csv")
    }
    assert len(expected) > 50
    assert set(actual) == set(expected)
    assert {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]} == {}


# -- a large demo ------------------------------------------------------------------------------------------


def test_large_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """60 couples x 60 months completes with plausible row counts (the time is printed, not asserted)."""
    catalog = load_catalog([ASSESSMENTS])
    always = sum(1 for i in catalog.instruments for it in i.items if it.show_if is None and it.kind != "text")
    every = sum(len(i.items) for i in catalog.instruments)

    db = tmp_path / "big.duckdb"
    start = time.perf_counter()
    ok(run_cli(db, "demo", "--couples", "60", "--months", "60", "--seed", "1"))
    seconds = time.perf_counter() - start
    counts = info_counts(db)
    with capsys.disabled():
        print(f"\n[demo 60x60] {seconds:.1f} s including start-up; {counts}")
    assert counts["couples"] == 60
    assert counts["partners"] == 120
    assert 0.85 * 120 * 60 <= counts["checkins"] <= 120 * 60
    assert always * counts["checkins"] <= counts["responses"] <= every * counts["checkins"]
    assert 0 < counts["notes"] < counts["checkins"]
