"""Audit log (the practice owner): who did what, when, to which couple; never what anyone answered."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mendwell import audit
from ui.page import page_setup

page = page_setup("Audit log", page="audit", needs_couple=False)
db = page.db

verdict = audit.verify(db)
if verdict.ok:
    st.success(f"The log is whole: {verdict.entries:,} entries, none changed or removed.", icon=":material/verified:")
else:
    st.error("The log was tampered with: " + "; ".join(verdict.problems), icon=":material/gpp_bad:")

left, right = st.columns(2)
since = left.date_input("From", value=dt.date.today() - dt.timedelta(days=30))
couple = right.number_input("Couple id (0: every couple)", min_value=0, step=1, value=0)
frame = db.audit.frame(int(couple) or None, dt.datetime.combine(since, dt.time()) if since else None)
st.dataframe(frame, hide_index=True, width="stretch")
st.caption("The same log is printed by `mendwell audit`; `mendwell audit verify` checks the chain.")
