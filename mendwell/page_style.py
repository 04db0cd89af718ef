"""The app's own style, part of every page Streamlit serves (`server.middleware.PageHead`: at the end of the
body, so that where Streamlit's own styles, added to the head as it draws, say otherwise, ours win).

Part of the page, not sent by a page's run: Streamlit fetches the code of an `st.html` element the first time a page
shows one, so a style sent that way applied a moment after the page was first shown, and every page's title
and everything under it moved once it did (on a phone the title is a size smaller: it shrank, 56 px up).
For the same reason an element that only carries a script or a style goes in a container whose key starts
with `UNSEEN_PREFIX` (`ui.unseen.unseen_html`): hidden here from the start, it takes no room while its code is
fetched (Streamlit keeps a 40 px placeholder for it until then), and a few controls near the top of a chart page
have their room kept for them (`ROOM_FOR`).
"""

from __future__ import annotations

UNSEEN_PREFIX = "mwunseen-"  # the keys of containers that hold only a script or a style
TABLE_BOX_PREFIX = "mwtable-"  # the keys of the boxes that keep a table's room (`ui.page.steady_table`)

# Controls on a page's first screen above what a person reads first (charts, a table), by key, and the height in
# px each has once drawn (the same on a phone and a desktop; a browser test measures them): that room is kept for
# them while Streamlit fetches their code (its placeholder is 40 px), so what is under them does not move when
# they come.
ROOM_FOR = {
    "trend_range": 60,
    "themes_range": 60,
    "themes_look_back": 60,
    "themes_often": 96,
    "history_partner": 68,
    "together_month": 68,
}
FORM_FIELD_PX = 68  # a text, number or date field or a choice list with its label: the usual field of a form
# and in a form, any field as wide as the form (not its buttons): most are a field with its label
_FORM_FIELD = '.stApp [data-testid="stForm"] [data-testid="stElementContainer"][width="100%"]'
_ROOM = f'{_FORM_FIELD}:has(> [data-testid="stSkeleton"]) {{ min-height: {FORM_FIELD_PX}px; }}\n' + "\n".join(
    f'.stApp .st-key-{key}:has(> [data-testid="stSkeleton"]) {{ min-height: {px}px; }}' for key, px in ROOM_FOR.items()
)

# One clear focus ring on whatever the keyboard reached (WCAG 2.4.7), in place of Streamlit's faint shadow and
# the nothing a radio gets (its input is hidden: the ring goes on its label). The dark teal is 7.5:1 on the
# background and 6.7:1 on the sidebar. A focused element scrolled into view stays clear of the top bar (2.4.11),
# a closed sidebar (on a phone it starts closed) takes no Tab stops and says nothing to a screen reader, where
# Streamlit leaves its links focusable off-screen (2.4.3, 2.4.7), and a date's day and month are targets of at
# least 24 px, easier to tap (2.5.8). On a phone a page's title is a size smaller, so "Monthly
# check-in" and "Recurring themes" stay on one line (at Streamlit's 44 px they broke in two at 360 px).
FOCUS_RING = "#1f5a5d"
PAGE_STYLE = f"""<style>
.stApp :is(a, button, summary, [role="tab"], [role="radio"], [role="checkbox"], [role="switch"],
           [role="option"], [role="spinbutton"], [tabindex]:not([tabindex="-1"])):focus-visible,
.stApp [data-focus-visible] {{
  outline: 3px solid {FOCUS_RING}; outline-offset: 2px;
}}
.stApp label:has(input:is([type="radio"], [type="checkbox"]):focus-visible) {{
  outline: 3px solid {FOCUS_RING}; outline-offset: 3px; border-radius: 0.375rem;
}}
.stApp :is([data-baseweb="input"], [data-baseweb="textarea"], [data-baseweb="select"]):has(:focus-visible) {{
  outline: 2px solid {FOCUS_RING}; outline-offset: 1px;
}}
.stApp :focus-visible {{ scroll-margin-top: 4.5rem; }}
.stApp [data-testid="stMain"]:focus-visible {{ outline-offset: -3px; }}
[data-testid="stSidebar"][data-collapsed="true"] {{ visibility: hidden; transition: visibility 0s linear 0.3s; }}
@media (max-width: 480px) {{ .stApp h1 {{ font-size: 2.25rem; }} }}
/* a chosen pill or segment says so by more than a tint (WCAG 1.4.1): a check mark and a firm border */
.stApp [data-testid="stButtonGroup"] button:is([aria-pressed="true"], [aria-checked="true"]) {{
  border: 2px solid {FOCUS_RING}; font-weight: 600;
}}
.stApp [data-testid="stButtonGroup"] button:is([aria-pressed="true"], [aria-checked="true"])::before {{
  content: "\\2713" / ""; margin-right: 0.35em;  /* seen, not read: aria-pressed / aria-checked say it */
}}
.stApp [data-testid="stDateInputField"] [role="spinbutton"] {{
  min-width: 24px; min-height: 24px; display: inline-flex; align-items: center; justify-content: center;
}}
.stApp [class*="st-key-{UNSEEN_PREFIX}"] {{ display: none; }}
.stApp [class*="st-key-{TABLE_BOX_PREFIX}"] {{ overflow: visible; }}
{_ROOM}
</style>"""
