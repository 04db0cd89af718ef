"""A page opened afresh stays where it was first shown: no heading on its first screen moves or changes size
once it is shown, and Chrome's layout shift of the load stays under Google's "good" bound, at 390x844 with
touch and at 1440x900, in Chromium on a real server.

Streamlit fetches an element's code the first time a page shows one and holds a 40 px placeholder in its place
until then. The app's own style used to come that way (an `st.html` element), and so did the scripts that take
no room: a moment after the page was first shown the style applied and the placeholders went, and the title
and everything under it moved (56 px up on a phone, the title a size smaller). The style is now part of the
page Streamlit serves (at the end of its body), and the scripts sit in containers it hides from the start
(`mendwell.page_style`). A table's box keeps its height until the table is drawn (`ui.page.steady_table`), and
then follows it (made taller by its handle, it pushes the page down); the room kept for a few controls above
what a page shows first (`ROOM_FOR`) is measured here against what they take once drawn.

A script added before the page's own records each heading's box at every frame from the moment it is shown
until the page has drawn everything; one server, one demo couple, each page loaded once per size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mendwell.instruments import Catalog
from mendwell.page_style import ROOM_FOR, TABLE_BOX_PREFIX, UNSEEN_PREFIX
from tests.support.auth import browser_sign_in, partner_accounts, therapist
from tests.support.browser import screenshot, wait_for_drawn
from tests.support.data import new_database, opened
from tests.support.server import Server
from ui.shell import PAGES

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
PARTNER_PAGES = ("home", "checkin", "together", "trends", "themes", "history", "settings")
OWNER_PAGES = ("caseload", "accounts", "audit")

# Google's bound for a page that stays put ("good"): Chrome's cumulative layout shift of its load
GOOD_SHIFT = 0.1

# every frame from the page's start: the box (top, height) of each heading of the page first shown on its first
# screen, at each change, by its words
TRACK_HEADINGS = """(() => {
  window.__mwHeadings = {};
  window.__mwShift = 0;  // Chrome's cumulative layout shift, of what moved without a tap or a key
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__mwShift += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  const tick = () => {
    for (const h of document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3)')) {
      const words = h.textContent.trim(), r = h.getBoundingClientRect();
      if (!words || r.height === 0) continue;
      const now = [Math.round(r.top * 10) / 10, Math.round(r.height * 10) / 10];
      const seen = window.__mwHeadings[words];
      if (!seen) { if (r.top < window.innerHeight) window.__mwHeadings[words] = [now]; continue; }
      const last = seen[seen.length - 1];
      if (last[0] !== now[0] || last[1] !== now[1]) seen.push(now);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[Server]:
    srv = Server(new_database(tmp_path_factory.mktemp("steady") / "mendwell.duckdb", catalog, demo=(1, 13, 7)))
    yield srv
    srv.stop()


@dataclass(frozen=True)
class People:
    partner: str  # the couple's first partner
    owner: str  # the practice owner, their therapist


@pytest.fixture(scope="module")
def people(server: Server) -> People:
    with opened(server.db) as store:
        couple = store.couples.all()[0]
        owner = therapist(store, "Dr Steady", [couple.couple_id], owner=True)
        return People(partner_accounts(store, couple)[0].name, owner.name)


def _signed_in(browser: Browser, server: Server, name: str, size: str) -> BrowserContext:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=size == "phone")
    page = context.new_page()
    page.set_default_timeout(60_000)
    browser_sign_in(page, server.url, name, path="/settings")
    wait_for_drawn(page)
    page.close()
    return context


def _tables_keep_their_room(page: Page) -> int:
    """Each table's box keeps, while the table's code is fetched, the height the table has once drawn (the
    number in the box's key, `ui.page.steady_table`); how many tables there are."""
    boxes = page.locator(f'[class*="st-key-{TABLE_BOX_PREFIX}"]')
    for box in boxes.all():
        kept = int(re.findall(rf"st-key-{TABLE_BOX_PREFIX}(?:room-)?(\d+)-", box.get_attribute("class") or "")[0])
        drawn = box.get_by_test_id("stDataFrame").evaluate("e => e.getBoundingClientRect().height")
        assert abs(drawn - kept) < 0.5, (box.get_attribute("class"), drawn)
    return boxes.count()


def _taller_table_pushes_the_page_down(page: Page) -> None:
    """Once drawn, a table's room is its own: made taller by its handle (bottom right), it pushes what is under
    it down instead of spilling over it."""
    table = page.locator(f'[class*="st-key-{TABLE_BOX_PREFIX}"]').first.get_by_test_id("stDataFrame")
    under = page.locator("h2").filter(has_text="Scores")
    table.scroll_into_view_if_needed()
    top = under.evaluate("e => e.getBoundingClientRect().top")
    r = table.bounding_box()
    assert r is not None
    x, y = r["x"] + r["width"] - 3, r["y"] + r["height"] - 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 120, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    grown = table.evaluate("e => e.getBoundingClientRect().height") - r["height"]
    now = under.evaluate("e => e.getBoundingClientRect().top")
    assert grown > 10, grown  # the handle was there and the table grew (up to the height of all its rows)
    assert abs(now - top - grown) <= 1 and table.evaluate("e => e.getBoundingClientRect().bottom") <= now


@pytest.mark.parametrize("size", list(SIZES))
def test_a_page_opened_afresh_keeps_its_headings_where_they_were_first_shown(
    browser: Browser, server: Server, people: People, size: str
) -> None:
    moved: dict[str, dict[str, list[list[float]]]] = {}
    shifted: dict[str, float] = {}
    drawn: dict[str, float] = {}
    tables = 0
    for name, seen in ((people.partner, PARTNER_PAGES), (people.owner, OWNER_PAGES)):
        context = _signed_in(browser, server, name, size)
        try:
            for key in seen:
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.add_init_script(TRACK_HEADINGS)
                page.goto(server.url + "/" + PAGES[key][3])
                wait_for_drawn(page)
                page.wait_for_timeout(300)  # a few frames more: anything still to move has moved
                headings: dict[str, list[list[float]]] = page.evaluate("window.__mwHeadings")
                assert headings, f"{key}: no heading on the first screen"
                # all that moved, headings or not: on a wide screen the top bar and the page's first elements
                # moved 300 px aside once the sidebar came (0.24 of it)
                shift = float(page.evaluate("window.__mwShift"))
                if shift >= GOOD_SHIFT:
                    shifted[key] = round(shift, 3)
                if any(len(boxes) > 1 for boxes in headings.values()):
                    moved[key] = {words: boxes for words, boxes in headings.items() if len(boxes) > 1}
                    screenshot(page, f"steady-{key}-{size}.png")
                # what holds only a script takes no room
                unseen = page.locator(f'[class*="st-key-{UNSEEN_PREFIX}"]')
                assert key == "checkin" or unseen.count() > 0, key  # the plotly.js preload: all but the check-in
                heights = unseen.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
                assert all(h == 0 for h in heights), (key, heights)
                tables += _tables_keep_their_room(page)
                if key == "history" and size == "desktop":  # a mouse drags the handle
                    _taller_table_pushes_the_page_down(page)
                # the room kept for a control while its code is fetched is the room it takes once drawn
                for control, px in ROOM_FOR.items():
                    found = page.locator(f".st-key-{control}")
                    if found.count():
                        drawn[control] = round(found.evaluate("e => e.getBoundingClientRect().height"), 1)
                        assert abs(drawn[control] - px) <= 1, (key, control, drawn[control], px)
                page.close()
        finally:
            context.close()
    assert not moved, f"headings that moved once shown (top, height at each change): {moved}"
    assert not shifted, f"pages whose layout shifted {GOOD_SHIFT} or more as they opened: {shifted}"
    assert set(drawn) == set(ROOM_FOR), drawn  # every control with room kept for it was measured
    assert tables == 5, tables  # History's two, the caseload board, the accounts, the audit log


def test_a_folded_sidebar_keeps_no_room_as_a_page_opens(browser: Browser, server: Server, people: People) -> None:
    """The sidebar's room is kept while a page opens on a wide screen, at the width Streamlit will give it: none
    for someone who folded it away (Streamlit keeps that in the browser), whose pages otherwise opened 300 px to
    the right and jumped back."""
    context = _signed_in(browser, server, people.partner, "desktop")
    try:
        page = context.new_page()
        page.goto(server.url + "/settings")
        wait_for_drawn(page)
        page.get_by_test_id("stSidebar").hover()  # its button shows on hover
        page.get_by_role("button", name="Collapse sidebar").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        page.close()
        for key in ("trends", "settings"):
            page = context.new_page()
            page.add_init_script(TRACK_HEADINGS)
            page.goto(server.url + "/" + PAGES[key][3])
            wait_for_drawn(page)
            page.wait_for_timeout(300)
            expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
            shift = float(page.evaluate("window.__mwShift"))
            assert shift < GOOD_SHIFT, (key, shift)
            page.close()
    finally:
        context.close()
