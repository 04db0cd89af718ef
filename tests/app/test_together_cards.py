"""Together reads as words first (AppTest on the real pages, a real DuckDB file).

An opened month shows what the two of them felt, part by part, each partner's words stacked in a
card; the questions they answered differently as cards; the numbers only in an expander. A part is
marked "seen differently" only when the gap is bigger than chance (the reference population gives
each part its spread), and the summary names it. The reveal gate and privacy are tested in
tests/app/test_privacy_pages.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from mendwell import periods, together
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.apptest import nodes, open_page, sign_in, sign_in_partner, start_app, unescape
from tests.support.auth import therapist
from tests.support.data import (
    THIS_MONTH,
    check_in,
    instrument,
    make_couple,
    private_words,
    reference_population,
    whole_plan,
    with_shared_scores,
)
from tests.support.ui import TOGETHER

REACHES = "How my reaches were met"


def test_an_open_month_is_words_first_with_the_numbers_a_click_away(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference_population(store, catalog)  # everyone's first check-ins: each part's spread, so gaps can be judged
    couple = make_couple(store, "Ines & Jory", ("Ines", "Jory"))
    ines, jory = couple.partners
    # the same answers everywhere but one part: Ines's reaches were met, Jory's were not
    met, unmet = whole_plan(catalog, 2), whole_plan(catalog, 2)
    met["bids"].update(toward_me=4, away_from_me=0, against_me=0)
    unmet["bids"].update(toward_me=0, away_from_me=4, against_me=4)
    check_in(store, catalog, ines.partner_id, THIS_MONTH, met)
    check_in(store, catalog, jory.partner_id, THIS_MONTH, unmet, note=("Thank you for the walk on Sunday.", False))
    sign_in_partner(monkeypatch, store, couple, slot=2)
    store.close()

    at = open_page(start_app(), TOGETHER)
    kinds = [getattr(n, "type", "") for n in nodes(at, main_only=True)]
    markdown = [unescape(m.value) for m in at.markdown]

    # the numbers: one table, and only inside the expander at the very end (a click away)
    [box] = at.expander
    assert box.label == "The numbers behind these words"
    assert len(at.dataframe) == 1 and len(box.dataframe) == 1
    assert kinds.index("dataframe") > max(i for i, k in enumerate(kinds) if k == "markdown")
    numbers = box.dataframe[0].value.set_index("Part")
    # every fractional number with two decimals ("3.00" above "2.67"), as in every table of numbers
    config = json.loads(box.dataframe[0].proto.columns)
    assert all(config[c]["type_config"]["format"] == "%.2f" for c in numbers.select_dtypes("float").columns)
    assert numbers.loc[REACHES, "Reading"] == together.SEEING_DIFFERENTLY
    close = numbers.drop(REACHES)
    assert set(close["Reading"]) <= {together.CLOSE, together.CANT_TELL_GAP}
    assert (close["Gap"] == 0).all() and numbers.loc[REACHES, "Gap"] == 4.0

    # words first: the summary names the one part seen differently, right under the month's heading
    assert [h.value for h in at.header] == [f"{periods.label(THIS_MONTH)}, side by side"]
    n_close = int((close["Reading"] == together.CLOSE).sum())
    summary = (
        f"You saw \u201c{REACHES}\u201d differently this month; on the other {n_close} your scores were close. "
        "Different isn't wrong: it's something to be curious about together."
    )
    flat = list(nodes(at, main_only=True))
    heading = next(i for i, n in enumerate(flat) if getattr(n, "type", "") == "header")
    assert _text(flat[heading + 1]) == summary
    # ... then the note Jory shared, in her words
    assert [t.value for t in at.text] == ["Thank you for the walk on Sunday."]

    # a card per questionnaire; each part's words for both, stacked; only the part apart is marked
    assert [m.removeprefix("#### ") for m in markdown if m.startswith("#### ")] == [
        i.title for i in with_shared_scores(catalog)
    ]
    cards = [b for b in _blocks(at) if any(_text(c).startswith("#### ") for c in b.children.values())]
    assert len(cards) == len(with_shared_scores(catalog))
    marked = [m for m in markdown if "You saw this part differently." in m]
    assert marked == [
        f"**{REACHES}**  \n:material/compare_arrows: *You saw this part differently.*  \n"
        "Ines: **Often met**  \nJory: **Reaching out felt hard this month**"
    ]

    # the questions answered furthest apart: a card each, the question, then both answers in words
    bids = instrument(catalog, "bids")
    toward = f"*{bids.item('toward_me').text}*  \nInes: **Very often**  \nJory: **Not at all**"
    assert toward in markdown
    apart = [m for m in markdown if m.startswith("*") and not m.startswith("**")]
    assert 1 <= len(apart) <= 5 and all(m.split("  \n")[1].startswith("Ines: ") for m in apart)
    in_cards = [_text(c) for b in _blocks(at) for c in b.children.values()]
    assert all(m in in_cards for m in apart)  # each in a card of its own

    text = "\n".join(markdown)
    assert not [w for w in private_words(catalog) if w in text]


def _text(node: Node) -> str:
    return unescape(str(getattr(node, "value", ""))) if getattr(node, "type", "") == "markdown" else ""


def _blocks(at: AppTest) -> list[Block]:
    """Bordered containers (cards) of the main area."""
    return [
        n
        for n in nodes(at, main_only=True)
        if isinstance(n, Block) and n.type == "flex_container" and n.proto.flex_container.border
    ]


def test_a_theme_that_keeps_coming_back_is_said_with_whose_and_how_often(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt about a theme names whom it came up for and in how many of which months (it said only
    "'Unseen' keeps coming back"), in the months Themes opens with."""
    from mendwell import analysis, views

    couple = make_couple(store, "Eno & Fay", ("Eno", "Fay"))
    eno, fay = couple.partners
    for back in (2, 1, 0):  # the same answers three months running: the same themes each month
        for p in (eno, fay):
            check_in(store, catalog, p.partner_id, periods.add_months(THIS_MONTH, -back), whole_plan(catalog, 1))
    # a month Eno checked in alone: not open to both, so it counts for neither (Eno's own screen would have
    # counted it, and the two of them read different numbers)
    check_in(store, catalog, eno.partner_id, periods.add_months(THIS_MONTH, -3), whole_plan(catalog, 1))
    sign_in_partner(monkeypatch, store, couple, slot=1)
    store.close()

    at = open_page(start_app(), TOGETHER)
    said = [unescape(m.value) for m in at.markdown if "Notice the theme underneath" in m.value]
    assert len(said) == 1, [m.value for m in at.markdown]
    titles = set(views.theme_titles(catalog).values())
    named = [t for t in titles if f"\u201c{t}\u201d came up for both of you" in said[0]]
    assert len(named) == 1, said
    # four months since their first check-in (the months they have, not six), three of them open to both
    start = periods.label(periods.add_months(THIS_MONTH, -3))
    counts = f"in the 4 months from {start} to {periods.label(THIS_MONTH)}: for Eno in 3 of them, for Fay in 3."
    assert counts in said[0], said
    assert analysis.RECURRING_WINDOW == 6  # the window Themes opens with, which these four months are within


