"""Every page, in Chromium on one real server, opened afresh at 390x844 with touch and at 1440x900: accessible
(WCAG 2.2 AA, titled for itself) and steady (nothing on its first screen moves once shown).

**Accessible.** axe-core (WCAG 2.0/2.1/2.2 A and AA, and heading order) once the page has drawn everything its run
sent; every tab titled for its own page. Each role signs in once (a partner; a therapist who is the practice owner;
a partner who leaves by the safety check's "Leave now"; the owner sharing their screen) and keeps its browser
context. A partner's and the owner's pages are each opened afresh in a new tab at each size (what a phone or a
desktop gets); the plain pages served before the app (sign-in, signed out, an invitation, a used one, first-run
setup), the shared screen and the neutral page are loaded once and checked again after the window is resized to
the other size. Then Tab goes round a check-in section at both sizes: every stop shows a clear ring, on screen
and clear of the top bar, and the answers' radios are among the stops.

A failure lists, for that page and size, each rule broken with the element's selector, its markup and axe's help
text (and, for heading order, the page's headings), with a screenshot in test-artifacts/. Violations in Streamlit's
own widgets are allowed only one by one in `STREAMLIT_OWN` below, each by rule and widget, naming the upstream
issue; none is needed today.

**Steady.** No heading on a page's first screen moves or changes size once it is shown, and Chrome's layout shift
of the load stays under Google's "good" bound. Streamlit fetches an element's code the first time a page shows one
and holds a 40 px placeholder in its place until then. The app's own style used to come that way (an `st.html`
element), and so did the scripts that take no room: a moment after the page was first shown the style applied and
the placeholders went, and the title and everything under it moved (56 px up on a phone, the title a size
smaller). The style is now part of the page Streamlit serves (at the end of its body), and the scripts sit in
containers it hides from the start (`mendwell.page_style`). A table's box keeps its height until the table is drawn
(`ui.page.steady_table`), and then follows it (made taller by its handle, it pushes the page down); the room kept
for a few controls above what a page shows first (`ROOM_FOR`) is measured here against what they take once drawn.
A script added before the page's own records each heading's box at every frame from the moment it is shown until
the page has drawn everything. (One module for both: each page's fresh load, the costly part, serves both checks.)
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from starlette.requests import Request

from mendwell import invitations, periods
from mendwell.data import release, shared
from mendwell.instruments import Catalog
from mendwell.page_style import ROOM_FOR, TABLE_BOX_PREFIX, UNSEEN_PREFIX, table_height
from server import routes
from tests.browser.test_first_request_and_exit import some_answer
from tests.support.auth import browser_sign_in, partner_accounts, therapist
from tests.support.browser import Allowed, Finding, axe_findings, screenshot, wait_for_drawn
from tests.support.data import make_couple, new_database, opened
from tests.support.server import Server
from ui.shell import PAGES

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}

# Violations that belong to Streamlit's own markup, not to what the app draws: each by rule and widget, with the
# upstream issue. Keep it narrow (never a rule everywhere) and remove an entry when Streamlit fixes it.
STREAMLIT_OWN: tuple[Allowed, ...] = ()

# Each page's tab title (before " · Mendwell"), so a person with many tabs, or a screen reader, knows which is which.
TITLES = {
    "home": "Home",
    "checkin": "Monthly check-in",
    "together": "Together",
    "trends": "Trends",
    "themes": "Recurring themes",
    "history": "History",
    "caseload": "Caseload",
    "data": "Your data",
    "settings": "Settings",
    "accounts": "Accounts",
    "audit": "Audit log",
}

PARTNER_PAGES = ("home", "checkin", "together", "trends", "themes", "history", "data", "settings")
# the owner's own pages, and those that differ by role; Together, Trends, Themes and History draw the same for both
OWNER_PAGES = ("home", "caseload", "data", "settings", "accounts", "audit")
SHARED_PAGES = ("trends", "together")  # screen-share mode: larger type, one chart per row
PLAIN_PAGES = ("signin", "signed-out", "invitation", "invitation-unusable", "setup")  # HTML served before the app

# Pages another change of issue 12 is still fixing: (role, page) -> "<page>: <rule> - owned by another change".
# Each is marked xfail (strict), so the test says when it is fixed and the mark must go. None today.
OTHERS: dict[tuple[str, str], str] = {}

# Opened afresh in a tab of their own at each size, and checked for steadiness too: a partner's pages and the owner's
FRESH_ROLES = ("partner", "owner")
# what each page has that keeps its room while Streamlit fetches its code: its tables (`ui.page.steady_table`) and
# the controls of `ROOM_FOR`
TABLES = {"history": 2, "caseload": 1, "accounts": 1, "audit": 1}
CONTROLS = {
    "data": {"export_format"},
    "trends": {"trend_range"},
    "themes": {"themes_range", "themes_look_back", "themes_often"},
    "history": {"history_partner"},
    "together": {"together_month"},
    "caseload": {"caseload_pick"},
    "audit": {"audit_since", "audit_couple"},
}
PARTS = 11  # the parts scored by the questionnaires, a row each in History's scores

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


@dataclass
class World:
    """The database the server runs on, and who signs in."""

    db: Path
    partner: str
    owner: str
    leaving: str
    invitation: str
    setup_html: str
    shared: int  # the couple the owner shares on a video call


@dataclass
class Visit:
    """One role's browser context: its tab, the address it is on, and the window size."""

    context: BrowserContext
    page: Page
    at: str = ""
    size: str = ""


