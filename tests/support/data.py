"""Couples, check-ins and answers written through the real store, the way the app writes them.

Everything a test needs to make data goes through here, so a change to the data layer's
API touches this file rather than every test.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mendwell import periods, safety
from mendwell.checkin import Answer, make_answer
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog, Instrument, load_catalog
from mendwell.model import Couple
from tests.support.paths import ASSESSMENTS
from tests.support.ui import TWO_SIDES

RawAnswers = Mapping[str, object]  # {item_id: raw widget value}
RawPlan = Mapping[str, RawAnswers]  # {instrument_id: {item_id: raw widget value}}

START = dt.date(2025, 1, 1)  # the first month of hand-made histories
THIS_MONTH = periods.month_start()
UNSEEN = 1  # option value of "Unseen" in every `<kind>_themes` question
MAIN_TABLES = ("couples", "partners", "checkins", "responses", "notes")
PASSCODE = "harbour-lantern-4721"  # a partner's or the practice's passcode

# The hostile text of the brief is 94 characters, over the 80 a name may have,
# so it is spread over the three names; together they hold every part of it.
HOSTILE_FULL = "**bold** <script>alert(1)</script> [x](javascript:alert(1)) :red[hi] '; DROP TABLE couples; --"
HOSTILE_COUPLE = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
HOSTILE_FIRST = ":red[hi] '; DROP TABLE couples; -- <script>alert(1)</script>"
HOSTILE_SECOND = "[x](javascript:alert(1)) **bold** _it_ `code` # :red[hi]"


def month(i: int) -> dt.date:
    """The i-th month of a hand-made history (0 is January 2025)."""
    return periods.add_months(START, i)


# -- database files --------------------------------------------------------------------------


@contextmanager
def opened(db: Path) -> Iterator[Database]:
    """The store on `db`, closed again afterwards (so another process, or the app, can open the file)."""
    store = Database(db)
    try:
        yield store
    finally:
        store.close()


# Made once per test process and copied for each test: a file is copied in milliseconds, where making the schema
# and registering the questionnaires took a fifth of a second, several hundred times a run. Each test still has a
# real DuckDB file of its own.
_MADE: dict[tuple[object, ...], Path] = {}


def _made_once(catalog: Catalog, demo: tuple[int, int, int] | None) -> Path:
    key = (tuple((i.id, i.version, i.content_hash()) for i in catalog.instruments), demo)
    if key not in _MADE:
        path = Path(tempfile.mkdtemp(prefix="mendwell-made-")) / "made.duckdb"
        with opened(path) as store:
            store.definitions.register(catalog.instruments)
            if demo is not None:
                couples, months, seed = demo
                generate(store, catalog, couples=couples, months=months, seed=seed)
        _MADE[key] = path
    return _MADE[key]


def new_database(db: Path, catalog: Catalog, *, demo: tuple[int, int, int] | None = None) -> Path:
    """A database file with the schema and the questionnaires, and `demo` = (couples, months, seed)
    demo couples if given; closed. A copy of one made once per test process (`_made_once`)."""
    shutil.copyfile(_made_once(catalog, demo), db)
    return db


# -- couples -----------------------------------------------------------------------------------


def make_couple(store: Database, name: str = "Ann & Bob", partners: tuple[str, str] = ("Ann", "Bob")) -> Couple:
    """A new couple with two partners, read back."""
    couple = store.couples.get(store.couples.create(name, list(partners)))
    assert couple is not None
    return couple


def make_couple_ids(
    store: Database, name: str = "Ann & Bob", partners: tuple[str, str] = ("Ann", "Bob")
) -> tuple[int, int, int]:
    """A new couple: (couple_id, first partner_id, second partner_id)."""
    couple = make_couple(store, name, partners)
    return couple.couple_id, couple.partners[0].partner_id, couple.partners[1].partner_id


# -- the catalog -------------------------------------------------------------------------------


def instrument(catalog: Catalog, instrument_id: str) -> Instrument:
    """A questionnaire of the catalog, which must be there."""
    inst = catalog.get(instrument_id)
    assert inst is not None, instrument_id
    return inst


def extra_catalog(folder: Path, files: dict[str, str]) -> Catalog:
    """The real questionnaires plus `files` ({file name: TOML text}) written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    catalog = load_catalog([ASSESSMENTS, folder])
    assert not catalog.problems, catalog.problems
    return catalog


