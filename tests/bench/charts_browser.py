"""Benchmark: are the charts on screen in a blink? Trends and Themes against a light page, in Chromium.

On a 500-couple x 120-month demo database (built once into bench-data/, copied for each run so a run's
sign-ins never pile up in it), a real `streamlit run app.py` and headless Chromium (1440x900 unless told
otherwise), signed in through the real form as a partner of the first demo couple (the demo's own account),
or with `--viewer therapist` as a therapist granted that couple. In one run it measures:

- the light page (Settings): from the navigation to its title shown, its script run finished and nothing
  stale left on the page;
- Trends and Themes: from the navigation to the first chart drawn (Plotly's SVG in the page's chart box has
  a size) and to every chart drawn (as many as the domain says the page has), and when it is calm;

each from a fresh open (a new page load: `page.goto`) and from the sidebar (a click on its link, made on a
freshly opened History after a second of reading it, `--settle`: every sidebar visit, Settings' too, is a change
of page; with `--start settings` Settings itself is clicked again while on screen, where Streamlit keeps its
elements and only reruns it, so nothing is shown anew: that run's sidebar ratios are printed as a reference,
not held to the targets),
`--runs` times after one warm-up visit each (whose times, with cold caches, are printed too); the medians
are compared with the light page's: targets are first chart <= 1.5x and every chart <= 2.5x.

Server side: the app process's CPU for each visit (all its threads, from /proc) and each page's script run as
the browser saw it (from the page's request on the websocket to the server's "script finished" message),
against Trends' floor, measured in this process by calling the same domain functions on the same couple:
its DuckDB queries (with the practice's reference figures, which are not the couple's, computed once) and
every figure built and turned into the JSON the page's chart element sends. Target: Trends within 2x its floor.
The bytes each page received on the websocket are printed too.

Times in the page are taken with `performance.now()` (navigation start is 0 for a fresh open; a click sets
its own start), sampled every animation frame. Nothing here is asserted by the test suite: run it with
`make bench` or `python -m tests.bench.charts_browser` (`--help` for options).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize

from tests.bench.page_probe import SCRIPT_FINISHED

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
LIGHT = "settings"
CHART_PAGES = ("trends", "themes")
TITLES = {"settings": "Settings", "trends": "Trends", "themes": "Recurring themes", "history": "History"}
# where each sidebar visit starts: the light page itself (Settings clicked again while on screen: Streamlit keeps
# its elements and reruns it), or another page (History: every visit, the light one too, swaps a whole page)
STARTS = ("settings", "history")
NAV = {"settings": "Settings", "trends": "Trends", "themes": "Themes"}
THERAPIST = "Bench Therapist"
THERAPIST_PASSCODE = "bench-pass-1234"

# In the page, from document start: when each chart was first drawn, when the page's title was first
# shown, when the server's script runs finished (ForwardMsg field 6, script_finished, other than 2:
# "finished early for a rerun") and when the page last sent something on the websocket before that.
PROBE = (
    SCRIPT_FINISHED
    + r"""
