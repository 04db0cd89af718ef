"""Benchmark: how many people can one Mendwell process serve at once, through Caddy over HTTPS?

Builds a practice database (50 couples x 24 months of demo history, one partner account each, this
month's check-in open for everyone), starts the app with deploy/serve-app.sh and Caddy with
deploy/Caddyfile.home on loopback (as tests/browser/test_through_caddy.py does). Each session, like a
partner on a phone, in its own Chromium browser context:

1. signs in through the real form (click "Sign in" -> the check-in page's heading is shown);
2. answers three questions of this month's check-in (radio clicks; each is saved at once by the app:
   click -> the server's "script finished" message for that run has arrived and the status widget is gone);
3. opens /trends (navigation start -> the first Plotly chart is drawn).

First a few sessions run alone, one after another: each step's time without contention and the app
process's CPU seconds for it. Then, for N = 10, 25, 50, 100, N sessions at once in one Chromium (all
kept open until the round ends): p50/p95 of each step and of the server's part of it, errors (a timeout,
an exception, an error element shown, or a session not finished within the round's time budget), CPU of
the app, of the load generator (Chromium) and of anything else on the machine. A round in which fewer
than half the sessions finish is the measured limit: larger N are not run. The knee is the first N whose
p95 of some step is more than twice that at N = 10, or that has errors. At the end, with the app
stopped, every confirmed answer is looked up in the database (lost answers are reported).
Everything goes to test-artifacts/capacity.json. Chromium runs on the same machine as the app, so its
CPU counts against the server's: see docs/scaling.md for how to read the figures.
Run: `python -m tests.bench.capacity` (part of `make bench`, not of `make test`); `--help` for options.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.bench.page_probe import SCRIPT_FINISHED
from tests.support.caddy import Stack, start_stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LEVELS = (10, 25, 50, 100)
PASSCODE = "bench-pass-1234"
ALONE = 3  # sessions run one at a time before the rounds
ANSWERS = 3  # questions answered per session, in the first section (six five-point radios)
CHART = ".mw-chart.js-plotly-plot .main-svg"  # the chart's box (mendwell.chart_drawing), once Plotly has drawn it
ERROR_TEXTS = ("This app has encountered an error", "Something went wrong", "Connection error", "could not be")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
STEPS = ("sign_in", "answer_save", "trends")  # what a person waits for
# the server's part of them: the sign-in form's POST answered (scrypt, the sign-in row, the cookie); then,
# timed in the page from its request to the server's "script finished" message: the check-in page's first
# run after sign-in, an answer's save (a fragment run), the Trends page's run
SERVER_PARTS = ("sign_in_post", "checkin_run", "answer_run", "trends_run")

# Counts the app's finished script runs (full or fragment) as the page receives them (`SCRIPT_FINISHED`
# reads each websocket message from the server). An answer is saved when the run its click started has
# finished, so a click is timed until this count goes up. The time from the page's request (its first
# websocket message since the last finished run) to the finished message is the server's part: queueing for
# the script thread, the run, the network; not the browser's drawing. (The stApp element's
# data-test-script-state attribute is not enough: React may batch a short run's "running" and "finished"
# into one render, and then it never changes.)
RUN_COUNTER = (
    SCRIPT_FINISHED
    + """
window.__mwRuns = 0;
window.__mwServer = [];  // per finished run: seconds from the page's request to the finished message
(() => {
  let asked = null;  // when the page first sent something (a rerun request) since the last finished run
  const count = bytes => {
    const v = mwScriptFinished(bytes);
    if (v >= 0 && v !== 2) {
      window.__mwServer.push(asked === null ? null : performance.now() - asked);
      asked = null;
      window.__mwRuns += 1;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        if (e.data instanceof ArrayBuffer) count(e.data);
        else if (e.data instanceof Blob) e.data.arrayBuffer().then(count);
      });
    }
    send(data) {
      if (asked === null) asked = performance.now();
      return super.send(data);
    }
  };
})();
"""
)


# -- the practice -----------------------------------------------------------------------------------
def build_practice(db_file: Path, couples: int, months: int) -> list[tuple[str, int]]:
    """The demo practice with an account per partner ("p1", "p2", ...) and this month's check-in open.

    The history is the demo's own generator (what `mendwell demo --couples C --months M --no-accounts`
    runs) ending last month, so that this month is open for every partner: the start-of-month rush,
    when everyone's check-in is due. Returns (account name, partner id) in order."""
    from mendwell import accounts, periods
    from mendwell.data import Database
    from mendwell.demo import generate
    from mendwell.instruments import assessment_dirs, load_catalog

    catalog = load_catalog(assessment_dirs())
    this_month = periods.month_start()
    db = Database(db_file)
    try:
        generate(db, catalog, couples=couples, months=months, seed=1, end=periods.add_months(this_month, -1))
        made: list[tuple[str, int]] = []
        for couple in db.couples.all():
            for partner in couple.partners:
                name = f"p{len(made) + 1}"
                accounts.create(db, name, accounts.PARTNER, PASSCODE, partner_id=partner.partner_id)
                db.checkins.open(partner.partner_id, this_month)
                made.append((name, partner.partner_id))
        therapist = accounts.create(db, "Bench Therapist", accounts.THERAPIST, PASSCODE, is_owner=True)
        for couple in db.couples.all():
            db.accounts.grant(therapist.account_id, couple.couple_id)
    finally:
        db.close()
    return made


