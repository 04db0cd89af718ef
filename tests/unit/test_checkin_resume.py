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
