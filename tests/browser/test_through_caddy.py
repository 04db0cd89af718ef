"""Through Caddy over HTTPS on loopback, with the project's own deploy/ files: sign in, finish a check-in,
and see Trends, as a partner's phone would; the cookie is Secure and Caddy's headers are there.

The app is started by deploy/serve-app.sh (127.0.0.1 only, with its allowed host names) and Caddy by
deploy/Caddyfile.home (its own certificate authority, which this test's browser is told to accept).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mendwell import invitations, periods
from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.auth import PASSCODE, browser_sign_in, partner_accounts
from tests.support.browser import CHART, open_part, part_names
from tests.support.caddy import Stack, start_stack
from tests.support.ui import TREND_PICKER

CADDY = shutil.which("caddy")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CADDY is None, reason="Caddy is not installed: TLS test SKIPPED (apt-get install caddy)"),
]


@pytest.fixture
def stack(tmp_path: Path, db_file: Path) -> Iterator[Stack]:
    assert CADDY is not None
    started = start_stack(tmp_path, db_file, CADDY)
    try:
        yield started
    finally:
        started.stop()


def test_sign_in_check_in_and_trends_over_https(
    stack: Stack, store: Database, catalog: Catalog, browser: Browser, artifacts: Path
) -> None:
    couple = store.couples.get(store.couples.create("Robin & Omar", ["Robin", "Omar"]))
    assert couple is not None
    robin = partner_accounts(store, couple)[0]
    assert robin.partner_id is not None
    # this month's check-in, all but its last section answered already (a full one is tested elsewhere)
    draft = store.checkins.open(robin.partner_id, periods.month_start())
    instruments = list(catalog.instruments)
    for inst in instruments[:-1]:
        answers = {it.id: make_answer(inst, it, inst.scale(it)[0]) for it in inst.items if it.kind == "likert"}
        store.checkins.save_answers(draft.checkin_id, inst, answers)
    store.close()

    context = browser.new_context(ignore_https_errors=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    first = page.goto(stack.url + "/checkin")
    assert first is not None
    headers = first.headers  # the sign-in page, as served through Caddy
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers

    browser_sign_in(page, stack.url, robin.name, PASSCODE, "/checkin")
    cookie = next(c for c in context.cookies() if c["name"] == "mendwell_sign_in")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # the last section: answer what it asks, then review and submit
    expect(page.get_by_text("Review my answers")).to_be_visible()
    page.get_by_role("button", name="Review my answers").click()
    page.get_by_role("button", name="Submit my check-in").click()
    expect(page.get_by_text("Your check-in for")).to_be_visible()
    page.screenshot(path=str(artifacts / "caddy-checkin-submitted.png"))

    page.goto(stack.url + "/trends")
    expect(page.locator("h1").filter(has_text="Trends")).to_be_visible()
    expect(page.locator(CHART).first).to_be_visible()
    # another questionnaire's part: its charts come over the same websocket, through Caddy
    open_part(page, part_names(page, TREND_PICKER)[1], 1)
    page.screenshot(path=str(artifacts / "caddy-trends-phone.png"))

    metrics = context.request.get(stack.url + "/_stcore/metrics")
    assert metrics.status == 404  # Streamlit's unauthenticated metrics never leave the machine
    context.close()


def _answer_all_but_the_last_section(store: Database, catalog: Catalog, partner_id: int) -> None:
    draft = store.checkins.open(partner_id, periods.month_start())
    for inst in list(catalog.instruments)[:-1]:
        answers = {it.id: make_answer(inst, it, inst.scale(it)[0]) for it in inst.items if it.kind == "likert"}
        store.checkins.save_answers(draft.checkin_id, inst, answers)


def test_two_phones_pair_through_invitations_and_both_check_in_over_https(
    stack: Stack, store: Database, catalog: Catalog, browser: Browser, artifacts: Path
) -> None:
    couple_id = store.couples.create("Ana & Ben", ["Ana", "Ben"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    links = {p.name: invitations.invite(store, p.partner_id, "Dr Test") for p in couple.partners}
    for p in couple.partners:
        _answer_all_but_the_last_section(store, catalog, p.partner_id)
    store.close()

    phones = []
    for name, token in links.items():
        phone = browser.new_context(ignore_https_errors=True, viewport={"width": 390, "height": 844}, is_mobile=True)
        page = phone.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{stack.url}/invite/{token}")
        expect(page.get_by_label("Your name for signing in")).to_have_value(name)
        page.get_by_label("Choose a passcode").fill(f"{name}-phone-1")
        page.get_by_label("The same passcode again").fill(f"{name}-phone-1")
        page.get_by_role("button", name="Make my account").click()
        expect(page.locator("h1").filter(has_text="Monthly check-in")).to_be_visible()
        cookie = next(c for c in phone.cookies() if c["name"] == "mendwell_sign_in")
        assert cookie["secure"] and cookie["httpOnly"]
        page.get_by_role("button", name="Review my answers").click()
        page.get_by_role("button", name="Submit my check-in").click()
        expect(page.get_by_text("Your check-in for")).to_be_visible()
        page.screenshot(path=str(artifacts / f"caddy-phone-{name.lower()}-submitted.png"))
        phones.append((phone, page))
        # the link is used up: opening it again (here, or anywhere) makes nothing
        again = phone.new_page()
        again.goto(f"{stack.url}/invite/{token}")
        expect(again.get_by_text("cannot be used")).to_be_visible()

    # both have checked in: the month opens in Together on either phone
    _, ana_page = phones[0]
    ana_page.goto(stack.url + "/together")
    expect(ana_page.locator("h1").filter(has_text="Together")).to_be_visible()
    opened_month = f"{periods.label(periods.month_start())}, side by side"  # the month's own heading
    expect(ana_page.get_by_role("heading", name=opened_month)).to_be_visible()
    ana_page.screenshot(path=str(artifacts / "caddy-phone-together.png"))
    for phone, _ in phones:
        phone.close()


def test_caddy_keeps_the_app_s_own_caching_of_its_public_files_and_no_store_for_the_rest(stack: Stack) -> None:
    """Streamlit's scripts and plotly.js (named by their content or version, nobody's data) stay cached by the
    browser as the app says (before, Caddy made every response no-store: each fresh page on a phone fetched
    Streamlit's scripts and plotly.js again); everything else, pages and files of a session, is never kept."""
    import ssl
    import urllib.request

    import streamlit

    from mendwell.charts import PLOTLY_JS_URL

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    scripts = Path(streamlit.__file__).parent / "static" / "static" / "js"
    index = next(p.name for p in scripts.iterdir() if p.name.startswith("index.") and p.suffix == ".js")

    def cache_control(path: str) -> str:
        with urllib.request.urlopen(stack.url + path, context=context) as resp:
            assert resp.status == 200, path
            return str(resp.headers.get("Cache-Control"))

    for public in (PLOTLY_JS_URL, f"/static/js/{index}"):
        kept = cache_control(public)
        assert "immutable" in kept and "max-age=31536000" in kept and "no-store" not in kept, (public, kept)
    for private in ("/signin", "/_stcore/health"):
        assert cache_control(private) == "no-store", private
