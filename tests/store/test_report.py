"""The session report: one self-contained HTML file with exactly what screen-share mode shows.

A real DuckDB file with three demo couples (real instruments); unique marker
strings are planted for couple 1 (a private and a shared note in a month both
partners submitted, answers to private questions) and for the other couples
(their names, a note), and the built report is searched for them.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from mendwell import charts, cli, pdf
from mendwell.data import Database
from mendwell.errors import ReportError
from mendwell.instruments import Catalog
from mendwell.periods import add_months, label
from mendwell.report import build_report, css_string, default_range, for_paper
from mendwell.scoring import scores
from tests.support.cli import run_cli
from tests.support.data import make_couple, opened
from tests.support.report import (
    OTHER_NAMES,
    OTHER_NOTE,
    PRIVATE_NOTE,
    SHARED_NOTE,
    Planted,
    charts_in,
    full_checkin,
)

PLOTLY_BANNER = re.compile(r"^\s*/\*\*\s*\n\*\s*plotly\.js (\([^)]*\) )?v\d")  # the full library or a bundle of it
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# -- helpers ---------------------------------------------------------------------------------


def submitted_months(store: Database, partner_id: int) -> set[dt.date]:
    df = store.engine.read("SELECT period FROM checkins WHERE partner_id = ? AND status = 'submitted'", [partner_id])
    return {pd.Timestamp(p).date() for p in df["period"]}


def month_list(start: dt.date, end: dt.date) -> list[dt.date]:
    out = [start]
    while out[-1] < end:
        out.append(add_months(out[-1], 1))
    return out


def scripts(doc: str) -> list[tuple[str, str]]:
    """(attributes, body) of every <script> element."""
    return re.findall(r"<script\b([^>]*)>(.*?)</script>", doc, flags=re.S)


def without_plotly(doc: str) -> str:
    """The document with the embedded plotly.js library cut out (it holds URLs of map tiles it never fetches)."""
    for _, body in scripts(doc):
        if PLOTLY_BANNER.match(body):
            return doc.replace(body, "")
    raise AssertionError("no plotly.js in the document")


class Balance(HTMLParser):
    """Checks that every element that is opened is closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def assert_well_formed(doc: str) -> None:
    assert doc.startswith("<!DOCTYPE html>")
    parser = Balance()
    parser.feed(doc)
    parser.close()
    assert parser.errors == [] and parser.stack == [], (parser.errors[:5], parser.stack)


def plotly_libraries(doc: str) -> int:
    return sum(1 for _, body in scripts(doc) if PLOTLY_BANNER.match(body))


def section_ids(doc: str) -> list[tuple[str, str]]:
    """(id, heading) of every part of the report."""
    return re.findall(r'<section id="(\w+)" class="part"><h2>([^<]*)</h2>', doc)


# -- privacy -----------------------------------------------------------------------------------------------


def test_the_shared_note_is_there_and_the_private_one_is_not(planted: Planted) -> None:
    assert planted.note_month == planted.end
    month = re.search(
        rf'<article class="month"><h3>{label(planted.note_month)}</h3>(.*?)</article>', planted.html, re.S
    )
    assert month is not None, "the month both submitted is in 'Months opened together'"
    assert SHARED_NOTE in month.group(1)
    assert f"{html.escape(planted.names[1])} wrote" in month.group(1)
    assert PRIVATE_NOTE not in planted.html
    assert OTHER_NOTE not in planted.html


def test_no_other_couple_or_partner_appears(planted: Planted) -> None:
    for name in OTHER_NAMES:
        assert name not in planted.html
    for name in planted.names:
        assert html.escape(name) in planted.html  # the couple's own names are there


