"""Where the eye and the keyboard land when a new part of a page opens: its top in view, focus on its title.

Streamlit keeps the page's scroll position across reruns, and a button that had keyboard focus is gone once
its part of the page is redrawn. So after "Next" a new section opened wherever the last one had been
scrolled to (often at its bottom), with focus on the page body. `land_on` draws a few lines of script
(`st.html` with JavaScript, which Streamlit runs when the element's HTML changes) that, once per opening,
scroll the opened part's top into view below the app's top bar and move keyboard focus to its title.
"""

from __future__ import annotations

from mendwell.text import script_literal
from ui.unseen import unseen_script

# The script's element takes no room (its container is hidden; the script has run by then). `token` is
# null for a run that opened nothing, so redrawing the same opening (an answer saved) never moves anything;
# the page remembers the last token it landed on, in case Streamlit mounts the element again.
_SCRIPT = """<script data-mendwell="land-on">(() => {
  const token = %(token)s, area = %(area)s, target = %(target)s, title = %(title)s, toTop = %(to_top)s;
  if (token === null || window.__mendwellLanded === token) return;
  window.__mendwellLanded = token;
  const started = performance.now();
  const land = () => {
    const box = document.querySelector('.st-key-' + area);
    const el = box && box.querySelector(target);
    const text = el ? el.textContent.replace(/\\u2060/g, '').trim() : null;
    if ((!el || (title !== null && text !== title)) && performance.now() - started < 3000) {
      requestAnimationFrame(land);  // the opened part is still being drawn
      return;
    }
    if (!el) return;
    let scroller = document.scrollingElement;
    for (let e = box.parentElement; e; e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowY;
      if (overflow === 'auto' || overflow === 'scroll') { scroller = e; break; }
    }
    // Placed again on each frame for two seconds: the rest of the part is still arriving, and a page that was
    // too short for the place a moment ago may have grown. Never against the reader: once something else has
    // scrolled, the page is theirs.
    let last = null;
    const until = performance.now() + 2000;
    const place = () => {
      if (last !== null && Math.abs(scroller.scrollTop - last) > 1) return;
      const bar = document.querySelector('[data-testid="stHeader"]');
      const below = bar ? Math.max(0, bar.getBoundingClientRect().bottom) : 0;
      const want = toTop ? 0 : scroller.scrollTop + box.getBoundingClientRect().top - below - 8;
      if (Math.abs(scroller.scrollTop - want) > 1) scroller.scrollTop = want;
      last = scroller.scrollTop;
      if (performance.now() < until) requestAnimationFrame(place);
    };
    place();
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({preventScroll: true});
  };
  requestAnimationFrame(land);
})();</script>"""


def land_on(
    area: str, token: str | None, *, target: str = "h2", title: str | None = None, to_top: bool = False
) -> None:
    """Once per `token`: scroll the container keyed `area` to the top of the screen (or the page to its top)
    and put keyboard focus on its first `target` (a CSS selector; made focusable if it is not).

    Draw it inside that container, after the target, in every run that draws the container, so it keeps its
    place: `token` None (nothing opened in this run) leaves the reader where they are. With `title`, the
    script waits (up to 3 s) until the target shows that text, so it never lands on the part that is going.
    """
    script = _SCRIPT % {
        "token": script_literal(token),
        "area": script_literal(area),
        "target": script_literal(target),
        "title": script_literal(title),
        "to_top": script_literal(to_top),
    }
    unseen_script(script, f"focus-{area}")
