"""The session report panel on Trends: choose the months (and a PDF's paper), prepare the report, download it
as HTML, or as a PDF when Chromium is here to print it."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from mendwell import audit, pdf
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple
from mendwell.report import DEFAULT_MONTHS, PAPERS, default_range
from ui import state

REPORT_OPEN = "report_open"  # the expander's key: whether the form is open


def report_panel(
    db: Database,
    catalog: Catalog,
    couple: Couple,
    actor: str,
    first_period: pd.Timestamp,
    last_period: pd.Timestamp,
) -> None:
    """Draw the report form for `couple` (never while the screen is shared: callers check),
    folded away until opened: its form is sent only then, so a visit to Trends does not wait for it. Preparing
    a report, and printing it to PDF, is logged as done by `actor` (`audit.actor`)."""
    st.subheader("Session report")
    why_no_pdf = pdf.unavailable_reason()
    st.caption(
        "One HTML file with the charts, the themes and each month side by side, for the months both partners have "
        "checked in for (as screen sharing shows them). It opens offline, prints on A4 or Letter with page "
        "numbers, and never holds anything private." + ("" if why_no_pdf else " It can also be downloaded as a PDF.")
    )
    box = st.expander("Prepare a session report", icon=":material/description:", key=REPORT_OPEN, on_change="rerun")
    if not box.open:
        return
    with box:
        _form(db, catalog, couple, actor, first_period, last_period, why_no_pdf)


def _printed(db: Database, actor: str, couple_id: int, html_report: str, paper: str) -> bytes:
    """The report printed to PDF at the tap that downloads it, logged."""
    printed = pdf.html_to_pdf(html_report, paper)
    audit.record(db, actor, audit.REPORT, couple_id, f"printed to PDF ({paper})")
    return printed


def _form(
    db: Database,
    catalog: Catalog,
    couple: Couple,
    actor: str,
    first_period: pd.Timestamp,
    last_period: pd.Timestamp,
    why_no_pdf: str | None,
) -> None:
    """The months and paper, then the downloads once the report is prepared."""
    with st.form("report_form"):
        choices = list(pd.date_range(first_period, last_period, freq="MS"))
        # the report's own default span (the year up to the latest month open to both), within the page's months
        start, end = (pd.Timestamp(m) for m in default_range(db, couple.couple_id))
        to_index = choices.index(end) if end in choices else len(choices) - 1
        from_index = choices.index(start) if start in choices else max(0, to_index - (DEFAULT_MONTHS - 1))
        left, right = st.columns(2)
        rep_from = left.selectbox("From", choices, index=from_index, format_func=lambda d: d.strftime("%B %Y"))
        rep_to = right.selectbox("To", choices, index=to_index, format_func=lambda d: d.strftime("%B %Y"))
        paper = pdf.DEFAULT_PAPER
        if why_no_pdf is None:
            paper = st.radio("Paper for the PDF", list(PAPERS), format_func=PAPERS.__getitem__, horizontal=True)
        build = st.form_submit_button("Prepare the report")
    if build:
        if rep_from > rep_to:
            st.warning("Please choose a start month on or before the end month.")
        else:
            from mendwell.report import build_report

            with st.spinner("Preparing the report…"):
                html_report = build_report(db, catalog, couple.couple_id, rep_from.date(), rep_to.date())
            span = f"{rep_from:%Y-%m}_{rep_to:%Y-%m}"
            audit.record(db, actor, audit.REPORT, couple.couple_id, f"prepared, {span.replace('_', ' to ')}")
            st.session_state[state.REPORT_HTML] = (couple.couple_id, html_report, span, paper)
    ready = st.session_state.get(state.REPORT_HTML)
    if not ready or len(ready) != 4 or ready[0] != couple.couple_id:
        return
    _, html_report, span, paper = ready
    name = f"mendwell-session-report-{span}"
    html_col, pdf_col = st.columns(2)
    html_col.download_button(
        "Download the session report (HTML)",
        html_report.encode("utf-8"),
        file_name=f"{name}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
    )
    if why_no_pdf is None:
        # printed only when asked for, in a thread of its own: a few seconds of Chromium
        pdf_col.download_button(
            f"Download as PDF ({PAPERS[paper]})",
            partial(_printed, db, actor, couple.couple_id, html_report, paper),
            file_name=f"{name}-{paper}.pdf",
            mime="application/pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )
    else:
        st.caption(f"No PDF is offered here. {why_no_pdf}")
