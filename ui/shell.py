"""Every script run starts here (app.py calls `run`): who is signed in, which pages they get, the sidebar.

The navigation is built from `mendwell.access.pages_for(viewer)`, so a page
someone may not open is not even registered for them; each page checks again
in `page_setup`. While sharing, the addresses of the person's other pages
(`access.put_away`) are hidden entries that run none of the page: they lead to
the shared Home, which says why. Screen sharing is held on the server for the sign-in, so it
survives reloads, new tabs, edited addresses and restarts.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import streamlit as st

from mendwell import audit
from mendwell.access import Viewer, pages_for, put_away
from mendwell.charts import CHART_PAGES
from mendwell.data import Database
from mendwell.text import counted
from ui import chart_element, quick_exit, state
from ui.auth import current_viewer, found_for_this_run, sign_out, signed_out_page
from ui.gates import left_at_the_tap
from ui.page import safe
from ui.resources import get_catalog, get_db, one_look_per_run
from ui.sharing import SHARE_CSS

ROOT = Path(__file__).resolve().parent.parent
# A local icon: a ":material/..." or emoji favicon is fetched from a CDN, a request off this machine.
ICON = ROOT / "assets" / "icon.png"
NEUTRAL_ICON = ROOT / "assets" / "neutral.png"

# key: (script, title, icon, address)
PAGES: dict[str, tuple[str, str, str, str]] = {
    "home": ("app_pages/home.py", "Home", ":material/home:", ""),
    "checkin": ("app_pages/checkin.py", "Check-in", ":material/edit_note:", "checkin"),
    "together": ("app_pages/together.py", "Together", ":material/diversity_1:", "together"),
    "trends": ("app_pages/trends.py", "Trends", ":material/show_chart:", "trends"),
    "themes": ("app_pages/themes.py", "Themes", ":material/category:", "themes"),
    "history": ("app_pages/history.py", "History", ":material/history:", "history"),
    "caseload": ("app_pages/caseload.py", "Caseload", ":material/groups:", "caseload"),
    "data": ("app_pages/data.py", "Data", ":material/database:", "data"),
    "settings": ("app_pages/settings.py", "Settings", ":material/settings:", "settings"),
    "accounts": ("app_pages/accounts.py", "Accounts", ":material/manage_accounts:", "accounts"),
    "audit": ("app_pages/audit.py", "Audit log", ":material/fact_check:", "audit"),
}
# The pages that draw charts (mendwell.charts.CHART_PAGES) load plotly.js as soon as they open; the others (not
# the check-in, where a phone's every tap counts) once they are drawn and the browser is idle, so a chart page
# opened next finds it ready.
NO_PRELOAD = frozenset({"checkin"})


def _page(key: str, sharing: bool) -> st.Page:
    script, title, icon, address = PAGES[key]
    if key == "home" and sharing:
        title, icon = "Sharing", ":material/present_to_all:"
    if address:
        return st.Page(script, title=title, icon=icon, url_path=address)
    return st.Page(script, title=title, icon=icon, default=True)


def _put_away_page(key: str) -> st.Page:
    # While sharing, the address of a page not shared (typed, or a bookmark) leads to the shared Home, which says
    # why, instead of Streamlit's "Page not found" over the shared screen. None of that page's script is run, and
    # its name is not put on the shared screen.
    address = PAGES[key][3]

    def put_away() -> None:
        st.session_state[state.PUT_AWAY] = True
        st.switch_page(PAGES["home"][0])

    return st.Page(put_away, title="Sharing", url_path=address, visibility="hidden")


def _neutral() -> None:
    # "Leave now" from the safety check: a neutral page and nothing else, until the person chooses to return.
    # Its tab title and icon say nothing of Mendwell either.
    st.set_page_config(page_title=quick_exit.NEUTRAL_TITLE, page_icon=str(NEUTRAL_ICON), layout="centered")
    quick_exit.reveal()  # the tap blanked the page in the browser: shown again once the check-in is gone
    neutral = st.Page("app_pages/neutral.py", title=quick_exit.NEUTRAL_TITLE, default=True)
    st.navigation([neutral], position="hidden").run()


def couple_number(text: str) -> int | None:
    """A couple's number as an address may write it: ASCII digits only, and small enough to be one (anything
    else, "²" or a number past any couple's, is no couple; `int` took the first and the log refused the second)."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _couple_in_address(db: Database, viewer: Viewer) -> None:
    """A therapist's address holds the couple on screen (`?couple=ID`), so a reload or a bookmark opens the same
    couple. It is read once, at a session's first run, and only ever chooses among the couples this person may
    see: any other is refused, said so on the page and logged, and the couple on screen stays theirs."""
    if st.session_state.get(state.ADDRESS_READ) or not viewer.is_therapist:
        return
    st.session_state[state.ADDRESS_READ] = True
    if viewer.sharing is not None:  # the shared couple is held by the sign-in; nothing is said before the couple
        return
    wanted = st.query_params.get("couple", "")
    if not wanted:
        return
    asked = couple_number(wanted)
    if asked is not None and viewer.may_see(asked):
        st.session_state[state.COUPLE] = asked
        return
    st.session_state[state.ADDRESS_REFUSED] = True
    audit.record(db, viewer.actor, audit.REFUSED, asked, "a couple not granted, named in the address")


