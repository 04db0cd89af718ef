"""The app's own style, part of every page Streamlit serves (`server.middleware.PageHead`: at the end of the
body, so that where Streamlit's own styles, added to the head as it draws, say otherwise, ours win).

Part of the page, not sent by a page's run: Streamlit fetches the code of an `st.html` element the first time a
page shows one (and puts a style-only one in a place of its own), so a style sent that way applied a moment after
the page was first shown, and every page's title and everything under it moved once it did (on a phone the title
is a size smaller: it shrank, 56 px up). Here too: the one-line answer scales of the check-in (`SCALES_PREFIX`),
the room above a table for its toolbar, and the room a table (`TABLE_BOX_PREFIX`), a few controls (`ROOM_FOR`)
and a form's fields keep while Streamlit fetches their code (it holds a 40 px placeholder until then); and the
containers of our few lines of script (`UNSEEN_PREFIX`, `ui.unseen`), hidden from the start.
"""

from __future__ import annotations

UNSEEN_PREFIX = "mwunseen-"  # the keys of containers that hold only a script or a style
TABLE_BOX_PREFIX = "mwtable-"  # the keys of the boxes that keep a table's room (`ui.page.steady_table`)
TABLE_ROOM_PREFIX = TABLE_BOX_PREFIX + "room-"  # ... and room above it for the table's toolbar
TABLE_ROW_PX = 35  # Streamlit's table row and header row, each
TABLE_MOST_PX = 400  # the height Streamlit gives a table given none, once it has more rows than that holds
WORDS_ROW_PX = 68  # a table row of two lines of words (the caseload board)
TABLE_ROWS_PX = (TABLE_ROW_PX, WORDS_ROW_PX)  # the row heights of the app's tables


WHOLE_ROWS_MOST = 24  # a table shown whole (History's parts) keeps its room up to this many rows


def table_height(rows: int, row_px: int = TABLE_ROW_PX, *, capped: bool = True, most: int = 10) -> int:
    """The height in px of a table of `rows` rows of `row_px` (at least one: Streamlit draws no shorter table):
    `capped`, the height Streamlit gives a table given none (measured in Chromium); else `most` rows at most."""
    if capped:
        return min(row_px * max(rows, 1) + TABLE_ROW_PX + 2, TABLE_MOST_PX)
    return row_px * min(max(rows, 1), most) + TABLE_ROW_PX + 2


# every height a table's box may keep (each kept only while Streamlit's placeholder is there)
TABLE_HEIGHTS = sorted(
    {table_height(n, row) for row in TABLE_ROWS_PX for n in range(1, 12)}
    | {table_height(n, row, capped=False, most=n) for row in TABLE_ROWS_PX for n in range(1, WHOLE_ROWS_MOST + 1)}
)
_TABLE_ROOM = "\n".join(
    f'.stApp :is([class*="st-key-{TABLE_BOX_PREFIX}{px}-"], [class*="st-key-{TABLE_ROOM_PREFIX}{px}-"])'
    f':has([data-testid="stSkeleton"]) {{ min-height: {px}px; }}'
    for px in TABLE_HEIGHTS
)
SCALES_PREFIX = "mwscales-"  # the keys of containers whose horizontal radio groups are one-line scales

# Controls on a page's first screen above what a person reads first (charts, a table), by key, and the height in
# px each has once drawn (the same on a phone and a desktop; a browser test measures them): that room is kept for
# them while Streamlit fetches their code (its placeholder is 40 px), so what is under them does not move when
# they come.
ROOM_FOR = {
    "export_format": 95.17,  # three choices a line each, with their label
    "trend_range": 60,
    "themes_range": 60,
    "themes_look_back": 60,
    "themes_often": 96,
    "history_partner": 68,
    "together_month": 68,
    "caseload_pick": 68,
    "audit_since": 68,
    "audit_couple": 68,
}
FORM_FIELD_PX = 68  # a text, number or date field or a choice list with its label: the usual field of a form
# and in a form, any field as wide as the form (not its buttons): most are a field with its label
_FORM_FIELD = '.stApp [data-testid="stForm"] [data-testid="stElementContainer"][width="100%"]'
_ROOM = f'{_FORM_FIELD}:has(> [data-testid="stSkeleton"]) {{ min-height: {FORM_FIELD_PX}px; }}\n' + "\n".join(
    f'.stApp .st-key-{key}:has(> [data-testid="stSkeleton"]) {{ min-height: {px}px; }}' for key, px in ROOM_FOR.items()
)

# Answer scales on one line on a phone (`ui.scales`): each option's words under its button, in equal columns
_GROUP = f'.stApp [class*="st-key-{SCALES_PREFIX}"] [data-testid="stRadioGroup"][aria-orientation="horizontal"]'
_OPTION = f'{_GROUP} [data-testid="stRadioOption"]'
_SCALES = f"""{_GROUP} {{ flex-wrap: nowrap; gap: 0; width: 100%; max-width: 36rem; align-items: stretch; }}
{_GROUP}:not(:has(> :nth-child(4))) {{ max-width: 24rem; }}
{_GROUP}:not(:has(> :nth-child(3))) {{ max-width: 16rem; }}
{_GROUP} > div {{ flex: 1 1 0; min-width: 0; margin: 0; }}
{_OPTION} {{ width: 100%; height: 100%; min-height: 3rem; margin: 0; padding: 0.25rem 0.125rem;
  justify-content: center; align-items: flex-start; }}
{_OPTION} > div {{ flex-direction: column; align-items: center; gap: 0.25rem; width: 100%; }}
{_OPTION} [data-testid="stMarkdownContainer"] p {{ text-align: center; font-size: 0.8125rem; line-height: 1.25;
  overflow-wrap: break-word; }}
@media (min-width: 640px) {{ {_OPTION} [data-testid="stMarkdownContainer"] p {{ font-size: 0.875rem; }} }}"""

