"""Mendwell: entry point. Page config, navigation and the shared sidebar."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from ui import state
from ui.gates import lock_all
from ui.page import safe
from ui.resources import get_catalog, get_db
from ui.sharing import SHARE_CSS, share_mode, start_sharing, stop_sharing

# A local icon: a ":material/..." or emoji favicon is fetched from a CDN, a request off this machine.
ICON = Path(__file__).parent / "assets" / "icon.png"
NEUTRAL_ICON = Path(__file__).parent / "assets" / "neutral.png"

if st.session_state.get(state.NEUTRAL):
    # "Leave now" from the safety check: a neutral page and nothing else, until the person chooses to return.
    # Its tab title and icon say nothing of Mendwell either.
    st.set_page_config(page_title="Lentil soup", page_icon=str(NEUTRAL_ICON), layout="centered")
    st.navigation([st.Page("app_pages/neutral.py", title="Lentil soup", default=True)], position="hidden").run()
    st.stop()

st.set_page_config(page_title="Mendwell", page_icon=str(ICON), layout="wide")

db = get_db()
catalog = get_catalog()
sharing = share_mode()
# The couple chooser below is a widget, and Streamlit drops a widget's value after a run that does not
# draw it (share mode draws none): keep the chosen couple as plain session state, so sharing starts on it.
# A couple chosen by a page (Caseload, Settings) is applied here, before the chooser is drawn.
if state.NEXT_COUPLE in st.session_state:
    st.session_state[state.COUPLE] = st.session_state.pop(state.NEXT_COUPLE)
elif state.COUPLE in st.session_state:
    st.session_state[state.COUPLE] = st.session_state[state.COUPLE]

if sharing:
    # A ?share=1&couple=ID link chooses the couple; otherwise the one chosen before sharing.
    wanted = st.query_params.get("couple")
    if wanted and wanted.isdigit() and db.couples.get(int(wanted)) is not None:
        st.session_state[state.COUPLE] = int(wanted)
    pages = [
        # the default page is served at "/", so the chart pages keep their own addresses
        st.Page("app_pages/home.py", title="Sharing", icon=":material/present_to_all:", default=True),
        st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
        st.Page("app_pages/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
        st.Page("app_pages/together.py", title="Together", icon=":material/diversity_1:", url_path="together"),
    ]
else:
    pages = [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/checkin.py", title="Check-in", icon=":material/edit_note:", url_path="checkin"),
        st.Page("app_pages/together.py", title="Together", icon=":material/diversity_1:", url_path="together"),
        st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
        st.Page("app_pages/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
        st.Page("app_pages/history.py", title="History", icon=":material/history:", url_path="history"),
        st.Page("app_pages/caseload.py", title="Caseload", icon=":material/groups:", url_path="caseload"),
        st.Page("app_pages/data.py", title="Data", icon=":material/database:", url_path="data"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
    ]
page = st.navigation(pages)
if sharing:
    # Moving to another page clears the address bar's query: write the share link back on every run,
    # so a reload during a screen share stays in share mode on the same couple (not the first couple).
    st.query_params["share"] = "1"
    if st.session_state.get(state.COUPLE) is not None:
        st.query_params["couple"] = str(st.session_state[state.COUPLE])

with st.sidebar:
    st.markdown("### Mendwell")
    if sharing:
        # Only the chosen couple exists as far as this screen is concerned: no selector, no list.
        st.markdown(
            ":red-background[**● Sharing**]  \nOnly this couple's charts are on screen. Private answers never show."
        )
        st.markdown(SHARE_CSS, unsafe_allow_html=True)  # our own CSS only, no user text
        if not st.session_state.get(state.CONFIRM_STOP_SHARING):
            if st.button("Stop sharing…", icon=":material/stop_screen_share:"):
                st.session_state[state.CONFIRM_STOP_SHARING] = True
                st.rerun()
        else:
            st.caption("Stop your screen share first, then leave sharing mode.")
            left, right = st.columns(2)
            if left.button("Stop sharing", type="primary"):
                stop_sharing()
                st.rerun()
            if right.button("Keep sharing"):
                st.session_state.pop(state.CONFIRM_STOP_SHARING, None)
                st.rerun()
    else:
        couples = db.couples.all()
        if couples:
            ids = [c.couple_id for c in couples]
            names = {c.couple_id: c.name for c in couples}
            if st.session_state.get(state.COUPLE) not in ids:
                st.session_state[state.COUPLE] = ids[0]
            if len(couples) > 1:
                # selectbox options are shown as plain text, so names need no escaping here
                st.selectbox("Couple", ids, format_func=lambda cid: names.get(cid, "?"), key=state.COUPLE)
            if st.button("Start screen sharing", icon=":material/present_to_all:", help=(
                "Shows only this couple's charts, in large type, with no other names and nothing private. "
                "Leaving it takes a deliberate click."
            )):  # fmt: skip
                start_sharing()
                st.switch_page("app_pages/trends.py")
        else:
            st.session_state.pop(state.COUPLE, None)
        anything_open = st.session_state.get(state.UNLOCKED_PARTNERS) or st.session_state.get(state.PRACTICE_UNLOCKED)
        if anything_open and st.button("Lock", icon=":material/lock:", help="Close every open passcode now."):
            lock_all()
            st.session_state.pop(state.PRACTICE_UNLOCKED, None)
            st.rerun()
        st.caption("Your answers stay on this computer.")

if catalog.problems and not sharing:
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
