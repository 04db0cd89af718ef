"""Together's words match what they describe: a part marked "seen differently" whose two answers land on
the same words shows where they differ; a prompt about small hurts speaks to who named them."""

from __future__ import annotations

import pandas as pd

from mendwell import together
from mendwell.instruments import Catalog

ANN, BOB = 1, 2
NAMES = {ANN: "Ann", BOB: "Bob"}
NO_SCORES = pd.DataFrame(
    columns=["instrument_id", "subscale_id", "partner_id", "score", "band", "band_tone", "private"]
)


def _a_banded_part(catalog: Catalog) -> tuple[str, str, float, str]:
    """A shared part whose first band is wide enough for two scores a point apart: (instrument, subscale,
    the band's upper edge, its words)."""
    for inst in catalog.instruments:
        for sc in inst.subscales:
            if not inst.is_private_subscale(sc.id) and sc.bands and (sc.bands[0].below or 0) > 1.2:
                return inst.id, sc.id, float(sc.bands[0].below or 0), sc.bands[0].label
    raise AssertionError("no banded part")


def test_a_part_seen_differently_in_the_same_words_shows_the_scores(catalog: Catalog) -> None:
    inst, sub, _, words = _a_banded_part(catalog)
    scores = pd.DataFrame(
        {"instrument_id": inst, "subscale_id": sub, "partner_id": [ANN, BOB], "score": [0.0, 1.0],
         "band": words, "private": False}
    )  # fmt: skip
    for reading, expected in (
        (together.SEEING_DIFFERENTLY, [f"{words} (0.0 of ", f"{words} (1.0 of "]),
        (together.CLOSE, [words, words]),
    ):
        gaps = together.dyad_gaps(scores.assign(sem=1.0, step=1.0)).assign(reading=reading)  # as if so judged
        [card] = [c for c in together.felt(scores, gaps, catalog, [ANN, BOB]) if c.parts]
        [part] = [p for p in card.parts if p.reading == reading]
        said = [side.words for side in part.sides]
        assert [w[: len(e)] for w, e in zip(said, expected, strict=True)] == expected, said


def test_a_prompt_about_small_hurts_speaks_to_who_named_them() -> None:
    hurts = pd.DataFrame({"partner_id": [ANN, ANN], "often_item": ["a", "b"], "repaired": [1, 1]})
    [only_ann] = [p.text for p in together.prompts(NO_SCORES, hurts, None, {"a": "Forgotten"}, NAMES)
                  if p.step == "Name the impact, not the intent"]  # fmt: skip
    assert only_ann.startswith("Ann named small hurts this month (forgotten, b). Ann, say how one of them")
    assert "Bob's only task is to understand" in only_ann and "You each" not in only_ann
    both = pd.concat([hurts, hurts.assign(partner_id=BOB)])
    [each] = [p.text for p in together.prompts(NO_SCORES, both, None, {}, NAMES)
              if p.step == "Name the impact, not the intent"]  # fmt: skip
    assert each.startswith("You each named small hurts this month")


def test_close_scores_are_not_said_to_be_close_words() -> None:
    """Found: "You were close together on every part this month" over cards reading "Some small hurts" and "Many
    small hurts this month". Two scores within chance of each other can still fall either side of where one
    wording gives way to the next: the sentence speaks of scores, and says so."""
    gaps = pd.DataFrame({"instrument_id": ["a", "b"], "subscale_id": ["x", "y"],
                         "reading": [together.CLOSE, together.CLOSE]})  # fmt: skip
    said = together.gap_summary(gaps, {})
    assert said.startswith("Your scores were close on every part this month (2 of them)")
    assert "either side of where one wording gives way to the next" in said
    assert "close together" not in said


def test_the_theme_prompt_says_whose_theme_and_how_often() -> None:
    """Found in a walk-through: "'Feeling unseen' keeps coming back" said neither for whom nor over which months,
    on a screen the two of them share. The prompt names who it came up for and in how many of which months, the
    two in the couple's order (never who has more first)."""
    import datetime as dt

    months = [dt.date(2026, m, 1) for m in range(5, 11)]  # May to October 2026
    recurring = pd.DataFrame(
        {"partner_id": [BOB, ANN, ANN], "theme_id": ["alone", "unseen", "alone"], "months": [4, 5, 3],
         "rank": [1, 1, 2]}
    )  # fmt: skip
    titles = {"unseen": "Feeling unseen", "alone": "Feeling alone"}
    prompt = together.theme_prompt(recurring, titles, NAMES, months)
    assert prompt is not None
    # a theme both of them meet comes first; Ann before Bob as the couple is written, though Bob has more months
    assert prompt.text == (
        "\u201cFeeling alone\u201d came up for both of you in the 6 months from May 2026 to October 2026: for Ann "
        "in 3 of them, for Bob in 4. Without looking for who is to blame, you could wonder together when this "
        "feeling first showed up, and what would help it ease."
    ), prompt.text
    # a couple three months in: the months they have, not six
    three = pd.DataFrame({"partner_id": [ANN], "theme_id": ["unseen"], "months": [3], "rank": [1]})
    only_ann = together.theme_prompt(three, titles, NAMES, months[3:])
    assert only_ann is not None
    assert only_ann.text.startswith(
        "\u201cFeeling unseen\u201d came up for Ann in 3 of the 3 months from August 2026 to October 2026."
    ), only_ann.text
    assert together.theme_prompt(recurring.iloc[0:0], titles, NAMES, months) is None
    # a theme with no title says its name in words, not as an identifier
    untitled = together.theme_prompt(three.assign(theme_id="feeling_unseen"), {}, NAMES, months[3:])
    assert untitled is not None and untitled.text.startswith("\u201cfeeling unseen\u201d"), untitled