# -- the app behind Caddy, as tests/browser/test_through_caddy.py starts it -------------------------
# -- CPU and memory while a round runs ------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_ticks(pid: int) -> int:
    """CPU ticks of a process and of its children that have ended (utime, stime, cutime, cstime)."""
    fields = _stat(pid)
    return sum(int(v) for v in fields[11:15])


def tree_ticks(root: int) -> int:
    """CPU ticks of a process and every live descendant (each counting its own ended children)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            ticks[int(entry.name)] = sum(int(v) for v in fields[11:15])
    total = 0
    for pid, tick in ticks.items():
        p = pid
        while p > 1 and p != root:
            p = parents.get(p, 0)
        if p == root:
            total += tick
    return total


def process_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_ticks() -> int:
    """Busy CPU ticks of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4]  # less idle and iowait


class Monitor:
    """CPU in cores (one busy core = 1.0) of the app, Caddy, this benchmark with its Chromium, and everything
    else on the machine while a round runs; the app's peak memory."""

    def __init__(self, app_pid: int, caddy_pid: int) -> None:
        self.app_pid, self.caddy_pid = app_pid, caddy_pid
        self._stop = threading.Event()
        self.peak_rss_mb = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _ticks(self) -> dict[str, int]:
        return {
            "app": process_ticks(self.app_pid),
            "caddy": process_ticks(self.caddy_pid),
            "tree": tree_ticks(os.getpid()),
            "machine": machine_ticks(),
        }

    def __enter__(self) -> Monitor:
        self.t0 = time.monotonic()
        self.load_before = os.getloadavg()[0]
        self.ticks0 = self._ticks()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.peak_rss_mb = max(self.peak_rss_mb, process_rss_mb(self.app_pid))
            except OSError:
                return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        seconds = time.monotonic() - self.t0
        ticks = self._ticks()
        d = {k: (ticks[k] - self.ticks0[k]) / CLOCK_TICKS / seconds for k in ticks}
        self.cpu = {
            "app": d["app"],
            "caddy": d["caddy"],
            "load_generator": d["tree"] - d["app"] - d["caddy"],  # this process, Playwright's driver, Chromium
            "other": max(0.0, d["machine"] - d["tree"]),  # anything else running on the machine meanwhile
            "machine": d["machine"],
        }
        self.rss_end_mb = process_rss_mb(self.app_pid)


# -- one session ----------------------------------------------------------------------------------------
@dataclass
class Session:
    name: str
    partner_id: int
    times: dict[str, list[float]] = field(default_factory=dict)  # step -> seconds
    errors: list[str] = field(default_factory=list)
    step: str = "not started"
    confirmed: dict[int, int] = field(default_factory=dict)  # question index -> option index, saved
    unconfirmed: dict[int, int] = field(default_factory=dict)  # clicked, but its run was not seen to end
    page: Page | None = None
    app_pid: int | None = None  # set for a session alone: the app's CPU seconds per step go to `cpu`
    cpu: dict[str, list[float]] = field(default_factory=dict)
    stuck: str = ""  # what the page showed when the round's budget ran out