def test_no_private_subscale_item_or_band(planted: Planted, catalog: Catalog) -> None:
    private_subs = [(i, s) for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)]
    assert {(i.id, s.id) for i, s in private_subs} >= {("intimacy", "desire_pressure"), ("resentment", "private_signs")}
    with opened(planted.db) as store:
        had = scores(store, planted.couple_id)
    had = had[pd.to_datetime(had["period"]) == pd.Timestamp(planted.note_month)]
    # the private questions were answered that month, so their scores exist and must be kept out
    assert {("intimacy", "desire_pressure"), ("resentment", "private_signs")} <= set(
        zip(had["instrument_id"], had["subscale_id"], strict=True)
    )
    shared_bands = {b.label for i in catalog.instruments for s in i.subscales if not i.is_private_subscale(s.id)
                    for b in s.bands}  # fmt: skip
    for _inst, sc in private_subs:
        assert sc.title not in planted.html
        assert f'data-subscale="{sc.id}"' not in planted.html
        for band in sc.bands:
            if band.label not in shared_bands:
                assert band.label not in planted.html
    for inst in catalog.instruments:
        for it in inst.items:
            if it.private:
                assert it.text not in planted.html
                assert it.help is None or it.help not in planted.html


# -- the document --------------------------------------------------------------------------------------------


def test_one_inline_plotly_and_nothing_fetched(planted: Planted) -> None:
    doc = planted.html
    assert_well_formed(doc)
    assert plotly_libraries(doc) == 1
    assert not any(re.search(r"\bsrc\s*=", attrs) for attrs, _ in scripts(doc))
    assert 'src="http' not in doc
    rest = without_plotly(doc)
    for needle in ("http://", "https://", "//cdn", "<link", "<img", "<iframe", "@import", "url(", "@font-face"):
        assert needle not in rest, needle
    assert "default-src 'none'" in doc  # the browser may not fetch anything either


def test_sections_and_header(planted: Planted) -> None:
    doc = planted.html
    assert section_ids(doc) == [
        ("glance", "At a glance"),
        ("trends", "Trends"),
        ("themes", "Recurring themes"),
        ("mirror", "How differently we see it"),
        ("together", "Months opened together"),
    ]
    assert f"<h1>{html.escape(planted.names[0])}</h1>" in doc
    assert f'<p class="range">{label(planted.start)} to {label(planted.end)}</p>' in doc
    assert "Generated on 15 January 2030." in doc
    assert "A month is in this report once both of you have checked in for it" in doc
    assert "private answers and private notes never are" in doc
    assert "@media print" in doc and "page-break-inside: avoid" in doc


def test_one_trend_chart_per_shared_subscale_with_data(planted: Planted, catalog: Catalog) -> None:
    with opened(planted.db) as store:
        sc = scores(store, planted.couple_id)
    p = pd.to_datetime(sc["period"])
    sc = sc[(p >= pd.Timestamp(planted.start)) & (p <= pd.Timestamp(planted.end))]
    expected = {
        (i, s) for i, s in zip(sc["instrument_id"], sc["subscale_id"], strict=True)
        if (inst := catalog.get(i)) is not None and not inst.is_private_subscale(s)
    }  # fmt: skip
    trends = [c for c in charts_in(planted.html) if c.kind == "trend"]
    assert len(trends) == len(expected) == 11
    assert {(c.attrs["instrument"], c.attrs["subscale"]) for c in trends} == expected
    assert len(planted.html.split('data-kind="trend"')) - 1 == len(expected)


def test_the_themes_grids_key_comes_before_them(planted: Planted) -> None:
    """What a shade stands for is read before the grids, and stays with them on paper (an intro note)."""
    html = planted.html
    key = html.index("A cell darkens with the number of answers")
    assert key < html.index('data-kind="themes"')
    assert html.rfind('<p class="quiet intro">', 0, key) > html.rfind("<h3>Month by month</h3>", 0, key) > 0


