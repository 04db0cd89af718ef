"""Issue 9 in Chromium: each role signs in through the real form in its own browser context and opens every
page address with tampered query strings; the HTML, the visible text and every websocket frame the server
sent are searched for other couples' names and private markers. Screen sharing holds across reload, new
tab, edited addresses and a server restart until it is stopped; the cookie's flags; Leave now signs out.

The database is the AppTest matrix's (`tests.app.test_access_matrix.build_world`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, WebSocket, WebSocketRoute, expect

from mendwell import neutral, periods, tokens
from mendwell.chart_drawing import MARK
from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.app.test_access_matrix import (
    ROLE_PAGES,
    SHARE_PAGES,
    CoupleMarks,
    World,
    build_world,
    forbidden_for,
    leaks,
    role_name,
)
from tests.support.auth import PASSCODE, browser_sign_in, partner_accounts
from tests.support.browser import open_part, part_names, part_option, screenshot, wait_for_calm
from tests.support.data import make_couple, new_database, opened, trend_tabs
from tests.support.report import raw_for
from tests.support.server import Server, ServerFactory
from tests.support.ui import TREND_PICKER
from ui.shell import PAGES

pytestmark = pytest.mark.browser


class Watched:
    """A browser context whose pages' websocket frames (from the server) are all kept."""

    def __init__(self, browser: Browser) -> None:
        self.context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 2000})
        self.frames: list[bytes] = []
        self.context.on("page", self._watch)

    def _watch(self, page: Page) -> None:
        page.on("websocket", self._socket)
        page.set_default_timeout(30_000)

    def _socket(self, ws: WebSocket) -> None:
        ws.on(
            "framereceived",
            lambda payload: self.frames.append(payload if isinstance(payload, bytes) else payload.encode()),
        )

    def new_page(self) -> Page:
        return self.context.new_page()

    def frames_text(self) -> str:
        return "\n".join(f.decode("utf-8", "replace") for f in self.frames)


def address(key: str) -> str:
    return "/" + PAGES[key][3]


def settle(page: Page) -> None:
    page.wait_for_selector("h1", timeout=30_000)
    wait_for_calm(page)
    page.wait_for_timeout(300)  # the last deltas of the run
    wait_for_calm(page)


def seen(page: Page) -> str:
    return page.content() + "\n" + page.inner_text("body")


@pytest.fixture
def world(tmp_path: Path, catalog: Catalog) -> World:
    return build_world(tmp_path / "mendwell.duckdb", catalog)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[tuple[World, Server]]:
    """A world and its server for the tests that only look (each role in a browser context of its own): a
    server's start is most of a short test's time."""
    world = build_world(tmp_path_factory.mktemp("access") / "mendwell.duckdb", catalog)
    server = Server(world.db)
    yield world, server
    server.stop()


def _on_screen(world: World, role: str) -> CoupleMarks:
    """The couple a fresh sign-in shows first: a partner's own, a therapist's lowest granted id."""
    if role.startswith("partner"):
        return world.x
    return min(world.granted(role_name(world, role)), key=lambda c: c.couple_id)


def _other(world: World, role: str) -> CoupleMarks:
    return {"partner_a": world.y, "partner_b": world.y, "therapist": world.z, "owner": world.x}[role]


