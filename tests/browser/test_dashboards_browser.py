"""Trends and Themes in a real browser: `streamlit run app.py` on a demo database, Chromium,
and a screenshot of each page in test-artifacts/ to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell.instruments import Catalog
from tests.support.auth import browser_sign_in, partner_accounts
from tests.support.browser import charts_drawn, screenshot
from tests.support.data import new_database, opened, shared_subscale_count
from tests.support.server import ServerFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_db(db_file: Path, catalog: Catalog) -> tuple[Path, str]:
    """Three demo couples with two years each and accounts for the first couple's partners, written and
    closed (the server opens the file); returns the file and the name the first partner signs in with."""
    new_database(db_file, catalog, demo=(3, 24, 11))
    with opened(db_file) as db:
        first, _ = partner_accounts(db, db.couples.all()[0])
    return db_file, first.name


def test_dashboards_draw_in_chromium(
    page: Page, demo_db: tuple[Path, str], catalog: Catalog, server_factory: ServerFactory
) -> None:
    db, partner = demo_db
    server = server_factory(db)

    trend_charts = shared_subscale_count(catalog)
    assert trend_charts == 11
    browser_sign_in(page, server.url, partner, path="/trends")
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()
    # one chart per shared subscale plus the two perspectives (one per partner)
    drawn = charts_drawn(page, trend_charts + 2)
    assert drawn == trend_charts + 2
    expect(page.get_by_text("Higher is better").first).to_be_visible()
    expect(page.get_by_text("Higher is harder").first).to_be_visible()
    screenshot(page, "trends.png")

    page.goto(f"{server.url}/themes")
    expect(page.get_by_role("heading", name="Recurring themes")).to_be_visible()
    # a heatmap and a kinds chart per partner, and the repair chart
    drawn = charts_drawn(page, 5)
    assert drawn == 5
    expect(page.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(2)
    screenshot(page, "themes.png")
