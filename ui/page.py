"""`page_setup()`: what every page script does first, and the small helpers pages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mendwell import summary, views
from mendwell.access import Viewer, pages_for
from mendwell.charts import PartnerStyle
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple
from mendwell.page_style import TABLE_BOX_PREFIX, TABLE_ROOM_PREFIX, TABLE_ROW_PX, table_height
from mendwell.reveal import Lens
from mendwell.text import md_escape
from ui import chart_element, state
from ui.auth import current_viewer, signed_out_page, viewer_this_run
from ui.resources import get_catalog, get_db, kept_back

PAGE_NAMES = {"home": "Home"}


@dataclass(frozen=True)
class Page:
    """What a page needs, computed at its top on every run: who is signed in, the database, the instruments,
    the couple on screen (only ever one they may see) and whether the screen is shared."""

    db: Database
    catalog: Catalog
    viewer: Viewer
    couple: Couple | None
    sharing: bool

    @property
    def the_couple(self) -> Couple:
        """The couple, for pages set up with `needs_couple=True` (they stop before drawing without one)."""
        assert self.couple is not None
        return self.couple

    @property
    def lens(self) -> Lens:
        """Whose months of the couple on screen this person sees only once revealed (`Viewer.lens`)."""
        return self.viewer.lens(self.the_couple)

    @property
    def to_therapist(self) -> bool:
        """Whether the page's words speak to a therapist reading on their own (about the couple, not to them);
        on a shared screen the couple are the readers."""
        return self.viewer.is_therapist and not self.sharing


def page_setup(title: str | None = None, *, page: str, needs_couple: bool = True) -> Page:
    """Check who is signed in and that `page` is theirs to open, find the couple, and draw the title.

    Someone not signed in, or on a page that is not theirs, sees only a kind message. With
    `needs_couple`, a page with no couple to show says so and stops here.
    """
    db = get_db()
    viewer = viewer_this_run(db)
    if viewer is None:
        signed_out_page()
        st.stop()
    assert viewer is not None
    if page not in pages_for(viewer):
        st.title("Not here")
        st.info("This page is not part of what you can open. Your pages are in the menu.")
        st.stop()
    # every browser tab says which page it is (the shell set the app's icon and layout)
    st.set_page_config(page_title=f"{title or PAGE_NAMES.get(page, 'Home')} · Mendwell")
    catalog = get_catalog()
    sharing = viewer.sharing is not None
    couple = current_couple(db, viewer)
    if needs_couple and couple is None:
        if title:
            st.title(title)
        if viewer.is_therapist:
            st.info("No couple is shared with you yet. The practice owner can grant you a couple on Accounts.")
        else:
            st.info("There is no couple here yet.")
        st.stop()
    if title:
        st.title(title)
    if needs_couple and couple is not None and viewer.is_therapist:
        # whose charts these are, on the page itself: the sidebar's chooser is easy to miss on a shared screen
        st.caption(f":material/group: {md_escape(couple.name)}")
    return Page(db, catalog, viewer, couple, sharing)


def kept_back_note(page: Page) -> list[summary.Person]:
    """Say which partner's months this page does not show yet (`mendwell.reveal`), and when it will: a partner
    sees the other's answers, and a shared screen anyone's, only from months both have submitted. Returns each
    partner with their months kept back, for what the page says of them further down."""
    people = [summary.Person(s.partner_id, s.name, s.kept_back) for s in kept_back(page.db, page.the_couple, page.lens)]
    if said := summary.waiting_note(people):
        st.caption(":material/lock_clock: " + md_escape(said))
    return people


def still_allowed(page: Page) -> None:
    """For a fragment's rerun, which skips `page_setup`: who is signed in, the couple they may see and whether
    the screen is shared, computed again; if any of it changed, the whole page runs again instead.

    In a full run of the page `page_setup` has just computed all of it, so nothing is done again (a full run
    is one that reruns no fragment alone; when Streamlit cannot say, it is checked again)."""
    ctx = get_script_run_ctx()
    rerunning = getattr(ctx, "fragment_ids_this_run", "unknown")  # the fragments rerun alone: none in a full run
    if ctx is not None and not rerunning:
        return
    viewer = current_viewer(page.db)
    couple = current_couple(page.db, viewer) if viewer is not None else None
    same_couple = couple is not None and page.couple is not None and couple.couple_id == page.couple.couple_id
    if viewer is None or not same_couple or (viewer.sharing is not None) != page.sharing:
        st.rerun(scope="app")


def current_couple(db: Database, viewer: Viewer) -> Couple | None:
    """The couple on screen: while sharing, the shared one; else the one chosen, if this person may see it."""
    couple_id = viewer.sharing if viewer.sharing is not None else st.session_state.get(state.COUPLE)
    if couple_id is None or not viewer.may_see(int(couple_id)):
        return None
    return db.couples.get(int(couple_id))


def choose_couple(couple_id: int) -> None:
    """Make `couple_id` the chosen couple from the next run on.

    The sidebar's couple chooser is a widget drawn before the page runs, and Streamlit refuses a
    change to a widget's value after it is drawn; app.py applies this before drawing it.
    """
    st.session_state[state.NEXT_COUPLE] = int(couple_id)


def partner_styles(couple: Couple) -> list[PartnerStyle]:
    """How each partner of the couple is drawn (colour by slot, the same on every chart)."""
    return [PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]


RANGES = {"6 months": 6, "1 year": 12, "2 years": 24, "All": None}
# A choice of what a page shows (a time span, a part, whose history) is kept for the session: a therapist who set Trends
# to six months and a part, looked at Together and came back found Trends as it opens (Streamlit forgets a
# widget's value once a run does not draw it). Signing out forgets it with everything else.
KEPT: Final = "session"
# The time span and part of the charts are in the address too (`?trend_range=6+months&trend_part=Mending`), so a
# reload or a link opens the page as it was; only what names no one (History's person is kept, not shown there).
# The server still decides what is shown: a value the page does not offer is ignored and taken off the address.
IN_ADDRESS: Final = "query-params"


def range_control(key: str) -> int | None:
    """The 6 months / 1 year / 2 years / all control; returns months or None for all."""
    # always one span chosen: a tap on the chosen one leaves it chosen (it showed none chosen while the page
    # used a year)
    choice = st.segmented_control(
        "Time span", list(RANGES), default="1 year", required=True, key=key, persist_state=KEPT, bind=IN_ADDRESS
    )
    return RANGES[choice or "1 year"]


def chosen_before_drawn(key: str) -> Any:
    """What the control keyed `key` holds in this run, before it is drawn: its value in this session, or, on a
    page just opened, the one the address names for it (`IN_ADDRESS`), which the control is about to take."""
    return st.session_state[key] if key in st.session_state else st.query_params.get(key)


def safe(text: str) -> str:
    """A person's words, escaped for a markdown context."""
    return md_escape(text)


