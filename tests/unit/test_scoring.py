"""Scores computed in DuckDB, checked against hand-computed values and an independent recomputation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.instruments import Catalog, Instrument, load_instrument
from mendwell.periods import add_months, month_start
from mendwell.scoring import scores

TINY_TOML = """
id = "tiny"
title = "Tiny"
version = 1
summary = "Small enough to score by hand."

[response]
min = 0
max = 4
labels = ["0", "1", "2", "3", "4"]

[[subscales]]
id = "mood"
title = "Mood"
higher_is = "better"
scoring = "mean"
bands = [
  { below = 2, label = "Low", tone = "concern" },
  { below = 3, label = "Middling", tone = "watch" },
  { label = "High", tone = "ok" },
]

[[subscales]]
id = "tally"
title = "Tally"
higher_is = "worse"
scoring = "sum"
bands = [
  { below = 3, label = "Few", tone = "ok" },
  { below = 6, label = "Some", tone = "watch" },
  { label = "Many", tone = "concern" },
]

[[subscales]]
id = "mended"
title = "Mended"
higher_is = "better"
scoring = "mean"
bands = [
  { below = 2, label = "Not yet", tone = "concern" },
  { label = "Mending", tone = "ok" },
]

[[items]]
id = "a"
kind = "likert"
text = "A?"
subscale = "mood"

# reversed on its own 1..5 scale: value' = 1 + 5 - value
[[items]]
id = "b"
kind = "likert"
text = "B?"
subscale = "mood"
reverse = true

[items.response]
min = 1
max = 5
labels = ["1", "2", "3", "4", "5"]

[[items]]
id = "c"
kind = "likert"
text = "C?"
subscale = "mood"

[[items]]
id = "n1"
kind = "count"
text = "How many times?"
subscale = "tally"

[items.response]
min = 0
max = 10

[[items]]
id = "n2"
kind = "yesno"
text = "Did it happen?"
subscale = "tally"

[[items]]
id = "trig"
kind = "likert"
text = "Did something hurt?"

[[items]]
id = "r1"
kind = "likert"
text = "Did we mend in general?"
subscale = "mended"

[[items]]
id = "fu"
kind = "likert"
text = "Did we mend that hurt?"
subscale = "mended"
show_if = { item = "trig", above = 0 }