def _month(*parts: tuple[str, str, float, float, str, str]) -> pd.DataFrame:
    """Hand-made month scores, as `dyad_gaps` and `felt` read them: per part (instrument, subscale, Ann's score,
    Bob's score, Ann's band, Bob's band), SEM 0.2 and a sixth of a step for each (a mean of six answers)."""
    rows = [
        {"instrument_id": inst, "subscale_id": sub, "partner_id": pid, "score": score, "band": band,
         "band_tone": "ok", "sem": 0.2, "step": 1 / 6, "private": False}
        for inst, sub, ann, bob, ann_band, bob_band in parts
        for pid, score, band in ((ANN, ann, ann_band), (BOB, bob, bob_band))
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_scores_apart_beyond_chance_in_the_same_words_are_not_called_seen_differently(catalog: Catalog) -> None:
    """Found on Together: "You saw this part differently." above "Elias: Few or no small hurts (0.0 of 0 to 4)" and
    "Aaron: Few or no small hurts (1.0 of 0 to 4)", and "You saw 9 of the 10 parts differently this month". The
    gap is beyond chance (the reading stays), but the words on the card are the same: the mark and the summary say
    so, and "seen differently" is kept for parts whose words differ."""
    hurts = catalog.get("micro_hurts")
    bids = catalog.get("bids")
    assert hurts is not None and bids is not None
    often, met = hurts.subscale("frequency"), bids.subscale("my_bids_met")
    few, some = often.bands[0].label, often.bands[1].label
    month = _month(
        ("micro_hurts", "frequency", 0.0, 1.0, few, few),  # apart beyond chance, the same words
        ("bids", "my_bids_met", 3.5, 0.5, met.bands[-1].label, met.bands[0].label),  # apart, in different words
        ("micro_hurts", "repaired", 1.0, 1.0, "Some mending", "Some mending"),  # close
    )
    gaps = together.dyad_gaps(month)
    assert set(gaps["reading"]) == {together.SEEING_DIFFERENTLY, together.CLOSE}  # the statistics stay
    cards = together.felt(month, gaps, catalog, [ANN, BOB])
    parts = {p.title: p for card in cards for p in card.parts}
    same, apart, close = parts[often.title], parts[met.title], parts[hurts.subscale("repaired").title]
    assert same.reading == apart.reading == together.SEEING_DIFFERENTLY
    assert [s.words for s in same.sides] == [f"{few} (0.0 of 0 to 4)", f"{few} (1.0 of 0 to 4)"]
    assert apart.mark == "You saw this part differently."
    assert same.mark == "Your scores were further apart than chance, though your words were the same."
    assert close.mark == ""

    titles = {("micro_hurts", "frequency"): often.title, ("bids", "my_bids_met"): met.title,
              ("micro_hurts", "repaired"): hurts.subscale("repaired").title}  # fmt: skip
    said = together.gap_summary(gaps, titles)
    assert said == (
        f"You saw \u201c{met.title}\u201d differently this month; on \u201c{often.title}\u201d your scores were "
        "further apart than chance, though your words were the same; on the other one your scores were close. "
        "Different isn't wrong: it's something to be curious about together."
    ), said

    # only the same words apart: nothing is said to be seen differently
    alone = together.gap_summary(gaps[gaps["subscale_id"] != "my_bids_met"], titles)
    assert "saw" not in alone and "differently" not in alone, alone
    assert alone.startswith(
        f"Your scores were further apart than chance on \u201c{often.title}\u201d this month, though your words were "
        "the same; on the other one your scores were close."
    ), alone

    # many parts, as found (nine apart of ten, three of them in the same words): counted apart
    many = _month(
        *[("i", f"d{n}", 0.0, 3.0, "Low", "High") for n in range(6)],
        *[("i", f"s{n}", 0.0, 1.0, some, some) for n in range(3)],
        ("i", "c", 1.0, 1.0, some, some),
    )
    counted = together.gap_summary(together.dyad_gaps(many), {})
    assert counted.startswith(
        "You saw 6 of the 10 parts differently this month (each is marked below); on 3 more your scores were "
        "further apart than chance, though your words were the same; on the other one your scores were close."
    ), counted