@pytest.mark.parametrize("role", ["partner_a", "therapist", "owner"])  # partner_b: in the AppTest matrix
def test_every_address_with_tampered_queries(
    role: str, served: tuple[World, Server], browser: Browser, artifacts: Path
) -> None:
    world, srv = served
    watched = Watched(browser)
    page = watched.new_page()
    browser_sign_in(page, srv.url, role_name(world, role))
    settle(page)
    other = _other(world, role).couple_id
    tampered = [f"couple={other}", "share=0", f"share=1&couple={other}", f"couple={other}&share=1"]
    problems: list[str] = []
    on_screen = _on_screen(world, role)
    for i, key in enumerate(PAGES):
        query = tampered[i % len(tampered)]
        first_frame = len(watched.frames)
        page.goto(f"{srv.url}{address(key)}?{query}")
        settle(page)
        text = seen(page)
        allowed = key in ROLE_PAGES[role]
        forbidden = forbidden_for(world, role, key if allowed else "home", on_screen)
        problems += [f"{role} {key}?{query} page: {m}" for m in leaks(text, forbidden)]
        frames = "\n".join(f.decode("utf-8", "replace") for f in watched.frames[first_frame:])
        problems += [f"{role} {key}?{query} websocket: {m}" for m in leaks(frames, forbidden)]
        if not allowed and page.locator("h1").filter(has_text=PAGES[key][1]).count():
            problems.append(f"{role} {key}?{query}: a page not theirs opened")
        if "Sign out" not in page.inner_text("body"):
            problems.append(f"{role} {key}?{query}: not signed in any more, or sharing started")
        if key == "home":
            assert all(n in text for n in on_screen.partner_names), (role, "home names its couple")
        if i == 0:
            screenshot(page, f"access-{role}-home-tampered.png")
    assert watched.frames, "no websocket frame was seen"
    watched.context.close()
    assert not problems, "\n".join(problems)


def _share_view_ok(page: Page, world: World, shown: CoupleMarks, where: str) -> list[str]:
    """While sharing `shown`: only its shared views, no toolbar, no download, no full sidebar."""
    settle(page)
    out: list[str] = []
    text = seen(page)
    out += [f"{where}: {m}" for m in leaks(text, forbidden_for(world, "therapist", "home", shown))]
    out += [f"{where}: private part {w}" for w in world.private_words if w in text]
    if "Sharing" not in page.inner_text("[data-testid='stSidebar']"):
        out.append(f"{where}: the sharing badge is gone")
    if page.get_by_role("button", name="Sign out").count():
        out.append(f"{where}: the full sidebar (Sign out) while sharing")
    if page.get_by_role("button", name="Download").count() or page.get_by_test_id("stDownloadButton").count():
        out.append(f"{where}: a download button")
    toolbars = page.locator('[data-testid="stElementToolbar"]')
    if any(toolbars.nth(i).is_visible() for i in range(toolbars.count())):
        out.append(f"{where}: a visible element toolbar")
    nav = page.get_by_test_id("stSidebarNav")
    links = [t.strip() for t in nav.locator("a").all_inner_texts()] if nav.count() else []
    if len(links) != len(SHARE_PAGES):
        out.append(f"{where}: navigation while sharing is {links}")
    return out


