"""A Plotly chart drawn by the page itself: the figure as a JSON block and a few lines of script.

Streamlit 1.67's chart element drew each chart twice (hidden, then at its column's width) and showed charts
that arrived together only once the last was drawn: about 50 ms a chart in the browser, where Plotly alone
takes about 12. Here the page's script hands the figure to Plotly once, at the box's width, with the
plotly.js of the installed plotly package loaded once per page (`mendwell.charts.PLOTLY_JS_URL`), and
draws it again only when its column changes width (the sidebar folded or opened, the window resized).

The box is an image to assistive technology, named by its text alternative; the sentence under each chart
says more. The script runs when the element's HTML changes (Streamlit's rule for `st.html` with
JavaScript), so an unchanged chart is not drawn again on a rerun.
"""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from mendwell.charts import PLOTLY_JS_URL, PLOTLY_LOADER, spec_json
from mendwell.text import inert_json, script_literal

CHART_CLASS = "mw-chart"  # the box Plotly draws into
FIGURE_ATTR = "data-mw-figure"  # the JSON block holding a chart's figure, named by the chart's key
CONFIG = {"displayModeBar": False, "responsive": True}
DEFAULT_HEIGHT = 360  # px, for a figure that sets none (Plotly's own default is 450)

_DRAW = """<script>(() => {
  const key = %(key)s, url = %(url)s, config = %(config)s;
  const box = document.querySelector('.%(cls)s[data-key="' + CSS.escape(key) + '"]');
  const block = document.querySelector('script[%(attr)s="' + CSS.escape(key) + '"]');
  if (!box || !block) return;
  const figure = JSON.parse(block.textContent);
  const draw = () => {
    if (!box.isConnected) return;  // gone before its turn (another page, another tab)
    window.Plotly.react(box, figure.data, figure.layout, config);
    // the column can change width without the window (the sidebar folded away or opened): follow it, but
    // never redraw for the first report of the size it was just drawn at
    let width = box.getBoundingClientRect().width;
    const watch = new ResizeObserver(() => {
      if (!box.isConnected) { watch.disconnect(); return; }  // its tab closed or the page changed
      const now = box.getBoundingClientRect().width;
      if (Math.abs(now - width) > 1 && box._fullLayout) { width = now; window.Plotly.Plots.resize(box); }
    });
    watch.observe(box);
  };
  // One chart at a time, the next only once the browser has shown the one before: the first chart is on
  // screen without waiting for the others, and a tap is never kept waiting behind all of them.
  const queue = window.__mwCharts || (window.__mwCharts = {waiting: [], busy: false});
  const pump = () => {
    const next = queue.waiting.shift();
    if (!next) { queue.busy = false; return; }
    try { next(); } finally { requestAnimationFrame(() => setTimeout(pump, 0)); }
  };
  // The first chart of an update, with the library ready, is drawn at once, where its element is added: in a
  // task of its own it waited behind the rest of Streamlit's work on the update (40 to 70 ms on Trends). The
  // others each in a task of their own after it.
  const add = atOnce => {
    queue.waiting.push(draw);
    if (queue.busy) return;
    queue.busy = true;
    if (atOnce) pump(); else setTimeout(pump, 0);
  };
  if (window.Plotly) add(true); else (%(load)s)(url).then(() => add(false));
})();</script>"""

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
})();</script>
<style>[data-testid="stElementContainer"]:has(script[data-mendwell="plotly"]) { display: none; }</style>"""


def chart_html(figure: Any, alt: str, key: str) -> str:
    """The HTML of one chart: its box (the figure's height, across its column, named `alt`), its figure as a
    JSON block and the script that draws it."""
    height = int(figure.layout.height or DEFAULT_HEIGHT)
    values = {
        "key": script_literal(key),
        "url": script_literal(PLOTLY_JS_URL),
        "config": script_literal(CONFIG),
        "cls": CHART_CLASS,
        "attr": FIGURE_ATTR,
        "load": PLOTLY_LOADER,
    }
    return (
        f'<div class="{CHART_CLASS}" data-key="{html.escape(key)}" role="img" aria-label="{html.escape(alt)}" '
        f'style="width: 100%; height: {height}px"></div>'
        f'<script type="application/json" {FIGURE_ATTR}="{html.escape(key)}">{inert_json(spec_json(figure))}</script>'
        + _DRAW
        % values
    )


def draw(figure: Any, alt: str, key: str) -> None:
    """One chart, drawn by Plotly in the page (see `chart_html`)."""
    st.html(chart_html(figure, alt, key), unsafe_allow_javascript=True)


def preload(*, soon: bool) -> None:
    """Load plotly.js into the page ahead of its first chart: at once (`soon`, for a page about to draw charts:
    drawn before anything else of the page, the library starts while the server is still building the page),
    or once this page is drawn and the browser is idle, so that Trends or Themes opened next draws its first
    chart without waiting for the library. Takes no room."""
    st.html(_PRELOAD % {"url": script_literal(PLOTLY_JS_URL), "soon": script_literal(soon), "load": PLOTLY_LOADER},
            unsafe_allow_javascript=True)  # fmt: skip