def test_charts_stay_inside_the_range_with_gaps_for_missed_months(planted: Planted) -> None:
    months = [f"{m:%Y-%m-%d}" for m in month_list(planted.start, planted.end)]
    assert len(months) == 12
    found = charts_in(planted.html)
    assert {c.kind for c in found} == {"trend", "themes", "mending", "mirror"}
    after = f"{add_months(planted.end, 1):%Y-%m-%d}"
    for chart in found:
        for trace in chart.data:
            assert set(trace.get("x", [])) <= set(months), (chart.kind, chart.attrs)
        # nor its axis: a year's chart ran on to a tick of the next January (found in a printed report)
        if chart.kind != "themes":  # a heatmap's columns are its months
            low, high = chart.layout["xaxis"]["range"]
            assert months[0] > low > f"{add_months(planted.start, -1):%Y-%m-%d}" and months[-1] < high < after
    with opened(planted.db) as store:
        came = {pid: submitted_months(store, pid) for pid in planted.partner_ids}
    signs = next(c for c in found if c.attrs.get("subscale") == "signs")  # answered in every check-in
    lines = [t for t in signs.data if t.get("meta", {}).get("role") == "partner"]
    assert len(lines) == 2
    for line in lines:
        assert line["x"] == months  # every month of the range, none outside it
        missed = {x for x, y in zip(line["x"], line["y"], strict=True) if y is None}
        expected = {f"{m:%Y-%m-%d}" for m in month_list(planted.start, planted.end)} - {
            f"{m:%Y-%m-%d}" for m in came[line["meta"]["partner_id"]]
        }
        assert missed == expected


def test_months_opened_together_are_the_revealed_months_in_range_newest_first(planted: Planted) -> None:
    with opened(planted.db) as store:
        a, b = (submitted_months(store, pid) for pid in planted.partner_ids)
    both = sorted((m for m in a & b if planted.start <= m <= planted.end), reverse=True)
    shown = re.findall(r'<article class="month"><h3>([^<]*)</h3>', planted.html)
    assert shown == [label(m) for m in both]
    assert len(shown) >= 6


def test_a_narrower_range_is_respected(planted: Planted, catalog: Catalog) -> None:
    start, end = add_months(planted.end, -8), add_months(planted.end, -4)
    with opened(planted.db) as store:
        doc = build_report(store, catalog, planted.couple_id, start, end)
    months = {f"{m:%Y-%m-%d}" for m in month_list(start, end)}
    found = charts_in(doc)
    assert found
    for chart in found:
        for trace in chart.data:
            assert set(trace.get("x", [])) <= months
    shown = re.findall(r'<article class="month"><h3>([^<]*)</h3>', doc)
    assert shown and all(h in {label(m) for m in month_list(start, end)} for h in shown)
    assert f"{label(start)} to {label(end)}" in doc
    assert SHARED_NOTE not in doc  # its month is after this range
    with opened(planted.db) as store, pytest.raises(ReportError, match="after it ends"):
        build_report(store, catalog, planted.couple_id, end, start)


