"""Property-based fuzzing (hypothesis) of the two ways outside files come in: instrument TOML files
and archives. Neither may ever crash: the loader reports `Problem`s, the importer raises ArchiveError
and leaves the database as it was."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mendwell.archive import export_archive, import_archive
from mendwell.data import Database
from mendwell.data.archive import TABLES
from mendwell.errors import ArchiveError
from mendwell.instruments import Catalog, Instrument, Problem, load_catalog, load_instrument, load_themes
from tests.support.data import fingerprint, new_database, opened
from tests.support.paths import ASSESSMENTS

PROBLEM_LINE = re.compile(r".+: .+: .+")  # FILE: FIELD: message, on one line


def fuzz(examples: int) -> settings:
    """Bounded runs (the whole file stays well under a minute on two cores); no example database is written."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# -- a tiny TOML writer (every table inline, every key quoted) ----------------------------------------


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def toml_dumps(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_string(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


def test_the_toml_writer_is_faithful(catalog: Catalog) -> None:
    """Every shipped file written back by the writer above loads as the very same instrument."""
    theme_ids = list(catalog.themes)
    for path in sorted(ASSESSMENTS.glob("*.toml")):
        if path.name == "themes.toml":
            continue
        raw = tomllib.loads(path.read_text("utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            copy_path = Path(tmp) / path.name
            copy_path.write_text(toml_dumps(raw), "utf-8")
            assert tomllib.loads(copy_path.read_text("utf-8")) == raw
            again, problems = load_instrument(copy_path, theme_ids)
        original, _ = load_instrument(path, theme_ids)
        assert problems == [] and original is not None and again == original, path.name


# -- strategies for instrument-like documents ----------------------------------------------------------

REAL_KEYS = [
    "id", "title", "version", "summary", "order", "safety", "response", "subscales", "items", "min", "max",
    "labels", "higher_is", "scoring", "reliability", "description", "bands", "below", "label", "tone", "kind",
    "text", "short", "help", "subscale", "reverse", "themes", "private", "show_if", "item", "above", "equals",
    "options", "value", "theme", "max_chars", "mirror",
]  # fmt: skip
IDS = st.one_of(
    st.sampled_from(["a", "b", "c", "trust", "unseen", "unheard", "x_1"]),
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    st.text(max_size=10),
)
LONG_TEXT = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(100, 6000))
TEXT = st.one_of(st.text(max_size=40), LONG_TEXT, st.sampled_from(["", " ", "Often", "é ✓ 日本 🌱", "a\nb\tc"]))
NUMBER = st.one_of(
    st.integers(-5, 40),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
)
WORDS = ["likert", "choice", "multi", "count", "yesno", "text", "better", "worse", "mean", "sum", "concern", "ok"]
SCALARS = st.one_of(
    st.booleans(),
    NUMBER,
    TEXT,
    st.sampled_from(WORDS),
    st.dates(),
)
KEYS = st.one_of(st.sampled_from(REAL_KEYS), st.text(max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)
SCALE = st.fixed_dictionaries(
    {}, optional={"min": NUMBER, "max": NUMBER, "labels": st.lists(TEXT, max_size=6) | VALUES}
)
OPTION = st.fixed_dictionaries({"value": NUMBER, "label": TEXT}, optional={"theme": IDS, "extra": VALUES})
ITEM = st.fixed_dictionaries(
    {
        "id": IDS,
        "kind": st.sampled_from(["likert", "choice", "multi", "count", "yesno", "text", "essay"]),
        "text": TEXT,
    },
    optional={
        "subscale": IDS,
        "reverse": st.booleans() | VALUES,
        "private": st.booleans(),
        "themes": st.lists(IDS, max_size=3),
        "show_if": st.fixed_dictionaries({"item": IDS}, optional={"above": NUMBER, "below": NUMBER, "equals": NUMBER}),
        "response": SCALE,
        "options": st.lists(OPTION, max_size=4),
        "max_chars": NUMBER,
        "mirror": IDS,
        "short": TEXT,
        "help": TEXT,
        "surprise": VALUES,
    },
)
BAND = st.fixed_dictionaries(
    {"label": TEXT, "tone": st.sampled_from(["concern", "watch", "ok", "bad"])}, optional={"below": NUMBER}
)
SUBSCALE = st.fixed_dictionaries(
    {"id": IDS, "title": TEXT, "higher_is": st.sampled_from(["better", "worse", "sideways"])},
    optional={
        "scoring": st.sampled_from(["mean", "sum", "median"]),
        "reliability": NUMBER,
        "bands": st.lists(BAND, max_size=4),
        "description": TEXT,
    },
)
INSTRUMENT = st.fixed_dictionaries(
    {"id": IDS, "title": TEXT, "version": NUMBER, "summary": TEXT, "items": st.lists(ITEM, max_size=5) | VALUES},
    optional={
        "order": NUMBER,
        "safety": st.booleans(),
        "response": SCALE,
        "subscales": st.lists(SUBSCALE, max_size=3),
    },
)
THEMES = st.fixed_dictionaries(
    {"themes": st.lists(st.fixed_dictionaries({"id": IDS, "title": TEXT}, optional={"description": TEXT}), max_size=4)}
)


# Shape-valid instruments (they pass the schema) with small id pools, so references between items,
# subscales, show_if, mirrors and themes resolve only sometimes: this reaches the meaning checks.
TAME_ID = st.sampled_from(["a", "b", "c", "s1", "s2"])
TAME_TEXT = st.one_of(
    st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=40),
    st.sampled_from(["Often", "Zoë ✓ 日本 🌱", "Q" * 500]),
)
TAME_BOUND = st.one_of(st.integers(-2, 6), st.floats(-2, 6, allow_nan=False))


@st.composite
def tame_scale(draw: st.DrawFn) -> dict[str, Any]:
    lo = draw(st.integers(-1, 2))
    hi = lo + draw(st.integers(-1, 5))
    n = max(0, hi - lo + 1) + draw(st.sampled_from([0, 0, 0, 1, -1]))
    scale: dict[str, Any] = {"min": lo, "max": hi}
    if draw(st.integers(0, 4)):
        scale["labels"] = [f"L{i}" for i in range(max(0, n))]
    return scale


TAME_SHOW_IF = st.builds(lambda item, test, v: {"item": item, test: v}, TAME_ID,
                         st.sampled_from(["above", "below", "equals"]), TAME_BOUND)  # fmt: skip
TAME_ITEM = st.fixed_dictionaries(
    {"id": TAME_ID, "kind": st.sampled_from(["likert", "likert", "choice", "multi", "count", "yesno", "text"]),
     "text": TAME_TEXT},
    optional={
        "subscale": TAME_ID,
        "reverse": st.booleans(),
        "private": st.booleans(),
        "themes": st.lists(st.sampled_from(["unseen", "unheard", "no_such_theme"]), max_size=2),
        "show_if": TAME_SHOW_IF,
        "response": tame_scale(),
        "options": st.lists(st.fixed_dictionaries({"value": st.integers(0, 3), "label": TAME_TEXT},
                                                  optional={"theme": st.sampled_from(["unseen", "nope"])}),
                            max_size=4),
        "max_chars": st.integers(1, 500),
        "mirror": TAME_ID,
    },
)  # fmt: skip
TAME_BAND = st.fixed_dictionaries(
    {"label": TAME_TEXT, "tone": st.sampled_from(["concern", "watch", "ok"])}, optional={"below": TAME_BOUND}
)
TAME_SUBSCALE = st.fixed_dictionaries(
    {"id": TAME_ID, "title": TAME_TEXT, "higher_is": st.sampled_from(["better", "worse"])},
    optional={"scoring": st.sampled_from(["mean", "sum"]), "reliability": st.floats(0.01, 0.99),
              "bands": st.lists(TAME_BAND, max_size=3)},
)  # fmt: skip
TAME_INSTRUMENT = st.fixed_dictionaries(
    {"id": TAME_ID, "title": TAME_TEXT, "version": st.integers(1, 3), "summary": TAME_TEXT,
     "items": st.lists(TAME_ITEM, min_size=1, max_size=5)},
    optional={"order": st.integers(-5, 200), "safety": st.booleans(), "response": tame_scale(),
              "subscales": st.lists(TAME_SUBSCALE, max_size=2)},
)  # fmt: skip


@st.composite
def instrument_docs(draw: st.DrawFn) -> dict[str, Any]:
    """Shape-valid instruments, near-valid ones with random keys or values mixed in, or random documents."""
    kind = draw(st.sampled_from(["tame", "tame", "near", "wild"]))
    if kind == "wild":
        return draw(st.dictionaries(KEYS, VALUES, max_size=8))
    doc = draw(TAME_INSTRUMENT if kind == "tame" else INSTRUMENT)
    if kind == "near":
        doc.update(draw(st.dictionaries(KEYS, VALUES, max_size=2)))
    return doc


FILE_CONTENT = st.one_of(
    instrument_docs().map(toml_dumps),
    instrument_docs().map(toml_dumps),
    instrument_docs().map(toml_dumps),
    st.binary(max_size=300),
    st.text(max_size=300),
    instrument_docs().map(lambda d: toml_dumps(d)[: len(toml_dumps(d)) // 2]),  # cut off half way
)


def check_catalog(catalog: Catalog, instrument_files: list[Path], all_files: list[Path]) -> None:
    names = {str(p) for p in all_files}
    for p in catalog.problems:
        assert isinstance(p, Problem)
        assert all(isinstance(x, str) and x for x in (p.file, p.field, p.message)), p
        assert PROBLEM_LINE.fullmatch(str(p)), repr(str(p))
        assert p.file in names, p
    bad = {p.file for p in catalog.problems}
    loaded = set(catalog.sources.values())
    event(f"{len(loaded)} of {len(instrument_files)} instrument file(s) loaded")
    assert len(loaded) == len(catalog.instruments)
    for path in instrument_files:
        # an instrument comes back exactly when its file has no problem
        assert (str(path) in loaded) != (str(path) in bad), (path.name, [str(p) for p in catalog.problems])


def schema_passes(content: str | bytes) -> bool:
    """Whether a file gets past TOML and the schema (then the meaning checks run on it)."""
    try:
        Instrument.model_validate(tomllib.loads(content if isinstance(content, str) else content.decode()))
    except (ValueError, tomllib.TOMLDecodeError):
        return False
    return True


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")


@fuzz(100)
@given(
    files=st.lists(FILE_CONTENT, min_size=1, max_size=3),
    themes=st.one_of(st.none(), st.just("real"), THEMES.map(toml_dumps), st.binary(max_size=100)),
)
def test_instrument_loader_never_crashes(files: list[str | bytes], themes: str | bytes | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        paths = []
        for i, content in enumerate(files):
            paths.append(d / f"fuzz_{i}.toml")
            write(paths[-1], content)
            event("schema passed" if schema_passes(content) else "schema refused")
        extra = []
        if themes == "real":
            shutil.copy(ASSESSMENTS / "themes.toml", d / "themes.toml")
        elif themes is not None:
            write(d / "themes.toml", themes)
            extra.append(d / "themes.toml")
        catalog = load_catalog([d])
        check_catalog(catalog, paths, paths + extra)
        if themes is not None:
            _, problems = load_themes(d / "themes.toml")
            assert all(PROBLEM_LINE.fullmatch(str(p)) for p in problems), problems


# -- mutations of a real instrument -----------------------------------------------------------------------

BIDS = tomllib.loads((ASSESSMENTS / "bids.toml").read_text("utf-8"))


def slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in a document, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in list(items):
        yield node, key
        yield from slots(child)


@st.composite
def mutated_bids(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(BIDS)
    for _ in range(draw(st.integers(1, 4))):
        places = list(slots(doc))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        op = draw(st.sampled_from(["drop", "replace", "replace", "add", "duplicate"]))
        if op == "drop":
            del container[key]
        elif op == "replace":
            container[key] = draw(VALUES)
        elif op == "add" and isinstance(container, dict):
            container[draw(KEYS)] = draw(VALUES)
        elif isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
        else:
            container[key] = copy.deepcopy(container[key]) if op == "duplicate" else draw(VALUES)
    return doc


@fuzz(100)
@given(doc=mutated_bids())
def test_mutated_real_instrument_is_valid_or_reported(doc: dict[str, Any], catalog: Catalog) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        shutil.copy(ASSESSMENTS / "themes.toml", d / "themes.toml")
        path = d / "bids.toml"
        path.write_text(toml_dumps(doc), "utf-8")
        inst, problems = load_instrument(path, catalog.themes.keys())
        assert (inst is None) == bool(problems)
        assert all(isinstance(p, Problem) and PROBLEM_LINE.fullmatch(str(p)) for p in problems), problems
        check_catalog(load_catalog([d]), [path], [path])


# -- the archive importer ---------------------------------------------------------------------------------


CONSISTENCY = {
    "a response without its check-in": "SELECT count(*) FROM responses "
    "WHERE checkin_id NOT IN (SELECT checkin_id FROM checkins)",
    "a note without its check-in": "SELECT count(*) FROM notes "
    "WHERE checkin_id NOT IN (SELECT checkin_id FROM checkins)",
    "a check-in without its partner": "SELECT count(*) FROM checkins c WHERE NOT EXISTS (SELECT 1 FROM partners p "
    "WHERE p.partner_id = c.partner_id AND p.couple_id = c.couple_id)",
    "a partner without a couple": "SELECT count(*) FROM partners "
    "WHERE couple_id NOT IN (SELECT couple_id FROM couples)",
    "an answer to an unknown questionnaire": "SELECT count(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM "
    "instrument_versions v WHERE v.instrument_id = r.instrument_id AND v.version = r.instrument_version)",
    "a couple with more than two partners": "SELECT count(*) FROM (SELECT couple_id FROM partners GROUP BY ALL "
    "HAVING count(*) > 2)",
    "a check-in not on the first of a month": "SELECT count(*) FROM checkins WHERE day(period) <> 1",
}


@dataclass
class Target:
    """One open database the importer is fuzzed against, reset to its pristine copy after a real import."""

    pristine: Path
    path: Path
    store: Database

    def reset(self) -> None:
        self.store.close()
        for leftover in (self.path, Path(f"{self.path}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.copy(self.pristine, self.path)
        self.store = Database(self.path)


@dataclass(frozen=True)
class ArchiveWorld:
    good: bytes
    members: dict[str, bytes]
    target: Target
    scratch: Path


@pytest.fixture(scope="module")
def arc(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[ArchiveWorld]:
    d = tmp_path_factory.mktemp("fuzz-archive")
    with opened(new_database(d / "source.duckdb", catalog, demo=(2, 3, 3))) as source:
        export_archive(source, d / "good.zip")
    new_database(d / "pristine.duckdb", catalog)  # an empty database that knows the questionnaires
    shutil.copy(d / "pristine.duckdb", d / "target.duckdb")
    good = (d / "good.zip").read_bytes()
    with zipfile.ZipFile(d / "good.zip") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    target = Target(d / "pristine.duckdb", d / "target.duckdb", Database(d / "target.duckdb"))
    # the control: the untouched archive imports, so the fuzzed ones start from something that works
    assert import_archive(target.store, d / "good.zip")["couples"] == 2
    target.reset()
    yield ArchiveWorld(good, members, target, d)
    target.store.close()


def import_or_refuse(world: ArchiveWorld, data: bytes) -> str:
    """Import `data`: it either imports (and the database is consistent) or raises ArchiveError and
    changes nothing. Any other exception fails the test."""
    path = world.scratch / "fuzzed.zip"
    path.write_bytes(data)
    store = world.target.store
    before = fingerprint(store)
    try:
        added = import_archive(store, path)
    except ArchiveError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        assert str(exc).startswith("Nothing was imported")
        assert fingerprint(store) == before, "a refused import changed the database"
        event(f"refused: {exc.problems[0][:40]}")
        return "refused"
    assert set(added) == set(TABLES)
    with store.engine.cursor() as cur:
        for what, sql in CONSISTENCY.items():
            row = cur.execute(sql).fetchone()
            assert row is not None and row[0] == 0, what
    world.target.reset()
    event("imported")
    return "imported"


@fuzz(50)
@given(data=st.one_of(st.binary(max_size=2000), st.binary(max_size=600).map(lambda b: b"PK\x03\x04" + b)))
def test_importer_survives_arbitrary_bytes(arc: ArchiveWorld, data: bytes) -> None:
    assert import_or_refuse(arc, data) == "refused"


@st.composite
def damaged(draw: st.DrawFn, good: bytes) -> bytes:
    data = bytearray(good)
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            pos = draw(st.integers(0, len(data) - 1))
            data[pos] ^= draw(st.integers(1, 255))
        return bytes(data)
    return bytes(data[: draw(st.integers(0, len(data) - 1))])


@fuzz(60)
@given(st.data())
def test_importer_survives_a_flipped_byte_or_truncation(arc: ArchiveWorld, data: st.DataObject) -> None:
    import_or_refuse(arc, data.draw(damaged(arc.good)))


@fuzz(40)
@given(st.data())
def test_importer_survives_a_damaged_member_in_a_sound_zip(arc: ArchiveWorld, data: st.DataObject) -> None:
    """The zip itself is sound (CRCs match), but one member's content is damaged: Parquet pages, footers,
    the manifest's JSON."""
    name = data.draw(st.sampled_from(sorted(arc.members)))
    content = data.draw(damaged(arc.members[name]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, blob in arc.members.items():
            zf.writestr(member, content if member == name else blob)
    import_or_refuse(arc, buf.getvalue())
