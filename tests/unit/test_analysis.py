"""Reliable change (Jacobson-Truax) against hand-computed values."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pandas as pd
import pytest

from mendwell.analysis import MIN_OWN_SCORES, classify, reliable_change
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.periods import add_months
from tests.support.data import START, answer_bids, make_couple_ids


def _row(df: pd.DataFrame, partner_id: int, period: dt.date) -> pd.Series:
    hit = df[
        (df["partner_id"] == partner_id)
        & (df["subscale_id"] == "my_bids_met")
        & (pd.to_datetime(df["period"]).dt.date == period)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_reliable_worsening_from_own_history(store: Database, catalog: Catalog) -> None:
    """Twelve steady-ish months, then a drop: marked worsened with the couple's own SD."""
    couple_id, a, _ = make_couple_ids(store, "Test", ("A", "B"))
    series = [3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 0]
    for i, v in enumerate(series):
        answer_bids(store, catalog, a, add_months(START, i), v)
    df = reliable_change(store, couple_id)

    sd = statistics.stdev(series)
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - 0.80)
    last = _row(df, a, add_months(START, 11))
    assert last["sd_source"] == "couple"
    assert last["sd"] == pytest.approx(sd)
    assert last["s_diff"] == pytest.approx(s_diff)
    assert last["change"] == -3
    assert abs(-3) > 1.96 * s_diff  # hand check: 3 > 1.96 * 0.5433...
    assert last["verdict"] == "worsened"
    # a one-point wobble (3 -> 4) stays under the threshold: no arrow drawn
    wobble = _row(df, a, add_months(START, 2))
    assert 1.96 * s_diff > 1
    assert wobble["verdict"] == "no reliable change"
    # the first month has nothing to compare with
    first = _row(df, a, START)
    assert first["verdict"] == "unknown"
    assert "no earlier" in first["reason"]


def test_gap_compares_with_previous_checkin(store: Database, catalog: Catalog) -> None:
    """A missed month is skipped: the change is against the partner's previous score."""
    couple_id, a, _ = make_couple_ids(store, "Gap", ("A", "B"))
    answer_bids(store, catalog, a, START, 1)
    answer_bids(store, catalog, a, add_months(START, 3), 4)
    df = reliable_change(store, couple_id)
    later = _row(df, a, add_months(START, 3))
    assert pd.Timestamp(later["previous_period"]).date() == START
    assert later["change"] == 3


def test_thin_history_falls_back_to_everyone(store: Database, catalog: Catalog) -> None:
    """Fewer than MIN_OWN_SCORES own scores: SD comes from all stored scores, and says so."""
    _, c, _ = make_couple_ids(store, "Many", ("C", "D"))
    others = [0, 4, 1, 3, 2, 4, 0, 2, 3, 1, 4, 0]
    for i, v in enumerate(others):
        answer_bids(store, catalog, c, add_months(START, i), v)
    small, a, _ = make_couple_ids(store, "Few", ("A", "B"))
    answer_bids(store, catalog, a, START, 2)
    answer_bids(store, catalog, a, add_months(START, 1), 3)
    assert MIN_OWN_SCORES > 2
    df = reliable_change(store, small)
    row = _row(df, a, add_months(START, 1))
    assert row["sd_source"] == "everyone"
    assert row["sd"] == pytest.approx(statistics.stdev([*others, 2, 3]))


def test_classify_without_reliability_says_unknown() -> None:
    """No reliability figure: never a verdict, always a reason."""
    df = pd.DataFrame(
        {
            "change": [2.0, -2.0, 2.0],
            "sd": [0.5, 0.5, 0.5],
            "reliability": [None, 0.8, 0.8],
            "higher_is": ["better", "worse", "worse"],
        }
    )
    out = classify(df)
    assert out.loc[0, "verdict"] == "unknown"
    assert "reliability" in out.loc[0, "reason"]
    # higher is worse: a fall is an improvement, a rise a worsening
    assert out.loc[1, "verdict"] == "improved"
    assert out.loc[2, "verdict"] == "worsened"
