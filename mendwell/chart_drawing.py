"""How the screen's Plotly charts reach the browser and get drawn: the chart's message, and the page's drawing
script that looks for it.

A chart is sent as a Streamlit container keyed `HOLDER_PREFIX + key` holding one `st.text` element: its
message, JSON naming the chart, its text alternative, its height and the figure. Every page's head carries
`DRAWING_HEAD` (added by `server.middleware.PageHead`): a style that hides the message, and a script that
watches the page for such containers and, as soon as one is added or its message changes, puts a box in it
(`CHART_CLASS`, an image to assistive technology, named by the text alternative) and has Plotly draw the figure
there, once. The box says which chart it is to show (`data-chart`, its key) and, once Plotly has drawn it,
which it shows (`data-drawn`).

Why not an `st.html` element with its own script: Streamlit loads that element's code only when a page first
uses it and runs its script only after the browser has shown the page, so the first chart on a freshly opened
page came two or three renders after the rest of the page (80 to 120 ms on Trends). Containers and text are
part of Streamlit's first render, and the watching script draws the first chart in that same render, before the
browser paints. What a chart shows is still decided on the server, in the page's run, like everything else.
"""

from __future__ import annotations

import json
from typing import Any

from mendwell.charts import PLOTLY_JS_URL, PLOTLY_LOADER
from mendwell.text import inert_json, script_literal

CHART_CLASS = "mw-chart"  # the box Plotly draws into
HOLDER_PREFIX = "mwchart-"  # the key of a chart's container, before the chart's own key
MARK = "mw_chart"  # the first field of a chart's message, naming the chart
# not Plotly's "responsive": it listens to the window for every chart drawn and lets go only when purged; the
# script follows each box's own width instead
CONFIG = {"displayModeBar": False, "responsive": False}
DEFAULT_HEIGHT = 360  # px, for a figure that sets none (Plotly's own default is 450)


def message(spec: str, height: int | None, alt: str, key: str) -> str:
    """A chart's message: its key, its text alternative, its height in pixels and its figure (`spec`, as
    `charts.spec_json` makes it), as one line of JSON with no `<`, `>` or `&` in it, so that it stays inert text
    wherever it is read."""
    head = inert_json(json.dumps({MARK: key, "alt": alt, "height": height or DEFAULT_HEIGHT}))
    return head[:-1] + ', "figure": ' + inert_json(spec) + "}"


def read_message(text: str) -> tuple[str, dict[str, Any]] | None:
    """(key, figure) of a chart's message, or None for any other text."""
    if not text.startswith("{" + json.dumps(MARK)):
        return None
    found = json.loads(text)
    return str(found[MARK]), found["figure"]


# Streamlit gives a keyed container the class "st-key-" + its key
_HOLDER = f'[class*="st-key-{HOLDER_PREFIX}"]'

