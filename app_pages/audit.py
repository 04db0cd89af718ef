"""Audit log (the practice owner): who did what, when, to which couple; never what anyone answered."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mendwell import audit
from ui.page import page_setup, steady_table

page = page_setup("Audit log", page="audit", needs_couple=False)
db = page.db

verdict = audit.verify(db)
if verdict.ok:
    st.success(f"The log is whole: {verdict.entries:,} entries, none changed or removed.", icon=":material/verified:")
else:
    st.error("The log was tampered with: " + "; ".join(verdict.problems), icon=":material/gpp_bad:")

couples = audit.couples_named(db)  # those erased too, by number: who saw them, and when, stays to be asked
EVERY = 0
left, right = st.columns(2)
since = left.date_input("From", value=dt.date.today() - dt.timedelta(days=30), key="audit_since")
chosen = right.selectbox(
    "Entries about",
    [EVERY, *couples],
    format_func=lambda c: "Every couple" if c == EVERY else couples[c],
    key="audit_couple",
)
log = audit.table(db, chosen or None, since or None)
steady_table(
    log,
    "audit",
    toolbar_room=True,
    hide_index=True,
    width="stretch",
    column_config={
        "#": st.column_config.NumberColumn(format="%d", width="small"),
        "When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        "What": st.column_config.TextColumn(width="small"),
        "Details": st.column_config.TextColumn(width="large"),  # the longest words: the rest make room for them
    },
)
st.caption(
    "Who did what, when, to which couple; never what anyone answered. A couple since erased is named by its "
    "number. The same log is printed by `mendwell audit`; `mendwell audit verify` checks the chain."
)
