"""Caseload: the therapist's couples, who is due, and what may need attention."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import analysis, audit, caseload, periods, safety
from mendwell.limits import MIN_REFERENCE_PARTNERS
from mendwell.page_style import WORDS_ROW_PX, table_height
from ui import state
from ui.page import choose_couple, page_setup, safe, steady_table
from ui.resources import board_for

page = page_setup("Caseload", page="caseload", needs_couple=False)
db, catalog, viewer = page.db, page.catalog, page.viewer
mine = list(viewer.couple_ids)  # the couples granted to this therapist, and no others

today = dt.date.today()
couples = caseload.overview(db, mine, today)
if couples.empty:
    st.info("No couple is shared with you yet. The practice owner grants couples on the Accounts page.")
    st.stop()

flag_on = safety.therapist_sees_flag(db)
found = board_for(db, tuple(mine), today, safety_flag=flag_on)
st.caption(
    "Flags are for you only: they never show in screen-share mode, in Together or in reports, and private "
    "parts never raise one. A flag is a reason to ask how things are, not a finding. Couples with the most "
    "pressing flags come first; click a column's name to sort by it, and hover it to read what it means. "
    "Choose a row to open that couple below."
)
ids = [int(c) for c in found.table["couple_id"]]  # as on the board: most pressing first
board_key = state.caseload_board(ids)
ROW = WORDS_ROW_PX  # taller than 4rem: Streamlit wraps a cell's words onto two lines instead of cutting them
kinds = [kind.column for kind in caseload.flag_columns(flag_on)]
board = steady_table(
    found.table.drop(columns="couple_id"),
    "caseload",
    toolbar_room=True,  # its toolbar covered the end of the caption
    key=board_key,
    # the short columns first, so they are in view on a laptop; the kinds' words after them, scrolled to
    column_order=["Couple", caseload.MOST_PRESSING, caseload.FLAG_COUNT, caseload.LAST, *kinds],
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    row_height=ROW,
    placeholder="not yet",  # the only empty cell: the last check-in of a couple who has not checked in yet
    height=table_height(len(found.table), ROW, capped=False),  # up to ten couples in view, then it scrolls
    column_config={
        "Couple": st.column_config.TextColumn(pinned=True),
        caseload.MOST_PRESSING: st.column_config.TextColumn(
            help="The most pressing kind of flag for this couple, with its rank (1 is the most pressing kind); "
            "sort by it to see that order again.",
        ),
        **{
            kind.column: st.column_config.TextColumn(
                kind.column if kind is not caseload.PAST_DAY else f"This month ({periods.label(today)})",
                help=kind.help,
                width="medium",
            )
            for kind in caseload.flag_columns(flag_on)
        },
        caseload.FLAG_COUNT: st.column_config.NumberColumn(help="How many flags, of every kind.", format="%d"),
        caseload.LAST: st.column_config.DateColumn(format="MMM YYYY", help="The couple's latest check-in."),
    },
)

# A row chosen on the board chooses its couple below, once: the chooser stays free to change after it.
rows = board.selection.rows
row_couple = ids[rows[0]] if rows and rows[0] < len(ids) else None
if row_couple is not None and st.session_state.get(state.CASELOAD_ROW_PICKED) != row_couple:
    st.session_state[state.CASELOAD_PICK] = row_couple
st.session_state[state.CASELOAD_ROW_PICKED] = row_couple

st.header("Open a couple")
names = dict(zip(couples["couple_id"], couples["name"], strict=True))
choice = st.selectbox("Couple to open", ids, format_func=lambda cid: f"{names[cid]} (#{cid})", key=state.CASELOAD_PICK)
said = found.details.get(int(choice), [])
# their flags in sentences and their start of therapy: a view of this couple, logged once each time it is opened
if st.session_state.get(state.CASELOAD_VIEWED) != int(choice):
    audit.record(db, viewer.actor, audit.VIEW, int(choice), "Caseload: a couple's flags")
    st.session_state[state.CASELOAD_VIEWED] = int(choice)
st.markdown(
    f"**What the flags say about {safe(names[choice])}**\n\n" + "\n".join(f"- {safe(line)}" for line in said)
    if said
    else f"Nothing is flagged for {safe(names[choice])}."
)
if st.button("Open their trends", type="primary"):
    choose_couple(int(choice))
    st.switch_page("app_pages/trends.py")

st.header("Start of therapy")
st.caption(
    "Each partner's changes are judged against a starting point: their first check-in, or their first from the "
    "month you mark here as the start of therapy with this couple."
)
marked = analysis.start_of_therapy(db, int(choice))
st.markdown(
    f"{safe(names[choice])}: "
    + (f"starting point marked at **{periods.label(marked)}**." if marked else "starting point is each first check-in.")
)
months = periods.recent_periods(36, today)
with st.form("start_of_therapy"):
    start_month = st.selectbox(
        "Start of therapy", months, index=months.index(marked) if marked in months else 0, format_func=periods.label
    )
    mark_col, clear_col = st.columns(2)
    mark = mark_col.form_submit_button("Mark this month as the start")
    clear = clear_col.form_submit_button("Use each first check-in instead")
if mark or (clear and marked):
    # every verdict of the couple is judged from this month on: a clinical decision, so it is in the trail
    analysis.mark_start_of_therapy(db, int(choice), start_month if mark else None)
    what = f"start of therapy marked at {start_month:%Y-%m}" if mark else "start of therapy cleared"
    audit.record(db, viewer.actor, audit.SETTING, int(choice), what)
    st.rerun()

st.header("How reliable each part is")
st.caption(
    "Reliable change needs two figures per part: how much scores spread across people (SD) and how reliable "
    f"the part is (r). Once at least {MIN_REFERENCE_PARTNERS} partners have a first check-in, Mendwell measures "
    "Cronbach's alpha from those first check-ins and uses it instead of the figure declared in the "
    "questionnaire file; Mendwell's own figures are provisional until then. The SD comes from a "
    "part's published norms when its file gives them, else from everyone's first check-ins."
)
rel = caseload.reliability_table(db, catalog)
st.dataframe(
    pd.DataFrame(
        {
            "Part": rel["part"],
            "Declared r": rel["declared"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
            "Measured alpha": rel["measured_alpha"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
            "From complete first check-ins": rel["complete_first_checkins"],
            "Used": rel["used"],
            "SD from": rel["sd_from"],
        }
    ),
    hide_index=True,
    width="stretch",
)
