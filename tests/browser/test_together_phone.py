"""Together on a phone, in Chromium at 360 x 800 with touch (issue 12): nothing wider than the screen, no
sideways scrolling, both partners' names and a "saw it differently" card in full view; the numbers open
from their expander without widening the page. And Trends' tabs: every one of them on screen at once.

One server and one database for the module; one sign-in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from mendwell import periods
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.auth import browser_sign_in, partner_accounts
from tests.support.browser import open_part, part_option, screenshot, wait_for_calm
from tests.support.data import (
    THIS_MONTH,
    check_in,
    instrument,
    make_couple,
    reference_population,
    trend_tabs,
    whole_plan,
)
from tests.support.server import Server
from tests.support.ui import TREND_PICKER

WIDTH, HEIGHT = 360, 800
FIRST, SECOND = "Wrenna", "Tobiah"
NOTE = "Thank you for Sunday's walk; I felt heard."

# every element of the main area that sticks out past the right edge of the screen (hidden ones aside, and
# the inside of a table, which scrolls within its own frame)
OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.parentElement.closest('[data-testid="stDataFrame"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > window.innerWidth + 0.5) {
      out.push(`${el.tagName}.${el.getAttribute('data-testid') || ''} right=${Math.round(r.right)}`);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[Server]:
    """A couple who saw one part of the month very differently (and everything else alike), and a shared note."""
    path = tmp_path_factory.mktemp("together-phone") / "mendwell.duckdb"
    db = Database(path)
    try:
        db.definitions.register(catalog.instruments)
        reference_population(db, catalog)  # each part's spread, so "seen differently" can be told
        couple = make_couple(db, f"{FIRST} & {SECOND}", (FIRST, SECOND))
        first, second = couple.partners
        met, unmet = whole_plan(catalog, 2), whole_plan(catalog, 2)
        met["bids"].update(toward_me=4, away_from_me=0, against_me=0)
        unmet["bids"].update(toward_me=0, away_from_me=4, against_me=4)
        check_in(db, catalog, first.partner_id, THIS_MONTH, met)
        check_in(db, catalog, second.partner_id, THIS_MONTH, unmet, note=(NOTE, False))
        partner_accounts(db, couple)
    finally:
        db.close()
    srv = Server(path)
    yield srv
    srv.stop()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    yield page
    context.close()


def in_full_view(locator: Locator) -> None:
    """Scrolled to, visible, and wholly within the screen's width."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, box


def test_together_fits_a_phone(server: Server, phone: Page, catalog: Catalog) -> None:
    page = phone
    browser_sign_in(page, server.url, SECOND, path="/together")
    expect(page.get_by_role("heading", name=f"{periods.label(THIS_MONTH)}, side by side")).to_be_visible()
    wait_for_calm(page)

    # no sideways scrolling, and nothing cut off at the right edge
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(OVERFLOW) == []

    # both partners, by name, in full view: in a part's card ...
    part = (
        page.get_by_test_id("stMarkdownContainer")
        .filter(has_text="How my reaches were met")
        .filter(has_text=f"{FIRST}:")
    )
    in_full_view(part.first)
    expect(part.first).to_contain_text(f"{SECOND}: Reaching out felt hard this month")
    expect(part.first).to_contain_text("You saw this part differently.")
    # ... and in a "saw it differently" card: the question, then each partner's answer
    expect(page.get_by_role("heading", name="Where you saw it differently")).to_be_visible()
    question = instrument(catalog, "bids").item("toward_me").text
    card = page.get_by_test_id("stMarkdownContainer").filter(has_text=question)
    in_full_view(card)
    expect(card).to_contain_text(f"{FIRST}: Very often")
    expect(card).to_contain_text(f"{SECOND}: Not at all")
    in_full_view(page.get_by_text(NOTE))
    screenshot(page, "together-phone-360.png")

    # the numbers are a tap away, and opening them does not widen the page either
    page.get_by_text("The numbers behind these words").tap()
    numbers = page.get_by_test_id("stDataFrame")
    expect(numbers).to_be_visible()
    in_full_view(numbers)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(OVERFLOW) == []


def test_trends_parts_all_in_view_on_a_phone(server: Server, phone: Page, catalog: Catalog) -> None:
    """Every questionnaire's part on Trends is on screen at once (the options wrap instead of hiding parts
    behind a sideways scroll), and the page does not scroll sideways."""
    page = phone
    browser_sign_in(page, server.url, SECOND, path="/trends")
    picker = page.get_by_role("radiogroup", name=TREND_PICKER)
    tabs = picker.get_by_test_id("stRadioOption")
    expect(tabs.first).to_be_visible()
    wait_for_calm(page)
    assert tabs.all_inner_texts() == list(trend_tabs(catalog))
    picker.scroll_into_view_if_needed()
    assert picker.evaluate("el => el.scrollWidth <= el.clientWidth + 0.5")  # nothing to scroll to
    for i in range(tabs.count()):
        box = tabs.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, (i, box)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "trends-tabs-phone.png")


def test_a_tap_on_a_part_chooses_it_even_with_the_chosen_one_half_off_the_screen(
    server: Server, phone: Page, catalog: Catalog
) -> None:
    """Read down to the charts, the chosen part's button half off the bottom of the screen, then tap another part
    higher up: the tapped one is chosen and the page stays put (Streamlit's pills handed the focus back to the
    chosen pill, scrolled it into view and lost the tap)."""
    page = phone
    browser_sign_in(page, server.url, SECOND, path="/trends")
    parts = trend_tabs(catalog)
    names = list(parts)
    chosen, wanted = names[4], names[2]
    open_part(page, chosen, parts[chosen])
    page.locator("h1").first.tap()  # the focus leaves the parts
    page.evaluate(
        """([label, y]) => {
          const main = document.querySelector('[data-testid="stMain"]');
          const option = [...document.querySelectorAll('[data-testid="stRadioOption"]')]
            .find(o => o.innerText.trim() === label);
          main.scrollTop += option.getBoundingClientRect().top - y;
        }""",
        [chosen, HEIGHT - 14],
    )
    page.wait_for_timeout(300)
    box = part_option(page, wanted).bounding_box()
    assert box is not None and box["y"] + box["height"] < HEIGHT, box  # the wanted part is in full view
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("radio", name=wanted, exact=True)).to_be_checked()
    wait_for_calm(page)
