"""The session report in Chromium: it draws offline, and prints on A4 and Letter in at most ten pages,
with the couple and months at the top of every page after the first, "Page i of N" at the foot, no
heading left at the foot of a page and no page but the last half empty (what it holds:
tests/store/test_report.py).

Printed once per paper: A4 through `mendwell.pdf` (the Chromium it finds first: Debian's headless build when it is
here), Letter through `mendwell report ... OUT.pdf --paper letter` by the whole browser (Debian's `chromium`) when
both are here, so that both builds are held to the same pages; read back with poppler-utils (pdfinfo, pdftotext).
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page, Route

from mendwell.pdf import ENV, find_chromium, html_to_pdf
from mendwell.report import FULL, HALF, running_header
from tests.support.browser import screenshot
from tests.support.cli import run_cli
from tests.support.report import MM, Planted, Printed, charts_in, headings, need_poppler, read_pdf

pytestmark = pytest.mark.browser

MAX_PAGES = 10
SIZES = {"a4": (595, 842), "letter": (612, 792)}  # points
TOP, BOTTOM = 17 * MM, 15 * MM  # the report's page margins: the running header and page number sit in them


@pytest.fixture(scope="module")
def printed(planted: Planted, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """The 12-month report printed on A4 (by mendwell.pdf) and on Letter (by the command line, with the whole
    browser when there is one besides the headless build found first)."""
    need_poppler()
    folder = tmp_path_factory.mktemp("printed")
    a4 = folder / "report-a4.pdf"
    a4.write_bytes(html_to_pdf(planted.html, "a4"))
    letter = folder / "report-letter.pdf"
    whole = shutil.which("chromium")
    other = {ENV: whole} if whole and whole != find_chromium() else {}
    result = run_cli(
        planted.db, "report", "--couple", str(planted.couple_id), "--paper", "letter", str(letter), env_extra=other
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote {letter}" in result.stdout and ", Letter)" in result.stdout
    return {"a4": read_pdf(a4), "letter": read_pdf(letter)}


def body_lines(page: str, running: str) -> list[str]:
    """A page's lines of text without the running header, the report's name and the page number."""
    skip = {running, "Mendwell session report"}
    return [
        s
        for line in page.splitlines()
        if (s := line.strip()) and s not in skip and not re.match(r"Page \d+ of \d+$", s)
    ]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_year_prints_in_at_most_ten_pages(
    printed: dict[str, Printed], paper: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = printed[paper]
    assert tuple(round(x) for x in pdf.size) == SIZES[paper]
    assert 3 <= len(pdf.pages) <= MAX_PAGES
    with capsys.disabled():
        print(f"\n[report] 12-month report printed on {paper}: {len(pdf.pages)} pages")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_page_has_its_number_and_the_couple_and_months(
    printed: dict[str, Printed], planted: Planted, paper: str
) -> None:
    pdf = printed[paper]
    running = running_header(planted.names[0], planted.start, planted.end)
    assert running == f"{planted.names[0]} · {planted.start:%B %Y} to {planted.end:%B %Y}"
    n = len(pdf.pages)
    for i, page in enumerate(pdf.pages, start=1):
        lines = [line.strip() for line in page.splitlines()]
        assert f"Page {i} of {n}" in lines, (i, lines[-5:])
        if i > 1:  # the first page has the couple and months as its title
            assert running in lines, (i, lines[:5])
    assert running not in [line.strip() for line in pdf.pages[0].splitlines()]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_no_heading_is_left_at_the_foot_of_a_page(printed: dict[str, Printed], planted: Planted, paper: str) -> None:
    pdf = printed[paper]
    titles = headings(planted.html)
    assert {"At a glance", "Trends", "Recurring themes", "Months opened together"} <= titles
    running = running_header(planted.names[0], planted.start, planted.end)
    for i, page in enumerate(pdf.pages[:-1], start=1):
        lines = body_lines(page, running)
        assert lines, f"page {i} is empty"
        assert lines[-1] not in titles, f"page {i} ends with the heading {lines[-1]!r}"


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_no_page_but_the_last_is_half_empty(printed: dict[str, Printed], paper: str) -> None:
    pdf = printed[paper]
    height = pdf.size[1]
    for i, words in enumerate(pdf.words[:-1], start=1):
        body = [w for w in words if w.y_min > TOP and w.y_max < height - BOTTOM]
        lowest = max(w.y_max for w in body)
        filled = (lowest - TOP) / (height - TOP - BOTTOM)
        assert filled >= 0.5, f"page {i} is filled to {filled:.0%} of its height"


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
    # before printing, every chart is redrawn at the size its box asks for on paper: small ones two to a row
    sizes = page.evaluate(
        "() => { window.dispatchEvent(new Event('beforeprint'));"
        " return [...document.querySelectorAll('.chart')].map(b => [b.dataset.kind, Number(b.dataset.printWidth),"
        " b.querySelector('.js-plotly-plot')._fullLayout.width, b.getBoundingClientRect().width]); }"
    )
    assert len(sizes) == expected
    assert {kind for kind, asked, _, _ in sizes if asked == HALF} == {"trend", "mirror", "mending"}
    assert {kind for kind, asked, _, _ in sizes if asked == FULL} == {"themes"}
    assert all(drawn == asked for _, asked, drawn, _ in sizes)
    # after printing, the charts take their boxes' width again
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart')].every("
        "b => b.querySelector('.js-plotly-plot')._fullLayout.width > Number(b.dataset.printWidth))"
    )
    assert fetched == [] and problems == []
