"""The check-in on a phone, in Chromium with a touch viewport: each section opens at its top with keyboard
focus on its title, every scale fits one line (at 390 px and at 360 px), and nothing scrolls sideways.

One server, one partner's draft (every section answered but one question of the first and the safety check):
she answers that question by tapping, taps Next through the sections, goes to the review and submits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from mendwell import periods
from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.auth import browser_sign_in, partner_accounts
from tests.support.browser import heading, screenshot, wait_for_answered, wait_for_calm
from tests.support.data import instrument, make_couple, opened
from tests.support.server import ServerFactory
from tests.support.ui import SUBMIT

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
NARROW: ViewportSize = {"width": 360, "height": 780}

# Where the section's title is and whether it has keyboard focus (it, or something inside it).
TITLE = """title => {
  const h = [...document.querySelectorAll('h2')].find(e => e.textContent.trim() === title);
  if (!h) return null;
  const bar = document.querySelector('[data-testid="stHeader"]');
  const below = bar ? Math.max(0, bar.getBoundingClientRect().bottom) : 0;
  const r = h.getBoundingClientRect(), active = document.activeElement;
  return {top: Math.round(r.top), bottom: Math.round(r.bottom), below: Math.round(below), height: innerHeight,
          focused: !!active && (active === h || h.contains(active)),
          scrolled: Math.round(document.querySelector('[data-testid="stMain"]').scrollTop)};
}"""

# For every scale drawn on one line: how many different heights its options start at (1 = one line).
SCALE_ROWS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stRadioGroup"][aria-orientation="horizontal"]')]
  .map(g => new Set([...g.querySelectorAll('[data-testid="stRadioOption"]')]
    .map(o => o.offsetTop)).size)"""

SIDEWAYS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          main: main.scrollWidth - main.clientWidth};
}"""


def landed_on(page: Page, title: str) -> dict[str, Any]:
    """Wait until the section titled `title` is wholly in view below the top bar with keyboard focus;
    return where it is. Fails, saying where it is, when that does not happen."""
    check = f"""title => {{ const s = ({TITLE})(title);
      return s && s.focused && s.top >= s.below && s.bottom <= s.height; }}"""
    try:
        page.wait_for_function(check, arg=title, timeout=30_000)
    except Exception as exc:
        shown = page.evaluate("() => [...document.querySelectorAll('h1,h2')].map(h => h.textContent.trim())")
        screenshot(page, "checkin-phone-not-landed.png")
        where = page.evaluate(TITLE, title)
        raise AssertionError(f"{title!r} not in view with focus: {where}; headings {shown}") from exc
    wait_for_calm(page)
    state = page.evaluate(TITLE, title)
    assert state is not None and state["focused"], state
    return dict(state)


# how many lines the page's title (its h1) takes
TITLE_LINES = """() => {
  const walk = document.createTreeWalker(document.querySelector('h1'), NodeFilter.SHOW_TEXT), tops = new Set();
  for (let text = walk.nextNode(); text; text = walk.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return tops.size;
}"""


def one_line_scales(page: Page, at_least: int) -> None:
    """At least `at_least` scales are drawn on one line each, and nothing scrolls sideways."""
    rows = page.evaluate(SCALE_ROWS)
    assert len(rows) >= at_least and set(rows) == {1}, rows
    assert page.evaluate(SIDEWAYS) == {"page": 0, "main": 0}


def test_each_section_opens_at_its_title_and_scales_fit_a_phone(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, browser: Browser
) -> None:
    couple = make_couple(store)
    draft = store.checkins.open(couple.partners[0].partner_id, periods.month_start())
    instruments = list(catalog.instruments)
    bids = instruments[0]
    last = bids.items[-1]  # left open in the first section, which the address below opens
    for inst in instruments[:-1]:
        answers = {
            it.id: make_answer(inst, it, inst.scale(it)[0]) for it in inst.items if it.show_if is None and it != last
        }
        store.checkins.save_answers(draft.checkin_id, inst, answers)
    hurts = instrument(catalog, "micro_hurts")  # one small hurt happened: its follow-ups show, answered
    store.checkins.save_answers(
        draft.checkin_id,
        hurts,
        {
            "unheard_often": make_answer(hurts, hurts.item("unheard_often"), 1),
            "unheard_repaired": make_answer(hurts, hurts.item("unheard_repaired"), 1),
            "unheard_themes": make_answer(hurts, hurts.item("unheard_themes"), [1]),
        },
    )
    partner_accounts(store, couple)
    store.close()
    srv = server_factory(db_file)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = phone.new_page()
    page.set_default_timeout(30_000)
    # the address names the first section (a link, a reload): her draft opens there, not where she left off
    browser_sign_in(page, srv.url, "Ann", path="/checkin?section=1")
    expect(heading(page, bids.title)).to_be_visible()
    expect(page.get_by_test_id("stRadio")).to_have_count(len(bids.items))
    wait_for_calm(page)
    one_line_scales(page, at_least=len(bids.items))
    answered = sum(1 for inst in instruments[:-1] for it in inst.items if it.show_if is None) + 2 - 1
    wait_for_answered(page, answered)
    # one tap, on the words under the button (the question is at the bottom of the section: scrolled to)
    page.get_by_test_id("stRadio").filter(has_text=last.text).get_by_test_id("stRadioOption").nth(2).tap()
    answered += 1
    wait_for_answered(page, answered)

    # Next: the small hurts open at their top, title in view with focus, the header above scrolled away
    page.get_by_role("button", name="Next").tap()
    start = landed_on(page, hurts.title)
    assert start["scrolled"] > 0, start
    screenshot(page, "checkin-phone-section-start.png")
    one_line_scales(page, at_least=7)  # six "how often" and a follow-up's "mended?"; none wraps
    page.set_viewport_size(NARROW)
    wait_for_calm(page)
    one_line_scales(page, at_least=7)
    assert page.evaluate(TITLE_LINES) == 1  # "Monthly check-in" did not break in two at 360 px
    page.set_viewport_size(PHONE)

    for inst in instruments[2:-1]:  # answered already: Next goes on at once
        page.get_by_role("button", name="Next").tap()
        landed_on(page, inst.title)
    safety = instruments[-1]
    page.get_by_role("button", name="Next").tap()
    landed_on(page, safety.title)
    one_line_scales(page, at_least=len(safety.items))  # yes or no, side by side
    # left open: "Review my answers" does not ask (the review lists what is open)
    page.get_by_role("button", name="Review my answers").tap()
    landed_on(page, "Look it over")

    page.get_by_role("button", name=SUBMIT).tap()
    thanks = page.get_by_test_id("stAlertContainer").filter(has_text="Thank you, Ann.")
    expect(thanks).to_be_focused()  # what happened, read first
    expect(thanks).to_be_in_viewport()
    wait_for_calm(page)
    phone.close()
    srv.stop()

    with opened(db_file) as s:
        done = s.checkins.get(couple.partners[0].partner_id, periods.month_start())
        assert done is not None and done.submitted
        assert sum(len(a) for a in s.checkins.answers(done.checkin_id).values()) == answered
