"""A neutral page, for the safety check's 'Leave now': nothing here hints at Mendwell."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.quick_exit import NEUTRAL_TITLE

st.title(NEUTRAL_TITLE)
st.caption("Serves 4 · 40 minutes")
st.markdown(
    """
- 1 onion, 2 carrots, 2 sticks of celery, finely chopped
- 2 cloves of garlic
- 250 g red lentils, rinsed
- 1.2 litres of vegetable stock
- 1 tin of chopped tomatoes
- 1 teaspoon of ground cumin, salt, pepper, a squeeze of lemon

1. Soften the onion, carrots and celery in a little oil for 10 minutes.
2. Add the garlic and cumin and stir for a minute.
3. Add the lentils, stock and tomatoes; simmer for 25 minutes until soft.
4. Blend half of it, season, and finish with lemon.
"""
)
if st.button("Done", type="tertiary"):
    st.session_state.pop(state.NEUTRAL, None)
    st.rerun()
