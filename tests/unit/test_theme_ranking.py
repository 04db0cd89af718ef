"""Recurring themes ranked for one couple or many at once, against the rule written out the slow way:
within the window of months up to the latest, in how many months a theme came up, the unbroken run of
months up to the latest, whether it came up then, how many answers pointed to it."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mendwell import analysis

THEMES = ("unseen", "unheard", "alone")
LAST = pd.Timestamp("2026-06-01")


def month(back: int, last: pd.Timestamp = LAST) -> pd.Timestamp:
    return last - pd.DateOffset(months=back)


def by_hand(signals: pd.DataFrame, last: pd.Timestamp, window: int, least: int) -> set[tuple[object, ...]]:
    """(partner, theme, months, streak, this month, answers) of each theme that came up in `least` months."""
    out: set[tuple[object, ...]] = set()
    for (partner, theme), rows in signals.groupby(["partner_id", "theme_id"]):
        when = [pd.Timestamp(p) for p in rows["period"]]
        inside = [p for p in when if month(window - 1, last) <= p <= last]
        months = set(inside)
        streak = 0
        while month(streak, last) in months:
            streak += 1
        if len(months) >= least:
            out.add((int(partner), str(theme), len(months), streak, streak > 0, len(inside)))
    return out


def shown(table: pd.DataFrame) -> set[tuple[object, ...]]:
    return {
        (int(r.partner_id), str(r.theme_id), int(r.months), int(r.streak), bool(r.this_month), int(r.signals))
        for r in table.itertuples()
    }


signal_rows = st.lists(
    st.tuples(st.sampled_from([1, 2]), st.integers(0, 14), st.sampled_from(THEMES)), min_size=1, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(rows=signal_rows, window=st.integers(1, 8), least=st.integers(1, 4))
def test_one_couple_matches_the_rule_by_hand(rows: list[tuple[int, int, str]], window: int, least: int) -> None:
    signals = pd.DataFrame(
        [(p, month(back), t, "micro_hurts", "x") for p, back, t in rows],
        columns=["partner_id", "period", "theme_id", "instrument_id", "item_id"],
    )
    got = analysis.recurring_themes(signals, LAST, window=window, min_months=least)
    assert shown(got) == by_hand(signals, LAST, window, least)
    # ranked within each partner: 1, 2, 3 ... most persistent first
    for _, mine in got.groupby("partner_id"):
        assert mine["rank"].tolist() == list(range(1, len(mine) + 1))
        assert mine["months"].is_monotonic_decreasing


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from([10, 20, 30]), st.integers(0, 14), st.sampled_from(THEMES)),
                     min_size=1, max_size=60),
       ends=st.lists(st.integers(0, 4), min_size=3, max_size=3))  # fmt: skip
def test_many_couples_at_once_are_each_couple_alone(rows: list[tuple[int, int, str]], ends: list[int]) -> None:
    """Couple c's partner is c + 1; each couple's window ends at its own latest month."""
    signals = pd.DataFrame(
        [(c, c + 1, month(back), t, "micro_hurts", "x") for c, back, t in rows],
        columns=["couple_id", "partner_id", "period", "theme_id", "instrument_id", "item_id"],
    )
    last = {c: month(e) for c, e in zip((10, 20, 30), ends, strict=True)}
    together = analysis.recurring_themes_of(signals, last)
    for c, end in last.items():
        alone = analysis.recurring_themes(signals[signals["couple_id"] == c].drop(columns="couple_id"), end)
        mine = together[together["couple_id"] == c].drop(columns="couple_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True), check_dtype=False)
