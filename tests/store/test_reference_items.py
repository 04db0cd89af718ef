"""The reference population (everyone's first check-in of each part) found without scoring every month:
the same scores and answers as taking each partner's first score of each part from all their scores."""

from __future__ import annotations

import pandas as pd
import pytest

from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.data import check_in, make_couple_ids, month, whole_plan

KEYS = ["partner_id", "instrument_id", "subscale_id"]


def test_reference_items_are_each_partners_first_score_of_each_part(demo_store: Database, catalog: Catalog) -> None:
    """Three demo couples, and Ann, whose first check-in answered only "bids": her other parts start a month
    later, and a draft before everything never counts."""
    _, ann, _ = make_couple_ids(demo_store, "Late starters")
    demo_store.checkins.open(ann, month(-1))  # a draft: not a check-in yet
    check_in(demo_store, catalog, ann, month(0), {"bids": whole_plan(catalog, 3)["bids"]})
    check_in(demo_store, catalog, ann, month(1), whole_plan(catalog, 1))
    check_in(demo_store, catalog, ann, month(2), whole_plan(catalog, 4))

    items = demo_store.analytics.reference_items()
    scores = demo_store.analytics.scores()
    firsts = scores.sort_values("period").groupby(KEYS, as_index=False).first()
    got = items.groupby(KEYS, as_index=False)["score"].first()
    both = firsts.merge(got, on=KEYS, how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert both["score_got"].to_numpy() == pytest.approx(both["score_want"].to_numpy())

    # every scored answer of that first month is there, once, and nothing else
    answers = demo_store.engine.read(
        "SELECT c.partner_id, c.period, i.instrument_id, i.subscale_id, r.item_id "
        "FROM checkins c JOIN responses r USING (checkin_id) JOIN instrument_items i "
        "ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id "
        "WHERE c.status = 'submitted' AND r.value IS NOT NULL AND i.subscale_id IS NOT NULL"
    )
    first_answers = answers.merge(firsts[[*KEYS, "period"]], on=[*KEYS, "period"])
    assert sorted(map(tuple, items[[*KEYS, "item_id"]].to_numpy().tolist())) == sorted(
        map(tuple, first_answers[[*KEYS, "item_id"]].to_numpy().tolist())
    )
    # the case this guards: Ann's parts do not all start in her first check-in
    hers = firsts[firsts["partner_id"] == ann]
    starts = {inst: {pd.Timestamp(p).date() for p in rows["period"]} for inst, rows in hers.groupby("instrument_id")}
    assert starts.pop("bids") == {month(0)} and starts and all(s == {month(1)} for s in starts.values())


def test_the_signature_changes_when_a_check_in_is_submitted(store: Database, catalog: Catalog) -> None:
    _, ann, bob = make_couple_ids(store, "Us")
    before = store.analytics.submitted_signature()
    check_in(store, catalog, ann, month(0), whole_plan(catalog, 2), submit=False)
    assert store.analytics.submitted_signature() == before  # a draft changes nothing
    check_in(store, catalog, bob, month(0), whole_plan(catalog, 2))
    after = store.analytics.submitted_signature()
    assert after != before and after[0] == before[0] + 1
