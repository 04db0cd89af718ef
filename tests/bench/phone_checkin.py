"""Benchmark: a whole check-in on a phone, done the way a person does it, counted.

Builds a fresh demo database (`mendwell demo`: 16 couples x 24 months, with the demo's sign-ins), starts the
real app (`streamlit run app.py`), and in Chromium with a 390 x 844 touch viewport (a phone) signs in as the
demo partner whose check-in for this month is still to do. Then, like a person:

- taps "Begin", then for each section answers every question on screen, top to bottom, one tap each
  (follow-ups appear as they are earned: every "how often" is answered "once", so all 59 questions show),
  taps "Next" (and "Review my answers"), and at the review taps "Submit my check-in";
- before each tap, scrolls just enough to see the whole question (or button) below the app's fixed top bar;
  at each section start it first scrolls to read the section's title. That scrolling is what is counted:
  the person's scroll distance, in pixels and in screens (distance / viewport height). Scrolling the app does
  by itself is not counted.

At every section start (after "Begin", each "Next", and the review), before the person scrolls: the scroll
position, whether the section's title is wholly in view below the top bar, whether the progress bar is, and
whether keyboard focus is on the title (document.activeElement is the title or inside it). Also the length of
each section when it is done (the page's height in screens), and the taps.

Run: `python -m tests.bench.phone_checkin` (part of `make bench`; about two minutes). `--width 360` for the
narrowest phones, `--shots` to keep a screenshot of every section start in test-artifacts/phone-checkin/.
Prints a table and a JSON line, and writes test-artifacts/phone-checkin.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect, sync_playwright

from mendwell import periods
from mendwell.data import Database
from mendwell.demo import DEMO_PASSCODE
from mendwell.instruments import Catalog, Instrument, Item, load_catalog
from tests.support.paths import ARTIFACTS, ASSESSMENTS
from tests.support.server import Server

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
REVIEW_TITLE = "Look it over"
SUBMIT = "Submit my check-in"
WAIT_MS = 60_000  # a hang guard on a busy machine, not a speed check

# One question's widget, whatever draws it (radio, segmented control, pills, number or text box).
QUESTION = (
    '[data-testid="stRadio"], [data-testid="stButtonGroup"], [data-testid="stNumberInput"], [data-testid="stTextArea"]'
)
OPTION = '[data-testid="stRadioOption"], button[data-variant]'  # one tappable answer of a widget
CHOSEN = '[data-selected="true"], [aria-checked="true"], [aria-pressed="true"]'

# The scrolling element of an element, the height of the app's fixed top bar, and a person's minimal scroll.
PAGE_JS = """
window.__mw = {
  scroller(el) {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && e.scrollHeight > e.clientHeight) return e;
    }
    return document.scrollingElement;
  },
  barBottom() {
    const bar = document.querySelector('[data-testid="stHeader"]');
    if (!bar) return 0;
    const s = getComputedStyle(bar), r = bar.getBoundingClientRect();
    return (s.position === 'fixed' || s.position === 'sticky') && r.height > 0 ? Math.max(0, r.bottom) : 0;
  },
  inView(el) {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= this.barBottom() - 1 && r.bottom <= window.innerHeight + 1;
  },
  bringIntoView(el, margin = 8) {  // the least a person scrolls to see all of el; returns pixels scrolled
    const sc = this.scroller(el), before = sc.scrollTop;
    const r = el.getBoundingClientRect(), top = this.barBottom() + margin, bottom = window.innerHeight - margin;
    let delta = 0;
    if (r.top < top || r.height > bottom - top) delta = r.top - top;
    else if (r.bottom > bottom) delta = r.bottom - bottom;
    sc.scrollTop = before + delta;
    return Math.abs(sc.scrollTop - before);
  },
};
"""

START_JS = """title => {
  const h = [...document.querySelectorAll('h1, h2, h3, h4')].find(e => e.innerText.trim() === title);
  if (!h) return null;
  const sc = window.__mw.scroller(h), active = document.activeElement;
  const progress = document.querySelector('[data-testid="stProgress"]');
  return {
    scroll_top: Math.round(sc.scrollTop),
    title_top: Math.round(h.getBoundingClientRect().top),
    title_in_view: window.__mw.inView(h),
    title_focused: !!active && (active === h || h.contains(active)),
    progress_in_view: !!progress && window.__mw.inView(progress),
    focused: active ? active.tagName + (active.dataset.testid ? '#' + active.dataset.testid : '') : null,
  };
}"""


@dataclass
class SectionStart:
    """What a person sees when a section opens, before they scroll."""

    section: str
    scroll_top: int
    title_top: int
    title_in_view: bool
    title_focused: bool
    progress_in_view: bool
    focused: str | None


@dataclass
class Result:
    """A whole check-in on one viewport."""

    viewport: str
    questions: int = 0
    taps: int = 0
    taps_by_kind: dict[str, int] = field(default_factory=dict)
    scrolled_px: float = 0.0
    scrolled_screens: float = 0.0
    length_screens: float = 0.0
    starts: list[SectionStart] = field(default_factory=list)
    section_screens: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class Person:
    """A person on a phone: scrolls only as far as they must, then taps once."""

    def __init__(self, page: Page, result: Result) -> None:
        self.page = page
        self.result = result
        self.height = (page.viewport_size or {"height": 844})["height"]

    def calm(self) -> None:
        """The app has finished its run: no running indicator, no exception."""
        expect(self.page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT_MS)
        expect(self.page.get_by_test_id("stException")).to_have_count(0)

    def settle(self) -> None:
        """Let the page draw what the last run sent (two frames and a moment), then be calm."""
        self.calm()
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.page.wait_for_timeout(300)
        self.calm()

    def see(self, target: Locator) -> None:
        """Scroll just enough to see all of `target` (counted)."""
        self.result.scrolled_px += float(target.evaluate("el => window.__mw.bringIntoView(el)"))

    def tap(self, target: Locator, kind: str, see: Locator | None = None) -> None:
        """See `see` (or the target), then tap the target once and wait for the app's answer."""
        self.see(see if see is not None else target)
        runs = int(self.page.evaluate("() => window.__mwRuns || 0"))
        target.tap()
        self.result.taps += 1
        self.result.taps_by_kind[kind] = self.result.taps_by_kind.get(kind, 0) + 1
        self.page.wait_for_function("n => (window.__mwRuns || 0) > n", arg=runs, timeout=WAIT_MS)
        self.calm()