def test_build_time_on_the_demo_database(
    planted: Planted, catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    with opened(planted.db) as store:
        began = time.perf_counter()
        doc = build_report(store, catalog, planted.couple_id, add_months(planted.end, -23), planted.end)
        full = time.perf_counter() - began
    # the same parts over twice the months; more months opened together
    assert sum(c.kind == "trend" for c in charts_in(doc)) == 11
    assert doc.count('<article class="month">') > planted.html.count('<article class="month">')
    with capsys.disabled():
        print(
            f"\n[report] 3 couples x 24 months: 12-month report {planted.seconds:.3f} s (first build), "
            f"24-month report {full:.3f} s; {len(planted.html) / 1e6:.1f} MB"
        )


# -- escaping, and an empty couple ----------------------------------------------------------------------------

HOSTILE_COUPLE = "<script>alert(1)</script>"
HOSTILE_PARTNERS = ("**bold**", "&amp;")
HOSTILE_NOTE = "</script><script>alert(2)</script> <img src=x onerror=alert(3)> <b>loud</b>"


def test_hostile_names_and_notes_are_escaped(
    store: Database, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "VALIDATE", True)  # every figure is also checked against plotly's schema
    couple = make_couple(store, HOSTILE_COUPLE, HOSTILE_PARTNERS)
    couple_id = couple.couple_id
    first = dt.date(2026, 1, 1)
    for i in range(3):
        for p in couple.partners:
            full_checkin(store, catalog, p.partner_id, add_months(first, i), HOSTILE_NOTE, private=False)
    doc = build_report(store, catalog, couple_id, first, add_months(first, 2))
    assert_well_formed(doc)
    for raw in ("<script>alert", "<img src=x", "<b>loud</b>"):
        assert raw not in doc
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in doc
    assert "<title>Session report: &lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&amp;amp;" in doc and "**bold**" in doc
    assert "&lt;img src=x onerror=alert(3)&gt;" in doc  # the shared note, shown as text
    # chart text goes through charts.plot_text: names are inert in the figures too
    names = {t.get("name") for c in charts_in(doc) for t in c.data if t.get("meta", {}).get("role") == "partner"}
    assert names == {"**bold**", "&amp;amp;"}


def test_an_empty_couple_gets_a_kind_report(store: Database, catalog: Catalog) -> None:
    couple_id = store.couples.create("Quiet & Start", ["Quinn", "Sasha"])
    start, end = default_range(store, couple_id, today=dt.date(2026, 5, 20))
    assert (start, end) == (dt.date(2025, 6, 1), dt.date(2026, 5, 1))
    doc = build_report(store, catalog, couple_id, start, end)
    assert_well_formed(doc)
    assert "Nothing to show yet" in doc
    assert "June 2025 to May 2026" in doc
    assert "Quinn" in doc and "Sasha" in doc
    assert charts_in(doc) == [] and section_ids(doc) == []
    assert plotly_libraries(doc) == 1
    with pytest.raises(ReportError, match="no couple with id 999"):
        build_report(store, catalog, 999, start, end)


def test_thin_data_is_named_kindly(store: Database, catalog: Catalog) -> None:
    """One month open to both, Robin's next one waiting for Kim: no empty charts, each month a kind word."""
    couple = make_couple(store, "Early Days", ("Robin", "Kim"))
    couple_id, (robin, kim) = couple.couple_id, (p.partner_id for p in couple.partners)
    first, march = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    for month in (first, march):
        full_checkin(store, catalog, robin, month, "Shared from Robin", private=False)
    full_checkin(store, catalog, kim, first, "Shared from Kim", private=False)
    doc = build_report(store, catalog, couple_id, first, march)
    assert_well_formed(doc)
    assert [sid for sid, _ in section_ids(doc)] == ["glance", "trends", "themes", "mirror", "together"]
    assert "One month so far: a line needs two months, so each of you shows as a single point." in doc
    assert "come up in 3 months; one month is too few to tell yet." in doc  # the one month open to both
    assert "of the last 1 months" not in doc  # one month is no recurring theme, at a glance either
    assert "Robin has checked in for March 2026. It shows here once that month opens on Together" in doc
    assert "Months without a check-in from Kim: March 2026." in doc  # made later: March has ended
    in_march = build_report(store, catalog, couple_id, first, march, today=dt.date(2026, 3, 20))
    assert "Months without a check-in from Kim" not in in_march  # March is still hers to answer
    assert "Shared from Robin" in doc and "Shared from Kim" in doc  # February's notes: open to both
    found = charts_in(doc)
    assert {c.kind for c in found} == {"trend", "themes", "mending", "mirror"}
    # no chart shows a value for Robin's March: it waits for Kim
    for chart in found:
        for trace in chart.data:
            if trace.get("meta", {}).get("partner_id") == robin:
                points = dict(zip(trace.get("x", []), trace.get("y", []), strict=False))
                assert points.get(f"{march:%Y-%m-%d}") is None, (chart.kind, trace.get("name"))

    later = build_report(store, catalog, couple_id, dt.date(2026, 6, 1), dt.date(2026, 9, 1))
    assert "Nothing to show yet" in later and charts_in(later) == []
    assert "Their check-ins so far are from February 2026; a report over that month will show them." in later


def test_a_report_waits_for_months_open_to_both_whoever_prepares_it(store: Database, catalog: Catalog) -> None:
    """Only Robin has checked in: the report, whoever prepares it (a therapist sees those months on the pages,
    but a report is shown and handed to the two of them), holds none of Robin's months and says why."""
    couple = make_couple(store, "Early Days", ("Robin", "Kim"))
    couple_id, robin = couple.couple_id, couple.partners[0].partner_id
    first = dt.date(2026, 2, 1)
    for i in range(2):
        full_checkin(store, catalog, robin, add_months(first, i), "Shared from Robin", private=False)
    doc = build_report(store, catalog, couple_id, first, add_months(first, 1))
    assert_well_formed(doc)
    assert "Robin has checked in for February and March 2026. They show here once those months open" in doc
    assert not [t for c in charts_in(doc) for t in c.data if t.get("meta", {}).get("partner_id") == robin]
    assert "Shared from Robin" not in doc
    # the default span ends with the latest month open to both; with none yet, with the latest check-in
    assert default_range(store, couple_id) == (add_months(first, -10), add_months(first, 1))


# -- the command line ------------------------------------------------------------------------------------------


def test_cli_writes_the_report(planted: Planted) -> None:
    out = planted.db.parent / "report.html"
    result = run_cli(planted.db, "report", "--couple", str(planted.couple_id), str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    size = out.stat().st_size
    assert str(out) in result.stdout and f"{size / 1e6:.1f} MB" in result.stdout
    doc = out.read_text(encoding="utf-8")
    # defaults: the 12 months up to the latest month open to both, as in the fixture's report
    assert f'<p class="range">{label(planted.start)} to {label(planted.end)}</p>' in doc
    assert SHARED_NOTE in doc and PRIVATE_NOTE not in doc
    assert plotly_libraries(doc) == 1

    out2 = planted.db.parent / "spring.html"
    result = run_cli(
        planted.db, "report", "--couple", str(planted.couple_id), "--from", "2026-03", "--to", "2026-05", str(out2)
    )
    assert result.returncode == 0, result.stderr
    assert "March 2026 to May 2026" in out2.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--couple", "99"], "There is no couple with id 99"),
        (["--couple", "1", "--from", "2026-13"], "'2026-13' is not a month"),
        (["--couple", "1", "--to", "March"], "'March' is not a month"),
        (["--couple", "1", "--from", "2026-09", "--to", "2026-03"], "--from (2026-09) is after --to (2026-03)"),
        (["--couple", "1", "--from", "2999-01"], "is after the last month a report can show yet"),
    ],
)
def test_cli_errors_are_plain(planted: Planted, args: list[str], message: str) -> None:
    out = planted.db.parent / "not-written.html"
    result = run_cli(planted.db, "report", *args, str(out))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_cli_unwritable_output(planted: Planted) -> None:
    folder = planted.db.parent
    for out, message in (
        (folder / "missing" / "r.html", "does not exist"),
        (folder, "is a folder"),
        (folder / ("x" * 300 + ".html"), "Cannot write"),  # too long a name: the write itself fails
    ):
        result = run_cli(planted.db, "report", "--couple", str(planted.couple_id), str(out))
        assert result.returncode == 1, out
        assert message in result.stderr
        assert "Traceback" not in result.stderr