def test_screen_sharing_holds_until_stopped(
    world: World, server_factory: ServerFactory, browser: Browser, artifacts: Path
) -> None:
    srv = server_factory(world.db)
    shared, other = world.x, world.y  # the same couple name: only partner names tell them apart
    watched = Watched(browser)
    page = watched.new_page()
    browser_sign_in(page, srv.url, world.therapist_name)
    settle(page)
    expect(page.locator("h1").filter(has_text="Hana")).to_be_visible()
    page.get_by_role("button", name="Start screen sharing").click()
    expect(page.locator("h1").filter(has_text="Trends")).to_be_visible()
    try:  # the run after the click ends with the sharing sidebar alone
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0, timeout=15_000)
    except AssertionError:
        screenshot(page, "sharing-started-stale-sidebar.png")
    problems = _share_view_ok(page, world, shared, "started")
    screenshot(page, "sharing-trends.png")
    labels = part_names(page, TREND_PICKER)
    assert len(labels) > 1, labels
    for label in labels[1:]:  # each questionnaire's part sends its charts
        open_part(page, label, 1)
        problems += _share_view_ok(page, world, shared, f"Trends, {label}")
    page.reload()
    problems += _share_view_ok(page, world, shared, "reload")
    tab = watched.new_page()
    tab.goto(srv.url + "/together")
    problems += _share_view_ok(tab, world, shared, "new tab")
    for query in (
        f"/trends?couple={other.couple_id}",
        "/themes",
        "/history?share=0",
        f"/?share=1&couple={other.couple_id}",
    ):
        tab.goto(srv.url + query)
        problems += _share_view_ok(tab, world, shared, query)
    screenshot(tab, "sharing-edited-address.png")
    # the address of a page not shared, the therapist's own or a partner's (the check-in), leads to the shared
    # Home, which says why in the app's words (it showed Streamlit's "Page not found" box over the shared
    # screen); none of that page is run, and its name is not put on the shared screen
    for query, title in (("/caseload", "Caseload"), ("/history?share=0", "History"), ("/checkin", "Check-in")):
        tab.goto(srv.url + query)
        expect(tab.get_by_text("The page at that address is not shown while you share your screen")).to_be_visible()
        problems += _share_view_ok(tab, world, shared, query)
        expect(tab.locator("h1, h2, h3").filter(has_text=title)).to_have_count(0)
        expect(tab.get_by_text("Page not found")).to_have_count(0)
        assert f"/{title.lower()}" not in tab.url, tab.url
    screenshot(tab, "sharing-put-away-page.png")
    tab.close()
    # a restart: a new server on the same file; the browser's cookie goes with it (same host)
    srv.stop()
    again = server_factory(world.db)
    page.goto(f"{again.url}/trends?couple={other.couple_id}&share=0")
    problems += _share_view_ok(page, world, shared, "after a restart")
    screenshot(page, "sharing-after-restart.png")
    problems += [
        f"frames: {m}" for m in leaks(watched.frames_text(), forbidden_for(world, "therapist", "home", shared))
    ]
    assert not problems, "\n".join(problems)
    # stop, deliberately: the first click only asks
    page.get_by_role("button", name="Stop sharing…").click()
    wait_for_calm(page)
    expect(page.get_by_role("button", name="Keep sharing")).to_be_visible()
    screenshot(page, "sharing-stop-confirm.png")
    page.get_by_role("button", name="Stop sharing", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.reload()
    settle(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "Caseload" in page.get_by_test_id("stSidebarNav").inner_text()
    watched.context.close()


def test_the_cookie_is_http_only_and_same_site_strict(served: tuple[World, Server], browser: Browser) -> None:
    world, srv = served
    watched = Watched(browser)
    page = watched.new_page()
    browser_sign_in(page, srv.url, world.x.partner_names[0])
    cookies = {c["name"]: c for c in watched.context.cookies()}
    assert tokens.COOKIE in cookies, cookies
    cookie = cookies[tokens.COOKIE]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find(tokens.COOKIE) < 0, "the sign-in cookie is readable by scripts"
    watched.context.close()


def test_leave_now_ends_the_sign_in(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, browser: Browser, artifacts: Path
) -> None:
    srv = _rosa_at_the_safety_check(db_file, catalog, server_factory)
    watched = Watched(browser)
    page, leave = _yes_to_a_safety_question(watched, srv)
    leave.click()
    # the tab's title changes at the tap, in the browser; the recipe shows once the server has signed out
    expect(page.locator("h1").filter(has_text="Lentil soup")).to_be_visible()
    expect(page).to_have_title("Lentil soup")
    screenshot(page, "leave-now-signed-out.png")
    page.reload()  # the recipe's own address, whatever the app's was: nothing of hers, no sign-in form
    page.wait_for_url(f"**{neutral.PATH}")
    expect(page.locator("h1")).to_have_text("Lentil soup")
    assert "Rosa" not in page.content()
    page.goto(srv.url + "/checkin")
    page.wait_for_url(f"**{neutral.PATH}")
    watched.context.close()


def test_leave_now_signs_out_at_the_tap_even_when_the_server_does_not_hear_it(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, browser: Browser
) -> None:
    """The tap itself ends the sign-in (a request of its own, not the app's connection): with the click's
    message to the app held back (a busy server, a connection dropping), a reload right after the tap opens
    the neutral page at its own address, never the check-in again."""
    srv = _rosa_at_the_safety_check(db_file, catalog, server_factory)
    watched = Watched(browser)
    held = {"on": False}

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if held["on"] else server.send(message))

    watched.context.route_web_socket("**/_stcore/stream", route)
    page, leave = _yes_to_a_safety_question(watched, srv)
    held["on"] = True
    with page.expect_response(lambda r: r.url.endswith("/signout") and r.request.method == "POST") as answer:
        leave.click()
    assert answer.value.ok
    expect(page).to_have_title("Lentil soup")
    page.reload()
    page.wait_for_url(f"**{neutral.PATH}")
    expect(page.locator("h1")).to_have_text("Lentil soup")
    assert "Rosa" not in page.content()
    watched.context.close()


def _rosa_at_the_safety_check(db_file: Path, catalog: Catalog, server_factory: ServerFactory) -> Server:
    """Rosa (of Rosa & Tom) with this month's check-in answered up to its safety section; the server."""
    with opened(db_file) as db:
        db.definitions.register(catalog.instruments)
        couple = make_couple(db, "Rosa & Tom", ("Rosa", "Tom"))
        partner_accounts(db, couple)
        _draft_at_the_safety_check(db, catalog, couple.partners[0].partner_id)
    return server_factory(db_file)


def _yes_to_a_safety_question(watched: Watched, srv: Server) -> tuple[Page, Locator]:
    """Rosa signed in on her check-in, a "yes" to being afraid: the page, and its "Leave now" button shown."""
    page = watched.new_page()
    browser_sign_in(page, srv.url, "Rosa", PASSCODE, "/checkin")
    settle(page)
    afraid = page.get_by_test_id("stRadio").filter(has_text="afraid")
    afraid.get_by_test_id("stRadioOption").get_by_text("Yes", exact=True).click()
    leave = page.get_by_role("button", name="Leave now")
    expect(leave).to_be_visible()
    wait_for_calm(page)
    return page, leave


def _draft_at_the_safety_check(db: Database, catalog: Catalog, partner_id: int) -> None:
    checkin = db.checkins.open(partner_id, periods.month_start())
    for inst in catalog.instruments:
        if not inst.safety:
            db.checkins.save_answers(
                checkin.checkin_id, inst, {it.id: make_answer(inst, it, raw_for(inst, it)) for it in inst.items}
            )


def test_a_tab_opened_after_signing_out_elsewhere_shows_nothing_more(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, browser: Browser
) -> None:
    """Choosing a tab on Trends reruns only the tabs (a fragment), which skips the page's set-up: the sign-in is
    checked again there (`ui.page.still_allowed`). Signed out in another tab of the same browser, the next tab
    chosen sends no chart and the page says to sign in."""
    new_database(db_file, catalog, demo=(1, 12, 5))
    with opened(db_file) as db:
        first, _ = partner_accounts(db, db.couples.all()[0])
    srv: Server = server_factory(db_file)
    watched = Watched(browser)
    page = watched.new_page()
    browser_sign_in(page, srv.url, first.name, PASSCODE, "/trends")
    settle(page)
    tabs = trend_tabs(catalog)
    first_tab, second_tab = list(tabs)[:2]
    assert open_part(page, first_tab, tabs[first_tab])  # the tabs work while signed in

    other = watched.new_page()
    other.goto(srv.url + "/settings")
    settle(other)
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_timeout(500)
    other.close()

    before = len(watched.frames)
    part_option(page, second_tab).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_for_calm(page)
    after = b"\n".join(watched.frames[before:]).decode("utf-8", "replace")
    assert f'"{MARK}"' not in after  # no chart was sent after the sign-in ended
    assert first.name not in page.inner_text("body")
    watched.context.close()
