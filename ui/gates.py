"""Gates inside a sign-in: a partner's key for their sealed text after a restart, and "Leave now"."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mendwell import accounts, audit, keyring, security, vault
from mendwell.access import Viewer
from mendwell.data import Database
from ui import quick_exit, state
from ui.auth import current_viewer


def _seconds(n: int) -> str:
    return f"{n} second" if n == 1 else f"{n} seconds"


def sealing_key_gate(db: Database, viewer: Viewer) -> bool:
    """For a partner with a passcode whose key this server no longer holds (it restarted): ask for the
    passcode once, so their private text opens again. True when their own content may show."""
    account = viewer.account
    if account.partner_id is None or not accounts.has_passcode(db, account):
        return True
    if keyring.get(viewer.sign_in.sign_in_id) is not None:
        return True
    st.markdown("Mendwell restarted since you signed in. Your passcode opens your private notes again.")
    with st.form("reopen_key", clear_on_submit=True):
        code = st.text_input("Passcode", type="password")
        if st.form_submit_button("Open", type="primary"):
            subject = accounts.passcode_subject(account)
            result = security.verify(db, subject, code, throttle=accounts.throttle_subject(account.name))
            if result.ok:
                keyring.put(viewer.sign_in.sign_in_id, vault.derive_key(db, account.partner_id, code))
                st.rerun()
            elif result.wait_seconds:
                st.warning(f"To keep guessing slow, please wait {_seconds(result.wait_seconds)} before trying again.")
            else:
                st.warning("That passcode did not match. Please try again.")
    return False


def still_signed_in(db: Database) -> Viewer | None:
    """For code that reruns alone (a fragment): the sign-in checked again, or a full rerun when it ended."""
    viewer = current_viewer(db)
    if viewer is None:
        left_at_the_tap()
        st.rerun(scope="app")
    return viewer


def may_write(db: Database, partner_id: int) -> bool:
    """For a widget's callback, which Streamlit runs before the page's own checks: whether the person signed in
    at this moment is still the partner who writes (not signed out, not gone idle, not sharing a screen). The
    page's checks then ask them to sign in again."""
    viewer = current_viewer(db)
    return viewer is not None and viewer.sharing is None and viewer.account.partner_id == partner_id


def left_at_the_tap() -> bool:
    """For a run that finds nobody signed in: True, with the neutral page set up, when this run answers a tap
    of "Leave now" whose own request ended the sign-in before the run began (`ui.quick_exit`)."""
    if st.session_state.get(quick_exit.EXIT_KEY) is not True:
        return False
    st.session_state.clear()
    st.session_state[state.NEUTRAL] = True
    return True


def leave_now(db: Database) -> None:
    """The safety check's quick exit: sign out at once, forget the check-in's screen state, show a neutral page."""
    viewer = current_viewer(db)
    if viewer is not None:
        db.sign_ins.end(viewer.sign_in.sign_in_id, dt.datetime.now())
        keyring.forget(viewer.sign_in.sign_in_id)
        audit.record(db, viewer.actor, audit.SIGN_OUT, None, "leave now")
    st.session_state.clear()
    st.session_state[state.NEUTRAL] = True


def leave_now_button(db: Database) -> None:
    """The "Leave now" button. It replaces the whole page at once, even when drawn inside a fragment:
    a click in a fragment reruns only the fragment, so the exit asks for a run of the whole app."""
    clicked = st.button("Leave now", type="primary", icon=":material/logout:", key=quick_exit.EXIT_KEY)
    quick_exit.arm()  # the page goes blank at the tap, before this server has answered
    if clicked:
        leave_now(db)
        st.rerun(scope="app")
