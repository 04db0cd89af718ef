"""Reliable change (Jacobson-Truax) since each partner's baseline, against hand-computed values.

The SD comes from a reference population (everyone's first check-in, or a subscale's norms), never
from a partner's own history: the old own-history SD called far more than 5 % of steady months a change.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pandas as pd
import pytest

from mendwell import analysis, stats
from mendwell.analysis import DECLARED, classify, reliable_change
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.limits import MIN_REFERENCE_PARTNERS
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


def _others(store: Database, catalog: Catalog, n: int) -> list[int]:
    """`n` partners (in couples) whose only check-in answers `toward_me` with 0, 1, 2, 3, 4, 0, ..."""
    values: list[int] = []
    for c in range(n // 2):
        _, a, b = make_couple_ids(store, f"Other {c}", (f"A{c}", f"B{c}"))
        for pid in (a, b):
            v = len(values) % 5
            answer_bids(store, catalog, pid, add_months(START, -6), v)
            values.append(v)
    return values


def test_reliable_worsening_against_the_baseline_with_everyones_first_checkins(
    store: Database, catalog: Catalog
) -> None:
    """Twelve steady-ish months, then a drop: judged against the first month, with the SD of all first check-ins."""
    others = _others(store, catalog, MIN_REFERENCE_PARTNERS)
    couple_id, a, _ = make_couple_ids(store, "Test", ("A", "B"))
    series = [3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 0]
    for i, v in enumerate(series):
        answer_bids(store, catalog, a, add_months(START, i), v)
    df = reliable_change(store, couple_id)

    sd = statistics.stdev([*others, series[0]])  # everyone's first check-in, A's included
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - 0.80)  # one item answered: alpha can't be measured
    needed = 1.96 * s_diff + 1 / 2  # plus half a step (one item: steps of 1)
    last = _row(df, a, add_months(START, 11))
    assert last["sd_source"] == f"first check-ins of {MIN_REFERENCE_PARTNERS + 1} partners"
    assert last["reliability_source"] == DECLARED
    assert last["sd"] == pytest.approx(sd)
    assert last["s_diff"] == pytest.approx(s_diff)
    assert last["threshold"] == pytest.approx(needed)
    assert pd.Timestamp(last["reference_period"]).date() == START and last["reference_score"] == 3
    assert last["change"] == -3 and needed < 3
    assert last["verdict"] == "worsened"
    # a one-point wobble (3 -> 4) stays under the threshold
    wobble = _row(df, a, add_months(START, 2))
    assert wobble["verdict"] == "no reliable change"
    # the first month is the starting point
    first = _row(df, a, START)
    assert first["verdict"] == "can't tell"
    assert "starting point" in first["reason"]


def test_month_to_month_movement_is_kept_for_words_only(store: Database, catalog: Catalog) -> None:
    """A missed month is skipped for the previous score; the verdict compares with the baseline."""
    _others(store, catalog, MIN_REFERENCE_PARTNERS)
    couple_id, a, _ = make_couple_ids(store, "Gap", ("A", "B"))
    answer_bids(store, catalog, a, START, 1)
    answer_bids(store, catalog, a, add_months(START, 3), 4)
    answer_bids(store, catalog, a, add_months(START, 4), 4)
    df = reliable_change(store, couple_id)
    later = _row(df, a, add_months(START, 3))
    assert pd.Timestamp(later["previous_period"]).date() == START
    assert later["month_change"] == 3
    last = _row(df, a, add_months(START, 4))
    assert last["month_change"] == 0 and last["change"] == 3  # no movement this month, but 3 since the start
    assert analysis.movement_words(0.0, "better", last["previous_period"]) == "the same as in April 2025"


def test_too_few_partners_means_cant_tell(store: Database, catalog: Catalog) -> None:
    """Fewer than MIN_REFERENCE_PARTNERS first check-ins and no norms: never a verdict, and it says why."""
    couple_id, a, b = make_couple_ids(store, "Few", ("A", "B"))
    for i, v in enumerate([0, 4, 0, 4]):
        answer_bids(store, catalog, a, add_months(START, i), v)
        answer_bids(store, catalog, b, add_months(START, i), 4 - v)
    df = reliable_change(store, couple_id)
    assert set(df["verdict"]) == {"can't tell"}
    row = _row(df, a, add_months(START, 1))
    assert math.isnan(row["sd"]) and f"at least {MIN_REFERENCE_PARTNERS} people" in row["reason"]


def test_start_of_therapy_moves_the_baseline(store: Database, catalog: Catalog) -> None:
    _others(store, catalog, MIN_REFERENCE_PARTNERS)
    couple_id, a, _ = make_couple_ids(store, "Therapy", ("A", "B"))
    for i, v in enumerate([0, 0, 4, 4, 4]):
        answer_bids(store, catalog, a, add_months(START, i), v)
    assert analysis.start_of_therapy(store, couple_id) is None
    analysis.mark_start_of_therapy(store, couple_id, add_months(START, 2) + dt.timedelta(days=9))
    assert analysis.start_of_therapy(store, couple_id) == add_months(START, 2)
    df = reliable_change(store, couple_id)
    assert _row(df, a, START)["reason"] == "before the starting point"
    assert _row(df, a, add_months(START, 2))["verdict"] == "can't tell"
    last = _row(df, a, add_months(START, 4))
    assert pd.Timestamp(last["reference_period"]).date() == add_months(START, 2)
    assert last["change"] == 0 and last["verdict"] == "no reliable change"
    analysis.mark_start_of_therapy(store, couple_id, None)
    assert _row(reliable_change(store, couple_id), a, add_months(START, 4))["verdict"] == "improved"


def _frame(**cols: list[object]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base: dict[str, list[object]] = {
        "instrument_id": ["x"] * n, "subscale_id": ["s"] * n, "period": [dt.date(2025, 2, 1)] * n,
        "reference_period": [dt.date(2025, 1, 1)] * n, "reference_score": [2.0] * n, "score": [2.0] * n,
        "change": [0.0] * n, "higher_is": ["better"] * n, "n_items": [4] * n, "scoring": ["mean"] * n,
        "declared_reliability": [0.8] * n, "clinical_mean": [None] * n, "clinical_sd": [None] * n,
        "community_mean": [None] * n, "community_sd": [None] * n, "norms_source": [None] * n,
    }  # fmt: skip
    base.update(cols)
    return pd.DataFrame(base)


def _ref(partners: int = 40, sd: float = 0.5, alpha: float = float("nan"), complete: int = 0) -> pd.DataFrame:
    return pd.DataFrame([("x", "s", partners, sd, alpha, complete, 4)], columns=analysis.REFERENCE_COLUMNS)


def test_classify_follows_each_parts_direction_and_needs_a_reliability() -> None:
    df = _frame(
        change=[2.0, -2.0, 2.0, 2.0],
        score=[4.0, 0.0, 4.0, 4.0],
        higher_is=["better", "worse", "worse", "better"],
        declared_reliability=[0.8, 0.8, 0.8, None],
    )
    out = classify(df, _ref())
    # higher is worse: a fall is an improvement, a rise a worsening
    assert list(out["verdict"]) == ["improved", "improved", "worsened", "can't tell"]
    assert "reliability" in out.loc[3, "reason"]


def test_measured_alpha_replaces_the_declared_figure_once_there_are_enough() -> None:
    out = classify(_frame(change=[1.0]), _ref(alpha=0.6, complete=MIN_REFERENCE_PARTNERS))
    assert out.loc[0, "reliability"] == 0.6
    assert out.loc[0, "reliability_source"].startswith("measured: Cronbach's alpha")
    fewer = classify(_frame(change=[1.0]), _ref(alpha=0.6, complete=MIN_REFERENCE_PARTNERS - 1))
    assert fewer.loc[0, "reliability"] == 0.8 and fewer.loc[0, "reliability_source"] == DECLARED
    useless = classify(_frame(change=[1.0]), _ref(alpha=-0.2, complete=MIN_REFERENCE_PARTNERS))
    assert useless.loc[0, "verdict"] == "can't tell" and "did not move together" in useless.loc[0, "reason"]


def test_one_answer_step_is_never_reliable_however_small_the_sd() -> None:
    """A near-zero SD would make any move 'reliable'; one notch on one of four items (0.25) never is."""
    out = classify(_frame(change=[-0.25, -0.5], score=[1.75, 1.5]), _ref(sd=0.01))
    assert list(out["verdict"]) == ["no reliable change", "worsened"]


def test_norms_give_the_sd_the_cutoff_and_the_clinical_class() -> None:
    """Norms: clinical 1.0 (SD 0.5), community 3.0 (SD 0.5): cut-off 2.0; reliability 0.8."""
    norms = {
        "clinical_mean": [1.0] * 4, "clinical_sd": [0.5] * 4, "community_mean": [3.0] * 4,
        "community_sd": [0.5] * 4, "norms_source": ["Manual (2020)"] * 4,
    }  # fmt: skip
    df = _frame(
        reference_score=[1.0, 1.0, 2.5, 2.5],
        score=[2.5, 1.75, 2.5, 1.0],
        change=[1.5, 0.75, 0.0, -1.5],
        **norms,  # type: ignore[arg-type]
    )
    out = classify(df, _ref(partners=3))  # too few partners: the norms' SD is used anyway
    s_diff = math.sqrt(2) * 0.5 * math.sqrt(0.2)
    assert out.loc[0, "sd"] == 0.5 and out.loc[0, "sd_source"] == "norms (clinical SD): Manual (2020)"
    assert out.loc[0, "threshold"] == pytest.approx(1.96 * s_diff + 0.125)
    assert out.loc[0, "cutoff"] == pytest.approx(stats.clinical_cutoff(1.0, 0.5, 3.0, 0.5)) == 2.0
    assert list(out["clinical_class"]) == ["recovered", "improved", "unchanged", "deteriorated"]
    table = analysis.changes_table(out)
    assert list(table.columns[:14]) == [
        "couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "reference_period",
        "reference_score", "sd", "sd_source", "reliability", "reliability_source", "threshold", "verdict",
    ]  # fmt: skip
    assert set(table["norms_source"]) == {"Manual (2020)"}
    plain = analysis.changes_table(classify(_frame(change=[1.0]), _ref()))
    assert pd.isna(plain.loc[0, "clinical_class"]) and pd.isna(plain.loc[0, "norms_source"])