def _setup_page(folder: Path, catalog: Catalog) -> str:
    """The first-run page as the real `/setup` route serves it for a database with no account yet (served
    in this process: a second server for one plain page would cost more than the page)."""
    empty = new_database(folder / "empty.duckdb", catalog)
    scope = {"type": "http", "method": "GET", "path": "/setup", "headers": [], "query_string": b""}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MENDWELL_DB", str(empty))
        try:
            # in a thread of its own: Playwright's sync API holds this thread's event loop
            with ThreadPoolExecutor(1) as pool:
                response = pool.submit(asyncio.run, routes.setup_page(Request(scope))).result()
        finally:
            release(shared(empty))
    assert response.status_code == 200
    return bytes(response.body).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> World:
    """Two demo couples with a year of history; the second partner of the first couple has not checked in this
    month (so the check-in shows its questions), a practice owner sees both couples, a partner of the second
    couple has an open invitation, and a third couple's partner stopped at the safety check."""
    folder = tmp_path_factory.mktemp("a11y")
    db = new_database(folder / "mendwell.duckdb", catalog, demo=(2, 13, 5))
    with opened(db) as store:
        first, second = store.couples.all()[:2]
        _, partner = partner_accounts(store, first)
        owner = therapist(store, "Dr Owner", [first.couple_id, second.couple_id], owner=True)
        invitation = invitations.invite(store, second.partners[0].partner_id, owner.name)
        third = make_couple(store, "Rosa & Tam", ("Rosa", "Tam"))
        leaving, _ = partner_accounts(store, third)
        draft = store.checkins.open(third.partners[0].partner_id, periods.month_start())
        for inst in catalog.instruments:
            if inst.id != "safety":  # every section but the safety check answered: the draft resumes there
                store.checkins.save_answers(draft.checkin_id, inst, {it.id: some_answer(inst, it) for it in inst.items})
    setup = _setup_page(folder, catalog)
    return World(db, partner.name, owner.name, leaving.name, invitation, setup, first.couple_id)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[Server]:
    srv = Server(world.db)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def visits(browser: Browser, server: Server, world: World) -> Iterator[dict[str, Visit]]:
    """One browser context per role, signed in on first use and kept for the module."""
    held: dict[str, Visit] = {}
    yield held
    for visit in held.values():
        visit.context.close()


def _visit(visits: dict[str, Visit], role: str, browser: Browser, server: Server, world: World) -> Visit:
    if role not in visits:
        width, height = SIZES["desktop"]
        context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        visit = visits[role] = Visit(context, page, size="desktop")
        name = {"partner": world.partner, "owner": world.owner, "leaving": world.leaving, "sharing": world.owner}
        if role in name:
            # "leaving" signs in straight to her check-in, which resumes at the safety section; "sharing" by the
            # owner's bookmarked share link, so the screen is shared from the first page
            path = {"leaving": "/checkin", "sharing": f"/trends?share=1&couple={world.shared}"}.get(role, "/")
            browser_sign_in(page, server.url, name[role], path=path)
            visit.at = {"leaving": "checkin", "sharing": "trends"}.get(role, "home")
    return visits[role]


