"""The style every signed-in page carries stays cheap for the browser to keep up to date."""

from __future__ import annotations

import re

from mendwell.page_style import SIGNED_IN_STYLE


def test_the_opening_rules_ask_nothing_of_what_elements_hold() -> None:
    """The rules that keep the page's layout while it opens stay in it for good. One that asked what the page's
    outer containers hold (`:has()`) had the browser restyle the page at every change inside a chart's drawing
    (4.5 ms each, against 0.1 ms: Plotly measures a chart's words about eleven times while drawing it, and redraws
    its hover labels as the pointer moves); the sidebar's room is kept with a sibling rule instead."""
    style = re.sub(r"<script>.*?</script>", "", SIGNED_IN_STYLE, flags=re.S)
    assert '[data-testid="stAppViewContainer"] > div' in style  # the page's wrapper keeps the sidebar's room
    assert "~ div { margin-left: 0; }" in style  # ... until the sidebar comes before it
    assert ":has(" not in style
