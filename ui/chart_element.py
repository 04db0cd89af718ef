"""A Plotly chart on the page, drawn by the page's own drawing script (`mendwell.chart_drawing`).

Streamlit 1.67's chart element drew each chart twice (hidden, then at its column's width) and showed charts
that arrived together only once the last was drawn: about 50 ms a chart in the browser, where Plotly alone
takes about 12. Here a chart is its message in a keyed container, and the script every page carries in its head
hands the figure to Plotly once, at the box's width, in the render that brings it, with the plotly.js of the
installed plotly package loaded once per page (`mendwell.charts.PLOTLY_JS_URL`); it draws again only when the
message changes or the chart's column changes width (the sidebar folded or opened, the window resized).
"""

from __future__ import annotations

import streamlit as st

from mendwell.chart_drawing import HOLDER_PREFIX, message
from mendwell.charts import PLOTLY_JS_URL, PLOTLY_LOADER
from mendwell.text import script_literal
from mendwell.views import ChartView
from ui.unseen import unseen_script


def draw(chart: ChartView, alt: str) -> None:
    """One chart, named `alt` to assistive technology: its message in a container keyed by the chart's key,
    which the page's drawing script finds and draws (`mendwell.chart_drawing`)."""
    with st.container(key=HOLDER_PREFIX + chart.key):
        st.text(message(chart.spec, chart.height, alt, chart.key))


_PRELOAD = """<script data-mendwell="plotly">(() => {
  const url = %(url)s, soon = %(soon)s;
  if (window.Plotly || window.__mwPlotly) return;
  const load = () => { (%(load)s)(url).catch(() => {}); };
  if (soon) { load(); return; }
  // once this page is drawn and the browser has nothing else to do
  const wait = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const calm = app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-stale="true"]');
    if (!calm) { setTimeout(wait, 200); return; }
    if (window.requestIdleCallback) requestIdleCallback(load, {timeout: 3000}); else setTimeout(load, 500);
  };
  wait();
})();</script>"""


def preload(*, soon: bool) -> None:
    """Load plotly.js into the page ahead of its first chart: at once (`soon`, for a page about to draw charts:
    drawn before anything else of the page, the library starts while the server is still building the page),
    or once this page is drawn and the browser is idle, so that Trends or Themes opened next draws its first
    chart without waiting for the library. Takes no room."""
    values = {"url": script_literal(PLOTLY_JS_URL), "soon": script_literal(soon), "load": PLOTLY_LOADER}
    unseen_script(_PRELOAD % values, "plotly")
