"""Load: many threads on one Database, and many real Streamlit sessions on one server.

- 22 threads share one Database, as Streamlit's script threads do: 12 submit a fixed
  number of check-ins of their own, 6 read (scores, check-ins, month status,
  answers) while they write, and 4 race on the same check-ins for a fixed number
  of rounds (the same items saved at once, double submits). Only correctness is
  asserted; the throughput is printed.
- 20 browser sessions (contexts of one Chromium) each sign in as a partner of 10
  couples through the real sign-in form and check in through the real pages at the
  same time.

Figures go to the test output and to test-artifacts/load.txt.
"""

from __future__ import annotations

import collections
import random
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect

from mendwell import periods
from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.data.engine import RETRIES, Engine
from mendwell.errors import AlreadySubmitted
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.scoring import scores
from tests.support.auth import PASSCODE, partner_accounts
from tests.support.browser import heading, no_error_on, screenshot, wait_for_answered
from tests.support.data import make_couple, opened
from tests.support.figures import Figures
from tests.support.server import ServerFactory
from tests.tools.writer import full_answers, note_body

SUBMITTERS, READERS, RACERS = 12, 6, 4
SUBMITS_EACH = 4  # check-ins each submitter writes and submits
RACE_ROUNDS = 5  # check-ins the racers fight over
READ_ROUNDS = 20  # rounds of reads each reader does at the least (it goes on while anyone writes)


FIGURES = Figures("load")
T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def _fresh_figures() -> None:
    """test-artifacts/load.txt holds the figures of the latest run of this file."""
    FIGURES.reset()


class CountingEngine(Engine):
    """The real engine, counting transactions and their attempts (attempts - transactions = retries)."""

    def __init__(self, path: Path) -> None:
        self.calls = self.attempts = 0
        self._count_lock = threading.Lock()
        super().__init__(path)

    def transaction(self, work: Callable[[duckdb.DuckDBPyConnection], T], retries: int = RETRIES) -> T:
        with self._count_lock:
            self.calls += 1

        def counted(cur: duckdb.DuckDBPyConnection) -> T:
            with self._count_lock:
                self.attempts += 1
            return work(cur)

        return super().transaction(counted, retries)


class CountingDatabase(Database):
    """A Database on a counting engine."""

    engine: CountingEngine

    def __init__(self, path: Path) -> None:
        super().__init__(path, engine=CountingEngine(path))


def duplicates(store: Database) -> list[tuple[Any, ...]]:
    """Answers stored twice for one check-in, instrument and item, and check-ins twice for one month."""
    return [
        *store.engine.read(
            "SELECT checkin_id, instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL HAVING n > 1"
        ).itertuples(index=False, name=None),
        *store.engine.read(
            "SELECT partner_id, period, count(*) AS n FROM checkins GROUP BY ALL HAVING n > 1"
        ).itertuples(index=False, name=None),
    ]


def race_values(inst: Instrument, racer: int) -> dict[str, Answer | None]:
    """Racer r answers every item with the r-th value of the scale: whose save won is visible."""
    out: dict[str, Answer | None] = {}
    for it in inst.items:
        lo, hi = inst.scale(it)
        assert hi - lo + 1 >= RACERS
        out[it.id] = Answer(value=float(lo + racer))
    return out


