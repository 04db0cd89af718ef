"""How pages tell a person that something could not be done: one helper for every error kind."""

from __future__ import annotations

import streamlit as st

from mendwell.errors import DatabaseError, MendwellError


def show(exc: MendwellError, before: str = "") -> None:
    """Show an error's plain message, calmly: a warning for what the person can fix, an error otherwise."""
    text = f"{before} {exc}".strip() if before else str(exc)
    if isinstance(exc, DatabaseError):  # the file could not be opened or written: nothing they typed was wrong
        st.error(text, icon=":material/database:")
    else:  # a name, a passcode, an answer, an archive: something they can change and try again
        st.warning(text, icon=":material/info:")
