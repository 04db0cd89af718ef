"""The pure statistics (mendwell.stats) against hand computations, brute force and small simulations."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pandas as pd
import pytest

from mendwell import analysis, stats, summary, together
from mendwell.limits import MIN_TREND_POINTS


def _brute_p(y: list[float]) -> float:
    s = abs(stats.mann_kendall_s(y))
    orders = set(itertools.permutations(y))
    return sum(1 for o in orders if abs(stats.mann_kendall_s(o)) >= s) / len(orders)


def test_exact_mann_kendall_matches_every_ordering_including_ties() -> None:
    rng = random.Random(11)
    for _ in range(40):
        y = [float(rng.randint(0, 3)) for _ in range(rng.randint(2, 7))]
        assert stats.mann_kendall_exact(y)[1] == pytest.approx(_brute_p(y), abs=1e-12), y


def test_exact_mann_kendall_small_samples() -> None:
    """With 4 points the best two-sided p is 2/24 = 0.083 (never below .05); with 5 points 2/120 = 0.0167."""
    assert stats.mann_kendall_exact([1, 2, 3, 4]) == pytest.approx((6, 2 / 24))
    assert stats.mann_kendall_exact([5, 4, 3, 2, 1]) == pytest.approx((-10, 2 / 120))
    assert stats.mann_kendall_exact([2, 2, 2, 2, 2])[1] == 1.0
    # forty points in a row: exact, and quick
    s, p = stats.mann_kendall_exact(list(range(40)))
    assert s == 780 and p == pytest.approx(2 / math.factorial(40))


def test_trend_needs_five_points_and_a_small_exact_p() -> None:
    months = [0, 1, 2, 3]
    assert stats.trend(months, [1, 2, 3, 4], MIN_TREND_POINTS) is None
    t = stats.trend([0, 1, 2, 4, 5], [3.0, 2.5, 2.0, 1.0, 0.5], MIN_TREND_POINTS)
    assert t is not None and t.direction == "down" and t.n == 5 and t.span == 6
    assert t.slope == pytest.approx(-0.5)
    flat = stats.trend(range(6), [2, 3, 2, 3, 2, 3], MIN_TREND_POINTS)
    assert flat is not None and flat.direction == ""


def test_theil_sen_ignores_an_outlier() -> None:
    assert stats.theil_sen(range(7), [0, 1, 2, 30, 4, 5, 6]) == pytest.approx(1.0)


def test_cronbach_alpha_by_hand() -> None:
    x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4], [0, 1, 2]], dtype=float)
    k = 3
    by_hand = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert stats.cronbach_alpha(x) == pytest.approx(by_hand)
    with_gap = np.vstack([x, [[np.nan, 1, 1]]])
    assert stats.cronbach_alpha(with_gap) == pytest.approx(by_hand)  # incomplete rows are left out
    assert math.isnan(stats.cronbach_alpha(x[:, :1]))


def test_cutoff_and_classes() -> None:
    c = stats.clinical_cutoff(clinical_mean=10, clinical_sd=4, community_mean=20, community_sd=2)
    assert c == pytest.approx((4 * 20 + 2 * 10) / 6)
    assert stats.clinical_class(8, 19, stats.IMPROVED, c, 20, 10) == "recovered"
    assert stats.clinical_class(8, 14, stats.IMPROVED, c, 20, 10) == "improved"
    assert stats.clinical_class(8, 9, stats.NO_CHANGE, c, 20, 10) == "unchanged"
    assert stats.clinical_class(14, 8, stats.WORSENED, c, 20, 10) == "deteriorated"
    assert stats.clinical_class(8, 9, stats.CANT_TELL, c, 20, 10) == ""
    # higher is worse: the community lies below the cut-off
    low = stats.clinical_cutoff(clinical_mean=3, clinical_sd=1, community_mean=1, community_sd=1)
    assert stats.clinical_class(3.5, 1.5, stats.IMPROVED, low, 1, 3) == "recovered"


def test_threshold_adds_half_a_step_and_never_goes_below_one_step() -> None:
    assert stats.threshold(0.5, 0.25) == pytest.approx(1.96 * 0.5 + 0.125)
    assert stats.threshold(0.0, 0.25) == 0.25
    assert stats.verdict(-0.25, stats.threshold(0.0, 0.25), "better") == stats.NO_CHANGE
    assert stats.verdict(-0.5, stats.threshold(0.0, 0.25), "worse") == stats.IMPROVED


def test_pure_simulation_false_positives_and_power() -> None:
    """Constant true scores plus item noise, reliability from the data: about 5 % called reliable at most,
    and a change of 4 x SEM x sqrt(2) found at least 80 % of the time (printed)."""
    rng = np.random.default_rng(3)
    n, months, k = 400, 6, 5
    true = rng.normal(2.2, 0.5, (n, 1, 1))
    x = np.clip(np.round(true + rng.normal(0, 0.8, (n, months, k))), 0, 4)
    scores = x.mean(axis=2)
    r = stats.cronbach_alpha(x[:, 0, :])
    sd = float(scores[:, 0].std(ddof=1))
    bound = stats.threshold(stats.s_diff(sd, r), 1 / k)
    fp = float((np.abs(scores[:, 1:] - scores[:, [0]]) > bound).mean())
    moved = np.clip(np.round(true - 4 * stats.sem(sd, r) * math.sqrt(2) + rng.normal(0, 0.8, (n, months, k))), 0, 4)
    found = float((scores[:, [0]] - moved.mean(axis=2)[:, 1:] > bound).mean())
    print(f"\npure simulation: {fp:.1%} called reliable under no change; {found:.1%} of true changes found")
    assert fp <= 0.055 and found >= 0.80


def test_reference_stats_use_first_checkins_and_complete_answers() -> None:
    items = pd.DataFrame(
        [(p, "x", "s", float(v), f"i{j}", float(v + j % 2)) for p, v in enumerate([0, 1, 2, 3, 4]) for j in range(3)],
        columns=["partner_id", "instrument_id", "subscale_id", "score", "item_id", "value"],
    )
    ref = analysis.reference_stats(items).iloc[0]
    assert ref["partners"] == 5 and ref["ref_sd"] == pytest.approx(np.std([0, 1, 2, 3, 4], ddof=1))
    assert ref["alpha_partners"] == 5 and ref["alpha_items"] == 3 and ref["alpha"] == pytest.approx(1.0)


def test_trend_words_follow_the_direction() -> None:
    """In words a couple reads: no ▲ or ▼ (they mark a reliable change) and no test statistics (found: "exact
    Mann-Kendall p = 0.007" under a chart on a partner's phone and on a shared screen)."""
    months = summary.month_numbers(np.array(["2026-01-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01",
                                             "2026-07-01"], dtype="datetime64[D]"))  # fmt: skip
    t = stats.trend(months.astype(float).tolist(), [3, 2.5, 2, 1.5, 1, 0.5], MIN_TREND_POINTS)
    # the months by name (found: "the last 11 months" for one partner beside "the last 12" for the other, with
    # no word of why; nor were they the last months when a partner's latest check-in was months ago)
    assert summary.trend_words(t, "worse") == (
        "moving down from January 2026 to July 2026 (for this part, lower is better): about 0.50 a month over 6 "
        "check-ins"
    )
    assert summary.trend_words(t, "better").startswith(
        "moving down from January 2026 to July 2026 (for this part, lower is harder)"
    )
    assert summary.trend_words(None, "better").startswith("not enough months yet")


def test_dyad_gap_is_judged_against_its_own_error() -> None:
    """SEM 0.3 each: SE_D = sqrt(0.09 + 0.09) = 0.424; bar = 1.96 x 0.424 + half a step (0.125)."""
    month = pd.DataFrame(
        {
            "instrument_id": ["a", "a", "b", "b", "c", "c"], "subscale_id": ["s", "s", "t", "t", "u", "u"],
            "partner_id": [1, 2] * 3, "score": [1.0, 2.5, 2.0, 2.5, 1.0, 3.0], "sem": [0.3] * 4 + [math.nan] * 2,
            "step": [0.25] * 6, "private": [False] * 6,
        }
    )  # fmt: skip
    gaps = together.dyad_gaps(month).set_index("instrument_id")
    assert gaps.loc["a", "se_d"] == pytest.approx(math.sqrt(0.18))
    assert gaps.loc["a", "bound"] == pytest.approx(1.96 * math.sqrt(0.18) + 0.125)
    assert gaps.loc["a", "reading"] == together.SEEING_DIFFERENTLY
    assert gaps.loc["b", "reading"] == together.CLOSE
    assert gaps.loc["c", "reading"] == together.CANT_TELL_GAP


def test_themes_rank_by_persistence_then_this_month_and_new_ones_are_named() -> None:
    def sig(partner: int, month: int, theme: str) -> tuple[int, pd.Timestamp, str, str, str]:
        return (partner, pd.Timestamp(2025, month, 1), theme, "i", "x")

    rows = [sig(1, m, "alone") for m in (1, 2, 3, 4)]  # 4 months, not this month
    rows += [sig(1, m, "unseen") for m in (3, 4, 5, 6)]  # 4 months, the last 4 in a row
    rows += [sig(1, m, "unheard") for m in (4, 6)]
    rows += [sig(1, 6, "rejected")]  # new this month
    signals = pd.DataFrame(rows, columns=["partner_id", "period", "theme_id", "instrument_id", "item_id"])
    ranked = analysis.recurring_themes(signals, pd.Timestamp(2025, 6, 1), window=6, min_months=2)
    assert ranked["theme_id"].tolist() == ["unseen", "alone", "unheard"]
    assert ranked["rank"].tolist() == [1, 2, 3] and ranked["streak"].tolist() == [4, 0, 1]
    assert analysis.new_themes(signals, pd.Timestamp(2025, 6, 1))["theme_id"].tolist() == ["rejected"]