DIAGNOSE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const progress = document.querySelector('[data-testid="stProgress"]');
  return `url ${location.pathname}, script ${app?.getAttribute('data-test-script-state')}, ` +
    `connection ${app?.getAttribute('data-test-connection-state')}, runs seen ${window.__mwRuns}, ` +
    `status widget ${document.querySelectorAll('[data-testid="stStatusWidget"]').length}, ` +
    `progress ${JSON.stringify(progress?.innerText ?? null)}, ` +
    `text ${JSON.stringify((document.querySelector('[data-testid="stMain"]')?.innerText ?? '').slice(0, 300))}`;
}"""


async def diagnose(s: Session) -> None:
    """What an unfinished session's page shows (for the report)."""
    if s.page is None:
        return
    try:
        s.stuck = str(await asyncio.wait_for(s.page.evaluate(DIAGNOSE), 10))
    except Exception as exc:  # noqa: BLE001 -- a page too busy to answer is itself the finding
        s.stuck = f"page did not answer ({type(exc).__name__})"


def record(s: Session, step: str, seconds: float | None) -> None:
    if seconds is not None:
        s.times.setdefault(step, []).append(seconds)


def app_cpu(s: Session) -> float:
    return process_ticks(s.app_pid) / CLOCK_TICKS if s.app_pid else 0.0


def record_cpu(s: Session, step: str, since: float) -> None:
    if s.app_pid:
        s.cpu.setdefault(step, []).append(app_cpu(s) - since)


async def server_part(page: Page, run: int) -> float | None:
    """The server's part of the page's `run`-th finished script run (0 = the first on this page), in seconds."""
    ms = await page.evaluate("i => window.__mwServer[i] ?? null", run)
    return None if ms is None else float(ms) / 1000


async def wait_calm(page: Page) -> None:
    await page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    await page.get_by_test_id("stStatusWidget").wait_for(state="detached")


async def shown_errors(page: Page) -> list[str]:
    """Exceptions and the app's error messages on the page."""
    found = []
    if await page.get_by_test_id("stException").count():
        found.append("exception shown")
    text = await page.evaluate("() => document.body.innerText")
    found += [f"shown: {t!r}" for t in ERROR_TEXTS if t in text]
    return found


async def run_session(
    browser: Browser, url: str, s: Session, seed: int, delay: float, timeout_ms: float, contexts: list[BrowserContext]
) -> None:
    await asyncio.sleep(delay)
    s.step = "opening"
    context = await browser.new_context(ignore_https_errors=True, viewport={"width": 390, "height": 844})
    contexts.append(context)
    page = s.page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    page.set_default_navigation_timeout(timeout_ms)
    await page.add_init_script(RUN_COUNTER)
    try:
        s.step = "sign-in page"
        await page.goto(url + "/checkin", wait_until="domcontentloaded")
        await page.wait_for_url(re.compile(r"/signin(\?|$)"))
        await page.get_by_label("Name").fill(s.name)
        await page.get_by_label("Passcode").fill(PASSCODE)
        s.step = "sign-in"
        start, cpu = time.perf_counter(), app_cpu(s)
        async with page.expect_response(lambda r: r.request.method == "POST" and "/signin" in r.url) as answer:
            await page.get_by_role("button", name="Sign in").click()
        await answer.value
        record(s, "sign_in_post", time.perf_counter() - start)
        await page.locator("h1").filter(has_text="Monthly check-in").wait_for()
        record(s, "sign_in", time.perf_counter() - start)

        s.step = "check-in drawn"
        groups = page.get_by_test_id("stRadio")
        await groups.nth(ANSWERS - 1).wait_for()
        await page.wait_for_function("() => window.__mwRuns >= 1")
        await wait_calm(page)
        record(s, "checkin_run", await server_part(page, 0))
        record_cpu(s, "sign_in", cpu)
        for k in range(ANSWERS):
            s.step = f"answer {k + 1}"
            group = groups.nth(k)
            checked = await group.evaluate(
                "g => [...g.querySelectorAll('input[type=radio]')].findIndex(i => i.checked)"
            )
            choice = (seed + k) % 5
            if choice == checked:
                choice = (choice + 1) % 5
            runs = await page.evaluate("() => window.__mwRuns")
            start, cpu = time.perf_counter(), app_cpu(s)
            s.unconfirmed[k] = choice
            await group.locator('[data-testid="stRadioOption"]').nth(choice).click()
            await page.wait_for_function("n => window.__mwRuns > n", arg=runs, timeout=timeout_ms)
            await page.get_by_test_id("stStatusWidget").wait_for(state="detached")
            record(s, "answer_save", time.perf_counter() - start)
            record(s, "answer_run", await server_part(page, runs))
            record_cpu(s, "answer_save", cpu)
            s.confirmed[k] = s.unconfirmed.pop(k)
        s.errors += await shown_errors(page)

        s.step = "trends"
        start, cpu = time.perf_counter(), app_cpu(s)
        await page.goto(url + "/trends", wait_until="commit")
        await page.locator(CHART).first.wait_for(state="visible")
        record(s, "trends", time.perf_counter() - start)
        await page.wait_for_function("() => window.__mwRuns >= 1")
        await wait_calm(page)
        record(s, "trends_run", await server_part(page, 0))
        record_cpu(s, "trends", cpu)
        s.errors += await shown_errors(page)
        s.step = "done"
    except PlaywrightTimeout:
        s.errors.append(f"timeout at {s.step}")
    except Exception as exc:  # noqa: BLE001 -- any failure of a session is counted, the round goes on
        s.errors.append(f"{type(exc).__name__} at {s.step}: {str(exc).splitlines()[0][:160]}")