def steady_table(data: pd.DataFrame, box: str, *, toolbar_room: bool = False, **options: Any) -> Any:
    """`st.dataframe(data, **options)` with its room kept from the page's first render, in a container keyed
    by `box` (unique in the run); with `toolbar_room`, room above it for the table's own toolbar, which Streamlit
    shows over the end of whatever is above the table (on hover, and once a row is chosen). What `st.dataframe`
    returns.

    Streamlit fetches a table's code the first time a page shows one and holds a 40 px placeholder until then,
    so what is under a table jumped down by the table's height a moment after the page was shown. The page's
    style keeps the table's height (its own `height`, or the one Streamlit gives a table given none) for the
    container while that placeholder is there, and only then: once drawn, a table made taller by its handle
    pushes the page down as anywhere else."""
    room = options.get("height", table_height(len(data), options.get("row_height", TABLE_ROW_PX)))
    kind = TABLE_ROOM_PREFIX if toolbar_room else TABLE_BOX_PREFIX
    with st.container(key=f"{kind}{room}-{box}"):
        return st.dataframe(data, **options)


def part_picker(label: str, options: list[str], key: str) -> str:
    """Which part of a page to show, one of `options` (only the chosen part is drawn and sent), remembered by
    `key`; a part no longer offered (a time span without it) gives way to the first.

    Radio buttons in a row, not tabs and not pills: Streamlit's tabs watch their panel and have the browser lay
    the page out again at every change inside it, each chart's drawing included (a fresh Trends' first chart
    came some 40 ms later, `make bench`), and its pills hand the focus back to the chosen pill when a tap
    enters them, which on a phone scrolled a half-hidden chosen pill into view and lost the tap."""
    if chosen_before_drawn(key) not in options:
        st.session_state[key] = options[0]
    chosen = st.radio(
        label, options, horizontal=True, key=key, label_visibility="collapsed", persist_state=KEPT, bind=IN_ADDRESS
    )
    return chosen if chosen in options else options[0]


