"""Playwright helpers for the real app in Chromium (in the spirit of Streamlit's own
`e2e_playwright/shared/app_utils.py`): wait for the app to be calm before looking or clicking,
read what a person sees, take screenshots to look at."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT  # axe-core itself, bundled in the package: no network
from playwright.sync_api import Locator, Page, expect

from mendwell.chart_drawing import CHART_CLASS
from tests.support.auth import PASSCODE
from tests.support.paths import ARTIFACTS

# the page's charts (ui.chart_element): the box Plotly draws into, its SVGs once drawn
CHART_BOX = f".{CHART_CLASS}"
CHART = f"{CHART_BOX}.js-plotly-plot .main-svg"  # one per plot, one per hover layer
DRAWN_CHART = f"{CHART_BOX}.js-plotly-plot:has(.main-svg)"  # one per chart drawn
ERROR_TEXTS = ("This app has encountered an error", "Something went wrong", "could not be", "Connection error")


def wait_for_calm(page: Page) -> None:
    """Wait until no script run is in progress, and check no exception is shown.

    Elements of the previous run stay on screen, marked stale, until the new run replaces them; a tap
    on one (the last section's "Next" under the new section's title) would be the old button's."""
    expect(page.get_by_test_id("stApp")).not_to_have_attribute("data-test-script-state", "running")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def no_error_on(page: Page) -> None:
    """No exception element and none of the app's error messages on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    for text in ERROR_TEXTS:
        expect(page.get_by_text(text)).to_have_count(0)


def wait_for_answered(page: Page, n: int) -> None:
    """Wait until the progress line says n questions are answered (the save and rerun are done)."""
    expect(page.get_by_test_id("stProgress")).to_contain_text(re.compile(rf"· {n} of \d+ questions answered"))


def heading(page: Page, text: str) -> Locator:
    """Headings (levels 1 to 4) holding `text`."""
    return page.locator("h1, h2, h3, h4").filter(has_text=text)


def shows(page: Page, text: str) -> None:
    """Wait until the page shows `text` as a person reads it (invisible word joiners, which
    keep a typed "--" from becoming a dash, are not seen)."""
    page.wait_for_function("t => document.body.innerText.replaceAll('\\u2060', '').includes(t)", arg=text)


def seen(locator: Locator) -> list[str]:
    """The inner texts of the matched elements as a person reads them."""
    return [t.replace("\u2060", "") for t in locator.all_inner_texts()]


def nav(page: Page, name: str) -> None:
    """Click a page's link in the sidebar navigation."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()


def charts_drawn(page: Page, at_least: int) -> int:
    """Wait until at least `at_least` Plotly charts have drawn their SVG and the app's run is over;
    return how many charts there are.

    Counted per chart, not per SVG (each chart draws two: the plot and its hover layer), and only once
    the run is over: the pages send their first charts before the rest."""
    expect(page.locator(CHART).first).to_be_visible()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[DRAWN_CHART, at_least], timeout=60_000
    )
    wait_for_calm(page)
    return page.locator(CHART_BOX).count()


def part_option(page: Page, label: str) -> Locator:
    """The option `label` of a page's parts (`ui.page.part_picker`: radio buttons in a row), to tap."""
    return page.get_by_test_id("stRadioOption").filter(has=page.get_by_role("radio", name=label, exact=True))


def open_part(page: Page, label: str, charts: int) -> int:
    """Choose the part `label` (`ui.page.part_picker`) and wait until its `charts` charts are drawn and the run is
    over (a part's content is sent only once it is chosen); return how many charts the whole page has then.

    The charts of the part chosen before are known by their keys (`data-drawn`, set by the page's drawing script
    once Plotly has drawn a chart): the new part's are drawn when as many boxes show a chart not shown before.
    The part already chosen is not chosen again."""
    radio = page.get_by_role("radio", name=label, exact=True)
    before: list[str] = []  # the part already chosen: its charts count as they are
    if not radio.is_checked():
        before = page.evaluate(_DRAWN_KEYS, CHART_BOX)
        part_option(page, label).click()
        expect(radio).to_be_checked()
    page.wait_for_function(
        f"([sel, old, n]) => ({_DRAWN_KEYS})(sel).filter(k => !old.includes(k)).length >= n",
        arg=[CHART_BOX, before, charts],
        timeout=60_000,
    )
    wait_for_calm(page)
    return page.locator(CHART_BOX).count()


def part_names(page: Page, picker: str) -> list[str]:
    """The parts offered by the picker named `picker` (`ui.page.part_picker`), in order.

    Waits for the picker first: Streamlit fetches a radio group's code the first time a page shows one, so a chart
    below it (drawn from a plain text element) can be on the screen before the picker is."""
    group = page.get_by_role("radiogroup", name=picker)
    expect(group.get_by_test_id("stRadioOption").first).to_be_visible()
    return group.get_by_test_id("stRadioOption").all_inner_texts()


