"""How pages tell a person that something could not be done: one helper for every error kind."""

from __future__ import annotations

import streamlit as st

from mendwell.errors import AlreadySubmitted, AnswerError, DatabaseError, MendwellError, PasscodeError


def show(exc: MendwellError, before: str = "") -> None:
    """Show an error's plain message, calmly: a warning for what the person can fix, an error otherwise."""
    text = f"{before} {exc}".strip() if before else str(exc)
    if isinstance(exc, DatabaseError):
        st.error(text, icon=":material/database:")
    elif isinstance(exc, AnswerError | AlreadySubmitted | PasscodeError):
        st.warning(text, icon=":material/info:")
    else:
        st.error(text, icon=":material/info:")
