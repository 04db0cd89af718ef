"""Charts as Plotly lays them out on a phone (Chromium, the app's own plotly.js, a 330 px column): a chart's
key never covers its title, however long the partners' names (found: "Aaron Christopher Montgomery" wrapped
the key over the title of every Trends chart at 390 px)."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import Page

from mendwell import charts
from mendwell.config import PROJECT_DIR
from tests.support.browser import contrast, luminance

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


def _pixel(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    found = image.getpixel((round(x), round(y)))
    assert isinstance(found, tuple), found
    return found


def test_a_heatmap_cell_with_anything_in_it_stands_out_from_the_page(page: Page) -> None:
    """Found on Themes: a cell with one answer was drawn 1.2:1 on the white page, all but unseen. As Chromium
    draws them: a blank cell is white, one answer already 3:1 on white (WCAG 1.4.11), and each answer more is
    darker, up to the darkest shade; no colour bar (its words are beside the grid)."""
    months = [pd.Timestamp(f"2026-0{m}-01") for m in range(1, 6)]
    counts = [0, 1, 2, 4, 6]
    heat = pd.DataFrame({"period": months, "theme_id": "t", "signals": counts})
    fig = json.loads(charts.spec_json(charts.for_screen(charts.theme_heatmap(heat, {"t": "Unseen"}, months, "T"))))
    assert all(trace.get("showscale") is False for trace in fig["data"])
    page.set_viewport_size({"width": 390, "height": 400})
    page.set_content('<div id="c" style="width:330px"></div>')
    page.add_script_tag(path=str(PLOTLY))
    centres: list[list[float]] = page.evaluate(
        """async (fig) => {
            const div = document.getElementById('c');
            await Plotly.newPlot(div, fig.data, fig.layout);
            const xa = div._fullLayout.xaxis, ya = div._fullLayout.yaxis, r = div.getBoundingClientRect();
            return fig.data[0].x.map(x => [r.left + xa._offset + xa.d2p(x), r.top + ya._offset + ya.d2p('Unseen')]);
        }""",
        fig,
    )
    assert page.locator("#c .colorbar").count() == 0
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    colours = [_pixel(shot, x, y) for x, y in centres]
    white = (255, 255, 255)
    assert colours[0] == white, colours
    shaded = colours[1:]
    assert contrast(shaded[0], white) >= 3.0, shaded[0]
    darkness = [luminance(c) for c in shaded]
    assert darkness == sorted(darkness, reverse=True) and len(set(shaded)) == len(shaded), shaded
    assert contrast(shaded[-1], white) >= 8.5, shaded[-1]  # the darkest shade (charts.HEAT_DARKEST: 8.9:1)
