"""Playwright helpers for the real app in Chromium (in the spirit of Streamlit's own
`e2e_playwright/shared/app_utils.py`): wait for the app to be calm before looking or clicking,
read what a person sees, take screenshots to look at."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.support.auth import PASSCODE
from tests.support.paths import ARTIFACTS

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'  # one per plot, one per hover layer
ERROR_TEXTS = ("This app has encountered an error", "Something went wrong", "could not be", "Connection error")


def wait_for_calm(page: Page) -> None:
    """Wait until no script run is in progress, and check no exception is shown."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
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
    """Wait until at least `at_least` Plotly charts have drawn their SVG and the app is calm;
    return how many charts there are."""
    expect(page.locator(CHART).first).to_be_visible()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[CHART, at_least], timeout=60_000
    )
    wait_for_calm(page)
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count()


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
