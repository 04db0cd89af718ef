"""The page's chart element (ui.chart_element): what it puts in the page's HTML for one chart."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from mendwell import charts
from tests.support.apptest import figures_in
from ui.chart_element import CHART_CLASS, chart_html

HOSTILE = '</script><script>alert(1)</script><!--<script> & "quotes" \u2028 <b>bold</b>'


def test_a_hostile_name_stays_inert_text_inside_the_figure() -> None:
    fig = go.Figure({"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4], "name": HOSTILE}],
                     "layout": {"height": 280, "title": {"text": HOSTILE}}})  # fmt: skip
    page = chart_html(fig, f"Line chart: {HOSTILE}", "trend_x")
    block = page[page.index("data-mw-figure") : page.index("</script>")]
    for sequence in ("<script", "</", "<!--", "&"):
        assert sequence not in block.split(">", 1)[1], sequence  # the JSON itself, after the opening tag
    # the page's script and the tests read back exactly what the figure holds
    [(key, figure)] = figures_in(page).items()
    assert key == "trend_x"
    assert figure["data"][0]["name"] == HOSTILE and figure["layout"]["title"]["text"] == HOSTILE
    assert figure == json.loads(charts.spec_json(fig))
    # the box: the figure's height, a text alternative with the name escaped
    assert f'class="{CHART_CLASS}"' in page and "height: 280px" in page
    assert 'aria-label="Line chart: &lt;/script&gt;' in page
    assert page.count("<script") == 2  # the JSON block and the drawing script, nothing from the name
