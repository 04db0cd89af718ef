"""Every chart the app draws is a valid Plotly figure (the app skips plotly's validation for speed)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io
import pytest

from mendwell import analysis, charts, stats
from mendwell.data import Database
from mendwell.instruments import Catalog

STYLES = [charts.PartnerStyle(1, "<b>Ann</b> %{y}", 1), charts.PartnerStyle(2, "Bob", 2)]


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build figures with plotly's full validation switched on."""
    monkeypatch.setattr(charts, "VALIDATE", True)


def _revalidate(fig: go.Figure) -> None:
    # an unknown key or a wrong type raises here
    go.Figure(fig.to_dict())


def _demo_figures(demo_store: Database, catalog: Catalog) -> list[go.Figure]:
    """Trend (both sizes), heatmap, kinds, mending and mirror figures of a demo couple."""
    couple = demo_store.couples.all()[0]
    styles = [charts.PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]
    rc = analysis.reliable_change(demo_store, couple.couple_id)
    inst = catalog.get("bids")
    assert inst is not None
    part = analysis.with_gaps(rc[(rc["instrument_id"] == "bids") & (rc["subscale_id"] == "my_bids_met")])
    meta = charts.SubscaleMeta("Met", "better", 0, 4, (charts.BandRegion(0, 1.5, "Hard", "concern"),))
    figs = [charts.trend_figure(part, meta, styles), charts.trend_figure(part, meta, styles, large=True)]
    signals = analysis.theme_signals(demo_store, couple.couple_id)
    months = list(pd.date_range(pd.to_datetime(rc["period"]).min(), pd.to_datetime(rc["period"]).max(), freq="MS"))
    titles = {t.id: t.title for t in catalog.themes.values()}
    figs.append(charts.theme_heatmap(analysis.theme_months(signals), titles, months, "Themes"))
    kinds = analysis.micro_hurt_kinds(demo_store, couple.couple_id).assign(how_often="Once")
    figs.append(charts.kinds_figure(kinds, {"unheard_often": "Not heard"}, months, "Kinds"))
    mending = analysis.repair_counts(demo_store, couple.couple_id)
    figs.append(charts.mending_figure(mending[mending["partner_id"] == styles[0].partner_id], months, "Mended"))
    mirrors = analysis.mirrored_views(demo_store, couple.couple_id)
    figs.append(
        charts.mirror_figure(mirrors[mirrors["receiver_id"] == styles[0].partner_id], styles[0], styles[1], 0, 4)
    )
    return figs


def test_all_figures_validate(strict: None, demo_store: Database, catalog: Catalog) -> None:
    """Trend, heatmap, kinds, repair and mirror figures of a demo couple pass plotly's schema."""
    for fig in _demo_figures(demo_store, catalog):
        _revalidate(fig)
        assert fig.data, fig.layout.title.text


_FIELD = re.compile(r"%\{([^}|:]+)(?:[|:]([^}]*))?\}")  # %{name}, %{name:format}, %{x|date format}


def _hover_lines(fig: go.Figure) -> list[str]:
    """Every line of every hover label `fig` can show (each trace's template filled in for each of its points,
    as Plotly fills it), as the text a person reads; the partner's name Plotly shows in a box of its own."""
    lines: list[str] = []
    for trace in fig.to_dict()["data"]:
        if trace.get("hoverinfo") == "skip":
            continue  # shows no label
        body = str(trace.get("hovertemplate", "")).split("<extra>")[0]
        if trace["type"] == "heatmap":
            words = trace.get("customdata") or [[None] * len(row) for row in trace["z"]]
            points = [
                {"x": x, "y": y, "z": z, "customdata": c}
                for y, row, said in zip(trace["y"], trace["z"], words, strict=True)
                for x, z, c in zip(trace["x"], row, said, strict=True)
            ]
        else:
            data = trace.get("customdata") or [None] * len(trace["x"])
            points = [
                {"x": x, "y": y, "customdata": c}
                for x, y, c in zip(trace["x"], trace["y"], data, strict=True)
                if y is not None
            ]

        for point in points:

            def fill(m: re.Match[str], point: dict[str, Any] = point) -> str:
                name, spec = m.group(1), m.group(2)
                custom = name.startswith("customdata[")
                value = point["customdata"][int(name[11:-1])] if custom else point[name]
                if name == "customdata":
                    return str(value)
                if name == "x" and spec:
                    return str(pd.Timestamp(str(value)).strftime(spec))
                return format(float(value), spec) if spec else str(value)

            lines += [html.unescape(line) for line in _FIELD.sub(fill, body).split("<br>")]
    return lines


