"""Screen sharing and the reveal of a month in a real browser: `streamlit run app.py` and Chromium,
each person signed in through the real sign-in form.

Leak checks read both the whole HTML of the page (`page.content()`, hidden parts included)
and the text a person sees (`inner_text("body")`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell import periods
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple
from tests.support.auth import browser_sign_in, partner_accounts, therapist
from tests.support.browser import charts_drawn, nav, open_part, screenshot, wait_for_calm
from tests.support.data import (
    THIS_MONTH,
    check_in,
    make_couple,
    private_titles,
    trend_tabs,
    whole_plan,
    with_shared_scores,
)
from tests.support.server import ServerFactory
from tests.support.ui import THEME_TABS

pytestmark = pytest.mark.browser

COUPLES = [
    ("Zephyrine", ("Aurelio", "Bettany")),
    ("Quillon", ("Cosimo", "Delphinia")),
    ("Marisol-Kestrel", ("Evander", "Fenwicke")),
]


def leaks(page: Page, forbidden: list[str]) -> list[str]:
    """Forbidden strings in the whole HTML (hidden parts included) or in the visible text."""
    html = page.content().replace("\u2060", "")
    seen = page.inner_text("body").replace("\u2060", "")
    return [f for f in forbidden if f in html or f in seen]


def sharing_badge(page: Page) -> None:
    expect(page.get_by_test_id("stSidebar").get_by_text("● Sharing")).to_be_visible()


# -- share mode ----------------------------------------------------------------------------------


def test_share_link_in_chromium_shows_one_couple_only(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    couples: list[Couple] = []
    private: list[str] = []
    for n, (name, partners) in enumerate(COUPLES):
        couple = make_couple(store, name, partners)
        couples.append(couple)
        for back in range(3):
            period = periods.add_months(THIS_MONTH, -back)
            first, second = couple.partners
            secret = f"PRIVATE-NOTE-{first.name}-{back}"
            private.append(secret)
            check_in(
                store, catalog, first.partner_id, period, whole_plan(catalog, 1 + (back + n) % 4), note=(secret, True)
            )
            shared_note = (f"SHARED-NOTE-{second.name}", False)
            check_in(store, catalog, second.partner_id, period, whole_plan(catalog, (back + n) % 3), note=shared_note)
    therapist(store, "Dr Share", [c.couple_id for c in couples])
    store.close()
    shown = couples[0]
    others = [c for c in couples if c is not shown]
    forbidden = [
        *private,
        *private_titles(catalog),
        *[c.name for c in others],
        *[p.name for c in others for p in c.partners],
        *[f"SHARED-NOTE-{c.partners[1].name}" for c in others],
        *["Caseload", "Settings", "Check-in", "History"],  # pages that do not exist while sharing
    ]
    share_query = f"share=1&couple={shown.couple_id}"
    srv = server_factory(db_file)

    browser_sign_in(page, srv.url, "Dr Share")
    page.goto(f"{srv.url}/?{share_query}")  # the bookmarked link starts sharing this couple
    expect(page.get_by_role("heading", name="Zephyrine")).to_be_visible()
    sharing_badge(page)
    wait_for_calm(page)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # each link reads "<icon name>\n\n<title>"
    assert [t.strip().splitlines()[-1] for t in links.all_inner_texts()] == ["Sharing", "Trends", "Themes", "Together"]
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")).to_have_count(0)
    assert leaks(page, forbidden) == []

    nav(page, "Trends")
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    tabs = trend_tabs(catalog)  # one per questionnaire: a chart per shared subscale; the two perspectives last
    first_tab, *rest = tabs
    expected = tabs[first_tab]
    assert charts_drawn(page, expected) == expected
    expect(page.get_by_text("Aurelio").first).to_be_visible()
    sharing_badge(page)
    expect(page).to_have_url(re.compile(rf"/trends\?{share_query}$"))
    assert leaks(page, forbidden) == []
    screenshot(page, "share-mode.png")
    for title in rest:
        assert open_part(page, title, tabs[title]) == tabs[title], title
        assert leaks(page, forbidden) == [], title
    open_part(page, first_tab, tabs[first_tab])

    nav(page, "Themes")
    expect(page.get_by_role("heading", name="Recurring themes")).to_be_visible()
    assert charts_drawn(page, 2) == 2  # a heatmap per partner; then a kinds chart and a mending chart each
    sharing_badge(page)
    assert leaks(page, forbidden) == []
    for title, charts in zip(THEME_TABS[1:], (2, 2), strict=True):
        assert open_part(page, title, charts) == charts, title
        assert leaks(page, forbidden) == [], title

    nav(page, "Together")
    expect(page.get_by_role("heading", name=f"{periods.label(THIS_MONTH)}, side by side")).to_be_visible()
    wait_for_calm(page)
    expect(page.get_by_text("SHARED-NOTE-Bettany")).to_be_visible()  # her own shared note shows
    sharing_badge(page)
    assert leaks(page, forbidden) == []

    # a reload in the middle of a screen share stays in share mode, on the same couple
    page.reload()
    expect(page.get_by_role("heading", name=f"{periods.label(THIS_MONTH)}, side by side")).to_be_visible()
    wait_for_calm(page)
    sharing_badge(page)
    expect(page.get_by_text("SHARED-NOTE-Bettany")).to_be_visible()
    assert leaks(page, forbidden) == []

    # a typed address of a page that does not exist while sharing lands on a shared page
    page.goto(f"{srv.url}/caseload?{share_query}")
    sharing_badge(page)
    wait_for_calm(page)
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)
    assert leaks(page, forbidden) == []

    # sharing is held by the sign-in, not the address: another couple in it, or no query at all in a
    # new tab, still shows this couple only
    other = others[0]
    page.goto(f"{srv.url}/trends?share=1&couple={other.couple_id}")
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    charts_drawn(page, expected)
    sharing_badge(page)
    expect(page).to_have_url(re.compile(rf"/trends\?{share_query}$"))
    assert leaks(page, forbidden) == []
    tab = page.context.new_page()
    tab.goto(f"{srv.url}/")
    expect(tab.get_by_role("heading", name="Zephyrine")).to_be_visible()
    sharing_badge(tab)
    wait_for_calm(tab)
    assert leaks(tab, forbidden) == []
    tab.close()


# -- the reveal ----------------------------------------------------------------------------------


def test_a_month_opens_in_together_when_the_second_partner_submits(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    couple = make_couple(store, "Rowan & Sable", ("Rowan", "Sable"))
    rowan, sable = couple.partners
    check_in(
        store,
        catalog,
        rowan.partner_id,
        THIS_MONTH,
        whole_plan(catalog, 3),
        note=("PRIVATE-MARKER-ALPHA, for me only", True),
    )
    # Sable has answered everything but not submitted yet
    note = ("SHARED-MARKER-BETA, for us", False)
    check_in(store, catalog, sable.partner_id, THIS_MONTH, whole_plan(catalog, 1), note=note, submit=False)
    partner_accounts(store, couple)
    store.close()
    label = periods.label(THIS_MONTH)
    srv = server_factory(db_file)

    browser_sign_in(page, srv.url, "Sable", path="/together")
    expect(page.get_by_text(f"{label} opens when you have both checked in.")).to_be_visible()
    expect(page.get_by_text("Rowan has checked in")).to_be_visible()
    expect(page.get_by_text("Sable has started")).to_be_visible()
    wait_for_calm(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"{label}, side by side")).to_have_count(0)
    assert leaks(page, ["PRIVATE-MARKER-ALPHA", "SHARED-MARKER-BETA", "Not heard"]) == []

    # Sable submits her own check-in: everything is answered, so it opens on the review
    nav(page, "Check-in")
    expect(page.get_by_role("heading", name="Look it over")).to_be_visible()
    page.get_by_role("button", name="Submit my check-in").click()
    expect(page.get_by_text("Thank you, Sable.")).to_be_visible()
    expect(page.get_by_text(f"You have both checked in for {label}, so it is open on Together.")).to_be_visible()

    # the thank-you opens the month on Together; the menu does too
    expect(page.get_by_role("link", name=f"Open {label} together")).to_be_visible()
    nav(page, "Together")
    expect(page.get_by_role("heading", name=f"{label}, side by side")).to_be_visible()
    wait_for_calm(page)
    # words first (a card per questionnaire, the answers furthest apart as cards), the numbers in an expander
    expect(page.get_by_role("heading", name="How the month felt to each of you")).to_be_visible()
    expect(page.get_by_test_id("stMain").locator("h4")).to_have_count(len(with_shared_scores(catalog)))
    expect(page.get_by_role("heading", name="Where you saw it differently")).to_be_visible()
    expect(page.get_by_text("The numbers behind these words")).to_be_visible()
    expect(page.get_by_text("SHARED-MARKER-BETA, for us")).to_be_visible()
    expect(page.get_by_text("Not heard: often; mended: partly")).to_be_visible()  # Rowan's named hurt
    assert leaks(page, ["PRIVATE-MARKER-ALPHA", *private_titles(catalog)]) == []
    screenshot(page, "together-revealed.png")