# -- on paper ----------------------------------------------------------------------------------------------


def css_unescape(text: str) -> str:
    return re.sub(r"\\([0-9a-fA-F]{6})", lambda m: chr(int(m.group(1), 16)), text)


def running_content(doc: str) -> str:
    """The running header's words, read back from the report's CSS."""
    found = re.findall(r'@top-left \{ content: "((?:[^"\\]|\\[0-9a-fA-F]{6})*)"', doc)
    assert len(found) == 1, found
    return css_unescape(found[0])


def test_every_printed_page_names_the_couple_and_months(planted: Planted) -> None:
    doc = planted.html
    assert running_content(doc) == f"{planted.names[0]} · {label(planted.start)} to {label(planted.end)}"
    assert 'counter(page) " of " counter(pages)' in doc
    # nothing forces a page break; headings stay with what follows them
    assert "break-before: page" not in doc and "page-break-before: always" not in doc
    assert re.search(r"h2, h3, h4, dt, figcaption \{ break-after: avoid;", doc)
    # the page has no size of its own (the browser's print dialog chooses) until a PDF asks for one
    assert "size: A4" not in doc and "size: Letter" not in doc
    assert "@page { size: Letter; }</style>" in for_paper(doc, "letter")
    assert "@page { size: A4; }</style>" in for_paper(doc, "A4")
    with pytest.raises(ReportError, match="A4 or Letter"):
        for_paper(doc, "a3")


