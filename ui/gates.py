"""Passcode gates (partner and practice), the idle lock, and the safety check's quick exit."""

from __future__ import annotations

import time

import streamlit as st

from mendwell import security, vault
from mendwell.config import IDLE_SECONDS
from mendwell.data import Database
from mendwell.text import md_escape
from ui import state


def _unlocked() -> dict[int, float]:
    found: dict[int, float] = st.session_state.setdefault(state.UNLOCKED_PARTNERS, {})
    return found


def is_unlocked(db: Database, partner_id: int, now: float | None = None) -> bool:
    """True when the partner has no passcode, or entered it in this session within the idle limit."""
    if not security.has_passcode(db, security.partner_subject(partner_id)):
        return True
    now = now if now is not None else time.time()
    seen = _unlocked().get(partner_id)
    if seen is None or now - seen > IDLE_SECONDS:
        _unlocked().pop(partner_id, None)
        st.session_state.get(state.NOTE_KEYS, {}).pop(partner_id, None)
        return False
    _unlocked()[partner_id] = now  # activity keeps it open
    return True


def lock_all() -> None:
    """Lock every partner again in this session (the 'Lock' button)."""
    st.session_state[state.UNLOCKED_PARTNERS] = {}
    st.session_state[state.NOTE_KEYS] = {}


def note_key(partner_id: int) -> bytes | None:
    """The partner's note key in this session (only after their passcode was given)."""
    key: bytes | None = st.session_state.get(state.NOTE_KEYS, {}).get(partner_id)
    return key


def forget_key(partner_id: int) -> None:
    """Drop a partner's note key (their passcode changed): they give the new one next time."""
    st.session_state.get(state.NOTE_KEYS, {}).pop(partner_id, None)
    _unlocked().pop(partner_id, None)


def _seconds(n: int) -> str:
    return f"{n} second" if n == 1 else f"{n} seconds"


def partner_gate(db: Database, partner_id: int, name: str) -> bool:
    """Ask for the partner's passcode when needed; True when the partner's content may show."""
    if is_unlocked(db, partner_id):
        return True
    st.markdown(f"**{md_escape(name)}** keeps this check-in behind a passcode.")
    with st.form(f"unlock_{partner_id}", clear_on_submit=True):
        code = st.text_input("Passcode", type="password", key=f"code_{partner_id}")
        if st.form_submit_button("Open", type="primary"):
            result = security.verify(db, security.partner_subject(partner_id), code)
            if result.ok:
                _unlocked()[partner_id] = time.time()
                st.session_state.setdefault(state.NOTE_KEYS, {})[partner_id] = vault.derive_key(db, partner_id, code)
                st.rerun()
            elif result.refused:  # too soon after wrong ones: not checked, so never "did not match"
                st.warning(f"To keep guessing slow, please wait {_seconds(result.wait_seconds)} before trying again.")
            elif result.wait_seconds:
                st.warning(
                    "That passcode did not match. To keep guessing slow, please wait "
                    f"{_seconds(result.wait_seconds)} before trying again."
                )
            else:
                st.warning("That passcode did not match. Please try again.")
    st.caption("Forgotten it? Without the passcode this check-in cannot be opened here.")
    return False


def practice_gate(db: Database) -> bool:
    """Ask for the practice passcode (if one is set) before showing therapist-only pages."""
    if not security.has_passcode(db, security.PRACTICE):
        return True
    seen = st.session_state.get(state.PRACTICE_UNLOCKED)
    if seen is not None and time.time() - seen <= IDLE_SECONDS:
        st.session_state[state.PRACTICE_UNLOCKED] = time.time()
        return True
    st.session_state.pop(state.PRACTICE_UNLOCKED, None)
    with st.form("unlock_practice", clear_on_submit=True):
        code = st.text_input("Practice passcode", type="password")
        if st.form_submit_button("Open", type="primary"):
            result = security.verify(db, security.PRACTICE, code)
            if result.ok:
                st.session_state[state.PRACTICE_UNLOCKED] = time.time()
                st.rerun()
            elif result.refused:
                st.warning(f"Please wait {_seconds(result.wait_seconds)} before trying again.")
            elif result.wait_seconds:
                st.warning(f"That did not match. Please wait {_seconds(result.wait_seconds)} before trying again.")
            else:
                st.warning("That did not match. Please try again.")
    return False


def leave_now() -> None:
    """The safety check's quick exit: lock everything, forget the check-in's screen state, show a neutral page."""
    lock_all()
    st.session_state.pop(state.PRACTICE_UNLOCKED, None)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(state.CHECKIN_SCREEN_PREFIXES)]:
        del st.session_state[key]
    st.session_state[state.NEUTRAL] = True


def leave_now_button() -> None:
    """The "Leave now" button. It replaces the whole page at once, even when drawn inside a fragment:
    a click in a fragment reruns only the fragment, so the exit asks for a run of the whole app."""
    if st.button("Leave now", type="primary", icon=":material/logout:", key="leave_now"):
        leave_now()
        st.rerun(scope="app")
