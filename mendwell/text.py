"""Showing people's words safely: names and notes render as plain text."""

from __future__ import annotations

import re

# Every ASCII punctuation mark that markdown (or Streamlit's :color[...] and
# :emoji: directives) could read as syntax gets a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


# Streamlit's renderer turns a free-standing "--", "->", "<-", "<->", ">=", "<=" or
# "~=" into a symbol (—, →, ...) after reading escapes, so escaping cannot keep it.
# An invisible word joiner inside the token does.
_TYPOGRAPHY = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")
WORD_JOINER = "\u2060"


def md_escape(text: str) -> str:
    """Escape `text` so a markdown renderer shows it literally, on one line."""
    flat = " ".join(str(text).split())
    flat = _TYPOGRAPHY.sub(lambda m: m[0][0] + WORD_JOINER + m[0][1:], flat)
    return _MD_SPECIAL.sub(r"\\\1", flat)