# One clear focus ring on whatever the keyboard reached (WCAG 2.4.7), in place of Streamlit's faint shadow and
# the nothing a radio gets (its input is hidden: the ring goes on its label). The dark teal is 7.5:1 on the
# background and 6.7:1 on the sidebar. A focused element scrolled into view stays clear of the top bar (2.4.11),
# a closed sidebar (on a phone it starts closed) takes no Tab stops and says nothing to a screen reader, where
# Streamlit leaves its links focusable off-screen (2.4.3, 2.4.7), and a date's day and month are targets of at
# least 24 px, easier to tap (2.5.8). On a phone a page's title is a size smaller, so "Monthly
# check-in" and "Recurring themes" stay on one line (at Streamlit's 44 px they broke in two at 360 px).
WRAPPED_CODE_KEY = "mwwrapped-code"  # a command to copy, in a paragraph, whose lines wrap anywhere
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
.stApp [class*="st-key-{TABLE_ROOM_PREFIX}"] {{ margin-top: 1.75rem; }}
.stApp .st-key-{WRAPPED_CODE_KEY} code {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.9em; }}
{_TABLE_ROOM}
{_SCALES}
{_ROOM}
</style>"""

# What Streamlit shows before a page's first run has said how the page is laid out, on a wide screen:
# - it lays the page out narrow ("centered"); every page of the app but the neutral one of "Leave now" is wide,
#   so whatever showed first moved 200 px aside at 1440x900 once the run said so;
# - a signed-in page has a sidebar (the page links, who is signed in), which Streamlit draws only once the run
#   sends it: everything already shown (the top bar, the page's first elements) then moved 300 px aside.
# Chrome's layout shift of a fresh load at 1440x900 was 0.28, nearly all of it these two. Until the page's first
# run is over (`OPENING`, an attribute of the document the script below takes off then), the page is laid out
# wide, as Streamlit lays a wide page out, and keeps the sidebar's room: at the width Streamlit will give it (the
# one a person dragged it to, which Streamlit keeps in the browser), and none when they folded it away. Only on a
# signed-in page (`server.middleware`): the page served to someone not signed in has no sidebar.
# The sidebar's room is the page's wrapper's margin until the sidebar is there (a sibling before it), said without
# `:has()`: a rule that asked `:not(:has(> sidebar)) > :has(> main)` stayed in the page for good, and every change
# Plotly made while drawing a chart then had the browser restyle the page (its measuring took 45 ms of the two
# charts Trends opens with, instead of 12; the first chart from the sidebar came about 30 ms later: `make bench`).
WIDE_SIDE_PX = 80  # Streamlit's side padding of a wide page ...
WIDE_FROM_PX = 864  # ... on a screen at least this wide (its narrow page's 736 px and twice 80 - 16 px)
SIDEBAR_PX = 300  # Streamlit's sidebar, as it opens on a wide screen
SIDEBAR_INLINE_PX = 768  # from this width on, Streamlit's sidebar opens beside the page, not over it
OPENING = "data-mw-opening"  # on the document until the page's first run is over
_OPENING = f"""<script>(() => {{
  const root = document.documentElement;
  root.setAttribute('{OPENING}', '');
  try {{  // what Streamlit keeps in the browser of its sidebar: folded away, or dragged to another width
    const keys = Object.keys(window.localStorage);
    if (keys.some(k => k.startsWith('stSidebarCollapsed-') && localStorage.getItem(k) === 'true')) {{
      root.setAttribute('data-mw-sidebar', 'folded');
    }}
    const width = parseInt(localStorage.getItem('sidebarWidth') || '', 10);
    if (width > 0) root.style.setProperty('--mw-sidebar', width + 'px');
  }} catch (e) {{}}
  const watch = new MutationObserver(() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    if (app && app.getAttribute('data-test-script-state') === 'notRunning') {{
      root.removeAttribute('{OPENING}');
      watch.disconnect();
    }}
  }});
  // Streamlit's app element changes this attribute as runs start and end: only that is watched, not every
  // element the page adds
  watch.observe(document, {{subtree: true, attributes: true, attributeFilter: ['data-test-script-state']}});
}})();</script>"""
_FIRST = f"html[{OPENING}]"
SIGNED_IN_STYLE = f"""{_OPENING}<style>
{_FIRST} [data-testid="stMainBlockContainer"] {{ max-width: initial; min-width: auto; }}
@media (min-width: {WIDE_FROM_PX}px) {{
  {_FIRST} [data-testid="stMainBlockContainer"] {{ padding-left: {WIDE_SIDE_PX}px; padding-right: {WIDE_SIDE_PX}px; }}
}}
@media (min-width: {SIDEBAR_INLINE_PX}px) {{
  {_FIRST}:not([data-mw-sidebar="folded"]) [data-testid="stAppViewContainer"] > div {{
    margin-left: var(--mw-sidebar, {SIDEBAR_PX}px);
  }}
  {_FIRST} [data-testid="stAppViewContainer"] > [data-testid="stSidebar"] ~ div {{ margin-left: 0; }}
}}
</style>"""
