"""Caseload: the therapist's couples, who is due, and what may need attention."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import analysis, caseload, periods, rhythm, safety, views
from mendwell.limits import MIN_REFERENCE_PARTNERS
from ui.page import choose_couple, page_setup

page = page_setup("Caseload", page="caseload", needs_couple=False)
db, catalog, viewer = page.db, page.catalog, page.viewer
mine = list(viewer.couple_ids)  # the couples granted to this therapist, and no others

today = dt.date.today()
couples = caseload.overview(db, mine, today)
if couples.empty:
    st.info("No couple is shared with you yet. The practice owner grants couples on the Accounts page.")
    st.stop()

due_text = [
    rhythm.due(today, int(day), int(done) >= int(n) and int(n) > 0).text
    for day, done, n in zip(couples["checkin_day"], couples["submitted_now"], couples["partners"], strict=True)
]
table = pd.DataFrame(
    {
        "Couple": couples["name"],
        "Last check-in": pd.to_datetime(couples["last_checkin"]).dt.strftime("%b %Y").fillna("none yet"),
        f"{periods.label(periods.month_start(today))}": couples["submitted_now"].astype(int).astype(str)
        + " of "
        + couples["partners"].astype(int).astype(str)
        + " checked in",
        "Due": due_text,
    }
)

found = caseload.flags(db)
found = found[found["couple_id"].isin(mine)] if not found.empty else found
titles = views.subscale_titles(catalog)
partner_names = {p.partner_id: p.name for c in (db.couples.get(cid) for cid in mine) if c for p in c.partners}
if not found.empty:
    found = found.assign(
        text=[
            f"{partner_names.get(int(pid), '?')}: {titles.get((i, s), s)} ({kind}, {pd.Timestamp(p):%b %Y})"
            for pid, i, s, kind, p in zip(
                found["partner_id"], found["instrument_id"], found["subscale_id"], found["kind"], found["period"],
                strict=True,
            )
        ]
    )  # fmt: skip
    per_couple = found.groupby("couple_id")["text"].agg(lambda t: "; ".join(t))
    table["Flags"] = couples["couple_id"].map(per_couple).fillna("")
else:
    table["Flags"] = ""

if safety.therapist_sees_flag(db):
    raised = safety.recent_flags(db, mine)
    if not raised.empty:
        per = raised.groupby("couple_id")["partner_id"].agg(
            lambda ids: "; ".join(f"{partner_names.get(int(i), '?')}: safety check raised a concern" for i in ids)
        )
        extra = couples["couple_id"].map(per).fillna("")
        table["Flags"] = (table["Flags"] + "; " + extra).str.strip("; ")

st.caption(
    "Flags are for you only: they never show in screen-share mode, in Together or in reports. A flag marks a "
    "reliable worsening in a partner's latest check-in since their starting point, or a part in a concern band "
    "two months running. Private parts never raise a flag."
)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("How reliable each part is")
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

st.subheader("Open a couple")
ids = couples["couple_id"].tolist()
names = dict(zip(couples["couple_id"], couples["name"], strict=True))
choice = st.selectbox("Couple", ids, format_func=lambda cid: f"{names[cid]} (#{cid})", key="caseload_pick")
if st.button("Open their trends", type="primary"):
    choose_couple(int(choice))
    st.switch_page("app_pages/trends.py")

st.subheader("Start of therapy")
st.caption(
    "Each partner's changes are judged against a starting point: their first check-in, or their first from the "
    "month you mark here as the start of therapy with this couple."
)
marked = analysis.start_of_therapy(db, int(choice))
st.markdown(
    f"{names[choice]}: "
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
if mark:
    analysis.mark_start_of_therapy(db, int(choice), start_month)
    st.rerun()
if clear and marked:
    analysis.mark_start_of_therapy(db, int(choice), None)
    st.rerun()