def choice_index(inst: Instrument, it: Item) -> int:
    """Which option a person taps, by position: "once" for every how-often (so every follow-up shows), the
    second step of other scales, "No" for yes/no, the first option of a list."""
    return 1 if it.kind == "likert" else 0


def item_for(inst: Instrument, label: str) -> Item:
    """The item whose question text is in a widget's label."""
    found = [it for it in inst.items if it.text in label]
    if not found:
        raise RuntimeError(f"no question of {inst.id} in {label!r}")
    return max(found, key=lambda it: len(it.text))


def section_start(person: Person, title: str) -> SectionStart:
    """Wait for the section titled `title`, then note what the person sees before scrolling."""
    page = person.page
    page.wait_for_function(
        "t => [...document.querySelectorAll('h1, h2, h3, h4')].some(e => e.innerText.trim() === t)",
        arg=title,
        timeout=WAIT_MS,
    )
    person.settle()
    seen = page.evaluate(START_JS, title)
    if seen is None:
        raise RuntimeError(f"the section {title!r} has no heading")
    return SectionStart(section=title, **seen)


def answer_section(person: Person, inst: Instrument) -> int:
    """Answer every question of the section as it shows, top to bottom; returns how many."""
    page = person.page
    main = page.get_by_test_id("stMain")
    for answered in range(len(inst.items) + 1):
        widgets = main.locator(QUESTION)
        flags = widgets.evaluate_all(f"els => els.map(e => !e.querySelector({json.dumps(CHOSEN)}))")
        if True not in flags:
            return answered
        # held by its place, not as "the first open one", which moves on once it is answered (questions
        # above it stay where they are: a follow-up appears below the question that brought it)
        widget = widgets.nth(flags.index(True))
        it = item_for(inst, widget.get_by_test_id("stWidgetLabel").inner_text())
        options = widget.locator(OPTION)
        index = choice_index(inst, it)
        if options.count() <= index:
            raise RuntimeError(f"{it.id}: {options.count()} options, no option {index} to tap")
        person.tap(options.nth(index), "answer", see=widget)
        expect(widget.locator(CHOSEN)).not_to_have_count(0, timeout=WAIT_MS)
    raise RuntimeError(f"{inst.id}: more questions left open than the section has")


def section_length(person: Person) -> float:
    """The page's height in screens, as it stands."""
    height = person.page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return (m && m.scrollHeight > m.clientHeight ? m : document.scrollingElement).scrollHeight; }"
    )
    return round(float(height) / person.height, 2)


def tap_button(person: Person, name: str, kind: str) -> None:
    """Tap the one button called `name` in the main area."""
    button = person.page.get_by_test_id("stMain").get_by_role("button", name=name, exact=True)
    expect(button).to_have_count(1, timeout=WAIT_MS)
    person.tap(button, kind)