def _resize(visit: Visit, size: str) -> None:
    if visit.size != size:
        width, height = SIZES[size]
        visit.page.set_viewport_size({"width": width, "height": height})
        visit.size = size


def _plain(visit: Visit, key: str, server: Server, world: World) -> None:
    """A page served before the app (plain HTML): load it when not already on it."""
    if visit.at == key:
        return
    address = {
        "signin": "/signin",
        "signed-out": "/signin?out=1",
        "invitation": f"/invite/{world.invitation}",
        "invitation-unusable": "/invite/not-a-real-invitation",
    }
    if key == "setup":
        visit.page.set_content(world.setup_html)
    else:
        visit.page.goto(server.url + address[key])
    visit.at = key


def _app(visit: Visit, key: str, server: Server) -> None:
    """A page of the app: load it when not already on it, then wait until everything is drawn."""
    if visit.at != key:
        if key == "neutral":
            _leave_now(visit, server)
        else:
            visit.page.goto(server.url + "/" + PAGES[key][3])
        visit.at = key
    wait_for_drawn(visit.page)


def _leave_now(visit: Visit, server: Server) -> None:
    """From the check-in's safety section: a "yes", then "Leave now" (the neutral page, signed out)."""
    page = visit.page
    if visit.at != "checkin":
        page.goto(server.url + "/checkin")
    wait_for_drawn(page)
    afraid = page.get_by_test_id("stRadio").filter(has_text="afraid of my partner")
    afraid.get_by_test_id("stRadioOption").get_by_text("Yes", exact=True).click()
    page.get_by_role("button", name="Leave now").click()
    expect(page.locator("h1").filter(has_text="Lentil soup")).to_be_visible()


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


_HEADINGS = "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => h.tagName + ' ' + h.innerText)"


def _report(where: str, found: list[Finding]) -> str:
    lines = [f"{where}: {len(found)} element(s) break WCAG rules"]
    lines += [f"  {i}. {f.line()}" for i, f in enumerate(found, 1)]
    return "\n".join(lines)


def _cases() -> Iterator[object]:
    """(role, page, size), each page's two sizes one after the other and, for a page loaded once and resized,
    starting at the size the page before ended on."""
    pages = [("visitor", p) for p in PLAIN_PAGES]
    pages += [("partner", p) for p in PARTNER_PAGES] + [("owner", p) for p in OWNER_PAGES]
    pages += [("sharing", p) for p in SHARED_PAGES] + [("leaving", "neutral")]
    order = ("desktop", "phone")
    last: dict[str, str] = {}
    for role, key in pages:
        first = last.get(role, "desktop")
        sizes = (first, order[1 - order.index(first)])
        last[role] = sizes[1]
        for size in sizes:
            reason = OTHERS.get((role, key))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(role, key, size, id=f"{role}-{key}-{size}", marks=marks)


def _fresh(visit: Visit, key: str, size: str, server: Server) -> Page:
    """A page of the app opened afresh in a new tab of the role's context at `size`, its headings tracked from the
    start (`TRACK_HEADINGS`), once everything is drawn and a few frames more (anything still to move has moved)."""
    page = visit.context.new_page()
    page.set_default_timeout(60_000)
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.add_init_script(TRACK_HEADINGS)
    page.goto(server.url + "/" + PAGES[key][3])
    wait_for_drawn(page)
    page.wait_for_timeout(300)
    return page