def test_hover_labels_fit_beside_a_point_on_a_phone(demo_store: Database, catalog: Catalog) -> None:
    """Plotly never wraps a hover label and clips it at the chart's edge: every line of every label, the
    reliable-change marks' and words from a questionnaire file included, is at most `HOVER_CHARS` long."""
    long_band = "Often reaching out and often finding the other one there"
    marked = pd.DataFrame(
        {
            "partner_id": [1, 1, 1, 2, 2, 2],
            "period": ["2025-09-01", "2025-10-01", "2025-11-01"] * 2,
            "score": [1.0, 2.0, 3.5, 3.5, 2.5, 1.0],
            "band": ["Hard", "Mixed", long_band, long_band, "Mixed", None],
            "verdict": [
                *(stats.CANT_TELL, stats.NO_CHANGE, stats.IMPROVED),
                *(stats.CANT_TELL, stats.NO_CHANGE, stats.WORSENED),
            ],
            "change": [0.0, 1.0, 2.5, 0.0, -1.0, -12.5],
            "threshold": [1.2, 1.2, 1.2, 1.2, 1.2, 10.25],
            "reference_period": ["2025-09-01"] * 6,
        }
    )
    figs = _demo_figures(demo_store, catalog)
    figs.append(charts.trend_figure(marked, charts.SubscaleMeta("T", "better", 0, 4), STYLES))
    kinds = pd.DataFrame({"period": ["2025-09-01"], "item_id": ["brushed"], "how_often": ["More than a few times"]})
    months = list(pd.date_range("2025-09-01", periods=3, freq="MS"))
    brushed = "Felt brushed aside when sharing something that mattered"
    figs.append(charts.kinds_figure(kinds, {"brushed": brushed}, months, "K"))
    # the marks take no hover of their own: the words are in the label of the point they sit on
    marks = [t for t in figs[-2].data if (t.meta or {}).get("role") == "reliable_change"]
    assert len(marks) == 2 and all(t.hoverinfo == "skip" and not t.hovertemplate for t in marks)
    long_theme = "Feeling criticised for the way I look after our home and our children"
    heat = pd.DataFrame({"theme_id": ["crit"], "period": ["2025-09-01"], "signals": [2]})
    figs.append(charts.theme_heatmap(heat, {"crit": long_theme, "alone": "Alone"}, months, "Themes"))
    lines = [line for fig in figs for line in _hover_lines(fig)]
    assert "Reliably higher than" in lines and "Reliably lower than" in lines  # the marks' labels were read
    assert "-12.50 since Sep 2025" in lines
    assert "" not in lines  # no empty line (a month with no band, a mark with no band)
    too_long = sorted({line for line in lines if len(line) > charts.HOVER_CHARS}, key=len)
    assert not too_long, too_long
    # a long label from a questionnaire file is wrapped, not cut: every word is still there
    for label in (long_band, brushed, long_theme):
        assert " ".join(line for line in dict.fromkeys(lines) if len(line) > 3 and line in label) == label


def test_names_are_inert_in_figures(strict: None) -> None:
    """Plotly reads <b>, <a> and %{...} in names: they are escaped everywhere a name appears."""
    df = pd.DataFrame(
        {"partner_id": [1, 1], "period": ["2026-01-01", "2026-02-01"], "score": [1.0, 3.0], "band": ["x", "y"]}
    )
    fig = charts.trend_figure(df, charts.SubscaleMeta("T", "better", 0, 4), STYLES)
    trace = fig.data[0]
    assert trace.name == "&lt;b&gt;Ann&lt;/b&gt; &#37;{y}"
    assert "<b>Ann" not in trace.hovertemplate and "&lt;b&gt;Ann" in trace.hovertemplate