def test_a_therapist_reading_together_alone_is_told_it_speaks_to_the_couple(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page speaks to the couple ("you both"); their therapist, reading it on their own, is told once that
    its words are the couple's, and the closed month says "they"; on a shared screen the couple read it as theirs."""
    couple = make_couple(store, "Noor & Ilya", ("Noor", "Ilya"))
    noor, _ = couple.partners
    check_in(store, catalog, noor.partner_id, THIS_MONTH, whole_plan(catalog, 2))
    doctor = therapist(store, "Dr Reader", [couple.couple_id])
    label = periods.label(THIS_MONTH)

    sign_in(monkeypatch, store, doctor)
    at = open_page(start_app(), TOGETHER)
    intro = unescape(at.markdown[0].value)
    assert intro.startswith("A month opens here once both partners have checked in. This is the page as the two")
    [info] = [i.value for i in at.info]
    assert info.startswith(f"{label} opens when they have both checked in.")
    assert "you" not in intro.lower().split() and "you have" not in info

    sign_in_partner(monkeypatch, store, couple, slot=2)
    at = open_page(start_app(), TOGETHER)
    assert unescape(at.markdown[0].value).startswith("A month opens here once you have both checked in.")
    [info] = [i.value for i in at.info]
    assert info.startswith(f"{label} opens when you have both checked in.")

    sign_in(monkeypatch, store, doctor)  # sharing: the couple are the readers
    at = open_page(start_app(share="1", couple=str(couple.couple_id)), TOGETHER)
    assert unescape(at.markdown[0].value).startswith("A month opens here once you have both checked in.")
    store.close()


def test_scores_apart_in_the_same_words_are_marked_as_that_not_as_seen_differently(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on Together: "You saw this part differently." above "Elias: Few or no small hurts (0.0 of 0 to 4)" and
    "Aaron: Few or no small hurts (1.0 of 0 to 4)". The gap is beyond chance, the words the same: the card and the
    summary say so, and neither says the part was seen differently."""
    reference_population(store, catalog)
    couple = make_couple(store, "Elias & Aaron", ("Elias", "Aaron"))
    elias, aaron = couple.partners
    none_happened, once_each = whole_plan(catalog, 1), whole_plan(catalog, 1)
    hurts = instrument(catalog, "micro_hurts")
    none_happened["micro_hurts"] = {it.id: 0 for it in hurts.items if it.subscale == "frequency"}
    once_each["micro_hurts"] = {
        k: v for k, v in once_each["micro_hurts"].items() if hurts.item(k).subscale == "frequency"
    }  # the same six "how often" answered "once", the follow-ups left out: only how often differs
    check_in(store, catalog, elias.partner_id, THIS_MONTH, none_happened)
    check_in(store, catalog, aaron.partner_id, THIS_MONTH, once_each)
    sign_in_partner(monkeypatch, store, couple, slot=1)
    store.close()

    at = open_page(start_app(), TOGETHER)
    often = hurts.subscale("frequency")
    [box] = at.expander
    numbers = box.dataframe[0].value.set_index("Part")
    # beyond chance: the reading stays, and says the words were the same, as the card does
    assert numbers.loc[often.title, "Reading"] == together.SEEING_DIFFERENTLY + together.IN_THE_SAME_WORDS
    few = often.bands[0].label
    markdown = [unescape(m.value) for m in at.markdown]
    [card] = [m for m in markdown if m.startswith(f"**{often.title}**")]
    assert card == (
        f"**{often.title}**  \n:material/compare_arrows: *Your scores were further apart than chance, though your "
        f"words were the same.*  \nElias: **{few} (0.0 of 0 to 4)**  \nAaron: **{few} (1.0 of 0 to 4)**"
    ), card
    assert not [m for m in markdown if "You saw this part differently." in m]
    flat = list(nodes(at, main_only=True))
    heading = next(i for i, n in enumerate(flat) if getattr(n, "type", "") == "header")
    summary = _text(flat[heading + 1])
    assert summary.startswith(
        f"Your scores were further apart than chance on \u201c{often.title}\u201d this month, though your words "
        "were the same"
    ), summary
    assert "You saw" not in summary
