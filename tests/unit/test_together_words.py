"""Together's words (mendwell/together.py): the one-sentence summary of how far apart two partners are,
and a part's words when its questionnaire names no bands."""

from __future__ import annotations

import pandas as pd
import pytest

from mendwell import together
from mendwell.instruments import Subscale

TITLES = {("q", f"p{i}"): f"Part {i}" for i in range(6)}


def gaps(*readings: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"instrument_id": "q", "subscale_id": [f"p{i}" for i in range(len(readings))], "reading": list(readings)}
    )


CURIOUS = "Different isn't wrong: it's something to be curious about together."
S, C, T = together.SEEING_DIFFERENTLY, together.CLOSE, together.CANT_TELL_GAP


def q(n: int) -> str:
    return f"\u201cPart {n}\u201d"


@pytest.mark.parametrize(
    ("readings", "said"),
    [
        ((C, C, C), "You were close together on every part this month (3 of them)."),
        ((C, T, C), "You were close together on the 2 parts where it can be told yet."),
        ((T, T), ""),
        ((), ""),
        ((S, C, C), f"You saw {q(0)} differently this month; on the other 2 you were close together. {CURIOUS}"),
        ((C, S, S), f"You saw {q(1)} and {q(2)} differently this month; on the other one you were close together. "
                    f"{CURIOUS}"),
        ((S, S, S), f"You saw {q(0)}, {q(1)} and {q(2)} differently this month. {CURIOUS}"),
        ((S, S, S, S, C, T), "You saw 4 of the 5 parts differently this month (each is marked below); on the other "
                             f"one you were close together. {CURIOUS}"),
    ],
)  # fmt: skip
def test_the_summary_says_what_can_be_told(readings: tuple[str, ...], said: str) -> None:
    assert together.gap_summary(gaps(*readings), TITLES) == said


def test_a_part_without_bands_says_its_score_and_which_way_is_easier() -> None:
    better = Subscale(id="x", title="X", higher_is="better")
    worse = Subscale(id="y", title="Y", higher_is="worse")
    assert together.part_words(better, 2.345, None) == "2.3 (higher is better)"
    assert together.part_words(worse, 1.0, float("nan")) == "1.0 (higher is worse)"
    assert together.part_words(better, 2.0, "Often met") == "Often met"