# -- one round of N sessions ----------------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


@dataclass
class Round:
    sessions: int
    seconds: float
    finished: int
    errors: int
    error_kinds: dict[str, int]
    error_sessions: dict[str, list[str]]
    samples: dict[str, int]
    p50: dict[str, float | None]
    p95: dict[str, float | None]
    cpu_cores: dict[str, float]
    load_average_before: float
    app_cpu_seconds_per_session: float
    app_rss_mb_peak: float
    app_rss_mb_end: float


async def run_round(
    browser: Browser, stack: Stack, people: list[tuple[str, int]], n: int, budget: float, timeout_ms: float
) -> tuple[Round, list[Session]]:
    rng = random.Random(n)
    sessions = [Session(name, pid) for name, pid in people[:n]]
    contexts: list[BrowserContext] = []
    ramp = min(5.0, 0.1 * n)  # people arrive over a few seconds, not in the same millisecond
    start = time.monotonic()
    with Monitor(stack.app.pid, stack.caddy.pid) as monitor:
        tasks = [
            asyncio.create_task(
                run_session(
                    browser,
                    stack.url,
                    s,
                    seed=n + i,
                    delay=rng.uniform(0, ramp),
                    timeout_ms=timeout_ms,
                    contexts=contexts,
                )
            )
            for i, s in enumerate(sessions)
        ]
        _, pending = await asyncio.wait(tasks, timeout=budget)
        await asyncio.gather(*(diagnose(s) for s in sessions if s.step != "done" and not s.errors))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.monotonic() - start
    for s in sessions:
        if s.step != "done" and not s.errors:
            s.errors.append(f"not finished in the {budget:.0f} s budget (at {s.step}; {s.stuck})")
    # a context that will not close is not a result
    await asyncio.gather(*(asyncio.wait_for(c.close(), 30) for c in contexts), return_exceptions=True)
    values = {step: [v for s in sessions for v in s.times.get(step, [])] for step in STEPS + SERVER_PARTS}
    kinds: dict[str, int] = {}
    for s in sessions:
        for e in s.errors:
            kind = re.sub(r"\d+", "#", e.split(";")[0])
            kinds[kind] = kinds.get(kind, 0) + 1
    result = Round(
        sessions=n,
        seconds=round(elapsed, 1),
        finished=sum(s.step == "done" for s in sessions),
        errors=sum(bool(s.errors) for s in sessions),
        error_kinds=kinds,
        error_sessions={s.name: s.errors for s in sessions if s.errors},
        samples={k: len(v) for k, v in values.items()},
        p50={k: pct(v, 50) for k, v in values.items()},
        p95={k: pct(v, 95) for k, v in values.items()},
        cpu_cores={k: round(v, 2) for k, v in monitor.cpu.items()},
        load_average_before=round(monitor.load_before, 2),
        app_cpu_seconds_per_session=round(monitor.cpu["app"] * elapsed / n, 2),
        app_rss_mb_peak=round(monitor.peak_rss_mb),
        app_rss_mb_end=round(monitor.rss_end_mb),
    )
    return result, sessions


def knee(rounds: list[Round]) -> tuple[int | None, str]:
    """The first N whose p95 of a step is more than twice that at the first N, or that has errors."""
    if not rounds:
        return None, "no round ran"
    base = rounds[0]
    for r in rounds:
        if r.errors:
            return r.sessions, f"{r.errors} session(s) with errors"
        for step in STEPS:
            p, b = r.p95[step], base.p95[step]
            if p is not None and b is not None and p > 2 * b:
                return r.sessions, f"{step} p95 {p:.2f} s > 2 x {b:.2f} s at N={base.sessions}"
    return None, f"no knee up to N={rounds[-1].sessions}"


def fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.2f}"


