"""A neutral page, for the safety check's 'Leave now': nothing here hints at Mendwell (`mendwell.neutral`)."""

from __future__ import annotations

import streamlit as st

from mendwell import neutral

st.title(neutral.TITLE)
st.caption(neutral.SERVES)
st.markdown(
    "\n".join(f"- {line}" for line in neutral.INGREDIENTS)
    + "\n\n"
    + "\n".join(f"{n}. {step}" for n, step in enumerate(neutral.STEPS, start=1))
)
# the way back is the sign-in address's own "Done": it forgets "Leave now" in this browser (a button here left it,
# and the sign-in address then served the recipe again)
st.html(f'<p><a href="{neutral.DONE_URL}" target="_self">{neutral.DONE}</a></p>')
