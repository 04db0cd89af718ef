"""Screen-share mode: only one couple's shared charts, larger type, a deliberate way out."""

from __future__ import annotations

import streamlit as st

from ui import state


def share_mode() -> bool:
    """Screen-share mode: on from the toggle or a ?share=1 link, for the rest of the browser session."""
    if st.query_params.get("share") == "1":
        st.session_state[state.SHARE] = True
    return bool(st.session_state.get(state.SHARE, False))


def start_sharing() -> None:
    """Turn share mode on for this browser session."""
    st.session_state[state.SHARE] = True
    st.query_params["share"] = "1"


def stop_sharing() -> None:
    """Turn share mode off (a deliberate, confirmed action)."""
    st.session_state[state.SHARE] = False
    st.session_state.pop(state.CONFIRM_STOP_SHARING, None)
    for key in ("share", "couple"):
        if key in st.query_params:
            del st.query_params[key]


SHARE_CSS = """
<style>
  /* Share mode: larger, calmer type for a screen seen over a video call. */
  [data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.2rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2.8rem; }
  [data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 { font-size: 1.9rem; }
  [data-testid="stDataFrame"] { font-size: 1.1rem; }
</style>
"""
