"""How pages tell a person how an action went: one helper for every error kind, and "saved" said where it
was done."""

from __future__ import annotations

import streamlit as st

from mendwell.errors import DatabaseError, MendwellError
from ui import state


def show(exc: MendwellError, before: str = "") -> None:
    """Show an error's plain message, calmly: a warning for what the person can fix, an error otherwise."""
    text = f"{before} {exc}".strip() if before else str(exc)
    if isinstance(exc, DatabaseError):  # the file could not be opened or written: nothing they typed was wrong
        st.error(text, icon=":material/database:")
    else:  # a name, a passcode, an answer, an archive: something they can change and try again
        st.warning(text, icon=":material/info:")


def done(where: str, message: str) -> None:
    """Say `message` under the form `where` after a rerun (`said_under`): on a phone the top of a long page is
    off-screen, and a save that says nothing where the finger is looks like nothing happened."""
    st.session_state[state.SAVED] = (where, message)
    st.rerun()


def said_under(where: str) -> None:
    """The message `done` left for the form `where`, if any, once."""
    flash = st.session_state.get(state.SAVED)
    if isinstance(flash, tuple) and flash[0] == where:
        del st.session_state[state.SAVED]
        st.success(flash[1], icon=":material/check_circle:")