def shared_subscale_count(catalog: Catalog) -> int:
    """Subscales that are not private (each gets a trend chart)."""
    return sum(1 for i in catalog.instruments for s in i.subscales if not i.is_private_subscale(s.id))


def trend_tabs(catalog: Catalog) -> dict[str, int]:
    """Trends' tabs as a person reads them, in order, for a couple who have both checked in for the same month:
    {label: the charts it draws}: a tab per questionnaire (a chart per shared subscale), then the two
    perspectives (a chart per partner)."""
    shared = with_shared_scores(catalog)
    tabs = {i.title: sum(1 for s in i.subscales if not i.is_private_subscale(s.id)) for i in shared}
    return tabs | {TWO_SIDES: 2}


def with_shared_scores(catalog: Catalog) -> list[Instrument]:
    """The questionnaires with at least one shared subscale (each gets a table in Together)."""
    return [i for i in catalog.instruments if any(not i.is_private_subscale(s.id) for s in i.subscales)]


def private_titles(catalog: Catalog) -> list[str]:
    """Titles of the private subscales (all their items private)."""
    return [s.title for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)]


def private_words(catalog: Catalog) -> list[str]:
    """Titles of the private subscales and the text of every private item."""
    return private_titles(catalog) + [it.text for i in catalog.instruments for it in i.items if it.private]


# -- check-ins ---------------------------------------------------------------------------------


def whole_plan(catalog: Catalog, value: int, *, private_text: str | None = None) -> dict[str, dict[str, object]]:
    """A whole check-in: every likert question `value` (within its scale); each small hurt
    happened `value` times, was partly mended and stirred "unseen"; text questions get
    `private_text`; yes/no "no", a choice its first option, a count its lowest."""
    out: dict[str, dict[str, object]] = {}
    for inst in catalog.instruments:
        raw: dict[str, object] = {}
        for it in inst.items:
            lo, hi = inst.scale(it)
            if it.kind == "text":
                if private_text:
                    raw[it.id] = private_text
            elif it.kind == "multi":
                if value > 0:
                    raw[it.id] = [UNSEEN]
            elif it.id.endswith("_repaired"):
                if value > 0:
                    raw[it.id] = 1
            elif it.kind == "likert":
                raw[it.id] = min(max(value, lo), hi)
            elif it.kind == "yesno":
                raw[it.id] = 0
            elif it.kind == "choice" and it.options:
                raw[it.id] = it.options[0].value
            elif it.kind == "count":
                raw[it.id] = lo
        out[inst.id] = raw
    return out


def check_in(
    store: Database,
    catalog: Catalog,
    partner_id: int,
    period: dt.date,
    plan: RawPlan,
    *,
    note: tuple[str, bool] | None = None,
    submit: bool = True,
) -> int:
    """One check-in holding exactly the answers in `plan` (checked by `make_answer`, as the page
    does), then the note (body, private), then submitted unless told not to; returns its id."""
    checkin = store.checkins.open(partner_id, period)
    for inst_id, raw in plan.items():
        inst = instrument(catalog, inst_id)
        store.checkins.save_answers(
            checkin.checkin_id, inst, {k: make_answer(inst, inst.item(k), v) for k, v in raw.items()}
        )
    if note:
        store.checkins.save_note(checkin.checkin_id, note[0], note[1])
    if submit:
        assert store.checkins.submit(checkin.checkin_id, catalog)
    return checkin.checkin_id


