"""A neutral page, for the safety check's 'Leave now': nothing here hints at Mendwell (`mendwell.neutral`)."""

from __future__ import annotations

import streamlit as st

from mendwell import neutral
from ui import state

st.title(neutral.TITLE)
st.caption(neutral.SERVES)
st.markdown(
    "\n".join(f"- {line}" for line in neutral.INGREDIENTS)
    + "\n\n"
    + "\n".join(f"{n}. {step}" for n, step in enumerate(neutral.STEPS, start=1))
)
if st.button(neutral.DONE, type="tertiary"):
    st.session_state.pop(state.NEUTRAL, None)
    st.rerun()