def print_round(r: Round) -> None:
    cells = "  ".join(f"{fmt(r.p50[k])} {fmt(r.p95[k])}" for k in STEPS)
    print(
        f"{r.sessions:>4}  {cells}  {r.errors:>6}  {r.finished:>4}/{r.sessions:<4} {r.seconds:>6.1f}  "
        f"{r.cpu_cores['app']:>5.2f} {r.cpu_cores['load_generator']:>5.2f} {r.cpu_cores['other']:>5.2f}  "
        f"{r.app_rss_mb_peak:>6.0f}",
        flush=True,
    )


HEADER = (
    f"{'':>4}  {'sign-in (s)':^13}  {'answer save (s)':^13}  {'Trends render (s)':^13}\n"
    f"{'N':>4}  {'p50':>6} {'p95':>6}  {'p50':>6} {'p95':>6}  {'p50':>6} {'p95':>6}  {'errors':>6}  "
    f"{'done':>9} {'wall s':>6}  {'app':>5} {'gen':>5} {'other':>5}  {'RSS MB':>6}"
)


def print_server_parts(rounds: Sequence[Round]) -> None:
    titles = ("sign-in POST", "check-in run", "answer run", "Trends run")
    print("\nthe server's part (p50 p95, seconds), and the app's CPU per session:")
    print(f"{'N':>4}  " + "  ".join(f"{t:^13}" for t in titles) + f"  {'CPU s/session':>13}")
    for r in rounds:
        cells = "  ".join(f"{fmt(r.p50[k])} {fmt(r.p95[k])}" for k in SERVER_PARTS)
        print(f"{r.sessions:>4}  {cells}  {r.app_cpu_seconds_per_session:>13.2f}")


def print_alone(alone: Sequence[Session]) -> dict[str, Any]:
    """Each step's median time and the app's median CPU seconds for it, one session at a time."""
    out: dict[str, Any] = {"sessions": len(alone), "errors": [e for s in alone for e in s.errors]}
    print(f"\n{len(alone)} sessions alone, one at a time (median seconds; the app's CPU seconds for the step):")
    for step in STEPS + SERVER_PARTS:
        times = [v for s in alone for v in s.times.get(step, [])]
        cpus = [v for s in alone for v in s.cpu.get(step, [])]
        median_time = statistics.median(times) if times else None
        median_cpu = statistics.median(cpus) if cpus else None
        out[step] = {"seconds": median_time, "app_cpu_seconds": median_cpu}
        cpu_text = f"   app CPU {median_cpu:.2f} s" if median_cpu is not None else ""
        print(f"  {step:<12} {fmt(median_time)} s{cpu_text}")
    if out["errors"]:
        print(f"  errors: {out['errors']}")
    return out


# -- answers kept? --------------------------------------------------------------------------------------
def check_answers(db_file: Path, last: dict[int, Session]) -> dict[str, Any]:
    """After the app stopped: every confirmed answer of each partner's last session is in the database."""
    from mendwell import periods
    from mendwell.data import Database
    from mendwell.instruments import assessment_dirs, load_catalog

    inst = next(iter(load_catalog(assessment_dirs()).instruments))
    items = [it for it in inst.items if it.kind == "likert"][:ANSWERS]
    lo = inst.scale(items[0])[0]
    lost, checked, ambiguous = [], 0, 0
    db = Database(db_file)
    try:
        for partner_id, s in last.items():
            checkin = db.checkins.get(partner_id, periods.month_start())
            stored = db.checkins.answers(checkin.checkin_id).get(inst.id, {}) if checkin else {}
            for k, it in enumerate(items):
                answer = stored.get(it.id)
                value = None if answer is None or answer.value is None else int(answer.value)
                if k in s.unconfirmed:  # clicked, then timed out: either the old or the new answer is right
                    ambiguous += 1
                elif k in s.confirmed:
                    checked += 1
                    if value != lo + s.confirmed[k]:
                        lost.append(f"{s.name} {it.id}: clicked {lo + s.confirmed[k]}, stored {value}")
    finally:
        db.close()
    return {"checked": checked, "lost": lost, "unconfirmed_clicks": ambiguous}