def test_missed_month_is_a_gap(strict: None) -> None:
    """A NaN score becomes null in the figure and connectgaps is off, so the line breaks."""
    df = pd.DataFrame(
        {
            "partner_id": [1, 1, 1],
            "period": ["2026-01-01", "2026-02-01", "2026-03-01"],
            "score": [1.0, float("nan"), 3.0],
            "band": ["a", None, "c"],
        }
    )
    trace = charts.trend_figure(df, charts.SubscaleMeta("T", "better", 0, 4), STYLES[:1]).data[0]
    assert list(trace.y) == [1.0, None, 3.0]
    assert trace.connectgaps is False


def test_where_both_scored_the_same_both_marks_show(strict: None) -> None:
    """Both partners scored 2.25 in June: the mark drawn over the other is open, so the first partner's dot shows
    inside it (a walk-through saw one mark, and the sentence counted two); both marks the same size, so neither
    partner's line looks heavier."""
    df = pd.DataFrame({"partner_id": [1, 2], "period": ["2026-06-01"] * 2, "score": [2.25, 2.25], "band": ["b", "b"]})
    for order in (STYLES, STYLES[::-1]):  # whichever order the partners come in
        lines = [t for t in charts.trend_figure(df, charts.SubscaleMeta("T", "better", 0, 4), order).data
                 if (t.meta or {}).get("role") == "partner"]  # fmt: skip
        assert len(lines) == 2 and lines[0].marker.size == lines[1].marker.size
        assert not lines[0].marker.symbol.endswith("-open") and lines[1].marker.symbol.endswith("-open")


def _trend_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner_id": [1, 1, 1, 2, 2, 2],
            "period": ["2026-01-01", "2026-02-01", "2026-03-01"] * 2,
            "score": [1 / 3, 2 / 3, 3.6666666666666665, 2.0, float("nan"), 2.5],
            "band": ["a", "b", "c", "a", None, "b"],
        }
    )


def test_a_screen_figure_sends_no_template_compact_numbers_and_its_data_revision(strict: None) -> None:
    """What the page sends of a chart for the screen (ui.chart_element): no Plotly template (every colour is set),
    7 significant digits, and a data revision that names the data (the same data, the same revision)."""
    fig = charts.trend_figure(_trend_df(), charts.SubscaleMeta("T", "better", 0, 4), STYLES)
    screen = charts.for_screen(fig)
    _revalidate(screen)
    sent = plotly.io.to_json(screen.to_dict(), validate=False)
    full = plotly.io.to_json(fig.to_dict(), validate=False)
    assert json.loads(sent)["layout"]["template"] == {}
    assert len(sent) < 0.5 * len(full)  # the template was most of it
    assert "3.6666666666666665" not in sent and "3.666667" in sent
    assert json.loads(sent)["data"][0]["y"] == [0.3333333, 0.6666667, 3.666667]
    again = charts.for_screen(charts.trend_figure(_trend_df(), charts.SubscaleMeta("T", "better", 0, 4), STYLES))
    other = charts.for_screen(
        charts.trend_figure(_trend_df().assign(score=1.0), charts.SubscaleMeta("T", "better", 0, 4), STYLES)
    )
    assert screen.layout.datarevision == again.layout.datarevision != other.layout.datarevision


def test_line_charts_have_fixed_margins(strict: None) -> None:
    """Automatic margins make Plotly draw each chart once more: line charts get fixed ones, with room for
    the tick labels and the vertical axis title (larger on a shared screen)."""
    meta = charts.SubscaleMeta("T", "better", 0, 4)
    for large in (False, True):
        layout = charts.trend_figure(_trend_df(), meta, STYLES, large=large).layout
        assert layout.xaxis.automargin is False and layout.yaxis.automargin is False
        assert layout.margin.l >= 60 and layout.margin.b >= 30
    small = charts.trend_figure(_trend_df(), meta, STYLES).layout.margin.l
    assert charts.trend_figure(_trend_df(), meta, STYLES, large=True).layout.margin.l > small


