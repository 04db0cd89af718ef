"""Issue 9, the sign-in page in Chromium: its fields, one answer for a wrong passcode and an unknown name, a
sign-in that lasts across reloads and tabs until "Sign out", first-run setup, and `next=` staying on the app."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mendwell import neutral
from mendwell.chart_drawing import DRAWING_HEAD
from mendwell.charts import PLOTLY_JS_FILE, PLOTLY_JS_URL
from mendwell.instruments import Catalog
from mendwell.page_style import PAGE_STYLE
from mendwell.tokens import COOKIE
from tests.support.auth import PASSCODE, browser_sign_in, cookie_for, partner_accounts, therapist
from tests.support.browser import screenshot, wait_for_calm
from tests.support.data import make_couple, new_database, opened
from tests.support.server import Server, ServerFactory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[Server]:
    """One server for the tests that need only a couple and their therapist (each test its own browser
    context): a server's start is most of a short test's time. One wrong try per name at most (no wait)."""
    db_file = new_database(tmp_path_factory.mktemp("signin") / "mendwell.duckdb", catalog)
    with opened(db_file) as db:
        couple = make_couple(db, "Quinn & Reese", ("Quinn", "Reese"))
        partner_accounts(db, couple)
        therapist(db, "Dr Sign", [couple.couple_id])
    server = Server(db_file)
    yield server
    server.stop()


def _fill(page: Page, name: str, passcode: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passcode").fill(passcode)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _message(page: Page) -> str:
    text = page.inner_text("body")
    return re.sub(r"\s+", " ", text.replace(page.get_by_label("Name").input_value(), "")).strip()


def test_the_sign_in_page_and_one_answer_for_wrong_tries(srv: Server, page: Page, artifacts: Path) -> None:
    page.goto(srv.url + "/trends")
    page.wait_for_url("**/signin**")
    name, passcode = page.get_by_label("Name"), page.get_by_label("Passcode")
    expect(name).to_be_visible()
    assert passcode.get_attribute("type") == "password"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    html = page.content()
    for who in ("Quinn", "Reese", "Dr Sign"):
        assert who not in html, f"the sign-in page names {who}"
    # set in the app's own font, served by the app to anyone (the page comes before any sign-in)
    # (document.fonts.load waits for the page's own face of that name, fetched from the app, or finds none)
    loaded = page.evaluate("() => document.fonts.load('16px \"Source Sans\"').then(faces => faces.length)")
    assert loaded >= 1, "the app's font was not loaded on the sign-in page"
    screenshot(page, "sign-in-page.png")
    _fill(page, "Dr Sign", "not-the-passcode")
    wrong = _message(page)
    _fill(page, "Nobody Here", "not-the-passcode")
    unknown = _message(page)
    assert "did not match" in wrong
    assert wrong == unknown
    assert page.get_by_label("Passcode").input_value() == "", "the passcode was sent back"


def test_a_sign_in_lasts_across_reloads_and_tabs_until_sign_out(srv: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    browser_sign_in(page, srv.url, "Quinn", PASSCODE, "/trends")
    assert "/trends" in page.url
    expect(page.locator("h1").filter(has_text="Trends")).to_be_visible()
    page.reload()
    expect(page.locator("h1").filter(has_text="Trends")).to_be_visible()
    tab = context.new_page()
    tab.goto(srv.url + "/history")
    expect(tab.locator("h1").filter(has_text="History")).to_be_visible()
    tab.close()
    wait_for_calm(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(srv.url + "/history")
    page.wait_for_url("**/signin**")
    other = context.new_page()
    other.goto(srv.url + "/")
    other.wait_for_url("**/signin**")
    context.close()


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example", "%2F%2Fevil.example"])
def test_next_cannot_leave_the_app(srv: Server, page: Page, target: str) -> None:
    page.goto(f"{srv.url}/signin?next={target}")
    _fill(page, "Dr Sign", PASSCODE)
    page.wait_for_selector("h1")
    assert page.url.startswith(srv.url + "/"), page.url
    assert "evil" not in page.url


def test_first_run_setup_makes_two_partner_accounts(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, page: Page, artifacts: Path
) -> None:
    new_database(db_file, catalog)
    srv = server_factory(db_file)
    page.goto(srv.url + "/")
    page.wait_for_url("**/setup**")
    screenshot(page, "first-run-setup.png")
    page.get_by_label("What should we call the two of you?").fill("Sol & Tam")
    names, codes = page.get_by_label("Name"), page.get_by_label("Passcode")
    names.nth(0).fill("Sol")
    codes.nth(0).fill("sol-pass-1")
    names.nth(1).fill("Tam")  # Tam skips the passcode
    page.get_by_role("button", name="Create our accounts").click()
    page.wait_for_url("**/signin**")
    page.goto(srv.url + "/setup")
    page.wait_for_url("**/signin**")  # setup is for an empty database only
    _fill(page, "Tam", "")
    page.wait_for_selector("h1")
    expect(page.locator("h1").filter(has_text="Sol & Tam")).to_be_visible()
    expect(page.get_by_text("Signed in as Tam")).to_be_visible()
    srv.stop()
    with opened(db_file) as db:
        sol, tam = db.accounts.by_name("Sol"), db.accounts.by_name("Tam")
        assert sol is not None and tam is not None
        assert sol.is_partner and tam.is_partner and sol.is_owner and not tam.is_owner
        assert db.couples.of_partner(int(sol.partner_id or 0)) == db.couples.of_partner(int(tam.partner_id or 0))


def test_plotly_js_is_served_to_anyone_compressed_and_kept(srv: Server) -> None:
    """The charts' plotly.js (ui.chart_element): served without a sign-in (the public library, nothing of
    anyone's), as JavaScript, compressed, byte for byte the bundle in assets/plotly/, kept until it changes."""
    request = urllib.request.Request(srv.url + PLOTLY_JS_URL, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/javascript")
        assert resp.headers["Content-Encoding"] == "gzip"
        assert "immutable" in resp.headers["Cache-Control"]
        sent = resp.read()
    assert gzip.decompress(sent) == PLOTLY_JS_FILE.read_bytes()
    assert len(sent) < PLOTLY_JS_FILE.stat().st_size / 2


def test_pages_say_where_the_server_is_and_chart_pages_start_plotly_js_from_their_html(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory
) -> None:
    """Every page's head tells Streamlit where its server is (it probed the page's own address first: a 404 and
    0.12 s lost on every fresh open) and carries the script that draws charts; Trends and Themes also fetch
    plotly.js from there, and run it once Streamlit has started (the first chart waited for it before). The rest
    of Streamlit's page is unchanged."""
    new_database(db_file, catalog)
    with opened(db_file) as db:
        first, _ = partner_accounts(db, make_couple(db, "Quinn & Reese", ("Quinn", "Reese")))
        cookie = cookie_for(db, first)
    server = server_factory(db_file)

    def page(path: str) -> tuple[str, dict[str, str]]:
        request = urllib.request.Request(
            server.url + path,
            headers={"Accept": "text/html", "Accept-Encoding": "gzip", "Cookie": f"{COOKIE}={cookie}"},
        )
        with urllib.request.urlopen(request) as resp:
            assert resp.status == 200 and resp.url.endswith(path), resp.url  # signed in: no detour
            body = resp.read()
            headers = {k.lower(): v for k, v in resp.headers.items()}
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8"), headers

    light, light_headers = page("/settings")
    preload = f'<link rel="preload" href="{PLOTLY_JS_URL}" as="script">'
    assert preload not in light and '<div id="root">' in light
    # every page draws the charts it is sent (a chart page opened from its sidebar is drawn by this page's head),
    # and loads plotly.js only once a chart comes
    assert DRAWING_HEAD in light.partition("</head>")[0] and light.count(PLOTLY_JS_URL) == 1
    # the app's own style is part of the page, so it applies from the first render (`mendwell.page_style`), and
    # comes after the styles Streamlit adds to the head as it draws
    assert light.count(PAGE_STYLE) == 1 and light.index(PAGE_STYLE) > light.index('<div id="root">')
    # every page of the app says where the server is (Streamlit's scripts asked /settings/_stcore/health first)
    assert "BACKEND_BASE_URL: window.location.origin" in light.partition("</head>")[0]
    signin, _ = page("/signin")
    assert "__streamlit" not in signin  # our own plain pages are left as they are
    for path in ("/trends", "/themes"):
        html, headers = page(path)
        head, _, rest = html.partition("</head>")
        # fetched at once (a preload), run once Streamlit's connection has opened and the page waits for the
        # server (test_dashboards_browser follows it in the browser)
        assert preload in head and DRAWING_HEAD in head, path
        assert head.count(PLOTLY_JS_URL) == 3 and PLOTLY_JS_URL not in rest, path  # the drawing script's too
        assert "addEventListener('open', start" in head, path
        assert "window.__mwPlotly" in head  # the promise every chart of the page waits on
        assert html.replace(head, "") == light.replace(light.partition("</head>")[0], ""), path  # same body
        for name in ("cache-control", "referrer-policy", "x-content-type-options"):  # the sign-in check's
            assert headers[name] == light_headers[name], name
    assert light_headers["cache-control"] == "no-store"  # never kept by the browser (Streamlit says no-cache)


def test_a_page_whose_sign_in_ended_is_taken_off_the_screen(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, browser: Browser
) -> None:
    """Found on a phone put down: after the idle time the sign-in had ended on the server, but the check-in
    stayed readable until someone touched it. Every page asks the server every so often whether its sign-in
    holds (asking is no activity), and once it has ended goes to the sign-in page, which says why; a sign-out
    in another tab does the same."""
    new_database(db_file, catalog)
    with opened(db_file) as db:
        couple = make_couple(db, "Quinn & Reese", ("Quinn", "Reese"))
        partner_accounts(db, couple)
    srv = server_factory(db_file, {"MENDWELL_IDLE_MINUTES": "0.1"})  # six seconds; asked every two
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    browser_sign_in(page, srv.url, "Quinn", PASSCODE, "/history")
    expect(page.locator("h1").filter(has_text="History")).to_be_visible()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/signin/alive?for=" in r.url else None)
    page.wait_for_url("**/signin?idle=1&next=%2Fhistory", timeout=30_000)  # nobody touched it
    assert asked, "the page never asked whether its sign-in holds"
    expect(page.get_by_text("signed out after a while without use")).to_be_visible()
    assert "Quinn" not in page.content()
    _fill(page, "Quinn", PASSCODE)  # back where they were
    expect(page.locator("h1").filter(has_text="History")).to_be_visible()
    # signed out on purpose, in another tab: the page says so, not "after a while without use" (found by a
    # walk-through, after "Sign out" in the sidebar)
    other = context.new_page()
    other.goto(srv.url + "/signout")
    page.wait_for_url("**/signin?out=1&next=%2Fhistory", timeout=30_000)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    context.close()


def test_after_leave_now_the_apps_address_shows_the_recipe_until_done(srv: Server, page: Page) -> None:
    """Found: after "Leave now", a reload showed "Sign in · Mendwell" with the app's words. Until its "Done",
    the sign-in address of that browser serves the neutral page; "Done" leads to the sign-in form."""
    browser_sign_in(page, srv.url, "Quinn", PASSCODE, "/history")
    expect(page.locator("h1").filter(has_text="History")).to_be_visible()
    page.evaluate("() => fetch('/signout', {method: 'POST', credentials: 'same-origin'})")  # what the tap sends
    for address in ("/history", "/signin", "/", "/checkin?section=7"):
        page.goto(srv.url + address)
        expect(page).to_have_url(srv.url + neutral.PATH)  # an address that names no sign-in, no section
        expect(page).to_have_title("Lentil soup")
        expect(page.locator("h1")).to_have_text("Lentil soup")
        html = page.content()
        for word in ("Mendwell", "Sign in", "Quinn", "History", "passcode"):
            assert word not in html, f"{word!r} on the neutral page at {address}"
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(srv.url + "/history")  # from now on, the sign-in page as ever
    expect(page.get_by_label("Passcode")).to_be_visible()


def test_a_page_asks_about_the_sign_in_it_was_served_to(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory
) -> None:
    """Found by a review: the watch asked about whatever sign-in the browser held at the time, so on a shared
    tablet a page of one partner's stayed up once the other had signed in in another tab. A page names its own
    sign-in (`tokens.watch_tag`); another one held since answers "ended"; the tag never signs anyone in."""
    from mendwell import tokens

    new_database(db_file, catalog)
    with opened(db_file) as db:
        couple = make_couple(db, "Quinn & Reese", ("Quinn", "Reese"))
        quinn, reese = partner_accounts(db, couple)
        first, second = cookie_for(db, quinn), cookie_for(db, reese)
        tags = [tokens.watch_tag(str(tokens.sign_in_id(db, c))) for c in (first, second)]
    srv = server_factory(db_file)

    def ask(cookie: str, tag: str) -> tuple[int, str]:
        request = urllib.request.Request(f"{srv.url}/signin/alive?for={tag}", headers={"Cookie": f"{COOKIE}={cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    assert ask(second, tags[1])[0] == 204  # the page's own sign-in, live
    assert ask(second, tags[0]) == (401, "ended")  # a page of the first partner's, the second now signed in
    assert ask(second, "")[0] == 401
    assert ask("not-a-cookie", tags[0]) == (401, "ended")