(() => {
  const mw = window.__mw = {t0: 0, title: null, charts: [], finished: [], sentAt: null, runs: [], calm: null, bytes: 0};
  const seen = new WeakMap();  // box -> the chart it was seen showing (a box can show another part's next)
  mw.reset = (title) => {
    mw.t0 = performance.now(); mw.title = title; mw.charts = []; mw.finished = []; mw.runs = [];
    mw.titleAt = null; mw.calm = null; mw.sentAt = null; mw.bytes = 0;
    document.querySelectorAll('.js-plotly-plot').forEach(el => seen.set(el, el.getAttribute('data-drawn')));
  };
  mw.titleAt = null;
  const frame = () => {
    const now = performance.now();
    // a chart is drawn when the page's drawing script says which chart its box shows (data-drawn, set once
    // Plotly has drawn it: mendwell.chart_drawing) and Plotly's SVG in it has a size; attributes only, so the
    // probe forces no layout
    document.querySelectorAll('.mw-chart.js-plotly-plot[data-drawn]').forEach(el => {
      const shows = el.getAttribute('data-drawn');
      if (seen.get(el) === shows || el.style.visibility === 'hidden' || el.style.display === 'none') return;
      const svg = el.querySelector('.main-svg');
      if (svg && Number(svg.getAttribute('width')) > 0 && Number(svg.getAttribute('height')) > 0) {
        seen.set(el, shows); mw.charts.push(now - mw.t0);
      }
    });
    if (mw.title !== null && mw.titleAt === null) {
      for (const h of document.querySelectorAll('h1')) {
        if (h.textContent.trim() === mw.title && !h.closest('[data-stale="true"]')) { mw.titleAt = now - mw.t0; break; }
      }
    }
    if (mw.calm === null && mw.titleAt !== null && mw.finished.length
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')) mw.calm = now - mw.t0;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const count = bytes => {
    const v = mwScriptFinished(bytes);
    if (v >= 0 && v !== 2) {
      const now = performance.now();
      mw.finished.push(now - mw.t0);
      if (mw.sentAt !== null) mw.runs.push(now - mw.sentAt);
      mw.sentAt = null;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        mw.bytes += e.data.byteLength || e.data.size || 0;
        if (e.data instanceof ArrayBuffer) count(e.data);
        else if (e.data instanceof Blob) e.data.arrayBuffer().then(count);
      });
    }
    send(data) { if (mw.sentAt === null) mw.sentAt = performance.now(); return super.send(data); }
  };
})();
"""
)
CLICK = """([name, title]) => {
  const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
    .find(a => a.innerText.trim().split('\\n').pop() === name);
  if (!link) throw new Error('no sidebar link ' + name);
  window.__mw.reset(title);
  link.click();
}"""
# Trends' parts are radio buttons in a row (ui.page.part_picker), in the group named by PICKER
PICKER = "Part of the check-in"
TAB = """([label, title, picker]) => {
  const group = document.querySelector('[role="radiogroup"][aria-label="' + picker + '"]');
  const parts = group ? [...group.querySelectorAll('label[data-testid="stRadioOption"]')] : [];
  if (!parts[0]?.querySelector('input')?.checked) throw new Error('the page did not open on its first part');
  const part = parts.find(t => t.innerText.trim() === label);
  if (!part) throw new Error('no part ' + label);
  window.__mw.reset(title);
  part.click();
}"""
DONE = """([charts]) => {
  const mw = window.__mw;
  return mw.calm !== null && mw.charts.length >= charts;
}"""


@dataclass
class Visit:
    """One visit of a page: milliseconds from its start."""

    page: str
    how: str  # "fresh" or "sidebar"
    shown: float  # title shown, script finished, nothing stale
    first_chart: float | None
    all_charts: float | None
    charts: int
    server_run: float | None  # the page's request to the script-finished message
    server_cpu: float = 0.0  # ms of the app process's CPU from the navigation until the page was calm
    received: int = 0  # bytes the page received on the websocket


@dataclass
class Results:
    visits: list[Visit] = field(default_factory=list)

    def of(self, page: str, how: str) -> list[Visit]:
        return [v for v in self.visits if v.page == page and v.how == how]


# -- the database ----------------------------------------------------------------------------------------
def cached_database(folder: Path, couples: int, months: int) -> Path:
    """The demo database of `couples` x `months`, built once into `folder` (kept between runs)."""
    db = folder / f"charts-{couples}x{months}.duckdb"
    if not db.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = db.with_suffix(".partial.duckdb")
        partial.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mendwell.cli", "demo", "--couples", str(couples), "--months", str(months),
             "--seed", "1"],
            check=True, env={**os.environ, "MENDWELL_DB": str(partial)}, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        partial.rename(db)
        print(f"built {db.name} in {time.perf_counter() - start:.1f} s (kept for later runs)")
    return db


@dataclass(frozen=True)
class Floor:
    queries: float  # seconds, median
    specs: float  # seconds, median: build every figure and serialise it as the page sends it
    charts: dict[str, int]  # page -> how many charts it draws when it opens
    built: int  # figures Trends builds (every part's: a view is built whole, once per write and span)
    tab: tuple[str, int]  # Trends' second part: its label, and the charts it draws when chosen


def floor_and_counts(db_file: Path, runs: int) -> tuple[Floor, str, str]:
    """Trends' floor, the chart counts of both pages for the first demo couple, and the names to sign in with
    (a partner's and the couple's name). The database is opened here and closed again before the server starts."""
    import pandas as pd

    from mendwell import analysis, charts, views
    from mendwell.data import Database
    from mendwell.instruments import assessment_dirs, load_catalog

    catalog = load_catalog(assessment_dirs())
    db = Database(db_file)
    try:
        couple = db.couples.all()[0]
        cid = couple.couple_id
        styles = [charts.PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]

        # the practice's reference figures (everyone's first check-ins) are not the couple's: computed once
        reference = analysis.reference(db)

        def queries() -> dict[str, pd.DataFrame]:
            return {
                "reliable": analysis.classify(db.analytics.changes(cid), reference),
                "signals": analysis.theme_signals(db, cid),
                "mirrors": analysis.mirrored_views(db, cid),
            }

        def figures(data: dict[str, pd.DataFrame]) -> list[Any]:
            shared = views.shared_only(data["reliable"])
            last = pd.to_datetime(shared["period"]).max()
            first = pd.to_datetime(shared["period"]).min()
            start = views.span_start(first, last, 12)  # the pages' default: a year
            figs = [c.figure for _, found in views.trend_charts(shared, catalog, styles, start, last) for c in found]
            figs += [m.figure for m in views.mirror_charts(data["mirrors"], catalog, styles, start, last)]
            return figs

        def serialise(figs: list[Any]) -> int:
            # as the page sends it (ui.chart_element)
            return sum(len(charts.spec_json(f)) for f in figs)

        data = queries()  # warm DuckDB and the imports once
        serialise(figures(data))
        q, s = [], []
        for _ in range(runs):
            t = time.perf_counter()
            data = queries()
            q.append(time.perf_counter() - t)
            t = time.perf_counter()
            serialise(figures(data))
            s.append(time.perf_counter() - t)
        # each page opens on its first part, and sends only that part's charts: Trends the first questionnaire's,
        # Themes a heatmap per partner who has checked in
        shared = views.shared_only(data["reliable"])
        last, first = pd.to_datetime(shared["period"]).max(), pd.to_datetime(shared["period"]).min()
        tabs = views.trend_charts(shared, catalog, styles, views.span_start(first, last, 12), last)
        shows_themes = [p for p in couple.partners if not db.checkins.listing(cid, p.partner_id).empty]
        counts = {"trends": len(tabs[0][1]), "themes": len(shows_themes)}
        built = len(figures(data))
        second = (tabs[1][0].title, len(tabs[1][1]))
        partner = db.accounts.for_partner(couple.partners[0].partner_id)
        assert partner is not None, "not a demo database with accounts"
        if db.accounts.by_name(THERAPIST) is None:
            from mendwell import accounts

            made = accounts.create(db, THERAPIST, accounts.THERAPIST, THERAPIST_PASSCODE)
            db.accounts.grant(made.account_id, cid)
        name = partner.name
    finally:
        db.close()
    return Floor(statistics.median(q), statistics.median(s), counts, built, second), name, couple.name


# -- the browser -----------------------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """CPU milliseconds a process (all its threads) has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def visit(page: Any, url: str, name: str, how: str, charts: int, server_pid: int = 0) -> Visit:
    """Open `name` (a fresh page load or a sidebar click; or, `how` "tab", the part "trends:<label>" of an open
    Trends) and wait until it is calm with all its charts."""
    title = TITLES[name.split(":", 1)[0]]
    cpu_before = cpu_ms(server_pid) if server_pid else 0.0
    if how == "fresh":
        page.goto(f"{url}/{name}", wait_until="commit")
        page.wait_for_function("() => window.__mw !== undefined")
        page.evaluate("t => { window.__mw.title = t; }", title)
    elif how == "tab":  # Trends is open on its first part: choose the part named in `name` after the colon
        # the parts' buttons are drawn once Streamlit has loaded their code, which may come after the charts
        page.locator(f'[role="radiogroup"][aria-label="{PICKER}"] [data-testid="stRadioOption"]').first.wait_for()
        page.evaluate(TAB, [name.split(":", 1)[1], title, PICKER])
    else:
        # on a phone the sidebar is folded away: open it first, as a person would (not timed)
        opener = page.get_by_test_id("stExpandSidebarButton")
        if opener.count() and opener.is_visible():
            opener.click()
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=NAV[name], exact=True).wait_for()
        page.evaluate(CLICK, [NAV[name], title])
    page.wait_for_function(DONE, arg=[charts], timeout=180_000, polling=100)
    cpu = cpu_ms(server_pid) - cpu_before if server_pid else 0.0
    mw: dict[str, Any] = page.evaluate(
        "() => ({calm: __mw.calm, charts: __mw.charts, runs: __mw.runs, titleAt: __mw.titleAt, bytes: __mw.bytes})"
    )
    drawn = sorted(float(c) for c in mw["charts"])
    runs = [float(r) for r in mw["runs"]]
    return Visit(
        page=name.split(":", 1)[0],
        how=how,
        shown=float(mw["calm"]),
        first_chart=drawn[0] if drawn else None,
        all_charts=drawn[-1] if drawn else None,
        charts=len(drawn),
        server_run=runs[-1] if runs else None,
        server_cpu=cpu,
        received=int(mw["bytes"]),
    )


