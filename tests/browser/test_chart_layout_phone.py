"""Charts as Plotly lays them out on a phone (Chromium, the app's own plotly.js, a 330 px column): a chart's
key never covers its title, however long the partners' names (found: "Aaron Christopher Montgomery" wrapped
the key over the title of every Trends chart at 390 px)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Page

from mendwell import charts
from mendwell.config import PROJECT_DIR

PLOTLY = PROJECT_DIR / "assets" / "plotly" / "plotly-cartesian.min.js"
NAMES = [("Ann", "Bob"), ("Elias", "Aaron"), ("Aaron Christopher Montgomery", "Elias"), ("Maximiliana", "Bartholomew")]


def _boxes(page: Page, fig: dict[str, object], width: int) -> dict[str, Any]:
    page.set_content(f'<div id="c" style="width:{width}px"></div>')
    page.add_script_tag(path=str(PLOTLY))
    found: dict[str, Any] = page.evaluate(
        """async (fig) => {
            const div = document.getElementById('c');
            await Plotly.newPlot(div, fig.data, fig.layout, {responsive: true});
            const box = (el) => { const r = el.getBoundingClientRect();
                                  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
            return {title: box(div.querySelector('.gtitle')),
                    keys: [...div.querySelectorAll('.legend .traces')].map(box)};
        }""",
        fig,
    )
    return found


def _overlap(a: dict[str, float], b: dict[str, float], slack: float = 2.0) -> bool:
    """Whether two boxes share more than `slack` px each way (a key's box has a little padding of its own)."""
    wide = min(a["right"], b["right"]) - max(a["left"], b["left"])
    high = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return wide > slack and high > slack


@pytest.mark.parametrize("names", NAMES, ids=["short", "demo", "long", "two long"])
@pytest.mark.parametrize("width", [330, 1000])
def test_the_key_never_covers_the_title(page: Page, names: tuple[str, str], width: int) -> None:
    styles = [charts.PartnerStyle(1, names[0], 1), charts.PartnerStyle(2, names[1], 2)]
    df = pd.DataFrame(
        {"partner_id": [1, 1, 2, 2], "period": ["2026-01-01", "2026-02-01"] * 2, "score": [1.0, 2.0, 3.0, 2.5],
         "band": ["a", "b", "c", "b"]}
    )  # fmt: skip
    fig = charts.for_screen(
        charts.trend_figure(df, charts.SubscaleMeta("How my reaches were met", "better", 0, 4), styles)
    )
    boxes = _boxes(page, json.loads(charts.spec_json(fig)), width)
    assert len(boxes["keys"]) == 2
    assert not [key for key in boxes["keys"] if _overlap(boxes["title"], key)], boxes


def test_band_names_stay_readable_where_a_line_crosses_them(page: Page) -> None:
    """A band's name sits inside the plot where the lines run (found: "Often met" half hidden under a line and a
    mark): Plotly draws it above the lines, with a white halo round its letters."""
    styles = [charts.PartnerStyle(1, "Kai", 1), charts.PartnerStyle(2, "Mateo", 2)]
    # both lines start in the top band's corner, where its name is
    df = pd.DataFrame(
        {"partner_id": [1, 1, 2, 2], "period": ["2026-01-01", "2026-02-01"] * 2, "score": [3.9, 3.5, 3.8, 2.0],
         "band": ["Often met", "Often met", "Often met", "Sometimes met"]}
    )  # fmt: skip
    bands = (charts.BandRegion(0, 2.5, "Sometimes met", "watch"), charts.BandRegion(2.5, 4, "Often met", "ok"))
    meta = charts.SubscaleMeta("How my reaches were met", "better", 0, 4, bands, cutoff=2.2, norms_source="a study")
    fig = charts.for_screen(charts.trend_figure(df, meta, styles))
    page.set_content('<div id="c" style="width:330px"></div>')
    page.add_script_tag(path=str(PLOTLY))
    found: list[dict[str, Any]] = page.evaluate(
        """async (fig) => {
            const div = document.getElementById('c');
            await Plotly.newPlot(div, fig.data, fig.layout, {responsive: true});
            const svgs = [...div.querySelectorAll('svg.main-svg')];
            const lines = svgs.indexOf(div.querySelector('.scatterlayer').closest('svg'));
            return [...div.querySelectorAll('.annotation-text')].map(t => ({
                text: t.textContent, shadow: getComputedStyle(t).textShadow,
                above: svgs.indexOf(t.closest('svg')) > lines}));
        }""",
        json.loads(charts.spec_json(fig)),
    )
    assert {f["text"] for f in found} >= {"Often met", "Sometimes met"}, found
    for label in found:
        assert label["above"], label
        assert label["shadow"] not in ("", "none") and "255, 255, 255" in label["shadow"], label


LONGEST = ("Maximiliana Theodora Bartholomew-Featherstonehaugh of the Northern Hills", "Élise")


def test_the_longest_names_keep_inside_a_phones_chart(page: Page) -> None:
    """Found at 360 px: a name of the longest kind allowed ran off the chart in the key, and a heatmap's title was
    cut. In a chart a name is cut to `charts.NAME_IN_CHART` characters and ends in "…" (the sentences beside the
    chart name it whole)."""
    styles = [charts.PartnerStyle(1, LONGEST[0], 1), charts.PartnerStyle(2, LONGEST[1], 2)]
    df = pd.DataFrame(
        {"partner_id": [1, 1, 2, 2], "period": ["2026-01-01", "2026-02-01"] * 2, "score": [1.0, 2.0, 3.0, 2.5],
         "band": ["a", "b", "c", "b"]}
    )  # fmt: skip
    trend = charts.for_screen(charts.trend_figure(df, charts.SubscaleMeta("How my reaches were met", "better", 0, 4),
                                                  styles))  # fmt: skip
    heat = charts.for_screen(
        charts.theme_heatmap(
            pd.DataFrame({"period": ["2026-01-01"], "theme_id": ["t"], "signals": [2]}),
            {"t": "Unseen"},
            [pd.Timestamp("2026-01-01")],
            charts.in_chart_name(LONGEST[0]) + ": themes by month",
        )
    )
    for fig in (trend, heat):
        page.set_content('<div id="c" style="width:330px"></div>')
        page.add_script_tag(path=str(PLOTLY))
        found: dict[str, Any] = page.evaluate(
            """async (fig) => {
                const div = document.getElementById('c');
                await Plotly.newPlot(div, fig.data, fig.layout, {responsive: true});
                const right = el => el.getBoundingClientRect().right;
                return {width: right(div), texts: [...div.querySelectorAll('.legendtext, .gtitle')].map(t =>
                    ({text: t.textContent, right: right(t)}))};
            }""",
            json.loads(charts.spec_json(fig)),
        )
        assert found["texts"], found
        for text in found["texts"]:
            assert text["right"] <= found["width"] + 1, text
    assert charts.in_chart_name(LONGEST[0]).endswith("…") and charts.in_chart_name(LONGEST[1]) == LONGEST[1]