def test_a_hostile_name_stays_inside_the_running_header() -> None:
    for name in (HOSTILE_COUPLE, 'Quote " and \\ back', "Line\nbreak", "</style><style>*{display:none}"):
        css = css_string(name)
        assert re.fullmatch(r'"(?:[A-Za-z0-9]|\\[0-9a-f]{6})*"', css), css
        assert css_unescape(css[1:-1]) == name


def test_the_months_opened_together_are_compact(planted: Planted, catalog: Catalog) -> None:
    """One table holds every revealed month's scores (a column a month, a row per part and partner);
    each month's card holds only the small hurts named and the shared notes."""
    with opened(planted.db) as store:
        a, b = (submitted_months(store, pid) for pid in planted.partner_ids)
        sc = scores(store, planted.couple_id)
    both = sorted((m for m in a & b if planted.start <= m <= planted.end), reverse=True)
    tables = re.findall(r'<table class="by-month">(.*?)</table>', planted.html, re.S)
    assert len(tables) == 1  # 12 months fit one table
    head, body = tables[0].split("</thead>")
    assert re.findall(r'<th scope="col" class="n">(\w+)<br><span class="when">(\d+)</span>', head) == [
        (f"{m:%b}", f"{m:%Y}") for m in both
    ]
    private = {(i.id, s.id) for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)}
    shared = sc[[k not in private for k in zip(sc["instrument_id"], sc["subscale_id"], strict=True)]]
    rows = re.findall(
        r'<tr>(?:<th scope="rowgroup" rowspan="2">([^<]*)</th>)?<td class="who">([^<]*)</td>(.*?)</tr>', body
    )
    assert len(rows) == 2 * 11
    names = [html.escape(planted.names[1]), html.escape(planted.names[2])] * 11
    assert [who for _, who, _ in rows] == names
    # the newest month's scores, part by part and partner by partner, as the database has them
    newest = pd.Timestamp(both[0])
    title_of = {(i.id, s.id): s.title for i in catalog.instruments for s in i.subscales}
    want = {
        (html.escape(title_of[(r.instrument_id, r.subscale_id)]), int(r.partner_id)): f"{r.score:.2f}"
        for r in shared[pd.to_datetime(shared["period"]) == newest].itertuples()
    }
    got = {}
    part = ""
    for (title, _who, cells), pid in zip(rows, list(planted.partner_ids) * 11, strict=True):
        part = title or part
        first = re.match(r'<td class="n"(?: title="[^"]*")?>(?:<span class="score">([\d.]+)</span>)?', cells)
        assert first is not None
        if first.group(1) is not None:
            got[(part, pid)] = first.group(1)
    assert got == want and len(got) >= 20
    cards = re.findall(r'<article class="month">(.*?)</article>', planted.html, re.S)
    assert len(cards) == len(both)
    for card in cards:
        assert "<table" not in card  # no per-month table of scores any more
        assert card.count("named</dt>") == 2