def _stays_put(page: Page, key: str, size: str) -> None:
    """No heading on the first screen moved once shown, the load shifted less than `GOOD_SHIFT`, what holds only a
    script takes no room, and each table and control kept the room it takes once drawn."""
    headings: dict[str, list[list[float]]] = page.evaluate("window.__mwHeadings")
    assert headings, f"{key}: no heading on the first screen"
    moved = {words: boxes for words, boxes in headings.items() if len(boxes) > 1}
    # all that moved, headings or not: on a wide screen the top bar and the page's first elements moved 300 px
    # aside once the sidebar came (0.24 of it)
    shift = float(page.evaluate("window.__mwShift"))
    if moved or shift >= GOOD_SHIFT:
        screenshot(page, f"steady-{key}-{size}.png")
    assert not moved, f"headings that moved once shown (top, height at each change): {moved}"
    assert shift < GOOD_SHIFT, f"the page's layout shifted {shift:.3f} as it opened"
    unseen = page.locator(f'[class*="st-key-{UNSEEN_PREFIX}"]')
    assert key == "checkin" or unseen.count() > 0, key  # the plotly.js preload: all but the check-in
    heights = unseen.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert all(h == 0 for h in heights), heights
    assert _tables_keep_their_room(page) == TABLES.get(key, 0)
    if key == "history":  # every part in view, none scrolled out of sight inside the table
        scores = page.locator('[class*="-history-scores"]').get_by_test_id("stDataFrame")
        height = scores.evaluate("e => e.getBoundingClientRect().height")
        assert abs(height - table_height(PARTS, capped=False, most=PARTS)) < 0.5, height
        if size == "desktop":  # a mouse drags the handle
            _taller_table_pushes_the_page_down(page)
    # the room kept for a control while its code is fetched is the room it takes once drawn
    drawn = {}
    for control in ROOM_FOR:
        found = page.locator(f".st-key-{control}")
        if found.count():
            drawn[control] = round(found.evaluate("e => e.getBoundingClientRect().height"), 1)
    assert set(drawn) == CONTROLS.get(key, set()), drawn
    assert all(abs(drawn[c] - ROOM_FOR[c]) <= 1 for c in drawn), drawn


def test_every_control_with_room_kept_for_it_is_measured() -> None:
    assert set().union(*CONTROLS.values()) == set(ROOM_FOR)


@pytest.mark.parametrize(("role", "key", "size"), list(_cases()))
def test_no_wcag_violations(
    role: str, key: str, size: str, visits: dict[str, Visit], browser: Browser, server: Server, world: World
) -> None:
    visit = _visit(visits, role, browser, server, world)
    fresh = role in FRESH_ROLES
    if fresh:
        page = _fresh(visit, key, size, server)
    else:
        _resize(visit, size)
        if role == "visitor":
            _plain(visit, key, server, world)
        else:
            _app(visit, key, server)
        page = visit.page
    try:
        _accessible(page, role, key, size, steady=fresh)
    finally:
        if fresh:
            page.close()


def _accessible(page: Page, role: str, key: str, size: str, *, steady: bool) -> None:
    if steady:
        _stays_put(page, key, size)
    if role == "sharing":  # the screen is really shared (the notice is in the sidebar, open or not)
        expect(page.get_by_text("Only this couple's charts are on screen")).to_have_count(1)

    title = page.title()
    if key == "neutral":
        assert title == "Lentil soup"  # says nothing of Mendwell
    elif role == "visitor":
        assert title.endswith(" · Mendwell") and len(title) > len(" · Mendwell"), title
    else:
        assert title == f"{TITLES[key]} · Mendwell"

    found = axe_findings(page, STREAMLIT_OWN)
    wrong = [f for f in found if f.allowed_by is None]
    if wrong:
        shot = screenshot(page, f"a11y-{role}-{key}-{size}.png")
        report = _report(f"{role} {key} at {size} {SIZES[size][0]}x{SIZES[size][1]}", wrong)
        if any(f.rule == "heading-order" for f in wrong):
            report += "\n  the page's headings in order: " + " / ".join(page.evaluate(_HEADINGS))
        pytest.fail(f"{report}\n  screenshot: {shot}", pytrace=False)