def test_twenty_threads_on_one_store(tmp_path: Path, catalog: Catalog) -> None:
    store = CountingDatabase(tmp_path / "load.duckdb")
    store.definitions.register(catalog.instruments)
    instruments = list(catalog.instruments)
    race_inst = catalog.get("resentment")
    assert race_inst is not None
    assert all(it.kind == "likert" and it.show_if is None for it in race_inst.items)
    own = [store.couples.create(f"Couple {i}", [f"A{i}", f"B{i}"]) for i in range(SUBMITTERS)]
    shared = make_couple(store, "Shared", ("Racer", "Other"))
    racer_partner = shared.partners[0].partner_id
    this_month = periods.month_start()

    errors: list[str] = []
    expected: dict[int, dict[str, int]] = {}  # written before submit: readers check submitted check-ins with it
    submitted: dict[int, list[int]] = collections.defaultdict(list)  # thread -> check-in ids
    reads: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)  # per reader
    torn: list[str] = []
    writers_left = [SUBMITTERS + RACERS]
    all_written = threading.Event()  # set when the last submitter or racer has finished
    left_lock = threading.Lock()
    barrier = threading.Barrier(RACERS)
    rounds: dict[int, list[tuple[int, int, bool, list[bool]]]] = collections.defaultdict(list)
    rounds_lock = threading.Lock()

    def guarded(body: Callable[[int], None]) -> Callable[[int], None]:
        def run(n: int) -> None:
            try:
                body(n)
            except BaseException:  # noqa: BLE001 - every escape is a failure, reported below
                errors.append(f"{body.__name__} {n}:\n{traceback.format_exc()}")
                barrier.abort()

        return run

    def writing(body: Callable[[int], None]) -> Callable[[int], None]:
        """A writer's body; then, whatever happened, one writer fewer (`all_written` after the last)."""

        def run(n: int) -> None:
            try:
                body(n)
            finally:
                with left_lock:
                    writers_left[0] -= 1
                    if writers_left[0] == 0:
                        all_written.set()

        run.__name__ = body.__name__
        return run

    def submitter(n: int) -> None:
        rng = random.Random(n)
        couple = store.couples.get(own[n])
        assert couple is not None
        for i in range(SUBMITS_EACH):
            partner = couple.partners[i % 2]
            draft = store.checkins.open(partner.partner_id, periods.add_months(this_month, -(i // 2)))
            plan = {}
            for inst in instruments:
                answers = full_answers(inst, rng)
                store.checkins.save_answers(draft.checkin_id, inst, answers)
                plan[inst.id] = len(answers)
            store.checkins.save_note(draft.checkin_id, note_body(draft.checkin_id), private=True)
            expected[draft.checkin_id] = plan
            assert store.checkins.submit(draft.checkin_id, catalog), "a fresh draft was already submitted"
            submitted[n].append(draft.checkin_id)

    def reader(n: int) -> None:
        rng = random.Random(100 + n)
        couples = [*own, shared.couple_id]
        done = 0
        while done < READ_ROUNDS or not all_written.is_set():
            couple_id = rng.choice(couples)
            scores(store, couple_id)
            rows = store.checkins.listing(couple_id)
            store.checkins.month_status(couple_id, this_month)
            counts = reads[n]
            counts["scores"] += 1
            counts["checkins"] += 1
            counts["month_status"] += 1
            for cid, status, answers in rows[["checkin_id", "status", "answers"]].itertuples(index=False):
                # one query is one snapshot: a submitted check-in is seen with all of its answers
                if status == "submitted" and cid in expected and answers != sum(expected[cid].values()):
                    torn.append(f"check-in {cid} seen submitted with {answers} answers")
            if len(rows):
                store.checkins.answers(int(rows["checkin_id"].iloc[0]))
                counts["answers"] += 1
            done += 1
            if errors:
                return

    def racer(n: int) -> None:
        for j in range(RACE_ROUNDS):
            barrier.wait(timeout=60)
            cid = store.checkins.open(racer_partner, periods.add_months(this_month, -j)).checkin_id
            barrier.wait(timeout=60)
            try:
                store.checkins.save_answers(cid, race_inst, race_values(race_inst, n))  # the same items as the others
                saved = True
            except AlreadySubmitted:
                saved = False  # another racer submitted first: refused, as it must be
            results = [store.checkins.submit(cid, catalog) for _ in range(1 + n % 2)]  # odd racers submit twice
            with rounds_lock:
                rounds[j].append((n, cid, saved, results))

    threads = (
        [threading.Thread(target=guarded(writing(submitter)), args=(n,), name=f"submitter-{n}")
         for n in range(SUBMITTERS)]
        + [threading.Thread(target=guarded(reader), args=(n,), name=f"reader-{n}") for n in range(READERS)]
        + [threading.Thread(target=guarded(writing(racer)), args=(n,), name=f"racer-{n}") for n in range(RACERS)]
    )  # fmt: skip
    started = time.monotonic()
    for t in threads:
        t.start()
    all_written.wait(timeout=600)  # a hang guard, not a speed check
    for t in threads:
        t.join(timeout=600)
    seconds = time.monotonic() - started
    assert not [t.name for t in threads if t.is_alive()], "threads still running"
    assert not errors, "\n".join(errors)
    assert not torn, torn[:5]

    # nothing lost, nothing doubled
    dup = store.engine.read(
        "SELECT checkin_id, instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL HAVING n > 1"
    )
    assert dup.empty, f"duplicate answers:\n{dup}"
    held: dict[int, dict[str, int]] = collections.defaultdict(dict)
    for cid, inst, n in store.engine.read(
        "SELECT checkin_id, instrument_id, count(*) FROM responses GROUP BY ALL"
    ).itertuples(index=False, name=None):
        held[cid][inst] = n
    mine = [cid for ids in submitted.values() for cid in ids]
    assert len(mine) == len(set(mine))
    for cid in mine:
        found = store.checkins.by_id(cid)
        assert found is not None and found.submitted, cid
        assert held[cid] == expected[cid], (cid, held[cid], expected[cid])
        assert store.checkins.note(cid) == (note_body(cid), True), cid

    # the races: one check-in per round, submitted exactly once, holding one racer's whole save
    assert sorted(rounds) == list(range(RACE_ROUNDS)), "a race round is missing"
    assert all(len(r) == RACERS for r in rounds.values()), "a racer missed a round"
    refused = 0
    for j, entries in rounds.items():
        cids = {cid for _, cid, _, _ in entries}
        assert len(cids) == 1, f"round {j}: racers got different check-ins for one partner and month: {cids}"
        cid = cids.pop()
        wins = [ok for _, _, _, results in entries for ok in results]
        assert wins.count(True) == 1, f"round {j}: {wins.count(True)} submits succeeded"
        refused += sum(1 for _, _, saved, _ in entries if not saved)
        rows = store.engine.read("SELECT item_id, value FROM responses WHERE checkin_id = ?", [cid])
        assert sorted(rows["item_id"]) == sorted(it.id for it in race_inst.items), (j, rows)
        values = set(rows["value"])
        assert len(values) == 1, f"round {j}: answers from several racers' saves mixed: {values}"
        winner = int(values.pop() - race_inst.scale(race_inst.items[0])[0])
        assert any(n == winner and saved for n, _, saved, _ in entries), (j, winner, entries)
        assert store.checkins.by_id(cid).submitted  # type: ignore[union-attr]
    read_kinds = sum(reads.values(), collections.Counter())
    n_reads = sum(read_kinds.values())
    retries = store.engine.attempts - store.engine.calls
    FIGURES.report(
        "22 threads on one Database",
        [
            f"{len(threads)} threads ({SUBMITTERS} submitting, {READERS} reading, {RACERS} racing) for {seconds:.1f} s",
            f"{len(mine)} check-ins submitted by their own threads ({len(mine) / seconds:.1f} submits/s, each "
            f"{len(instruments) + 3} transactions)",
            f"{n_reads:,} reads ({n_reads / seconds:.0f} reads/s: {dict(read_kinds)})",
            f"{len(rounds)} race rounds of {RACERS} racers on one check-in: {refused} saves refused after a submit, "
            f"exactly one submit won each round",
            f"{store.engine.calls:,} transactions, {retries:,} retried attempts after write conflicts",
        ],
    )
    # every bounded piece of work was done (how fast is printed above, never asserted)
    assert len(mine) == SUBMITTERS * SUBMITS_EACH
    assert all(sum(c.values()) >= 3 * READ_ROUNDS for c in reads.values()) and len(reads) == READERS
    store.close()


# -- 20 real Streamlit sessions ------------------------------------------------------------------------

SESSIONS = 20
TIMEOUT_MS = 60_000


@pytest.mark.browser
@pytest.mark.serial
def test_twenty_streamlit_sessions_check_in_at_once(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, browser: Browser
) -> None:
    """20 partners finish their check-ins at the same moment, each in a browser session of its own.

    Each partner (10 couples x 2 partners, an account each) answered all but the last section on an
    earlier evening (saved as they went); now each session opens the app, signs in with the real
    form as its partner, continues its check-in from Home, answers the last section by clicking,
    reviews and submits. Every step is done on all 20 pages before waiting for any of them, so the
    server has 20 live sessions running at once.
    """
    instruments = list(catalog.instruments)
    last = instruments[-1]
    radios = [it for it in last.items if it.kind in ("likert", "yesno", "choice") and it.show_if is None]
    assert radios == list(last.items), f"the last section ({last.id}) must be plain radio questions for this test"
    couples = []
    earlier: dict[int, int] = {}  # partner -> answers saved before the sessions start
    rng = random.Random(3)
    for i in range(1, 11):
        couple = make_couple(store, f"Couple {i:02d}", (f"Ann {i:02d}", f"Bob {i:02d}"))
        couples.append(couple)
        partner_accounts(store, couple)
        for partner in couple.partners:
            draft = store.checkins.open(partner.partner_id, periods.month_start())
            for inst in instruments[:-1]:
                answers = full_answers(inst, rng)
                store.checkins.save_answers(draft.checkin_id, inst, answers)
                earlier[partner.partner_id] = earlier.get(partner.partner_id, 0) + len(answers)
    store.close()
    who = [(couples[s // 2], couples[s // 2].partners[s % 2]) for s in range(SESSIONS)]  # partner s % 2 of s // 2
    srv = server_factory(db_file)
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = [browser.new_context(viewport={"width": 1100, "height": 900}, reduced_motion="reduce")
                for _ in range(SESSIONS)]  # fmt: skip
    pages = [ctx.new_page() for ctx in contexts]
    for page in pages:
        page.set_default_timeout(TIMEOUT_MS)
    actions = 0
    phases: dict[str, float] = {}

    def phase(name: str, act: Callable[[int, Page], object], done: Callable[[int, Page], object]) -> None:
        """Do `act` on every page (the server gets them all at once), then wait for `done` on each."""
        nonlocal actions
        t0 = time.monotonic()
        for s, page in enumerate(pages):
            act(s, page)
            actions += 1
        for s, page in enumerate(pages):
            done(s, page)
        phases[name] = time.monotonic() - t0

    def sign_in(s: int, page: Page) -> None:
        page.get_by_label("Name").fill(who[s][1].name)
        page.get_by_label("Passcode").fill(PASSCODE)
        page.get_by_role("button", name="Sign in").click(no_wait_after=True)

    def answer(it: Item) -> Callable[[int, Page], None]:
        label = last.labels(it)[0] if it.kind == "likert" else None
        option = label or ("No" if it.kind == "yesno" else (it.options or ())[0].label)

        def click(s: int, page: Page) -> None:
            radio = page.get_by_test_id("stRadio").filter(has_text=it.text)
            radio.get_by_test_id("stRadioOption").get_by_text(option, exact=True).click(force=True)

        return click

    def answered_after(k: int) -> Callable[[int, Page], None]:
        """Wait until session s shows its earlier answers and k more."""
        return lambda s, p: wait_for_answered(p, earlier[who[s][1].partner_id] + k)

    try:
        started = time.monotonic()
        phase(
            "open",
            lambda s, p: p.goto(srv.url, wait_until="commit"),
            lambda s, p: expect(p.get_by_role("button", name="Sign in")).to_be_visible(),  # sent to sign in first
        )
        phase("sign in", sign_in, lambda s, p: expect(heading(p, who[s][0].name)).to_be_visible())
        phase(
            "continue",
            lambda s, p: p.locator(f".st-key-go_{who[s][1].partner_id} button").click(force=True),
            lambda s, p: expect(heading(p, last.title)).to_be_visible(),
        )
        for i, it in enumerate(radios):
            phase(f"answer {i + 1}", answer(it), answered_after(i + 1))
        phase(
            "review",
            lambda s, p: p.get_by_role("button", name="Review my answers").click(force=True),
            lambda s, p: expect(heading(p, "Look it over")).to_be_visible(),
        )
        phase(
            "submit",
            lambda s, p: p.get_by_role("button", name="Submit my check-in").click(force=True),
            lambda s, p: expect(p.get_by_text(f"Thank you, {who[s][1].name}.")).to_be_visible(),
        )
        seconds = time.monotonic() - started
        for page in pages:
            no_error_on(page)
        screenshot(pages[-1], "load-session-20.png", full_page=True)
    finally:
        for ctx in contexts:
            ctx.close()
    srv.stop()
    log = srv.log.read_text()
    assert "Traceback" not in log and "Error" not in log, log[-3000:]

    with opened(db_file) as s:
        rows = s.engine.read("SELECT checkin_id, partner_id, status FROM checkins ORDER BY partner_id")
        assert rows["partner_id"].tolist() == sorted(p.partner_id for _, p in who)  # one check-in each
        assert set(rows["status"]) == {"submitted"}
        assert not duplicates(s)
        for cid, pid in rows[["checkin_id", "partner_id"]].itertuples(index=False):
            stored = s.checkins.answers(int(cid))
            assert sum(len(a) for a in stored.values()) == earlier[pid] + len(radios), (pid, stored.keys())
            lowest = {it.id: float(last.scale(it)[0]) for it in radios}
            assert {k: a.value for k, a in stored[last.id].items()} == lowest, stored[last.id]
    slowest = max(phases, key=lambda k: phases[k])
    FIGURES.report(
        f"{SESSIONS} Streamlit sessions",
        [
            f"{SESSIONS} sessions (one Chromium, a context each) on one server finished {SESSIONS} check-ins of "
            f"{len(couples)} couples at once in {seconds:.1f} s: {actions} page actions ({actions / seconds:.1f}/s), "
            f"{SESSIONS * len(radios)} answers saved by clicking, {SESSIONS} submits",
            "each step on all sessions: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
            + f"; submits {SESSIONS / phases['submit']:.1f}/s, answers {SESSIONS / phases['answer 1']:.1f}/s; "
            f"slowest: {slowest}",
        ],
    )