def check_in(page: Page, url: str, name: str, catalog: Catalog, result: Result, shots: Path | None) -> None:
    """Sign in (not counted), then the whole check-in, counted."""
    from tests.bench.capacity import RUN_COUNTER

    page.add_init_script(RUN_COUNTER + PAGE_JS)
    page.goto(url + "/checkin")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passcode").fill(DEMO_PASSCODE)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Begin").wait_for(timeout=WAIT_MS)
    person = Person(page, result)
    person.settle()
    started = time.perf_counter()
    tap_button(person, "Begin", "begin")
    instruments = list(catalog.instruments)
    for step, inst in enumerate(instruments):
        start = section_start(person, inst.title)
        result.starts.append(start)
        if shots is not None:
            page.screenshot(path=str(shots / f"{result.viewport}-{step + 1}-start.png"))
        person.see(page.locator("h1, h2, h3, h4").filter(has_text=inst.title).last)  # read the title first
        result.questions += answer_section(person, inst)
        result.section_screens[inst.id] = section_length(person)
        last = step == len(instruments) - 1
        tap_button(person, "Review my answers" if last else "Next", "review" if last else "next")
    result.starts.append(section_start(person, REVIEW_TITLE))
    if shots is not None:
        page.screenshot(path=str(shots / f"{result.viewport}-review-start.png"))
    result.section_screens["review"] = section_length(person)
    tap_button(person, SUBMIT, "submit")
    page.get_by_text("Thank you,").first.wait_for(timeout=WAIT_MS)
    result.seconds = round(time.perf_counter() - started, 1)
    result.scrolled_px = round(result.scrolled_px)
    result.scrolled_screens = round(result.scrolled_px / person.height, 1)
    result.length_screens = round(sum(result.section_screens.values()), 1)


def demo_database(folder: Path) -> tuple[Path, str]:
    """A fresh demo database in `folder`; the name of the demo partner with this month's check-in to do."""
    db = folder / "mendwell.duckdb"
    env = {**os.environ, "MENDWELL_DB": str(db)}
    command = [sys.executable, "-m", "mendwell.cli", "demo", "--couples", "16", "--months", "24", "--seed", "1"]
    subprocess.run(command, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    store = Database(db)
    try:
        for partner in store.couples.all()[0].partners:
            account = store.accounts.for_partner(partner.partner_id)
            todo = store.checkins.get(partner.partner_id, periods.month_start())
            if account is not None and (todo is None or not todo.submitted):
                return db, account.name
    finally:
        store.close()
    raise RuntimeError("the demo has no partner with a check-in to do")


def report(result: Result) -> None:
    """The figures, as a table."""
    in_view = sum(s.title_in_view for s in result.starts)
    focused = sum(s.title_focused for s in result.starts)
    n = len(result.starts)
    print(f"\nA whole check-in at {result.viewport} (touch), {result.questions} questions, {result.seconds} s:")
    print(f"  taps                {result.taps}  ({', '.join(f'{k} {v}' for k, v in result.taps_by_kind.items())})")
    print(f"  scrolled            {result.scrolled_px:.0f} px = {result.scrolled_screens} screens")
    print(f"  length              {result.length_screens} screens (every section's page, summed)")
    print(f"  section starts      title in view {in_view} of {n}, focus on the title {focused} of {n}")
    print(f"\n  {'section':<34} {'scroll':>6} {'title top':>9} {'in view':>7} {'focused':>7}  focus on")
    for s in result.starts:
        print(
            f"  {s.section[:34]:<34} {s.scroll_top:>6} {s.title_top:>9} {'yes' if s.title_in_view else 'NO':>7}"
            f" {'yes' if s.title_focused else 'no':>7}  {s.focused}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument("--shots", action="store_true", help="a screenshot of every section start")
    parser.add_argument("--out", default=str(ARTIFACTS / "phone-checkin.json"))
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium is not installed (apt-get install chromium): nothing measured.")
        return 1
    catalog = load_catalog([ASSESSMENTS])
    result = Result(viewport=f"{args.width}x{args.height}")
    shots = ARTIFACTS / "phone-checkin" if args.shots else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mendwell-phone-") as tmp:
        db, name = demo_database(Path(tmp))
        server = Server(db)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
                context = browser.new_context(
                    viewport={"width": args.width, "height": args.height},
                    device_scale_factor=2,
                    is_mobile=True,
                    has_touch=True,
                )
                page = context.new_page()
                page.set_default_timeout(WAIT_MS)
                check_in(page, server.url, name, catalog, result, shots)
                browser.close()
        finally:
            server.stop()
    report(result)
    out: dict[str, Any] = asdict(result)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k not in ("starts", "section_screens")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