# Where the keyboard is: what it is, and whether its ring shows (on the element, or for a radio or checkbox, whose
# input is hidden, on its label; for a text field on the field), in the window and not under the top bar.
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const field = '[data-baseweb="input"], [data-baseweb="textarea"], [data-baseweb="select"]';
  const hidden = e.matches('input[type=radio], input[type=checkbox]');
  const ringed = hidden ? (e.closest('label') || e) : (e.closest(field) || e);
  const s = getComputedStyle(ringed);
  const r = ringed.getBoundingClientRect();
  const x = Math.min(Math.max((Math.max(r.left, 0) + Math.min(r.right, innerWidth)) / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max((Math.max(r.top, 0) + Math.min(r.bottom, innerHeight)) / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  return {
    what: (e.getAttribute('aria-label') || ringed.innerText || e.tagName).trim().replace(/\\s+/g, ' ').slice(0, 50),
    role: e.getAttribute('role') || e.getAttribute('type') || e.tagName.toLowerCase(),
    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineWidth + ' ' + s.outlineColor : '',
    seen: r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    clear: !!top && (ringed.contains(top) || top.contains(ringed)),
    key: e.id || e.outerHTML.slice(0, 120),
  };
}"""


def _round(page: Page, key: str, where: str, problems: list[str]) -> list[dict[str, object]]:
    """Press `key` (Tab or Shift+Tab) once round the whole page, from wherever focus is; each stop, and a
    problem for each stop whose ring does not show, is off screen or is under the top bar."""
    stops: list[dict[str, object]] = []
    for _ in range(80):
        page.keyboard.press(key)
        stop = page.evaluate(_FOCUSED)
        if stop is None:
            continue  # the browser's own controls, between the end of the page and its start
        if stops and stop["key"] == stops[0]["key"]:
            break
        stops.append(stop)
        if not (stop["ring"] and stop["seen"] and stop["clear"]):
            problems.append(f"{where}: {stop['role']} {stop['what']!r}: ring={stop['ring'] or 'none'} "
                            f"on screen={stop['seen']} not under the top bar={stop['clear']}")  # fmt: skip
    return stops


def test_keyboard_focus_always_shows(
    visits: dict[str, Visit], browser: Browser, server: Server, world: World, artifacts: Path
) -> None:
    """Tab, then Shift+Tab, round a check-in section at both sizes: every stop has a clear ring (WCAG 2.4.7),
    is on screen and not under the top bar, going down the page or back up it (2.4.11); the radios people
    answer with are among the stops."""
    visit = _visit(visits, "partner", browser, server, world)
    page = visit.page
    page.goto(server.url + "/checkin")
    visit.at = "checkin"
    wait_for_drawn(page)
    begin = page.get_by_role("button", name="Begin")
    if begin.count():  # the first section's questions are one click in
        begin.click()
        expect(begin).to_have_count(0)
        wait_for_drawn(page)
    problems: list[str] = []
    for size in ("phone", "desktop"):
        _resize(visit, size)
        wait_for_drawn(page)
        forward = _round(page, "Tab", f"{size}, Tab", problems)
        radio = page.locator("[data-testid='stMain'] input[type=radio]").first
        if radio.count():
            radio.focus()  # keyboard focus still (the last input was a key): for a look at its ring
            screenshot(page, f"a11y-focus-radio-{size}.png")
        _round(page, "Shift+Tab", f"{size}, Shift+Tab", problems)
        if not any(s["role"] == "radio" for s in forward):
            problems.append(f"{size}: no radio among the Tab stops: {[(s['role'], s['what']) for s in forward]}")
    assert not problems, "\n".join(problems)


def test_a_folded_sidebar_keeps_no_room_as_a_page_opens(
    visits: dict[str, Visit], browser: Browser, server: Server, world: World
) -> None:
    """The sidebar's room is kept while a page opens on a wide screen, at the width Streamlit will give it: none
    for someone who folded it away (Streamlit keeps that in the browser), whose pages otherwise opened 300 px to
    the right and jumped back. (Last: the fold is kept in the partner's browser context.)"""
    visit = _visit(visits, "partner", browser, server, world)
    page = _fresh(visit, "settings", "desktop", server)
    page.get_by_test_id("stSidebar").hover()  # its button shows on hover
    page.get_by_role("button", name="Collapse sidebar").click()
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    page.close()
    for key in ("trends", "settings"):
        page = _fresh(visit, key, "desktop", server)
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        shift = float(page.evaluate("window.__mwShift"))
        assert shift < GOOD_SHIFT, (key, shift)
        page.close()
