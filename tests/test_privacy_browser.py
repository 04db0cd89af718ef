"""Share mode and the reveal of a month in a real browser: `streamlit run app.py` and Chromium.

Leak checks read both the whole HTML of the page (`page.content()`, hidden parts included)
and the text a person sees (`inner_text("body")`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell import periods
from mendwell.checkin import make_answer
from mendwell.instruments import Catalog
from mendwell.store import Couple, Store

pytestmark = pytest.mark.browser

THIS_MONTH = periods.month_start()
UNSEEN = 1  # option value of "Unseen" in every `<kind>_themes` question
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'
COUPLES = [
    ("Zephyrine", ("Aurelio", "Bettany")),
    ("Quillon", ("Cosimo", "Delphinia")),
    ("Marisol-Kestrel", ("Evander", "Fenwicke")),
]


@pytest.fixture
def page(page: Page) -> Page:
    """A tall window (Streamlit scrolls inside its own container, so a screenshot holds only
    what fits) and patience for a busy machine."""
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page


# -- data ------------------------------------------------------------------------------------


def make_couple(store: Store, name: str, partners: tuple[str, str]) -> Couple:
    couple = store.couple(store.create_couple(name, list(partners)))
    assert couple is not None
    return couple


def check_in(
    store: Store,
    catalog: Catalog,
    partner_id: int,
    period: dt.date,
    value: int,
    note: tuple[str, bool],
    submit: bool = True,
) -> None:
    """Every question answered (`value` within each scale; each small hurt `value` times,
    partly mended, "unseen"; yes/no "no", a choice its first option, a count its lowest),
    a note, then submitted."""
    checkin = store.open_checkin(partner_id, period)
    for inst in catalog.instruments:
        raw: dict[str, object] = {}
        for it in inst.items:
            lo, hi = inst.scale(it)
            if it.kind == "multi":
                if value > 0:
                    raw[it.id] = [UNSEEN]
            elif it.id.endswith("_repaired"):
                if value > 0:
                    raw[it.id] = 1
            elif it.kind == "likert":
                raw[it.id] = min(max(value, lo), hi)
            elif it.kind == "yesno":
                raw[it.id] = 0
            elif it.kind == "choice" and it.options:
                raw[it.id] = it.options[0].value
            elif it.kind == "count":
                raw[it.id] = lo
        store.save_answers(checkin.checkin_id, inst, {k: make_answer(inst, inst.item(k), v) for k, v in raw.items()})
    store.save_note(checkin.checkin_id, *note)
    if submit:
        assert store.submit(checkin.checkin_id, catalog)


def shared_subscales(catalog: Catalog) -> int:
    return sum(1 for i in catalog.instruments for s in i.subscales if not i.is_private_subscale(s.id))


def scored_instruments(catalog: Catalog) -> int:
    """Questionnaires with at least one shared subscale (each gets a table in Together)."""
    return sum(1 for i in catalog.instruments if any(not i.is_private_subscale(s.id) for s in i.subscales))


def private_titles(catalog: Catalog) -> list[str]:
    return [s.title for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)]


# -- looking at the page -----------------------------------------------------------------------


def settled(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # no script run in progress
    expect(page.get_by_test_id("stException")).to_have_count(0)


def charts_drawn(page: Page, at_least: int) -> int:
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[CHART, at_least], timeout=60_000
    )
    settled(page)
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count()


def leaks(page: Page, forbidden: list[str]) -> list[str]:
    """Forbidden strings in the whole HTML (hidden parts included) or in the visible text."""
    html = page.content().replace("\u2060", "")
    seen = page.inner_text("body").replace("\u2060", "")
    return [f for f in forbidden if f in html or f in seen]


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()


def sharing_badge(page: Page) -> None:
    expect(page.get_by_test_id("stSidebar").get_by_text("● Sharing")).to_be_visible()


# -- share mode ----------------------------------------------------------------------------------


def test_share_link_in_chromium_shows_one_couple_only(
    store: Store, catalog: Catalog, db_file: Path, server_factory, page: Page, artifacts: Path
) -> None:
    couples, private = [], []
    for n, (name, partners) in enumerate(COUPLES):
        couple = make_couple(store, name, partners)
        couples.append(couple)
        for back in range(3):
            period = periods.add_months(THIS_MONTH, -back)
            first, second = couple.partners
            secret = f"PRIVATE-NOTE-{first.name}-{back}"
            private.append(secret)
            check_in(store, catalog, first.partner_id, period, 1 + (back + n) % 4, (secret, True))
            check_in(store, catalog, second.partner_id, period, (back + n) % 3, (f"SHARED-NOTE-{second.name}", False))
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

    page.goto(f"{srv.url}/?{share_query}")
    expect(page.get_by_role("heading", name="Zephyrine")).to_be_visible()
    sharing_badge(page)
    settled(page)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # each link reads "<icon name>\n\n<title>"
    assert [t.strip().splitlines()[-1] for t in links.all_inner_texts()] == ["Sharing", "Trends", "Themes", "Together"]
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")).to_have_count(0)
    assert leaks(page, forbidden) == []

    nav(page, "Trends")
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    expected = shared_subscales(catalog) + 2  # one per shared subscale, and the two perspectives
    assert charts_drawn(page, expected) == expected
    expect(page.get_by_text("Aurelio").first).to_be_visible()
    sharing_badge(page)
    expect(page).to_have_url(re.compile(rf"/trends\?{share_query}$"))
    assert leaks(page, forbidden) == []
    page.screenshot(path=str(artifacts / "share-mode.png"))

    nav(page, "Themes")
    expect(page.get_by_role("heading", name="Recurring themes")).to_be_visible()
    assert charts_drawn(page, 5) == 5
    sharing_badge(page)
    assert leaks(page, forbidden) == []

    nav(page, "Together")
    expect(page.get_by_role("heading", name=f"{periods.label(THIS_MONTH)}, side by side")).to_be_visible()
    settled(page)
    expect(page.get_by_text("SHARED-NOTE-Bettany")).to_be_visible()  # her own shared note shows
    sharing_badge(page)
    assert leaks(page, forbidden) == []

    # a reload in the middle of a screen share stays in share mode, on the same couple
    page.reload()
    expect(page.get_by_role("heading", name=f"{periods.label(THIS_MONTH)}, side by side")).to_be_visible()
    settled(page)
    sharing_badge(page)
    expect(page.get_by_text("SHARED-NOTE-Bettany")).to_be_visible()
    assert leaks(page, forbidden) == []

    # a typed address of a page that does not exist while sharing lands on a shared page
    page.goto(f"{srv.url}/caseload?{share_query}")
    sharing_badge(page)
    settled(page)
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)
    assert leaks(page, forbidden) == []


# -- the reveal ----------------------------------------------------------------------------------


def test_a_month_opens_in_together_when_the_second_partner_submits(
    store: Store, catalog: Catalog, db_file: Path, server_factory, page: Page, artifacts: Path
) -> None:
    couple = make_couple(store, "Rowan & Sable", ("Rowan", "Sable"))
    rowan, sable = couple.partners
    check_in(store, catalog, rowan.partner_id, THIS_MONTH, 3, ("PRIVATE-MARKER-ALPHA, for me only", True))
    # Sable has answered everything but not submitted yet
    check_in(store, catalog, sable.partner_id, THIS_MONTH, 1, ("SHARED-MARKER-BETA, for us", False), submit=False)
    store.close()
    label = periods.label(THIS_MONTH)
    srv = server_factory(db_file)

    page.goto(f"{srv.url}/together")
    expect(page.get_by_text(f"{label} opens when you have both checked in.")).to_be_visible()
    expect(page.get_by_text("Rowan has checked in")).to_be_visible()
    expect(page.get_by_text("Sable has started")).to_be_visible()
    settled(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"{label}, side by side")).to_have_count(0)
    assert leaks(page, ["PRIVATE-MARKER-ALPHA", "SHARED-MARKER-BETA", "Not heard"]) == []

    # Sable submits in the check-in: everything is answered, so it opens on the review
    nav(page, "Check-in")
    page.get_by_test_id("stRadio").filter(has_text="Who is checking in?").get_by_text("Sable", exact=True).click()
    expect(page.get_by_role("heading", name="Look it over")).to_be_visible()
    page.get_by_role("button", name="Submit my check-in").click()
    expect(page.get_by_text("Thank you, Sable.")).to_be_visible()
    expect(page.get_by_text("You have both checked in for this month.")).to_be_visible()

    nav(page, "Together")
    expect(page.get_by_role("heading", name=f"{label}, side by side")).to_be_visible()
    settled(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(scored_instruments(catalog) + 1)  # + "differently"
    expect(page.get_by_role("heading", name="Where you saw it differently")).to_be_visible()
    expect(page.get_by_text("SHARED-MARKER-BETA, for us")).to_be_visible()
    expect(page.get_by_text("Not heard: often; mended: Partly")).to_be_visible()  # Rowan's named hurt
    assert leaks(page, ["PRIVATE-MARKER-ALPHA", *private_titles(catalog)]) == []
    page.screenshot(path=str(artifacts / "together-revealed.png"))
