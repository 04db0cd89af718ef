"""Who is signed in, found on every run from the browser's signed cookie and the server's records.

Nothing in the browser session decides it: `current_viewer()` reads the
cookie, checks its signature and the sign-in it names (ended? idle?), and
returns the person with the couples they may see, or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from mendwell import audit, keyring, tokens
from mendwell.access import Viewer, viewer_for
from mendwell.config import idle_timeout
from mendwell.data import Database
from ui import state


def raw_cookie() -> str | None:
    """The sign-in cookie this browser sent with the page's connection."""
    value = st.context.cookies.get(tokens.COOKIE)
    return str(value) if value else None


def current_viewer(db: Database) -> Viewer | None:
    """The signed-in person, or None."""
    sign_in_id = tokens.sign_in_id(db, raw_cookie())
    if sign_in_id is None:
        return None
    return viewer_for(db, sign_in_id, idle_timeout())


# the person the shell found at the start of this run, for the page it runs (`ui.page.page_setup`)
_THIS_RUN: ContextVar[Viewer | None] = ContextVar("mendwell_viewer_this_run", default=None)


@contextmanager
def found_for_this_run(viewer: Viewer) -> Iterator[None]:
    """While the shell runs the page: `viewer` is who this run found signed in, so the page does not look the
    cookie and the sign-in up a second time in the same run."""
    token = _THIS_RUN.set(viewer)
    try:
        yield
    finally:
        _THIS_RUN.reset(token)


def viewer_this_run(db: Database) -> Viewer | None:
    """Who is signed in: as this run's shell found it, or found now when the page runs outside the shell."""
    found = _THIS_RUN.get()
    return found if found is not None else current_viewer(db)


def sealing_key(viewer: Viewer) -> bytes | None:
    """A partner's key for their own private text, held for this sign-in in the server's memory."""
    return keyring.get(viewer.sign_in.sign_in_id)


def sign_out(db: Database, viewer: Viewer) -> None:
    """End this sign-in on the server (the cookie then names nothing) and forget its key."""
    db.sign_ins.end(viewer.sign_in.sign_in_id, dt.datetime.now())
    keyring.forget(viewer.sign_in.sign_in_id)
    audit.record(db, viewer.actor, audit.SIGN_OUT)


def signed_out_page() -> None:
    """What someone not signed in sees: a way to sign in, and nothing else (but for the word that everything was
    erased, to the owner whose own account went with it)."""
    st.title("Sign in")
    if flash := st.session_state.pop(state.ERASE_FLASH, None):
        st.success(flash)
    st.markdown("Mendwell keeps each person's answers to themselves, so please sign in first.")
    st.html('<p><a href="/signin" target="_self">Go to the sign-in page</a></p>')