def month_column(label: str | None = None) -> Any:
    """A table's column of months: dates in the cells, so that sorting by the column keeps months in order,
    shown as words ("March 2026") as everywhere else."""
    return st.column_config.DateColumn(label, format="MMMM YYYY")


NUMBERS_PREFIX = "numbers_"  # the keys of the folded numbers: NUMBERS_PREFIX + what they hold


def numbers_box(label: str, key: str) -> DeltaGenerator | None:
    """A folded part for the numbers behind a chart or a summary, sent only once it is opened (opening it asks
    the server, a rerun of its fragment): a page visit does not carry every table. The part to fill, or None
    while it is folded. In the page, not over it: a popover opened near the bottom of a phone's screen was a few
    pixels tall, and the page would not scroll while it was open."""
    box = st.expander(label, icon=":material/table:", key=NUMBERS_PREFIX + key, on_change="rerun")
    return box if box.open else None


MONTH_COLUMNS = ("Month", "Compared with")  # the columns of months in a chart's numbers ("2026-03" in their CSV)
EMPTY_CELL = "—"  # what a table shows for a cell with nothing in it (Streamlit's own word is "None")


def months_as_dates(numbers: pd.DataFrame) -> pd.DataFrame:
    """A chart's numbers with their months ("2026-03", as their CSV says them) as dates, to be shown as words by
    `month_column`: sorting by such a column keeps months in order. An empty month is an empty cell."""
    found = {c: pd.to_datetime(numbers[c].replace("", None), format="%Y-%m") for c in MONTH_COLUMNS if c in numbers}
    return numbers.assign(**found)


def numbers_table(numbers: pd.DataFrame) -> None:
    """A table of numbers as every page shows one: fractional numbers with two decimals ("3.00" above "3.67", not
    "3"; a download keeps them all), months (dates) in words, an empty cell "—", no index."""
    decimals = {c: st.column_config.NumberColumn(format="%.2f") for c in numbers.select_dtypes("float").columns}
    months = {c: month_column() for c in numbers.select_dtypes("datetime").columns}
    st.dataframe(
        numbers,
        hide_index=True,
        width="stretch",
        column_config={**decimals, **months},
        placeholder=EMPTY_CELL,
    )


def chart_numbers(chart: views.ChartView, label: str = "Show the numbers") -> None:
    """The numbers behind `chart` a click away (sent only once opened), months in words ("March 2026") and scores
    with two decimals, with their CSV to download when the chart has one (never on a shared screen)."""
    if chart.numbers is None:
        return
    box = numbers_box(label, chart.key)
    if box is None:
        return
    with box:
        numbers_table(months_as_dates(chart.numbers))
        if chart.csv:
            st.download_button(
                "Download these numbers (CSV)",
                chart.csv,
                file_name=chart.file_name,
                mime="text/csv",
                on_click="ignore",
                key=f"dl_{chart.key}",
            )


def show_chart(view: views.ChartView, kind: str) -> None:
    """A chart as every dashboard draws it: Plotly drawn by the page (`ui.chart_element`), our own styling,
    and a short text alternative naming its `kind`; the sentence under it says more."""
    chart_element.draw(view, f"{kind}: {view.title}. The sentence under it says what it shows.")