[[items]]
id = "note"
kind = "text"
text = "Anything else?"
"""

JAN = dt.date(2025, 1, 1)
FEB = dt.date(2025, 2, 1)
MAR = dt.date(2025, 3, 1)


@dataclass
class World:
    """A store with the tiny instrument and one couple."""

    store: Database
    inst: Instrument
    catalog: Catalog
    couple_id: int
    p1: int
    p2: int

    def checkin(self, partner_id: int, period: dt.date, answers: Mapping[str, float | str], submit: bool = True) -> int:
        """Open a check-in, save these answers (text for str), and submit unless told not to."""
        ck = self.store.checkins.open(partner_id, period).checkin_id
        self.save(ck, answers)
        if submit:
            assert self.store.checkins.submit(ck, self.catalog) is True
        return ck

    def save(self, checkin_id: int, answers: Mapping[str, float | str]) -> None:
        """Save answers to a draft."""
        self.store.checkins.save_answers(
            checkin_id,
            self.inst,
            {k: Answer(text=v) if isinstance(v, str) else Answer(value=float(v)) for k, v in answers.items()},
        )

    def scores(self, couple_id: int | None = None) -> dict[tuple[int, dt.date, str], tuple[float, str | None]]:
        """{(partner, period, subscale): (score, band)} from the SQL scores."""
        df = scores(self.store, self.couple_id if couple_id is None else couple_id)
        return {
            (int(r.partner_id), pd.Timestamp(r.period).date(), r.subscale_id): (r.score, r.band)
            for r in df.itertuples()
        }


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The tiny instrument registered in a store on a real file, with one couple."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_TOML, encoding="utf-8")
    inst, problems = load_instrument(path)
    assert problems == [] and inst is not None
    catalog = Catalog(instruments=(inst,), themes={}, problems=(), sources={inst.id: str(path)})
    store = Database(tmp_path / "scores.duckdb")
    store.definitions.register([inst])
    couple_id = store.couples.create("Ann & Bo", ["Ann", "Bo"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    p1, p2 = (p.partner_id for p in couple.partners)
    yield World(store, inst, catalog, couple_id, p1, p2)
    store.close()


# -- hand-computed scores --------------------------------------------------------------------------


def test_mean_with_reversed_item(world: World) -> None:
    """a=3, b=2 reversed on 1..5 is 4, c=4: mean 11/3, band High."""
    world.checkin(world.p1, JAN, {"a": 3, "b": 2, "c": 4})
    assert world.scores() == {(world.p1, JAN, "mood"): (11 / 3, "High")}


def test_reverse_uses_item_scale_minimum(world: World) -> None:
    """b=5 on 1..5 reverses to 1 (not -1 as 0+4-5 would give): mean of 0, 1, 0 is 1/3."""
    world.checkin(world.p1, JAN, {"a": 0, "b": 5, "c": 0})
    assert world.scores() == {(world.p1, JAN, "mood"): (1 / 3, "Low")}


def test_sum_scoring(world: World) -> None:
    """tally sums its items: 4 + 1 = 5 (its mean would be 2.5), band Some."""
    world.checkin(world.p1, JAN, {"n1": 4, "n2": 1})
    assert world.scores() == {(world.p1, JAN, "tally"): (5.0, "Some")}


def test_unanswered_items_are_left_out_of_the_mean(world: World) -> None:
    """Only a and c answered: mean of 4 and 2 is 3.0 (b is not counted as anything)."""
    world.checkin(world.p1, JAN, {"a": 4, "c": 2})
    df = scores(world.store, world.couple_id)
    assert df[["subscale_id", "score", "band", "n_items"]].values.tolist() == [["mood", 3.0, "High", 2]]


@pytest.mark.parametrize(
    ("answers", "subscale", "score", "band"),
    [
        ({"a": 2, "b": 4, "c": 2}, "mood", 2.0, "Middling"),  # == first bound -> second band
        ({"a": 1, "b": 4, "c": 2}, "mood", 5 / 3, "Low"),  # just below it
        ({"a": 3, "b": 3, "c": 3}, "mood", 3.0, "High"),  # == second bound -> last band
        ({"n1": 2, "n2": 1}, "tally", 3.0, "Some"),
        ({"n1": 2, "n2": 0}, "tally", 2.0, "Few"),
        ({"n1": 5, "n2": 1}, "tally", 6.0, "Many"),
        ({"n1": 0, "n2": 0}, "tally", 0.0, "Few"),
        ({"n1": 10, "n2": 1}, "tally", 11.0, "Many"),
    ],
    ids=[
        "mean-at-bound",
        "mean-below-bound",
        "mean-at-2nd-bound",
        "sum-at-bound",
        "sum-below",
        "sum-at-2nd",
        "sum-min",
        "sum-max",
    ],
)
def test_band_boundaries(world: World, answers: dict[str, float], subscale: str, score: float, band: str) -> None:
    """Bands are `score < below`: a score equal to a bound falls in the NEXT band."""
    world.checkin(world.p1, JAN, answers)
    assert world.scores() == {(world.p1, JAN, subscale): (score, band)}


def test_follow_up_shown_is_scored(world: World) -> None:
    """trig=2 opens fu: mended is the mean of r1=1 and fu=3, i.e. 2.0, at the bound so Mending."""
    world.checkin(world.p1, JAN, {"trig": 2, "r1": 1, "fu": 3})
    assert world.scores() == {(world.p1, JAN, "mended"): (2.0, "Mending")}


def test_follow_up_hidden_is_left_out_not_zero(world: World) -> None:
    """trig=0 hides fu: mended is r1 alone (1.0), not (1 + 0) / 2."""
    world.checkin(world.p1, JAN, {"trig": 0, "r1": 1, "note": "a quiet month"})
    df = scores(world.store, world.couple_id)
    assert df[["subscale_id", "score", "band", "n_items"]].values.tolist() == [["mended", 1.0, "Not yet", 1]]


def test_hidden_answer_is_dropped_at_submit(world: World) -> None:
    """fu answered while trig was 3, then trig changed back to 0: fu is dropped at submit, not scored."""
    ck = world.checkin(world.p2, JAN, {"trig": 3, "r1": 3, "fu": 4}, submit=False)
    world.save(ck, {"trig": 0})
    assert world.store.checkins.answers(ck)["tiny"]["fu"] == Answer(value=4.0)  # still in the draft
    assert world.store.checkins.submit(ck, world.catalog) is True
    stored = world.store.checkins.answers(ck)["tiny"]
    assert "fu" not in stored
    assert stored["trig"] == Answer(value=0.0)
    assert stored["r1"] == Answer(value=3.0)
    # 3.0 from r1 alone; keeping fu would have given 3.5
    assert world.scores() == {(world.p2, JAN, "mended"): (3.0, "Mending")}


def test_drafts_are_not_scored(world: World) -> None:
    """A draft's answers give no score until it is submitted."""
    ck = world.checkin(world.p1, JAN, {"a": 4, "b": 1, "c": 4, "n1": 1}, submit=False)
    assert world.scores() == {}
    assert world.store.checkins.submit(ck, world.catalog) is True
    assert world.scores() == {(world.p1, JAN, "mood"): (13 / 3, "High"), (world.p1, JAN, "tally"): (1.0, "Few")}