_SCRIPT = """(() => {
  const url = %(url)s, config = %(config)s, load = %(load)s;
  const HOLDER = %(holder)s, BOX = %(box)s, MARK = %(mark)s;
  const MESSAGE = ':scope > [data-testid="stElementContainer"] [data-testid="stText"]';
  const ours = new WeakSet();  // the boxes this script made
  const drawnFrom = new WeakMap();  // box -> the message it shows
  const figures = new WeakMap();  // box -> the figure still to draw
  const queue = {waiting: [], busy: false};
  let retryIn = 1000;  // plotly.js could not be fetched: try again after this long, twice as long each time
  const forget = box => {
    if (box.__mwWatch) { box.__mwWatch.disconnect(); box.__mwWatch = undefined; }
    if (window.Plotly && box._fullLayout) window.Plotly.purge(box);  // its listeners and data go with it
    box.remove();
  };
  const draw = box => {
    if (!box.isConnected || !figures.has(box)) return;  // gone before its turn (another page, another part)
    const figure = figures.get(box);
    figures.delete(box);
    const key = box.getAttribute('data-chart');
    Promise.resolve(window.Plotly.react(box, figure.data, figure.layout, config)).then(() => {
      if (box.getAttribute('data-chart') === key) box.setAttribute('data-drawn', key);  // which chart it shows
    }, () => {});
    // the box is one image named by its text alternative: Plotly's drawing inside it says nothing more
    for (const svg of box.querySelectorAll('svg')) svg.setAttribute('aria-hidden', 'true');
    box.__mwWidth = box._fullLayout ? box._fullLayout.width : 0;  // the width Plotly drew it at
    if (box.__mwWatch) return;
    // The column can change width without the window (the sidebar folded away or opened, the window resized):
    // follow it, comparing with the width Plotly drew at (asking the box for its size here would make the
    // browser lay the whole page out once more before showing it). A box taken off the page lets go of Plotly.
    box.__mwWatch = new ResizeObserver(entries => {
      if (!box.isConnected) { forget(box); return; }
      const now = entries[entries.length - 1].contentRect.width;
      if (now > 0 && box._fullLayout && Math.abs(now - box.__mwWidth) > 1) {
        window.Plotly.Plots.resize(box);
        box.__mwWidth = box._fullLayout.width;
      }
    });
    box.__mwWatch.observe(box);
  };
  // One chart at a time, the next only once the browser has shown the one before: the first is on screen without
  // waiting for the others, and a tap is never kept waiting behind all of them.
  const pump = () => {
    const next = queue.waiting.shift();
    if (!next) { queue.busy = false; return; }
    try { draw(next); } catch (e) { console.error(e); } finally { requestAnimationFrame(() => setTimeout(pump, 0)); }
  };
  const start = () => load(url).then(() => { retryIn = 1000; setTimeout(pump, 0); }, () => {
    // not fetched (offline, the server restarting): the charts wait and it is tried again
    setTimeout(start, retryIn);
    retryIn = Math.min(2 * retryIn, 30000);
  });
  const add = box => {
    if (!queue.waiting.includes(box)) queue.waiting.push(box);
    if (queue.busy) return;
    queue.busy = true;
    if (window.Plotly) pump(); else start();  // with plotly.js ready, drawn at once, in the render that added it
  };
  const look = holder => {
    const text = holder.querySelector(MESSAGE);
    let box = [...holder.children].find(child => ours.has(child));
    const said = text ? text.textContent : '';
    if (!said.startsWith('{"' + MARK + '"')) { if (box) forget(box); return; }
    if (box && drawnFrom.get(box) === said) return;
    const chart = JSON.parse(said);
    if (!box) {
      box = document.createElement('div');
      box.className = BOX;
      box.setAttribute('role', 'img');
      box.style.width = '100%%';
      ours.add(box);
      holder.appendChild(box);
    }
    box.setAttribute('aria-label', chart.alt);
    box.setAttribute('data-chart', chart[MARK]);
    box.removeAttribute('data-drawn');
    box.style.height = chart.height + 'px';
    drawnFrom.set(box, said);
    figures.set(box, chart.figure);
    add(box);
  };
  new MutationObserver(records => {
    const holders = new Set();
    for (const r of records) {
      const nodes = r.type === 'characterData' ? [r.target] : [r.target, ...r.addedNodes];
      for (const node of nodes) {
        const el = node.nodeType === 1 ? node : node.parentElement;
        if (!el || el.closest('.' + BOX)) continue;  // most changes are Plotly's own, inside a box
        const up = el.closest(HOLDER);
        if (up) holders.add(up);
        const added = r.type === 'childList' && node !== r.target;
        if (added && el.firstElementChild) el.querySelectorAll(HOLDER).forEach(h => holders.add(h));
      }
    }
    for (const holder of holders) {
      try { look(holder); } catch (e) { console.error(e); }  // one chart that cannot be read stops no other
    }
    // a container Streamlit gave to something else keeps no box of ours
    for (const box of [...document.getElementsByClassName(BOX)]) {
      if (ours.has(box) && !(box.parentElement && box.parentElement.matches(HOLDER))) forget(box);
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
})();"""

DRAWING_HEAD = (
    f'<style>.stApp {_HOLDER} > [data-testid="stElementContainer"] {{ display: none; }}</style>'
    "<script>"
    + _SCRIPT
    % {
        "url": script_literal(PLOTLY_JS_URL),
        "config": script_literal(CONFIG),
        "load": PLOTLY_LOADER,
        "holder": script_literal(_HOLDER),
        "box": script_literal(CHART_CLASS),
        "mark": script_literal(MARK),
    }
    + "</script>"
)
