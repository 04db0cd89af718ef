"""Our own HTML that only carries a style or a script, drawn so that it takes no room on the page."""

from __future__ import annotations

import streamlit as st

from mendwell.page_style import UNSEEN_PREFIX


def unseen_html(html: str, name: str, *, script: bool = False) -> None:
    """Our own `html` that only carries a style or (with `script`) a script, never user text, in a container
    keyed by `name` (unique in the run) that the page's style hides from the start (`mendwell.page_style`): it
    takes no room, not even while Streamlit fetches the element's code on a page's first showing."""
    with st.container(key=UNSEEN_PREFIX + name):
        st.html(html, unsafe_allow_javascript=script)
