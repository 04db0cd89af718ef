"""A name left open with a right-to-left override turned the app's own sentence after it backwards on every page
("...yehT .6202 lirpA dna yraunaJ rof ni dekcehc sah"). Names are stored without such characters, and whatever is
shown (markdown, chart labels, the report) drops them, so a name saved before keeps to itself too."""

from __future__ import annotations

import pytest

from mendwell import charts, report
from mendwell.model import clean_name
from mendwell.text import md_escape, no_bidi_controls

OVERRIDE = "Felix \u202eשלום"  # a right-to-left override never closed
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("shown", [clean_name, md_escape, charts.plot_text, report.esc, no_bidi_controls])
def test_no_name_turns_the_text_around_it(shown: object) -> None:
    assert callable(shown)
    out = str(shown(OVERRIDE + " and " + CONTROLS + "Ann"))
    assert not set(out) & set(CONTROLS), out
    assert "שלום" in out and "Ann" in out  # the words themselves stay, Hebrew included


def test_marks_that_only_mark_a_direction_stay() -> None:
    """Left-to-right and right-to-left marks change nothing around them; a joiner holds emoji together."""
    assert no_bidi_controls("a\u200eb\u200fc👩\u200d👩") == "a\u200eb\u200fc👩\u200d👩"


def test_a_label_kept_in_the_address_is_escaped_only_where_markdown_would_read_it() -> None:
    """A part's name is its radio button's label (Markdown) and its value in the address: "Built-up feelings"
    went into the address as "Built%5C-up+feelings". Plain words stay as they are; anything Markdown reads
    (emphasis, lists, links, emoji codes) is escaped as before."""
    from mendwell.text import md_escape, md_label

    for plain in ("Built-up feelings", "Small hurts this month", "Émotions partagées", "What\u2019s new?"):
        assert md_label(plain) == plain
    for marked in ("**bold**", "- a list", "1. first", "a_b_c", "[a](https://x)", ":smile:", "#tag", "x  y"):
        assert md_label(marked) == md_escape(marked), marked
