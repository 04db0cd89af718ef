"""Load: many threads on one Store, and many real Streamlit sessions on one server.

- 22 threads share one Store, as Streamlit's script threads do: 12 submit their
  own check-ins, 6 read (scores, check-ins, month status, answers) and 4 race on
  the same check-ins (the same items saved at once, double submits).
- 20 browser sessions (contexts of one Chromium) each check in a partner of 10
  couples through the real pages at the same time.

Figures go to the test output and to test-artifacts/load.txt.
"""

from __future__ import annotations

import collections
import random
import re
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from mendwell import periods
from mendwell.checkin import Answer
from mendwell.config import PROJECT_DIR
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.scoring import scores
from mendwell.store import RETRIES, AlreadySubmitted, Store
from tests.tools.writer import full_answers, note_body

ARTIFACTS = PROJECT_DIR / "test-artifacts"
RUN_SECONDS = 5.0
SUBMITTERS, READERS, RACERS = 12, 6, 4


@pytest.fixture(scope="module", autouse=True)
def _fresh_figures() -> None:
    """test-artifacts/load.txt holds the figures of the latest run of this file."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.txt").write_text("", encoding="utf-8")


def report(name: str, lines: list[str]) -> None:
    """Print the figures (seen with -s or -rP) and keep them in test-artifacts/load.txt."""
    text = "\n".join(f"[load] {name}: {line}" for line in lines)
    print("\n" + text)
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "load.txt").open("a", encoding="utf-8") as fh:
        fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {name}\n" + text + "\n\n")


class CountingStore(Store):
    """The real Store, counting transactions and their attempts (attempts - transactions = retries)."""

    def __init__(self, path: Path) -> None:
        self.calls = self.attempts = 0
        self._count_lock = threading.Lock()
        super().__init__(path)

    def transaction(self, work: Callable[[duckdb.DuckDBPyConnection], object], retries: int = RETRIES):  # type: ignore[override]
        with self._count_lock:
            self.calls += 1

        def counted(cur: duckdb.DuckDBPyConnection) -> object:
            with self._count_lock:
                self.attempts += 1
            return work(cur)

        return super().transaction(counted, retries)


def duplicates(store: Store) -> list[tuple]:
    """Answers stored twice for one check-in, instrument and item, and check-ins twice for one month."""
    return [
        *store.query(
            "SELECT checkin_id, instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL HAVING n > 1"
        ).itertuples(index=False, name=None),
        *store.query("SELECT partner_id, period, count(*) AS n FROM checkins GROUP BY ALL HAVING n > 1").itertuples(
            index=False, name=None
        ),
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
    store = CountingStore(tmp_path / "load.duckdb")
    store.register_instruments(catalog.instruments)
    instruments = list(catalog.instruments)
    race_inst = catalog.get("resentment")
    assert race_inst is not None
    assert all(it.kind == "likert" and it.show_if is None for it in race_inst.items)
    own = [store.create_couple(f"Couple {i}", [f"A{i}", f"B{i}"]) for i in range(SUBMITTERS)]
    shared = store.couple(store.create_couple("Shared", ["Racer", "Other"]))
    assert shared is not None
    racer_partner = shared.partners[0].partner_id
    this_month = periods.month_start()

    errors: list[str] = []
    expected: dict[int, dict[str, int]] = {}  # written before submit: readers check submitted check-ins with it
    submitted: dict[int, list[int]] = collections.defaultdict(list)  # thread -> check-in ids
    reads: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)  # per reader
    torn: list[str] = []
    deadline = time.monotonic() + RUN_SECONDS
    stop = threading.Event()
    barrier = threading.Barrier(RACERS, action=lambda: stop.set() if time.monotonic() > deadline else None)
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

    def submitter(n: int) -> None:
        rng = random.Random(n)
        couple = store.couple(own[n])
        assert couple is not None
        for i in range(400):
            if time.monotonic() > deadline:
                return
            partner = couple.partners[i % 2]
            draft = store.open_checkin(partner.partner_id, periods.add_months(this_month, -(i // 2)))
            plan = {}
            for inst in instruments:
                answers = full_answers(inst, rng)
                store.save_answers(draft.checkin_id, inst, answers)
                plan[inst.id] = len(answers)
            store.save_note(draft.checkin_id, note_body(draft.checkin_id), private=True)
            expected[draft.checkin_id] = plan
            assert store.submit(draft.checkin_id, catalog), "a fresh draft was already submitted"
            submitted[n].append(draft.checkin_id)

    def reader(n: int) -> None:
        rng = random.Random(100 + n)
        couples = [*own, shared.couple_id]
        while time.monotonic() < deadline:
            couple_id = rng.choice(couples)
            scores(store, couple_id)
            rows = store.checkins(couple_id)
            store.month_status(couple_id, this_month)
            counts = reads[n]
            counts["scores"] += 1
            counts["checkins"] += 1
            counts["month_status"] += 1
            for cid, status, answers in rows[["checkin_id", "status", "answers"]].itertuples(index=False):
                # one query is one snapshot: a submitted check-in is seen with all of its answers
                if status == "submitted" and cid in expected and answers != sum(expected[cid].values()):
                    torn.append(f"check-in {cid} seen submitted with {answers} answers")
            if len(rows):
                store.answers(int(rows["checkin_id"].iloc[0]))
                counts["answers"] += 1

    def racer(n: int) -> None:
        for j in range(400):
            barrier.wait(timeout=60)
            if stop.is_set():
                return
            cid = store.open_checkin(racer_partner, periods.add_months(this_month, -j)).checkin_id
            barrier.wait(timeout=60)
            try:
                store.save_answers(cid, race_inst, race_values(race_inst, n))  # the same items as the others
                saved = True
            except AlreadySubmitted:
                saved = False  # another racer submitted first: refused, as it must be
            results = [store.submit(cid, catalog) for _ in range(1 + n % 2)]  # odd racers submit twice
            with rounds_lock:
                rounds[j].append((n, cid, saved, results))

    threads = (
        [threading.Thread(target=guarded(submitter), args=(n,), name=f"submitter-{n}") for n in range(SUBMITTERS)]
        + [threading.Thread(target=guarded(reader), args=(n,), name=f"reader-{n}") for n in range(READERS)]
        + [threading.Thread(target=guarded(racer), args=(n,), name=f"racer-{n}") for n in range(RACERS)]
    )
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=RUN_SECONDS + 120)
    seconds = time.monotonic() - started
    assert not [t.name for t in threads if t.is_alive()], "threads still running"
    assert not errors, "\n".join(errors)
    assert not torn, torn[:5]

    # nothing lost, nothing doubled
    dup = store.query(
        "SELECT checkin_id, instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL HAVING n > 1"
    )
    assert dup.empty, f"duplicate answers:\n{dup}"
    held: dict[int, dict[str, int]] = collections.defaultdict(dict)
    for cid, inst, n in store.query(
        "SELECT checkin_id, instrument_id, count(*) FROM responses GROUP BY ALL"
    ).itertuples(index=False, name=None):
        held[cid][inst] = n
    mine = [cid for ids in submitted.values() for cid in ids]
    assert len(mine) == len(set(mine))
    for cid in mine:
        found = store.checkin_by_id(cid)
        assert found is not None and found.submitted, cid
        assert held[cid] == expected[cid], (cid, held[cid], expected[cid])
        assert store.note(cid) == (note_body(cid), True), cid

    # the races: one check-in per round, submitted exactly once, holding one racer's whole save
    assert rounds and all(len(r) == RACERS for r in rounds.values()), "a racer missed a round"
    refused = 0
    for j, entries in rounds.items():
        cids = {cid for _, cid, _, _ in entries}
        assert len(cids) == 1, f"round {j}: racers got different check-ins for one partner and month: {cids}"
        cid = cids.pop()
        wins = [ok for _, _, _, results in entries for ok in results]
        assert wins.count(True) == 1, f"round {j}: {wins.count(True)} submits succeeded"
        refused += sum(1 for _, _, saved, _ in entries if not saved)
        rows = store.query("SELECT item_id, value FROM responses WHERE checkin_id = ?", [cid])
        assert sorted(rows["item_id"]) == sorted(it.id for it in race_inst.items), (j, rows)
        values = set(rows["value"])
        assert len(values) == 1, f"round {j}: answers from several racers' saves mixed: {values}"
        winner = int(values.pop() - race_inst.scale(race_inst.items[0])[0])
        assert any(n == winner and saved for n, _, saved, _ in entries), (j, winner, entries)
        assert store.checkin_by_id(cid).submitted  # type: ignore[union-attr]
    read_kinds = sum(reads.values(), collections.Counter())
    n_reads = sum(read_kinds.values())
    retries = store.attempts - store.calls
    report(
        "22 threads on one Store",
        [
            f"{len(threads)} threads ({SUBMITTERS} submitting, {READERS} reading, {RACERS} racing) for {seconds:.1f} s",
            f"{len(mine)} check-ins submitted by their own threads ({len(mine) / seconds:.1f} submits/s, each "
            f"{len(instruments) + 3} transactions)",
            f"{n_reads:,} reads ({n_reads / seconds:.0f} reads/s: {dict(read_kinds)})",
            f"{len(rounds)} race rounds of {RACERS} racers on one check-in: {refused} saves refused after a submit, "
            f"exactly one submit won each round",
            f"{store.calls:,} transactions, {retries:,} retried attempts after write conflicts",
        ],
    )
    assert len(mine) >= SUBMITTERS and len(rounds) >= 3 and n_reads >= 100
    store.close()


# -- 20 real Streamlit sessions ------------------------------------------------------------------------

SESSIONS = 20
TIMEOUT_MS = 60_000


def answered(page: Page, n: int) -> None:
    """Wait until the progress line says n questions are answered (the save and rerun are done)."""
    expect(page.get_by_test_id("stProgress")).to_contain_text(re.compile(rf"· {n} of \d+ questions answered"))


def heading(page: Page, text: str) -> Locator:
    return page.locator("h1, h2, h3").filter(has_text=text)


@pytest.mark.browser
def test_twenty_streamlit_sessions_check_in_at_once(
    store: Store, catalog: Catalog, db_file: Path, server_factory, browser: Browser, artifacts: Path
) -> None:
    """20 partners finish their check-ins at the same moment, each in a browser session of its own.

    Each partner answered all but the last section on an earlier evening (saved as they went); now
    each session opens the app, picks its couple in the sidebar, continues its check-in from Home,
    answers the last section by clicking, reviews and submits. Every step is done on all 20 pages
    before waiting for any of them, so the server has 20 live sessions running at once.
    """
    instruments = list(catalog.instruments)
    last = instruments[-1]
    radios = [it for it in last.items if it.kind in ("likert", "yesno", "choice") and it.show_if is None]
    assert radios == list(last.items), f"the last section ({last.id}) must be plain radio questions for this test"
    couples = []
    earlier: dict[int, int] = {}  # partner -> answers saved before the sessions start
    rng = random.Random(3)
    for i in range(1, 11):
        couple = store.couple(store.create_couple(f"Couple {i:02d}", [f"Ann {i:02d}", f"Bob {i:02d}"]))
        assert couple is not None
        couples.append(couple)
        for partner in couple.partners:
            draft = store.open_checkin(partner.partner_id, periods.month_start())
            for inst in instruments[:-1]:
                answers = full_answers(inst, rng)
                store.save_answers(draft.checkin_id, inst, answers)
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

    def phase(name: str, act: Callable[[int, Page], None], done: Callable[[int, Page], None]) -> None:
        """Do `act` on every page (the server gets them all at once), then wait for `done` on each."""
        nonlocal actions
        t0 = time.monotonic()
        for s, page in enumerate(pages):
            act(s, page)
            actions += 1
        for s, page in enumerate(pages):
            done(s, page)
        phases[name] = time.monotonic() - t0

    def choose_couple(s: int, page: Page) -> None:
        if who[s][0].couple_id != couples[0].couple_id:
            page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
            page.get_by_role("option", name=who[s][0].name, exact=True).click()

    def answer(it: Item) -> Callable[[int, Page], None]:
        label = last.labels(it)[0] if it.kind == "likert" else None
        option = label or ("No" if it.kind == "yesno" else (it.options or ())[0].label)

        def click(s: int, page: Page) -> None:
            radio = page.get_by_test_id("stRadio").filter(has_text=it.text)
            radio.get_by_test_id("stRadioOption").get_by_text(option, exact=True).click(force=True)

        return click

    try:
        started = time.monotonic()
        phase(
            "open",
            lambda s, p: p.goto(srv.url, wait_until="commit"),
            lambda s, p: expect(heading(p, couples[0].name)).to_be_visible(),
        )
        phase("choose couple", choose_couple, lambda s, p: expect(heading(p, who[s][0].name)).to_be_visible())
        phase(
            "continue",
            lambda s, p: p.locator(f".st-key-go_{who[s][1].partner_id} button").click(force=True),
            lambda s, p: expect(heading(p, last.title)).to_be_visible(),
        )
        for i, it in enumerate(radios):
            phase(
                f"answer {i + 1}",
                answer(it),
                lambda s, p, i=i: answered(p, earlier[who[s][1].partner_id] + i + 1),
            )
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
            expect(page.get_by_test_id("stException")).to_have_count(0)
            for text in (
                "This app has encountered an error",
                "Something went wrong",
                "could not be",
                "Connection error",
            ):
                expect(page.get_by_text(text)).to_have_count(0)
        pages[-1].screenshot(path=str(artifacts / "load-session-20.png"), full_page=True)
    finally:
        for ctx in contexts:
            ctx.close()
    srv.stop()
    log = srv.log.read_text()
    assert "Traceback" not in log and "Error" not in log, log[-3000:]

    s = Store(db_file)
    try:
        rows = s.query("SELECT checkin_id, partner_id, status FROM checkins ORDER BY partner_id")
        assert rows["partner_id"].tolist() == sorted(p.partner_id for _, p in who)  # one check-in each
        assert set(rows["status"]) == {"submitted"}
        assert not duplicates(s)
        for cid, pid in rows[["checkin_id", "partner_id"]].itertuples(index=False):
            stored = s.answers(int(cid))
            assert sum(len(a) for a in stored.values()) == earlier[pid] + len(radios), (pid, stored.keys())
            lowest = {it.id: float(last.scale(it)[0]) for it in radios}
            assert {k: a.value for k, a in stored[last.id].items()} == lowest, stored[last.id]
    finally:
        s.close()
    slowest = max(phases, key=lambda k: phases[k])
    report(
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
