"""Trends and Themes in a real browser: `streamlit run app.py` on a demo database, Chromium,
and a screenshot of each page in test-artifacts/ to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell.demo import generate
from mendwell.instruments import Catalog
from mendwell.store import Store

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'


@pytest.fixture
def page(page: Page) -> Page:
    """A tall window (Streamlit scrolls inside its own container, so a screenshot holds
    only what fits) and patience for a busy machine."""
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page


@pytest.fixture
def demo_db(db_file: Path, catalog: Catalog) -> Path:
    """Three demo couples with two years each, written and closed (the server opens the file)."""
    store = Store(db_file)
    try:
        store.register_instruments(catalog.instruments)
        generate(store, catalog, couples=3, months=24, seed=11)
    finally:
        store.close()
    return db_file


def shared_subscales(catalog: Catalog) -> int:
    return sum(1 for i in catalog.instruments for s in i.subscales if not i.is_private_subscale(s.id))


def rendered_charts(page: Page, at_least: int) -> int:
    """Wait until at least `at_least` Plotly charts have drawn their SVG; return how many did."""
    charts = page.locator(CHART)
    expect(charts.first).to_be_visible()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[CHART, at_least], timeout=60_000
    )
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # no script run in progress
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # a chart draws one .main-svg for the plot and one for its hover layer
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count()


def test_dashboards_draw_in_chromium(
    page: Page, demo_db: Path, catalog: Catalog, server_factory, artifacts: Path
) -> None:
    server = server_factory(demo_db)

    trend_charts = shared_subscales(catalog)
    assert trend_charts == 11
    page.goto(f"{server.url}/trends")
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()
    # one chart per shared subscale plus the two perspectives (one per partner)
    drawn = rendered_charts(page, trend_charts + 2)
    assert drawn == trend_charts + 2
    expect(page.get_by_text("Higher is better").first).to_be_visible()
    expect(page.get_by_text("Higher is harder").first).to_be_visible()
    page.screenshot(path=str(artifacts / "trends.png"))

    page.goto(f"{server.url}/themes")
    expect(page.get_by_role("heading", name="Recurring themes")).to_be_visible()
    # a heatmap and a kinds chart per partner, and the repair chart
    drawn = rendered_charts(page, 5)
    assert drawn == 5
    expect(page.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(2)
    page.screenshot(path=str(artifacts / "themes.png"))