def test_without_chromium_a_pdf_is_declined_kindly(
    planted: Planted, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-chromium-here"
    monkeypatch.setenv(pdf.ENV, str(missing))
    assert pdf.find_chromium() is None
    why = pdf.unavailable_reason()
    assert why is not None and str(missing) in why and "Chromium" in why
    with pytest.raises(ReportError) as raised:
        pdf.html_to_pdf(planted.html, "a4")
    assert str(raised.value) == why
    # the command line says so before it does anything, and writes nothing
    monkeypatch.setenv("MENDWELL_DB", str(planted.db))
    out = tmp_path / "report.pdf"
    assert cli.main(["report", "--couple", str(planted.couple_id), str(out)]) == 1
    assert capsys.readouterr().err == f"mendwell: {why}\n"
    assert not out.exists()
    # with nothing set and nothing on the PATH, the message says how to install it
    monkeypatch.delenv(pdf.ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.unavailable_reason() == pdf.NOT_INSTALLED
    assert "sudo apt-get install chromium-headless-shell" in pdf.NOT_INSTALLED


def test_the_headless_build_is_looked_for_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With both on the PATH, Chromium's headless build prints (the same pages, sooner); the whole browser serves
    alone."""
    for name in ("chromium", "chromium-headless-shell"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.delenv(pdf.ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.find_chromium() == str(tmp_path / "chromium-headless-shell")
    (tmp_path / "chromium-headless-shell").unlink()
    assert pdf.find_chromium() == str(tmp_path / "chromium")


def test_paper_is_for_a_pdf(
    planted: Planted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MENDWELL_DB", str(planted.db))
    out = planted.db.parent / "paper.html"
    assert cli.main(["report", "--couple", str(planted.couple_id), "--paper", "letter", str(out)]) == 1
    assert "--paper is for a PDF" in capsys.readouterr().err
    assert not out.exists()


def test_chromium_prints_headless_offline_and_without_its_own_header(tmp_path: Path) -> None:
    command = pdf.chromium_command("/usr/bin/chromium", tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "p")
    assert command[0] == "/usr/bin/chromium" and command[-1] == (tmp_path / "r.html").as_uri()
    for flag in ("--headless", "--no-pdf-header-footer", "--disable-background-networking",
                 "--disable-component-update", f"--user-data-dir={tmp_path / 'p'}",
                 f"--print-to-pdf={tmp_path / 'r.pdf'}", "--host-resolver-rules=MAP * ~NOTFOUND"):  # fmt: skip
        assert flag in command, flag
    assert ("--no-sandbox" in command) == (os.geteuid() == 0)


def fake_chromium(folder: Path, body: str) -> Path:
    """A program in Chromium's place (to see what happens when it hangs or fails)."""
    path = folder / "fake-chromium"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_a_chromium_that_hangs_or_fails_gets_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "pid"
    monkeypatch.setenv(pdf.ENV, str(fake_chromium(tmp_path, f"echo $$ > {pid_file}; exec sleep 60")))
    with pytest.raises(ReportError, match="did not finish the PDF within 1 seconds"):
        pdf.html_to_pdf("<!DOCTYPE html><style></style>", "a4", timeout=1)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # it was ended, not left behind
        os.kill(pid, 0)
    monkeypatch.setenv(pdf.ENV, str(fake_chromium(tmp_path, "echo 'something broke' >&2; exit 3")))
    with pytest.raises(ReportError, match=r"could not print the PDF \(exit status 3: something broke\)"):
        pdf.html_to_pdf("<!DOCTYPE html><style></style>", "letter")


def test_the_mending_charts_are_named_once(planted: Planted) -> None:
    """The heading above the mending charts names them; each chart is titled with whose it is (not the heading
    again), and says what it shows in a sentence under the two."""
    mending = [c for c in charts_in(planted.html) if c.kind == "mending"]
    assert mending and all((c.layout.get("title") or {}).get("text") in planted.names[1:] for c in mending)
    assert planted.html.count(f"<h3>{charts.REPAIR_TITLE}</h3>") == 1
    assert "small hurts and how far they were mended" in planted.html