def browse(
    url: str,
    pid: int,
    name: str,
    passcode: str,
    counts: dict[str, int],
    tab: tuple[str, int],
    runs: int,
    viewport: ViewportSize,
    start: str = LIGHT,
    settle: float = 1.0,
) -> Results:
    """Sign in, then visit the light page and the chart pages, fresh and from the sidebar (each sidebar visit from
    a fresh `start` page), and after each visit
    of Trends from the sidebar choose its second part (`tab`: its label and charts; `pid`: the app's)."""
    from playwright.sync_api import sync_playwright

    from tests.support.auth import browser_sign_in

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is needed (apt-get install chromium)"
    results = Results()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.add_init_script(PROBE)
        browser_sign_in(page, url, name, passcode, path="/settings")
        page.wait_for_function("() => window.__mw && window.__mw.finished.length > 0")
        order = [LIGHT, *CHART_PAGES]
        need = {p: counts.get(p, 0) for p in order}
        # warm-up: the first visit of each page fills the server's caches (printed, not in the medians)
        for p in order:
            results.visits.append(_renamed(visit(page, url, LIGHT, "fresh", 0, pid), "warm-up"))
            results.visits.append(_renamed(visit(page, url, p, "sidebar", need[p], pid), "warm-up"))
        for _ in range(runs):
            for p in order:
                results.visits.append(visit(page, url, p, "fresh", need[p], pid))
            for p in order:
                visit(page, url, start, "fresh", 0)  # a fresh start page, so nothing of a chart page is stale
                page.wait_for_timeout(settle * 1000)  # a person reads a page before choosing another
                results.visits.append(visit(page, url, p, "sidebar", need[p], pid))
                if p == "trends":
                    results.visits.append(visit(page, url, f"trends:{tab[0]}", "tab", tab[1], pid))
        browser.close()
    return results


