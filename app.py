"""Mendwell: entry point. Page config, navigation and the shared sidebar."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from pages._shared import COUPLE_KEY, get_catalog, get_store, mark_app_ran, resume_requested_page, safe

# A local icon: a ":material/..." or emoji favicon is fetched from a CDN, a request off this machine.
ICON = Path(__file__).parent / "assets" / "icon.png"
st.set_page_config(page_title="Mendwell", page_icon=str(ICON), layout="wide")
mark_app_ran()

store = get_store()
catalog = get_catalog()

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/checkin.py", title="Check-in", icon=":material/edit_note:", url_path="checkin"),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
    st.Page("pages/history.py", title="History", icon=":material/history:", url_path="history"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
]
page = st.navigation(pages)
resume_requested_page()

with st.sidebar:
    st.markdown("### Mendwell")
    couples = store.couples()
    if couples:
        ids = [c.couple_id for c in couples]
        names = {c.couple_id: c.name for c in couples}
        if st.session_state.get(COUPLE_KEY) not in ids:
            st.session_state[COUPLE_KEY] = ids[0]
        if len(couples) > 1:
            # selectbox options are shown as plain text, so names need no escaping here
            st.selectbox("Couple", ids, format_func=lambda cid: names.get(cid, "?"), key=COUPLE_KEY)
    else:
        st.session_state.pop(COUPLE_KEY, None)
    st.caption("Your answers stay on this computer.")

if catalog.problems:
    bad = catalog.bad_files
    st.warning(
        f"{len(bad)} questionnaire file(s) could not be loaded, so they are left out of the check-in: "
        + ", ".join(safe(name) for name in bad)
        + ". The other questionnaires work as usual.",
        icon=":material/warning:",
    )
    with st.expander("What is wrong with them"):
        st.code("\n".join(str(p) for p in catalog.problems), language=None, wrap_lines=True)

try:
    page.run()
except Exception:  # st.stop and reruns are BaseExceptions and pass through
    if os.environ.get("MENDWELL_DEBUG"):
        raise
    logging.getLogger("mendwell").exception("The page %r failed", page.title)
    st.error(
        "Something went wrong on this page. Nothing you saved is lost. Please try again, or go back to Home. "
        "If it keeps happening, the details are in the log of the terminal running Mendwell.",
        icon=":material/sentiment_dissatisfied:",
    )
