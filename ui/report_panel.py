"""The session report panel on Trends: choose the months, prepare the report, download it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple
from ui import state


def report_panel(
    db: Database, catalog: Catalog, couple: Couple, first_period: pd.Timestamp, last_period: pd.Timestamp
) -> None:
    """Draw the report form for `couple` (never while the screen is shared: callers check)."""
    st.subheader("Session report")
    st.caption(
        "One HTML file with these charts, the themes and the months you opened together. It opens offline, "
        "prints cleanly to PDF from the browser, and never holds anything private."
    )
    with st.form("report_form"):
        choices = list(pd.date_range(first_period, last_period, freq="MS"))
        default_from = choices[max(0, len(choices) - 12)]
        left, right = st.columns(2)
        rep_from = left.selectbox(
            "From", choices, index=choices.index(default_from), format_func=lambda d: d.strftime("%B %Y")
        )
        rep_to = right.selectbox("To", choices, index=len(choices) - 1, format_func=lambda d: d.strftime("%B %Y"))
        build = st.form_submit_button("Prepare the report")
    if build:
        if rep_from > rep_to:
            st.warning("Please choose a start month on or before the end month.")
        else:
            from mendwell.report import build_report

            with st.spinner("Preparing the report…"):
                html_report = build_report(db, catalog, couple.couple_id, rep_from.date(), rep_to.date())
            st.session_state[state.REPORT_HTML] = (couple.couple_id, html_report, f"{rep_from:%Y-%m}_{rep_to:%Y-%m}")
    ready = st.session_state.get(state.REPORT_HTML)
    if ready and ready[0] == couple.couple_id:
        st.download_button(
            "Download the session report (HTML)",
            ready[1].encode("utf-8"),
            file_name=f"mendwell-session-report-{ready[2]}.html",
            mime="text/html",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
        )