# -- the whole run --------------------------------------------------------------------------------------
async def drive(stack: Stack, people: list[tuple[str, int]], levels: Sequence[int], args: argparse.Namespace) -> Any:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    rounds: list[Round] = []
    last: dict[int, Session] = {}
    single: dict[str, Any] = {}
    notes: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            # first, sessions alone, one after another (the first also warms the app up, and is not kept):
            # each step's time without contention, and the app's CPU seconds for it
            alone: list[Session] = []
            for i, (name, pid) in enumerate(people[-ALONE - 1 :]):
                s = Session(name, pid, app_pid=stack.app.pid)
                await run_session(browser, stack.url, s, i, 0.0, 120_000, [])
                if i:
                    alone.append(s)
                last[pid] = s
            single = print_alone(alone)
            print("\n" + HEADER, flush=True)
            for n in levels:
                budget = min(args.budget_per_session * n + 60, args.max_budget)
                if n > len(people):
                    notes.append(f"N={n} skipped: only {len(people)} accounts")
                    continue
                result, sessions = await run_round(browser, stack, people, n, budget, args.timeout * 1000)
                rounds.append(result)
                for s in sessions:
                    last[s.partner_id] = s
                print_round(result)
                for kind, count in sorted(result.error_kinds.items(), key=lambda kv: -kv[1]):
                    print(f"        {count:>4} x {kind}", flush=True)
                if result.finished * 2 < n and not args.all_levels:
                    skipped = [str(m) for m in levels if m > n]
                    if skipped:
                        notes.append(
                            f"N={', '.join(skipped)} not run: at N={n} only {result.finished} of {n} sessions "
                            "finished within the budget, so this is the measured limit"
                        )
                    break
                await asyncio.sleep(3)  # let the app settle between rounds
        finally:
            await browser.close()
    return rounds, last, notes, single


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="numbers of concurrent sessions")
    parser.add_argument("--couples", type=int, default=50)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--timeout", type=float, default=90, help="seconds allowed for any one step")
    parser.add_argument(
        "--budget-per-session", type=float, default=6.0, help="a round's time budget: this x N + 60 seconds"
    )
    parser.add_argument(
        "--all-levels", action="store_true", help="run every N, even after a round in which most sessions failed"
    )
    parser.add_argument("--max-budget", type=float, default=420, help="the longest a round may take, in seconds")
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the app, e.g. STREAMLIT_SERVER_FILE_WATCHER_TYPE=none (repeatable)",
    )
    parser.add_argument("--out", default=str(ARTIFACTS / "capacity.json"))
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]

    caddy = shutil.which("caddy")
    if caddy is None or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("capacity benchmark needs Debian's caddy and chromium (apt-get install caddy chromium)")
        return 1
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mendwell-capacity-") as tmp:
        work = Path(tmp)
        db_file = work / "practice.duckdb"
        t = time.perf_counter()
        people = build_practice(db_file, args.couples, args.months)
        print(
            f"practice: {args.couples} couples x {args.months} months, {len(people)} partner accounts, "
            f"built in {time.perf_counter() - t:.1f} s",
            flush=True,
        )
        app_env = dict(item.split("=", 1) for item in args.app_env)
        stack = start_stack(work, db_file, caddy, app_env)
        print(f"app behind Caddy at {stack.url} (app pid {stack.app.pid})", flush=True)
        try:
            rounds, last, notes, single = asyncio.run(drive(stack, people, levels, args))
        finally:
            stack.stop()
            app_log = (work / "logs" / "app.log").read_text(errors="replace")
        answers = check_answers(db_file, last)
    tracebacks = app_log.count("Traceback")
    print_server_parts(rounds)
    point, why = knee(rounds)
    print(f"\nknee: {'N=' + str(point) if point else 'none'} ({why})")
    print(
        f"answers: {answers['checked']} confirmed answers checked in the database, {len(answers['lost'])} lost, "
        f"{answers['unconfirmed_clicks']} clicks whose save was not seen to finish"
    )
    for line in answers["lost"][:10]:
        print(f"  LOST {line}")
    print(f"app log: {tracebacks} traceback(s)")
    for note in notes:
        print(note)
    print(
        "columns: CPU in cores (one busy core = 1.00) of the app process, of the load generator (this benchmark, "
        f"Playwright, Chromium) and of anything else on this {os.cpu_count()}-core machine; RSS = the app's peak"
    )

    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "practice": {"couples": args.couples, "months": args.months, "accounts": len(people)},
        "per_session": {"sign_ins": 1, "answers": ANSWERS, "trends_views": 1},
        "timeout_s": args.timeout,
        "app_env": args.app_env,
        "alone": single,
        "rounds": [asdict(r) for r in rounds],
        "knee": {"sessions": point, "why": why},
        "answers": answers,
        "app_log_tracebacks": tracebacks,
        "notes": notes,
        "total_seconds": round(time.monotonic() - began),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out} ({report['total_seconds']} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
