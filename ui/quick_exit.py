""" "Leave now" in the browser: the page goes blank at the tap, before the server has answered.

The server's part (signing out, forgetting the check-in's screen state, the neutral page) takes a round trip
and a run, and Streamlit then removes the old page's last elements: on a slow phone or a busy server the
safety section and the sidebar's "Signed in as ..." stayed readable for a moment after the tap, and under
load a moment after the neutral page's own words had come. `arm` adds a few lines of script beside the
button: its click hides the whole app (one style rule in the page's head), gives the tab the neutral
title and ends the sign-in by a request of its own (`SIGN_OUT_NOW`), in the same instant: a reload right
after the tap, or a run that comes late, finds nobody signed in (that run still draws the neutral page,
`ui.gates.left_at_the_tap`). `reveal`, drawn by the neutral page, takes the rule away once nothing of the
check-in is left on the page. Should that never come (the connection lost), the page stays blank: the safe
side. Nothing here names the product: the neutral page's HTML hints at nothing.
"""

from __future__ import annotations

from mendwell import neutral
from mendwell.text import script_literal
from ui.unseen import unseen_script

NEUTRAL_TITLE = neutral.TITLE  # the neutral page's title, and the tab's from the moment "Leave now" is tapped
EXIT_KEY = "leave_now"  # the button's key: Streamlit gives its element the class st-key-<key>
SIGN_OUT_NOW = "/signout"  # POSTed at the tap (server.routes.leave_now)
_RULE_ID = "qx"  # the head's style element that hides the app while the neutral page is made

# The elements holding these scripts take no room (their containers are hidden; the scripts have run).

_ARM = """<script data-qx="arm">(() => {
  // One listener for the page's life, on the document: a button Streamlit draws again is covered too. It
  // listens in the capture phase, before Streamlit's own handler sends the click: nothing waits for the server.
  if (window.__qxArmed) return;
  window.__qxArmed = true;
  document.addEventListener('click', event => {
    const button = event.target instanceof Element && event.target.closest('.st-key-' + %(key)s + ' button');
    if (!button) return;
    button.dataset.qx = '1';  // the neutral page waits for this button to be gone
    // the sign-in ends now, by a request of its own: not after the app's run (a busy server, a dropped
    // connection), and a reload right after the tap cannot open the page again
    fetch(%(signout)s, {method: 'POST', credentials: 'same-origin', keepalive: true}).catch(() => {});
    if (!document.getElementById(%(rule)s)) {
      const rule = document.createElement('style');
      rule.id = %(rule)s;
      rule.textContent = '[data-testid="stApp"] { display: none !important; }';
      document.head.appendChild(rule);
    }
    document.title = %(title)s;
  }, true);
})();</script>"""

# Shown again only when the run that drew the neutral page is over and nothing of the page before is left:
# not the tapped button (marked at the tap), nothing in the sidebar (the neutral page has no navigation and no
# sidebar content; Streamlit may keep the empty sidebar itself), no element marked stale.
_REVEAL = """<script data-qx="reveal">(() => {
  const reveal = () => {
    const rule = document.getElementById(%(rule)s);
    if (!rule) return;
    const app = document.querySelector('[data-testid="stApp"]');
    const side = document.querySelector('[data-testid="stSidebarUserContent"]');
    const done = app && app.getAttribute('data-test-script-state') === 'notRunning';
    const left = document.querySelector('button[data-qx]') || (side && side.textContent.trim())
      || document.querySelector('[data-testid="stSidebarNav"]') || document.querySelector('[data-stale="true"]');
    if (done && !left) {
      rule.remove();
      // the address too: nothing of the check-in (its section) in the bar, and a reload serves the recipe
      history.replaceState(null, '', %(path)s);
    } else setTimeout(reveal, 40);
  };
  reveal();
})();</script>"""


def _values() -> dict[str, str]:
    return {
        "key": script_literal(EXIT_KEY),
        "rule": script_literal(_RULE_ID),
        "title": script_literal(NEUTRAL_TITLE),
        "signout": script_literal(SIGN_OUT_NOW),
        "path": script_literal(neutral.PATH),
    }


def arm() -> None:
    """Beside the "Leave now" button (drawn with key `EXIT_KEY`): its tap blanks the page at once."""
    unseen_script(_ARM % _values(), "quick-exit")


# The neutral page has no sidebar, but under load Streamlit can keep the old one, empty, with its button.
_NO_SIDEBAR = (
    '<style>[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"] { display: none !important; }</style>'
)


def reveal() -> None:
    """On the neutral page: no sidebar, and the app shown again once the page before it is gone."""
    unseen_script(_REVEAL % _values() + _NO_SIDEBAR, "reveal")