def test_full_month_for_a_couple(world: World) -> None:
    """Several check-ins at once: every number and band as computed by hand, drafts and others left out."""
    w = world
    w.checkin(w.p1, JAN, {"a": 3, "b": 2, "c": 4, "n1": 2, "n2": 1, "trig": 2, "r1": 1, "fu": 3})
    w.checkin(w.p1, FEB, {"a": 2, "b": 4, "c": 2, "n1": 0, "n2": 0, "trig": 0, "r1": 1, "note": "ok"})
    ck = w.checkin(w.p2, JAN, {"a": 0, "b": 5, "c": 1, "n1": 10, "n2": 1, "trig": 3, "r1": 3, "fu": 4}, submit=False)
    w.save(ck, {"trig": 0})
    assert w.store.checkins.submit(ck, w.catalog)
    w.checkin(w.p2, FEB, {"a": 4, "b": 1, "c": 4}, submit=False)  # a draft
    w.checkin(w.p2, MAR, {"a": 4})
    other = w.store.couples.create("Cy & Di", ["Cy", "Di"])
    other_couple = w.store.couples.get(other)
    assert other_couple is not None
    w.checkin(other_couple.partners[0].partner_id, JAN, {"a": 1, "b": 1, "c": 1})

    assert w.scores() == {
        (w.p1, JAN, "mood"): (11 / 3, "High"),  # (3 + 4 + 4) / 3
        (w.p1, JAN, "tally"): (3.0, "Some"),  # 2 + 1, at the bound
        (w.p1, JAN, "mended"): (2.0, "Mending"),  # (1 + 3) / 2, at the bound
        (w.p1, FEB, "mood"): (2.0, "Middling"),  # (2 + 2 + 2) / 3, at the bound
        (w.p1, FEB, "tally"): (0.0, "Few"),
        (w.p1, FEB, "mended"): (1.0, "Not yet"),  # fu hidden, left out
        (w.p2, JAN, "mood"): (2 / 3, "Low"),  # (0 + 1 + 1) / 3
        (w.p2, JAN, "tally"): (11.0, "Many"),
        (w.p2, JAN, "mended"): (3.0, "Mending"),  # fu dropped at submit
        (w.p2, MAR, "mood"): (4.0, "High"),
    }
    by_partner = scores(w.store, w.couple_id, w.p2)
    assert set(by_partner.partner_id) == {w.p2}
    assert len(by_partner) == 4
    assert set(scores(w.store).couple_id) == {w.couple_id, other}