_DRAWN_KEYS = "sel => [...document.querySelectorAll(sel)].map(b => b.getAttribute('data-drawn')).filter(Boolean)"


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot to test-artifacts/<name> (look at them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in_here(page: Page, name: str, passcode: str = PASSCODE) -> None:
    """On the sign-in page the app sent the browser to: fill in the real form and sign in."""
    expect(page).to_have_url(re.compile(r"/signin(\?|$)"))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passcode").fill(passcode)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/signin(\?|$)"))


# -- accessibility: axe-core on the page as it stands ---------------------------------------------------------

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and the best-practice rules behind "headings in order" (1.3.1, 2.4.6)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
AXE_RULES = ("heading-order", "empty-heading", "page-has-heading-one")

# The page has drawn what its run sent: charts and tables in view have their SVG or canvas (one in a closed
# expander draws only when opened), no placeholders are left, and nothing has been added or changed for a moment
# (a condition, polled; at most 10 s of ongoing changes).
_DRAWN = """() => new Promise(resolve => {
  const all = (sel, inner) => [...document.querySelectorAll(sel)]
    .every(e => !e.checkVisibility() || e.querySelector(inner));
  const drawn = () => all('.CHART_CLASS', '.main-svg') && all('[data-testid="stDataFrame"]', 'canvas')
    && !document.querySelector('[data-testid="stSkeleton"]');
  let timer;
  const obs = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 300); });
  const done = () => { if (drawn()) { obs.disconnect(); resolve(true); } else { timer = setTimeout(done, 100); } };
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
  timer = setTimeout(done, 300);
  setTimeout(() => { obs.disconnect(); resolve(false); }, 10000);
})""".replace("CHART_CLASS", CHART_CLASS)

_AXE_RUN = """async ([options, allowed]) => {
  const results = await axe.run(document, options);
  const found = [];
  for (const v of results.violations) {
    for (const node of v.nodes) {
      const target = node.target.flat();
      let element = null;
      if (node.target.length === 1 && typeof node.target[0] === 'string') {
        try { element = document.querySelector(node.target[0]); } catch (e) { element = null; }
      }
      const hit = element ? allowed.findIndex(a => a[0] === v.id && element.closest(a[1])) : -1;
      found.push({rule: v.id, impact: v.impact || '', help: v.help, url: v.helpUrl, target: target.join(' >>> '),
                  html: node.html.replace(/\\s+/g, ' ').slice(0, 160), detail: node.failureSummary || '',
                  allowed: hit});
    }
  }
  return found;
}"""


def wait_for_drawn(page: Page) -> None:
    """Wait until the app's run has finished and everything it sent is drawn (charts, tables), so a check
    sees the page a person sees, not one half way."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    wait_for_calm(page)
    page.evaluate(_DRAWN)
    wait_for_calm(page)


@dataclass(frozen=True)
class Allowed:
    """A violation that belongs to Streamlit's own markup, not the app's: one axe rule, on elements inside
    `within` (a CSS selector naming a Streamlit widget), with the upstream issue that tracks it."""

    rule: str
    within: str
    issue: str
    why: str


@dataclass(frozen=True)
class Finding:
    """One element that breaks one axe rule."""

    rule: str
    impact: str
    help: str
    url: str
    target: str
    html: str
    detail: str
    allowed_by: Allowed | None

    def line(self) -> str:
        """What to fix, on a few lines: rule, impact, help text, the element's selector and markup."""
        return (
            f"{self.rule} ({self.impact}): {self.help}\n      target: {self.target}\n      html:   {self.html}"
            f"\n      {self.detail.replace(chr(10), ' ')}\n      {self.url}"
        )


def axe_findings(page: Page, allowed: Sequence[Allowed] = ()) -> list[Finding]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA, and heading order) on the page as it stands; every element
    that breaks a rule, each marked with the allowance that covers it, if one does."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {
        "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
        "rules": {rule: {"enabled": True} for rule in AXE_RULES},
        "resultTypes": ["violations"],
    }
    raw = page.evaluate(_AXE_RUN, [options, [[a.rule, a.within] for a in allowed]])
    return [
        Finding(
            rule=str(f["rule"]),
            impact=str(f["impact"]),
            help=str(f["help"]),
            url=str(f["url"]),
            target=str(f["target"]),
            html=str(f["html"]),
            detail=str(f["detail"]),
            allowed_by=allowed[int(f["allowed"])] if int(f["allowed"]) >= 0 else None,
        )
        for f in raw
    ]


Colour = str | tuple[int, ...]  # CSS "rgb(r, g, b)" as the browser reports it, or a screenshot's pixel


def luminance(colour: Colour) -> float:
    """The relative luminance of an sRGB colour (WCAG 2.2)."""
    values = [int(v) for v in re.findall(r"\d+", colour)[:3]] if isinstance(colour, str) else list(colour[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in values)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: Colour, b: Colour) -> float:
    """The contrast ratio of two colours (WCAG 2.2): 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
