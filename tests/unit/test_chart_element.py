"""A chart's message (mendwell.chart_drawing): what the page is sent for one chart, and the head that draws it."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from mendwell import charts, views
from mendwell.chart_drawing import CHART_CLASS, DRAWING_HEAD, HOLDER_PREFIX, MARK, message, read_message

HOSTILE = '</script><script>alert(1)</script><!--<script> & "quotes" \u2028 <b>bold</b>'


def test_a_hostile_name_stays_inert_text_inside_the_message() -> None:
    fig = go.Figure({"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4], "name": HOSTILE}],
                     "layout": {"height": 280, "title": {"text": HOSTILE}}})  # fmt: skip
    said = message(charts.spec_json(fig), 280, f"Line chart: {HOSTILE}", "trend_x")
    for sequence in ("<", ">", "&", "\n"):
        assert sequence not in said, sequence  # inert wherever it is read, and one line (st.text keeps it whole)
    # the drawing script and the tests read back exactly what the figure holds
    found = read_message(said)
    assert found is not None
    key, figure = found
    assert key == "trend_x"
    assert figure["data"][0]["name"] == HOSTILE and figure["layout"]["title"]["text"] == HOSTILE
    assert figure == json.loads(charts.spec_json(fig))
    whole = json.loads(said)
    assert whole["alt"] == f"Line chart: {HOSTILE}" and whole["height"] == 280
    assert said.startswith('{"' + MARK + '"')  # how the script knows a chart's message from any other text


def test_a_chart_keeps_its_figure_and_height_and_one_without_a_height_gets_the_default_box() -> None:
    tall = views.ChartView("k", "x", go.Figure({"data": [], "layout": {"height": 500}}), "A sentence.")
    low = views.ChartView("k", "x", go.Figure({"data": [{"type": "scatter", "x": [1], "y": [2]}]}), "A sentence.")
    assert (tall.height, low.height) == (500, None)
    assert low.spec is low.spec  # made once per view: a view is kept and drawn on every visit
    assert json.loads(message(low.spec, low.height, "Line chart: x", "k"))["height"] == 360


def test_any_other_text_is_not_a_chart() -> None:
    assert read_message("Kai & Mateo") is None
    assert read_message('{"name": "mw_chart"}') is None


def test_the_head_hides_messages_and_draws_into_boxes_of_its_class() -> None:
    assert f'[class*="st-key-{HOLDER_PREFIX}"]' in DRAWING_HEAD
    assert json.dumps(CHART_CLASS) in DRAWING_HEAD and charts.PLOTLY_JS_URL in DRAWING_HEAD
    assert DRAWING_HEAD.count("<script") == 1 and DRAWING_HEAD.endswith("</script>")