def test_charts_are_drawn_in_the_font_streamlit_loads() -> None:
    """The charts name first the font Streamlit's pages are set in (and load), so a chart reads like the page
    around it rather than in the browser's fallback; an upgrade of Streamlit that renames it fails here."""
    import streamlit

    scripts = (Path(streamlit.__file__).parent / "static" / "static" / "js").glob("*.js")
    names = {m for f in scripts for m in re.findall(r'sansSerif:`"([^"]+)"', f.read_text(encoding="utf-8"))}
    assert len(names) == 1, names
    assert charts.FONT["family"].split(",")[0].strip() == names.pop()


def test_themes_charts_are_larger_on_a_shared_screen(demo_store: Database, catalog: Catalog) -> None:
    """On a shared screen (a therapist's video call) the Themes charts are drawn in larger type and taller, as
    Trends' are: the heatmap, the kinds of small hurt and how far they were mended (they stayed the size of a
    phone's)."""
    couple = demo_store.couples.all()[0]
    rc = analysis.reliable_change(demo_store, couple.couple_id)
    months = list(pd.date_range(pd.to_datetime(rc["period"]).min(), pd.to_datetime(rc["period"]).max(), freq="MS"))
    titles = {t.id: t.title for t in catalog.themes.values()}
    heat = analysis.theme_months(analysis.theme_signals(demo_store, couple.couple_id))
    kinds = analysis.micro_hurt_kinds(demo_store, couple.couple_id).assign(how_often="Once")
    mending = analysis.repair_counts(demo_store, couple.couple_id)
    builds: list[Callable[[bool], go.Figure]] = [
        lambda large: charts.theme_heatmap(heat, titles, months, "Themes", large=large),
        lambda large: charts.kinds_figure(kinds, {"unheard_often": "Not heard"}, months, "Kinds", large=large),
        lambda large: charts.mending_figure(mending, months, "Mended", large=large),
    ]
    for build in builds:
        small, big = build(False).layout, build(True).layout
        assert big.font.size == 18 > small.font.size, (big.font.size, small.font.size)
        assert big.height > small.height and big.margin.l >= small.margin.l


def test_a_theme_cell_says_how_many_answers_in_words(demo_store: Database, catalog: Catalog) -> None:
    """A cell's label counts in words, never "0 answer(s)"."""
    lines = [line for fig in _demo_figures(demo_store, catalog) for line in _hover_lines(fig)]
    counted = [line for line in lines if line.endswith("pointing here")]
    assert counted and not [line for line in lines if "(s)" in line]
    assert {"No answers pointing here", "1 answer pointing here"} <= set(counted)
    assert [charts.answers_pointing(n) for n in (0, 1, 2, 12)] == ["No answers", "1 answer", "2 answers", "12 answers"]


def test_the_words_inside_a_chart_are_larger_on_a_shared_screen(strict: None) -> None:
    """Band names and the clinical cut-off are read across a video call too: larger with the chart's other
    words, never smaller than on a phone."""
    bands = (charts.BandRegion(0, 1.5, "Hard", "concern"), charts.BandRegion(1.5, 4, "Easier", "ok"))
    meta = charts.SubscaleMeta("T", "better", 0, 4, bands, cutoff=2.0, norms_source="A manual")
    sizes = {}
    for large in (False, True):
        layout = charts.trend_figure(_trend_df(), meta, STYLES, large=large).layout
        assert len(layout.annotations) == 3  # two bands and the cut-off
        sizes[large] = {a.font.size for a in layout.annotations}
    assert sizes == {False: {charts.LABEL_SIZE}, True: {charts.LABEL_SIZE_LARGE}}
    assert charts.LABEL_SIZE < charts.LABEL_SIZE_LARGE