def _choose_couple(db: Database, viewer: Viewer) -> None:
    """Hold the couple on screen by id, among those this person may see (a partner: their own)."""
    _couple_in_address(db, viewer)
    if state.NEXT_COUPLE in st.session_state:
        st.session_state[state.COUPLE] = st.session_state.pop(state.NEXT_COUPLE)
    if viewer.sharing is not None:
        st.session_state[state.COUPLE] = viewer.sharing
    if st.session_state.get(state.COUPLE) not in viewer.couple_ids:
        st.session_state[state.COUPLE] = viewer.couple_ids[0] if viewer.couple_ids else None
    # a widget's value is dropped after a run that does not draw it: keep it as plain state
    st.session_state[state.COUPLE] = st.session_state[state.COUPLE]


def _share_link(db: Database, viewer: Viewer) -> Viewer | None:
    """A therapist's bookmarked ?share=1&couple=ID starts sharing that couple (if theirs to see)."""
    if viewer.sharing is not None or not viewer.is_therapist or st.query_params.get("share") != "1":
        return viewer
    wanted = couple_number(st.query_params.get("couple", ""))
    if wanted is not None and viewer.may_see(wanted):
        db.sign_ins.set_share(viewer.sign_in.sign_in_id, wanted)
        audit.record(db, viewer.actor, audit.SHARE_START, wanted)
        return current_viewer(db)  # None if the sign-in ended meanwhile: the run then shows the way to sign in
    # a share link to a couple not theirs: nothing is shared, and the page says why (`_couple_in_address`)
    del st.query_params["share"]
    return viewer


def _sidebar(db: Database, viewer: Viewer) -> None:
    with st.sidebar:
        # the app's name, not a heading: the page's own title is the first heading (h1) a screen reader meets
        st.markdown("**Mendwell**")
        if viewer.sharing is not None:
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
                    db.sign_ins.set_share(viewer.sign_in.sign_in_id, None)
                    audit.record(db, viewer.actor, audit.SHARE_STOP, viewer.sharing)
                    st.session_state.pop(state.CONFIRM_STOP_SHARING, None)
                    for key in ("share", "couple"):
                        if key in st.query_params:
                            del st.query_params[key]
                    st.rerun()
                if right.button("Keep sharing"):
                    st.session_state.pop(state.CONFIRM_STOP_SHARING, None)
                    st.rerun()
            return
        st.caption(f"Signed in as {safe(viewer.name)}")
        if viewer.is_therapist and viewer.couple_ids:
            couples = {c.couple_id: c for c in (db.couples.get(cid) for cid in viewer.couple_ids) if c is not None}
            if len(couples) > 1:
                # every label offered is unique (two couples may share a name): the id goes with it
                st.selectbox(
                    "Couple", list(couples), format_func=lambda cid: f"{couples[cid].name} (#{cid})", key=state.COUPLE
                )
            couple_id = st.session_state.get(state.COUPLE)
            if couple_id in couples and st.button("Start screen sharing", icon=":material/present_to_all:", help=(
                "Shows only this couple's charts, in large type, with no other names and nothing private. "
                "It stays on, in every tab, until you stop it."
            )):  # fmt: skip
                db.sign_ins.set_share(viewer.sign_in.sign_in_id, int(couple_id))
                audit.record(db, viewer.actor, audit.SHARE_START, int(couple_id))
                st.switch_page("app_pages/trends.py")
        if st.button("Sign out", icon=":material/logout:"):
            sign_out(db, viewer)
            st.session_state.clear()
            st.rerun()


