"""Answer scales that fit one line on a phone: each option's words stacked under its radio button.

A five-option scale drawn as a row of radio buttons with their words beside them needs about 500 px, so on a
phone it wrapped four plus one. Here the options share one line in equal columns, each word under its
button, centred (the same radio group: one tap per answer, arrow keys, each option named by its words).
A scale whose words would not fit a 360 px screen that way is a list instead, one option a line.
"""

from __future__ import annotations

from collections.abc import Sequence

from ui.unseen import unseen_html

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


def _css(area: str) -> str:
    group = f'.st-key-{area} [data-testid="stRadioGroup"][aria-orientation="horizontal"]'
    option = f'{group} [data-testid="stRadioOption"]'
    return f"""<style>
{group} {{ flex-wrap: nowrap; gap: 0; width: 100%; max-width: 36rem; align-items: stretch; }}
{group}:not(:has(> :nth-child(4))) {{ max-width: 24rem; }}
{group}:not(:has(> :nth-child(3))) {{ max-width: 16rem; }}
{group} > div {{ flex: 1 1 0; min-width: 0; margin: 0; }}
{option} {{ width: 100%; height: 100%; min-height: 3rem; margin: 0; padding: 0.25rem 0.125rem;
  justify-content: center; align-items: flex-start; }}
{option} > div {{ flex-direction: column; align-items: center; gap: 0.25rem; width: 100%; }}
{option} [data-testid="stMarkdownContainer"] p {{ text-align: center; font-size: 0.8125rem; line-height: 1.25;
  overflow-wrap: break-word; }}
@media (min-width: 640px) {{ {option} [data-testid="stMarkdownContainer"] p {{ font-size: 0.875rem; }} }}
</style>"""


def one_line_scales(area: str) -> None:
    """Draw the horizontal radio groups inside the container keyed `area` as one-line scales (a style only:
    it takes no room). Give those radios `horizontal=True` only when `fits_one_line(their labels)`, and
    `width="stretch"`."""
    unseen_html(_css(area), f"scales-{area}")
