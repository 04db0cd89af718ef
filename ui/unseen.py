"""Our own few lines of script, drawn so that they take no room on the page."""

from __future__ import annotations

import streamlit as st

from mendwell.page_style import UNSEEN_PREFIX


def unseen_script(html: str, name: str) -> None:
    """Our own `html` carrying a script (never user text), in a container keyed by `name` (unique in the run)
    that the page's style hides from the start (`mendwell.page_style`): it takes no room, not even while Streamlit
    fetches the element's code on a page's first showing (a 40 px placeholder until then). A style alone needs no
    element: it belongs in the page's style (Streamlit would put a style-only `st.html` in a place of its own,
    applied only once that code has come)."""
    with st.container(key=UNSEEN_PREFIX + name):
        st.html(html, unsafe_allow_javascript=True)
