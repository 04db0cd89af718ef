"""Where a check-in reopens (`mendwell.checkin.resume_step`): where the partner left off."""

from __future__ import annotations

from mendwell import checkin
from mendwell.checkin import Answer, make_answer
from mendwell.instruments import Catalog, Instrument


def all_of(inst: Instrument) -> dict[str, Answer]:
    """Every question asked without a condition, answered with the scale's first value."""
    found = {it.id: make_answer(inst, it, inst.scale(it)[0]) for it in inst.items if it.show_if is None}
    return {k: a for k, a in found.items() if a is not None}


def leaving(inst: Instrument, n: int) -> dict[str, Answer]:
    """The first `n` of those answered, the rest left open."""
    found = all_of(inst)
    return {k: found[k] for k in list(found)[:n]}


def test_a_check_in_reopens_where_the_partner_left_off(catalog: Catalog) -> None:
    """Not back at a question left open before ("a question left blank is fine"): at the last section answered
    while it has a question open, else at the next one with a question open, else the review."""
    bids, hurts = catalog.instruments[:2]
    review = len(catalog.instruments)
    assert checkin.resume_step(catalog.instruments, {}) == 0
    assert checkin.resume_step(catalog.instruments, {bids.id: leaving(bids, 2)}) == 0  # still on the first
    # the first left with questions open, the second begun: back to the second, not the first
    assert checkin.resume_step(catalog.instruments, {bids.id: leaving(bids, 2), hurts.id: leaving(hurts, 1)}) == 1
    # the first whole: the next section
    assert checkin.resume_step(catalog.instruments, {bids.id: all_of(bids)}) == 1
    # every section whole but one skipped before the last: the review lists it
    answered = {inst.id: all_of(inst) for inst in catalog.instruments if inst.id != hurts.id}
    assert checkin.resume_step(catalog.instruments, answered) == review


def every_hurt_once(hurts: Instrument) -> dict[str, Answer]:
    """Every small hurt happened once and was partly mended; none of "What did it stir in me? Choose any that
    fit." chosen (choosing none saves nothing: there is no answer to store)."""
    found = {
        it.id: make_answer(hurts, it, 1)
        for it in hurts.items
        if it.kind != "multi" and (it.show_if is None or it.id.endswith("_repaired"))
    }
    assert all(make_answer(hurts, it, []) is None for it in hurts.items if it.kind == "multi")
    return {k: a for k, a in found.items() if a is not None}


def test_choose_any_that_fit_with_none_chosen_is_not_an_open_question(catalog: Catalog) -> None:
    """Found: every radio of "Small hurts this month" answered and none of its "Choose any that fit" chips fitting,
    Next said "6 questions here are still open", the review "12 of 18 answered", and progress stopped at 53 of 59.
    Any that fit allows none: a question of options to choose any of is never open, and counts as answered."""
    bids, hurts = catalog.instruments[:2]
    assert hurts.id == "micro_hurts"
    mine = every_hurt_once(hurts)
    asked = checkin.visible_items(hurts, mine)
    chips = [it for it in asked if it.kind == "multi"]
    assert len(asked) == 18 and len(chips) == 6 and not set(mine) & {it.id for it in chips}
    assert checkin.unanswered(hurts, mine) == []
    assert not any(checkin.open_question(it, mine) for it in asked)
    assert checkin.progress([hurts], {hurts.id: mine}) == checkin.Progress(18, 18)
    # the whole check-in so answered: every question answered, and it reopens at the review
    whole = {inst.id: all_of(inst) for inst in catalog.instruments} | {hurts.id: mine}
    done = checkin.progress(catalog.instruments, whole)
    assert done.answered == done.asked and done.fraction == 1.0
    assert checkin.resume_step(catalog.instruments, whole) == len(catalog.instruments)
    # with the first section whole and the small hurts so answered, the next section with a question open
    assert checkin.resume_step(catalog.instruments, {bids.id: all_of(bids), hurts.id: mine}) == 2
    # a radio left open is still open
    del mine["unheard_repaired"]
    assert [it.id for it in checkin.unanswered(hurts, mine)] == ["unheard_repaired"]
    assert checkin.progress([hurts], {hurts.id: mine}) == checkin.Progress(17, 18)
