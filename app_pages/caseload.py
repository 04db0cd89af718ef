"""Caseload: the therapist's couples, who is due, and what may need attention."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import caseload, periods, rhythm, safety, views
from ui.gates import practice_gate
from ui.page import choose_couple, page_setup

page = page_setup("Caseload", needs_couple=False)
db, catalog = page.db, page.catalog

if not practice_gate(db):
    st.stop()

today = dt.date.today()
couples = caseload.overview(db, today)
if couples.empty:
    st.info("No couples yet. Add one on the Settings page.")
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
titles = views.subscale_titles(catalog)
partner_names = {p.partner_id: p.name for c in db.couples.all() for p in c.partners}
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
    raised = safety.recent_flags(db)
    if not raised.empty:
        per = raised.groupby("couple_id")["partner_id"].agg(
            lambda ids: "; ".join(f"{partner_names.get(int(i), '?')}: safety check raised a concern" for i in ids)
        )
        extra = couples["couple_id"].map(per).fillna("")
        table["Flags"] = (table["Flags"] + "; " + extra).str.strip("; ")

st.caption(
    "Flags are for you only: they never show in screen-share mode, in Together or in reports. A flag marks a "
    "reliable worsening in a partner's latest check-in, or a part in a concern band two months running. "
    "Private parts never raise a flag."
)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Open a couple")
ids = couples["couple_id"].tolist()
names = dict(zip(couples["couple_id"], couples["name"], strict=True))
choice = st.selectbox("Couple", ids, format_func=lambda cid: names[cid], key="caseload_pick")
if st.button("Open their trends", type="primary"):
    choose_couple(int(choice))
    st.switch_page("app_pages/trends.py")
