"""Answer scales that fit one line on a phone: each option's words stacked under its radio button.

A five-option scale drawn as a row of radio buttons with their words beside them needs about 500 px, so on a
phone it wrapped four plus one. Here the options share one line in equal columns, each word under its
button, centred (the same radio group: one tap per answer, arrow keys, each option named by its words).
A scale whose words would not fit a 360 px screen that way is a list instead, one option a line.
"""

from __future__ import annotations

from collections.abc import Sequence

from mendwell.page_style import SCALES_PREFIX

PHONE_PX = 328  # the width of the page's column on a 360 px phone (Streamlit leaves 16 px each side)
CHAR_PX = 7.0  # a generous average width of a character of the options' 13 px type
MIN_CELL_PX = 44  # a comfortable touch target
MAX_LINES = 3  # lines of words under one option


def fits_one_line(labels: Sequence[str]) -> bool:
    """Whether these options' words fit one line of equal columns on a 360 px phone: every word within its
    column, each option's words in at most three lines, each column at least a comfortable touch target."""
    if len(labels) < 2:
        return False
    cell = PHONE_PX / len(labels)
    room = int(cell // CHAR_PX)  # characters a line holds
    if cell < MIN_CELL_PX or room < 1:
        return False
    for label in labels:
        words = label.split() or [""]
        if max(len(w) for w in words) > room:
            return False
        lines, line = 1, 0
        for w in words:
            line = len(w) if line == 0 else line + 1 + len(w)
            if line > room:
                lines, line = lines + 1, len(w)
        if lines > MAX_LINES:
            return False
    return True


def one_line_area(name: str) -> str:
    """The key of a container (`st.container(key=...)`) whose horizontal radio groups are drawn as one-line
    scales, by rules the page carries from its first render (`mendwell.page_style`). Give those radios
    `horizontal=True` only when `fits_one_line(their labels)`, and `width="stretch"`."""
    return SCALES_PREFIX + name