# -- the whole demo database, recomputed independently ----------------------------------------------------


def _band(inst: Instrument, subscale_id: str, score: float) -> tuple[str | None, str | None]:
    """The first band with no bound or with score < below."""
    for b in inst.subscale(subscale_id).bands:
        if b.below is None or score < b.below:
            return b.label, b.tone
    return None, None


ScoreKey = tuple[int, int, dt.date, str, str]  # couple, partner, month, instrument, subscale
ScoreRow = tuple[float, str | None, str | None, int, bool]  # score, band, tone, items, private


def recompute(responses: pd.DataFrame, catalog: Catalog) -> dict[ScoreKey, ScoreRow]:
    """Scores from raw rows in plain Python: reverse likert items, drop drafts and blanks, mean or sum."""
    values: dict[ScoreKey, list[float]] = defaultdict(list)
    for r in responses.itertuples():
        if r.status != "submitted" or pd.isna(r.value):
            continue
        inst = catalog.get(r.instrument_id)
        assert inst is not None and inst.version == r.instrument_version
        it = inst.item(r.item_id)
        if it.subscale is None:
            continue
        v = float(r.value)
        if it.reverse:
            scale = it.response or inst.response
            assert scale is not None
            v = scale.min + scale.max - v
        key = (int(r.couple_id), int(r.partner_id), pd.Timestamp(r.period).date(), r.instrument_id, it.subscale)
        values[key].append(v)
    out = {}
    for key, vs in values.items():
        inst = catalog.get(key[3])
        assert inst is not None
        sc = inst.subscale(key[4])
        score = sum(vs) if sc.scoring == "sum" else sum(vs) / len(vs)
        out[key] = (score, *_band(inst, sc.id, score), len(vs), inst.is_private_subscale(sc.id))
    return out


def test_demo_scores_equal_independent_recomputation(demo_store: Database, catalog: Catalog) -> None:
    """Every SQL score of a 3-couple demo equals a plain-Python recomputation exactly (==)."""
    # a draft with answers must not count
    partner = demo_store.couples.all()[0].partners[0]
    draft = demo_store.checkins.open(partner.partner_id, add_months(month_start(), 1))
    bids = catalog.get("bids")
    assert bids is not None
    demo_store.checkins.save_answers(draft.checkin_id, bids, {it.id: Answer(value=4.0) for it in bids.items})

    responses = demo_store.engine.read(
        "SELECT c.couple_id, c.partner_id, c.period, c.status, r.instrument_id, r.instrument_version, "
        "r.item_id, r.value FROM responses r JOIN checkins c USING (checkin_id)"
    )
    expected = recompute(responses, catalog)

    df = scores(demo_store)
    actual = {
        (int(r.couple_id), int(r.partner_id), pd.Timestamp(r.period).date(), r.instrument_id, r.subscale_id): (
            r.score,
            r.band,
            r.band_tone,
            int(r.n_items),
            bool(r.private),
        )
        for r in df.itertuples()
    }
    assert len(actual) == len(df), "one score per partner, month and subscale"
    assert set(actual) == set(expected)
    mismatches = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert mismatches == {}

    # the data is rich enough for this to mean something
    n_subscales = sum(len(i.subscales) for i in catalog.instruments)
    assert len(expected) > 3 * 2 * 20 * (n_subscales - 1)
    assert any(s[0] != round(s[0]) and s[0] * 3 == round(s[0] * 3) for s in expected.values())  # thirds
    assert {s[2] for s in expected.values()} == {"ok", "watch", "concern"}
    assert {s[4] for s in expected.values()} == {True, False}

    # per-couple queries give the same rows
    for couple in demo_store.couples.all():
        per = scores(demo_store, couple.couple_id)
        assert len(per) == sum(1 for k in actual if k[0] == couple.couple_id)
        assert per["score"].tolist() == df.loc[df.couple_id == couple.couple_id, "score"].tolist()