def _renamed(v: Visit, how: str) -> Visit:
    return Visit(v.page, how, v.shown, v.first_chart, v.all_charts, v.charts, v.server_run, v.server_cpu, v.received)


# -- the report ------------------------------------------------------------------------------------------
def median(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def quartiles(values: Sequence[float | None]) -> tuple[float, float] | None:
    """The lower and upper quartiles of the values given (None when fewer than two)."""
    got = [v for v in values if v is not None]
    if len(got) < 2:
        return None
    q = statistics.quantiles(got, n=4, method="inclusive")
    return q[0], q[2]


def seconds(ms: float | None) -> str:
    return "   n/a" if ms is None else f"{ms / 1000:6.2f}"


def report(results: Results, floor: Floor, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"floor": {"queries_s": floor.queries, "specs_s": floor.specs}, "pages": {}}
    print(
        f"\nmedians of {args.runs} visits, seconds from the navigation ({args.width}x{args.height}, {args.viewer}; "
        f"sidebar visits from {args.start}):"
    )
    print(
        f"{'page':<8} {'how':<8} {'shown':>7} {'1st chart':>10} {'all charts':>11} {'charts':>7} {'run':>7} "
        f"{'app CPU':>8} {'received':>9}"
    )
    verdicts: dict[str, bool] = {}
    references: list[str] = []
    for how in ("fresh", "sidebar"):
        light = median([v.shown for v in results.of(LIGHT, how)])
        for p in (LIGHT, *CHART_PAGES):
            vs = results.of(p, how)
            row = {
                "shown": median([v.shown for v in vs]),
                "first_chart": median([v.first_chart for v in vs]),
                "all_charts": median([v.all_charts for v in vs]),
                "server_run": median([v.server_run for v in vs]),
                "server_cpu": median([v.server_cpu for v in vs]),
                "received": median([float(v.received) for v in vs]),
                "charts": max((v.charts for v in vs), default=0),
            }
            out["pages"][f"{p}/{how}"] = row
            print(
                f"{p:<8} {how:<8} {seconds(row['shown']):>7} {seconds(row['first_chart']):>10} "
                f"{seconds(row['all_charts']):>11} {row['charts']:>7} {seconds(row['server_run']):>7} "
                f"{seconds(row['server_cpu']):>8} {(row['received'] or 0) / 1024:>6.0f} KiB"
            )
            if p != LIGHT and light and row["first_chart"] and row["all_charts"]:
                first, every = row["first_chart"] / light, row["all_charts"] / light
                row["first_ratio"], row["all_ratio"] = first, every
                if how == "sidebar" and args.start == LIGHT:  # the light page rerun, not shown anew
                    references.append(f"{p} {how}: first chart {first:.2f}x, every chart {every:.2f}x")
                    continue
                verdicts[f"{p} {how}: first chart {first:.2f}x the light page (<= 1.5)"] = first <= 1.5
                verdicts[f"{p} {how}: every chart {every:.2f}x the light page (<= 2.5)"] = every <= 2.5
    # From the sidebar the light page takes a tenth of a second, so a few milliseconds either way move every ratio
    # by a tenth or more: the middle half of each page's visits, to read the medians by.
    spreads = [("settings", "shown", [v.shown for v in results.of(LIGHT, "sidebar")])] + [
        (p, "1st chart", [v.first_chart for v in results.of(p, "sidebar")]) for p in CHART_PAGES
    ]
    found = [(p, what, quartiles(values)) for p, what, values in spreads]
    if all(q is not None for _, _, q in found):
        print(
            "middle half of the sidebar visits, seconds: "
            + "; ".join(f"{p} {what} {q[0] / 1000:.2f} to {q[1] / 1000:.2f}" for p, what, q in found if q)
        )
    light = median([v.shown for v in results.of(LIGHT, "sidebar")])
    tabs = results.of("trends", "tab")
    if tabs and light:
        keys = ("shown", "first_chart", "all_charts", "server_run")
        opened = {k: median([getattr(v, k) for v in tabs]) for k in keys}
        out["pages"]["trends/tab"] = opened
        drawn = opened["all_charts"]
        print(
            f"trends, another part ({floor.tab[0]}, {floor.tab[1]} charts): every chart {seconds(drawn).strip()} s"
            + (f" ({drawn / light:.2f}x the light page from the sidebar)" if drawn else "")
            + f", its run {seconds(opened['server_run']).strip()} s"
        )
    print("\nfirst visits (cold caches: the couple's queries, and the practice's reference figures), seconds:")
    for v in results.of(LIGHT, "warm-up")[:1] + [v for p in CHART_PAGES for v in results.of(p, "warm-up")]:
        print(f"  {v.page:<8} shown {seconds(v.shown)}  1st chart {seconds(v.first_chart)}  "
              f"all {seconds(v.all_charts)}  run {seconds(v.server_run)}  app CPU {seconds(v.server_cpu)}")  # fmt: skip
    fl = floor.queries + floor.specs
    trends_cpu = out["pages"]["trends/sidebar"]["server_cpu"]
    print(
        f"\nserver side, Trends from the sidebar: the app's CPU {seconds(trends_cpu).strip()} s (median; its run, "
        f"request to script finished, {seconds(out['pages']['trends/sidebar']['server_run']).strip()} s) vs floor "
        f"{fl:.3f} s = the couple's DuckDB queries {floor.queries:.3f} s + {floor.built} figures built "
        f"and serialised {floor.specs:.3f} s"
    )
    if trends_cpu:
        ratio = trends_cpu / 1000 / fl
        out["server_ratio"] = ratio
        verdicts[f"Trends server side {ratio:.2f}x its floor (<= 2)"] = ratio <= 2.0
    print()
    for text, ok in verdicts.items():
        print(f"  {'met   ' if ok else 'MISSED'}  {text}")
    for text in references:
        print(f"  (ref)   {text} Settings clicked again while on screen (a rerun of a page already shown)")
    out["verdicts"] = verdicts
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(ROOT / "bench-data"), help="where the built database is kept")
    parser.add_argument("--couples", type=int, default=500)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3, help="visits of each page each way (medians taken)")
    parser.add_argument("--viewer", choices=["partner", "therapist"], default="partner")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument(
        "--start", choices=STARTS, default="history", help="the page each sidebar visit starts from (default: History)"
    )
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds on the start page before each sidebar click (reading)"
    )
    parser.add_argument("--json", default=str(ROOT / "test-artifacts" / "charts_browser.json"), help="results file")
    args = parser.parse_args(argv)

    from mendwell.demo import DEMO_PASSCODE
    from tests.support.server import Server

    cached = cached_database(Path(args.dir), args.couples, args.months)
    with tempfile.TemporaryDirectory(prefix="mendwell-charts-") as tmp:
        db_file = Path(tmp) / "mendwell.duckdb"
        shutil.copyfile(cached, db_file)
        floor, partner, couple = floor_and_counts(db_file, max(args.runs, 5))
        print(f"{args.couples} couples x {args.months} months; the first couple, {couple}: charts {floor.charts}")
        name, passcode = (partner, DEMO_PASSCODE) if args.viewer == "partner" else (THERAPIST, THERAPIST_PASSCODE)
        server = Server(db_file)
        try:
            results = browse(
                server.url,
                server.proc.pid,
                name,
                passcode,
                floor.charts,
                floor.tab,
                args.runs,
                ViewportSize(width=args.width, height=args.height),
                args.start,
                args.settle,
            )
        finally:
            server.stop()
    out = report(results, floor, args)
    out["visits"] = [v.__dict__ for v in results.visits]
    Path(args.json).parent.mkdir(exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"\nevery visit: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
