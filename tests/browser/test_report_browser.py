"""The session report in Chromium: it draws offline, and fits a printed page
(what it holds: tests/store/test_report.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from tests.support.browser import screenshot
from tests.support.report import Planted, charts_in

pytestmark = pytest.mark.browser


def test_the_report_draws_offline_in_chromium(planted: Planted, page: Page) -> None:
    path = planted.db.parent / "browser.html"
    path.write_text(planted.html, encoding="utf-8")
    fetched: list[str] = []

    def only_the_file(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 1200, "height": 1000})
    page.goto(path.as_uri())
    expected = len(charts_in(planted.html))
    page.wait_for_function(
        "n => document.querySelectorAll('.chart .js-plotly-plot .main-svg').length >= 2 * n", arg=expected
    )
    assert page.locator(".chart .js-plotly-plot").count() == expected
    assert fetched == [] and problems == []
    screenshot(page, "report.png", full_page=True)
    # before printing, every chart is redrawn at a width that fits A4 and Letter
    widths = page.evaluate(
        "() => { window.dispatchEvent(new Event('beforeprint'));"
        " return [...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullLayout.width); }"
    )
    assert widths == [660] * expected
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and fetched == [] and problems == []