def answer_bids(store: Database, catalog: Catalog, partner_id: int, period: dt.date, toward: int) -> None:
    """Answer only `toward_me` (so "How my reaches were met" is exactly that value) and submit."""
    checkin = store.checkins.open(partner_id, period)
    store.checkins.save_answers(
        checkin.checkin_id, instrument(catalog, "bids"), {"toward_me": Answer(value=float(toward))}
    )
    assert store.checkins.submit(checkin.checkin_id, catalog)


def answer_items(store: Database, catalog: Catalog, partner_id: int, period: dt.date, values: dict[str, int]) -> None:
    """Answer the given items ("instrument.item": value) and submit."""
    checkin = store.checkins.open(partner_id, period)
    by_inst: dict[str, dict[str, Answer | None]] = {}
    for key, v in values.items():
        inst_id, item_id = key.split(".")
        by_inst.setdefault(inst_id, {})[item_id] = Answer(value=float(v))
    for inst_id, answers in by_inst.items():
        store.checkins.save_answers(checkin.checkin_id, instrument(catalog, inst_id), answers)
    assert store.checkins.submit(checkin.checkin_id, catalog)


def answer_all_but_safety(store: Database, catalog: Catalog, partner_id: int, period: dt.date) -> int:
    """A draft with every other section answered at its lowest value, so it resumes at the safety check."""
    checkin = store.checkins.open(partner_id, period)
    for inst in catalog.instruments:
        if inst.safety:
            continue
        answers: dict[str, Answer | None] = {
            it.id: Answer(value=float(inst.scale(it)[0]))
            for it in inst.items
            if it.kind in ("likert", "yesno", "count") and it.show_if is None
        }
        store.checkins.save_answers(checkin.checkin_id, inst, answers)
    return checkin.checkin_id


def safety_concerns_last_month(store: Database, catalog: Catalog, *, told_by: int | None = None) -> int:
    """A couple whose partners both answered "yes" to two safety questions last month, then
    submitted; returns the couple's id. With `told_by` (a therapist's account id), that therapist is granted
    the couple and the practice's caseload flag is on before they answer: their check-ins said a "yes" raises
    a flag (`safety.therapist_told`)."""
    couple_id, ann, bob = make_couple_ids(store, "Safe Test", ("Ann", "Bob"))
    if told_by is not None:
        store.accounts.grant(told_by, couple_id)
        safety.set_therapist_sees_flag(store, True)
    last_month = periods.add_months(periods.month_start(), -1)
    check = instrument(catalog, "safety")
    assert check.safety
    for pid in (ann, bob):
        checkin_id = answer_all_but_safety(store, catalog, pid, last_month)
        store.checkins.save_answers(checkin_id, check, {"afraid": Answer(value=1.0), "hurt": Answer(value=1.0)})
        store.checkins.submit(checkin_id, catalog)
    return couple_id


# -- the whole database ------------------------------------------------------------------------


def fingerprint(store: Database) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every table, and every sequence's position."""
    out: dict[str, tuple[int, int]] = {}
    with store.engine.cursor() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND NOT temporary ORDER BY table_name"
            ).fetchall()
        ]
        assert {"couples", "responses", "instrument_versions"} <= set(tables)
        for table in tables:
            row = cur.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{table}" t').fetchone()
            assert row is not None
            out[table] = (int(row[0]), int(row[1]))
        for name, last in cur.execute("SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall():
            out[f"sequence {name}"] = (-1 if last is None else int(last), 0)
    return out


def reference_population(store: Database, catalog: Catalog, partners: int = 30, seed: int = 5) -> None:
    """Demo couples with a month or two each, long before `START`: the first check-ins of at least `partners`
    people, the reference population reliable change needs (limits.MIN_REFERENCE_PARTNERS). A demo partner
    now and then misses a month, so twice as many are made."""
    generate(store, catalog, couples=partners, months=2, seed=seed, end=periods.add_months(START, -24))