# pages about no one couple (every couple of a caseload, the accounts, the log): their views name no couple
ABOUT_NO_COUPLE = frozenset({"caseload", "accounts", "audit"})


def _record_view(db: Database, viewer: Viewer, page_title: str, address: str) -> None:
    """One audit entry each time a person opens a page (not on every click within it): of the chosen couple, or
    of none for a page about no one couple (`ABOUT_NO_COUPLE`), which the log would otherwise pin on whichever
    couple the sidebar had chosen."""
    couple_id = None if address in ABOUT_NO_COUPLE else st.session_state.get(state.COUPLE)
    seen = (page_title, couple_id)
    if (couple_id is not None or address in ABOUT_NO_COUPLE) and st.session_state.get(state.LAST_VIEW) != seen:
        audit.record(db, viewer.actor, audit.VIEW, None if couple_id is None else int(couple_id), page_title)
    st.session_state[state.LAST_VIEW] = seen


def run() -> None:
    """One run of the app: the signed-in person's navigation, sidebar and page."""
    if st.session_state.get(state.NEUTRAL):
        _neutral()
        return
    db = get_db()
    viewer = current_viewer(db)
    if viewer is None and left_at_the_tap():
        _neutral()
        return
    st.set_page_config(page_title="Mendwell", page_icon=str(ICON), layout="wide")
    if viewer is not None:
        viewer = _share_link(db, viewer)
    if viewer is None:
        st.session_state.pop(state.COUPLE, None)
        st.navigation([st.Page(signed_out_page, title="Sign in", default=True)], position="hidden").run()
        return
    _choose_couple(db, viewer)
    sharing = viewer.sharing is not None
    own = [_page(key, sharing) for key in pages_for(viewer)]
    page = st.navigation(own + [_put_away_page(key) for key in put_away(viewer)])
    shown = any(page is p for p in own)
    if sharing:
        # the address names the shared couple, but the server decides: it is kept only for the reader
        st.query_params["share"] = "1"
        st.query_params["couple"] = str(viewer.sharing)
    elif viewer.is_therapist and st.session_state.get(state.COUPLE) is not None:
        st.query_params["couple"] = str(st.session_state[state.COUPLE])  # a reload opens the same couple
    elif "couple" in st.query_params:  # a partner has one couple: an address naming another says nothing
        del st.query_params["couple"]
    if shown and st.session_state.pop(state.PUT_AWAY, False):
        st.info(
            "The page at that address is not shown while you share your screen: only what this couple may see "
            "opens here.",
            icon=":material/present_to_all:",
        )
    if st.session_state.pop(state.ADDRESS_REFUSED, False):
        # the sidebar offers a choice only to someone with more than one couple
        choose = "; choose another in the sidebar." if len(viewer.couple_ids) > 1 else "."
        st.warning(
            "The couple in the address is not one you can open, so it was not opened. The couple on screen is "
            f"one of yours{choose}",
            icon=":material/block:",
        )
    if page.url_path != "settings":
        # a second step's key shows only on the visit it was asked for (a screen may be shared): leaving
        # Settings forgets an enrolment not finished
        st.session_state.pop(state.TOTP_PENDING, None)
    if page.url_path not in NO_PRELOAD:
        chart_element.preload(soon=page.url_path in CHART_PAGES)
    _sidebar(db, viewer)
    catalog = get_catalog()
    if catalog.problems and not sharing and (viewer.is_owner or viewer.is_therapist):
        bad = catalog.bad_files
        st.warning(
            f"{counted(len(bad), 'questionnaire file')} could not be loaded, so "
            + ("it is" if len(bad) == 1 else "they are")
            + " left out of the check-in: "
            + ", ".join(safe(name) for name in bad)
            + ". The other questionnaires work as usual.",
            icon=":material/warning:",
        )
        with st.expander("What is wrong with them"):
            st.code("\n".join(str(p) for p in catalog.problems), language=None, wrap_lines=True)
    if shown:  # a page put away while sharing shows nothing of anyone's: no view to record
        _record_view(db, viewer, page.title, page.url_path)
    try:
        with found_for_this_run(viewer), one_look_per_run():
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
