"""The sentence beside each chart (its text alternative), built from known data: what the lines, cells
and bars show, in the part's own direction, each partner's line on its own, never who is ahead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mendwell import stats, summary

ANN, BOB = summary.Person(1, "Ann"), summary.Person(2, "Bob")
MONTHS = pd.date_range("2026-01-01", "2026-06-01", freq="MS")
GRADES = ("better than", "worse than", "ahead", "behind", "more than Bob", "more than Ann", "doing well", "failing")


def _grid(scores: dict[int, list[float | None]], **columns: Mapping[int, Sequence[object]]) -> pd.DataFrame:
    """A gridded frame as views.trend_charts makes it: one row per partner and month, NaN for a missed month."""
    rows = []
    for pid, values in scores.items():
        for i, (m, v) in enumerate(zip(MONTHS, values, strict=True)):
            row: dict[str, object] = {"partner_id": pid, "period": m, "score": np.nan if v is None else v}
            for name, per_partner in columns.items():
                row[name] = per_partner[pid][i]
            rows.append(row)
    return pd.DataFrame(rows)


def no_grades(text: str) -> None:
    assert not [g for g in GRADES if g in text], text


def test_trend_sentence_says_each_line_its_way_in_the_parts_direction() -> None:
    """Ann's line rises 3.0 -> 3.6 (more than 5 % of the 0-4 scale); Bob's barely moves (2.0 -> 2.1) and
    he missed March."""
    grid = _grid({1: [3.0, 3.1, 3.2, 3.3, 3.5, 3.6], 2: [2.0, 2.1, None, 2.0, 2.05, 2.1]})
    text = summary.trend_sentence(grid, [ANN, BOB], "Feeling close", "better", 0.0, 4.0)
    assert text == (
        "“Feeling close”, January 2026 to June 2026 (for this part, higher is better): "
        "Ann's line rose from 3.0 to 3.6; "
        "Bob's line stayed about the same, from 2.0 to 2.1 (no score in 1 of these months)."
    )
    no_grades(text)
    # the same lines on a part where higher is harder: the words of the direction follow the part
    harder = summary.trend_sentence(grid, [ANN, BOB], "On edge", "worse", 0.0, 4.0)
    assert "(for this part, higher is harder)" in harder and "Ann's line rose from 3.0 to 3.6" in harder


def test_trend_sentence_counts_reliable_changes_and_ranges_on_the_way() -> None:
    """Ann falls 3.0 -> 3.0 via 1.0 (the ends are equal, the dip is not), with two months reliably lower than
    her start; Bob has one check-in."""
    verdict = {1: ["", stats.NO_CHANGE, stats.WORSENED, stats.WORSENED, stats.NO_CHANGE, ""], 2: [""] * 6}
    change = {1: [0.0, -0.5, -2.0, -1.8, -0.2, 0.0], 2: [0.0] * 6}
    grid = _grid(
        {1: [3.0, 2.5, 1.0, 1.2, 2.8, 3.0], 2: [None, None, 2.0, None, None, None]}, verdict=verdict, change=change
    )
    text = summary.trend_sentence(grid, [ANN, BOB], "Trust", "better", 0.0, 4.0)
    assert (
        "Ann's line stayed about the same, at 3.0, ranging from 1.0 to 3.0 on the way "
        "(reliably lower than their start in 2 of these months ▼); "
    ) in text
    assert "Bob's line has one point, 2.0 in March 2026 (no score in 5 of these months)." in text
    no_grades(text)
    # the start named when the grid says which month it was: often one before the chart's first
    grid["reference_period"] = pd.Timestamp(2025, 1, 1)
    named = summary.trend_sentence(grid, [ANN, BOB], "Trust", "better", 0.0, 4.0)
    assert "(reliably lower than their January 2025 start in 2 of these months ▼)" in named


def test_trend_sentence_leaves_out_a_partner_without_scores() -> None:
    grid = _grid({1: [1.0, 1.0, 1.0, 1.0, 1.0, 4.0], 2: [None] * 6})
    text = summary.trend_sentence(grid, [ANN, BOB], "Calm", "better", 0.0, 4.0)
    assert "Bob" not in text and "Ann's line rose from 1.0 to 4.0" in text
    empty = summary.trend_sentence(_grid({1: [None] * 6}), [ANN], "Calm", "better", 0.0, 4.0)
    assert empty.endswith(": no scores in these months.")


def test_a_sum_score_uses_its_own_scale_for_about_the_same() -> None:
    """On a 0-20 sum score a move of 0.8 is less than 5 % of the scale: about the same."""
    grid = _grid({1: [10.0, 10.4, 10.2, 10.6, 10.5, 10.8]})
    assert "stayed about the same, from 10.0 to 10.8" in summary.trend_sentence(grid, [ANN], "S", "better", 0, 20)
    assert "rose from 10.0 to 10.8" in summary.trend_sentence(grid, [ANN], "S", "better", 0, 4)


def test_mirror_sentence_names_both_views_and_the_space_between() -> None:
    grid = pd.DataFrame(
        {
            "period": MONTHS[:3],
            "receiver_view": [1.0, 2.0, 3.0],
            "giver_view": [2.0, 2.5, 3.0],
        }
    )
    text = summary.mirror_sentence(grid, "Ann", "Bob", 0.0, 4.0)
    assert text == (
        "Ann's reaches, seen by both, January 2026 to March 2026: how Ann felt they were met rose from 1.0 to 3.0; "
        "how Bob saw themselves meeting them rose from 2.0 to 3.0. In the months both answered, the two views "
        "were on average 0.5 apart."
    )


def test_heatmap_sentence_lists_the_themes_of_most_months_first() -> None:
    rows = [("unseen", m, 2) for m in MONTHS[:5]] + [("alone", m, 1) for m in MONTHS[:2]]
    rows += [("unheard", MONTHS[0], 1), ("blamed", MONTHS[1], 1), ("stuck", MONTHS[2], 1)]
    monthly = pd.DataFrame(rows, columns=["theme_id", "period", "signals"]).assign(partner_id=1)
    titles = {"unseen": "Unseen", "alone": "Alone", "unheard": "Unheard", "blamed": "Blamed", "stuck": "Stuck"}
    text = summary.heatmap_sentence(monthly, "Ann", titles, list(MONTHS))
    assert text == (  # the months of the chart, not only those with a theme
        "Ann's themes by month, January 2026 to June 2026: “Unseen” in 5 of 6 months, “Alone” in 2, "
        "“Unheard” in 1, and 2 others as often."  # Blamed and Stuck came up in one month too: not "less often"
    )
    rows += [("stuck", MONTHS[3], 1), ("unheard", MONTHS[4], 1)]  # Stuck and Unheard in 2, Blamed in 1
    text = summary.heatmap_sentence(pd.DataFrame(rows, columns=["theme_id", "period", "signals"]), "Ann", titles,
                                    list(MONTHS))  # fmt: skip
    assert text.endswith(
        "“Unseen” in 5 of 6 months, “Alone” in 2, “Unheard” in 2, 1 other as often, and 1 other less often."
    )
    rows += [("alone", MONTHS[2], 1), ("unheard", MONTHS[5], 1)]  # Alone and Unheard in 3: Stuck (2), Blamed (1) less
    text = summary.heatmap_sentence(pd.DataFrame(rows, columns=["theme_id", "period", "signals"]), "Ann", titles,
                                    list(MONTHS))  # fmt: skip
    assert text.endswith("“Unseen” in 5 of 6 months, “Alone” in 3, “Unheard” in 3, and 2 others less often.")
    assert summary.heatmap_sentence(monthly.iloc[:0], "Ann", titles, list(MONTHS)) == (
        "Ann's themes by month, January 2026 to June 2026: no theme came up in these months."
    )


def test_kinds_sentence_counts_months_with_each_kind_and_quiet_months() -> None:
    kinds = pd.DataFrame(
        {"period": [MONTHS[0], MONTHS[0], MONTHS[2]], "item_id": ["sarcasm", "unheard", "sarcasm"], "value": 1.0}
    )
    text = summary.kinds_sentence(kinds, "Bob", {"sarcasm": "Sarcasm", "unheard": "Not heard"}, list(MONTHS))
    assert text == (
        "Bob's small hurts by month, January 2026 to June 2026: “Sarcasm” in 2 of 6 months, “Not heard” in 1; "
        "none named in 4 of these months."
    )


def test_a_month_without_a_check_in_is_not_a_month_nothing_came_up() -> None:
    """Bob checked in three of the six months: his counts are out of those three (it said "none named in 4 of
    these months", counting the months he did not check in, which the heatmap beside it says he missed)."""
    came = [MONTHS[0], MONTHS[2], MONTHS[4]]
    kinds = pd.DataFrame({"period": [MONTHS[0], MONTHS[2]], "item_id": ["sarcasm", "sarcasm"], "value": 1.0})
    text = summary.kinds_sentence(kinds, "Bob", {"sarcasm": "Sarcasm"}, list(MONTHS), came)
    assert text == (
        "Bob's small hurts by month, January 2026 to June 2026: “Sarcasm” in 2 of 3 check-ins; none named in 1 of "
        "these check-ins."
    )
    monthly = pd.DataFrame({"theme_id": "unseen", "period": came, "signals": 1, "partner_id": 2})
    assert summary.heatmap_sentence(monthly, "Bob", {"unseen": "Unseen"}, list(MONTHS), came) == (
        "Bob's themes by month, January 2026 to June 2026: “Unseen” in 3 of 3 check-ins."
    )


def test_the_mending_sentence_counts_what_the_bars_show() -> None:
    """Over the months, then the latest month with a small hurt named; a zero is not said, a blank answer is
    "left blank" (never "not yet"), and one count stands alone without a list's "and"."""
    counts = pd.DataFrame(
        {
            "period": [MONTHS[0], MONTHS[1], MONTHS[2]],
            "named": [3, 0, 2],
            "mended": [1, 0, 0],
            "partly": [1, 0, 2],
            "not_yet": [0, 0, 0],
            "unanswered": [1, 0, 0],
        }
    )
    text = summary.mending_sentence(counts, "Ann", list(MONTHS[:4]))
    assert text == (
        "Ann's small hurts and how far they were mended, January 2026 to April 2026: 5 named; 1 mended, 3 partly "
        "and 1 left blank. March 2026: 2 named; 2 partly."
    )
    no_grades(text)
    one = summary.mending_sentence(counts.iloc[:1], "Ann", list(MONTHS[:1]))
    assert (
        one
        == "Ann's small hurts and how far they were mended, January 2026: 3 named; 1 mended, 1 partly and 1 left blank."
    )
    none = summary.mending_sentence(counts.iloc[1:2], "Bob", list(MONTHS[:2]))
    assert none.endswith("January 2026 to February 2026: none named in these months, so there was nothing to mend.")


def test_a_half_is_rounded_up_in_sentences_as_in_the_tables() -> None:
    """Scores are averages of whole answers, so halves are common (13 / 4 = 3.25). The tables show 3.25; the
    sentence beside them rounds it as people do, 3.3, never 3.2 for 3.25 and 3.8 for 3.75 (Python's format
    rounds a half to even)."""
    points = pd.DataFrame({"period": MONTHS[:3], "v": [1.25, 3.75, 3.25]})
    assert summary.line_words(points, "v", 0.25) == "rose from 1.3 to 3.3, ranging from 1.3 to 3.8 on the way"
    shares = pd.DataFrame({"period": MONTHS[:2], "share": [12.5, 82.5]})
    assert summary.line_words(shares, "share", 10, "{:.0f}%") == "rose from 13% to 83%"


def test_the_heatmap_key_says_what_its_palest_and_darkest_shades_stand_for() -> None:
    assert "(the palest shade is 1 answer, the darkest 6 answers)." in summary.heatmap_key(6)
    assert "(the palest shade is 1 answer, the darkest 2 answers)." in summary.heatmap_key(2)
    assert "(each shaded cell is 1 answer)." in summary.heatmap_key(1)
    assert summary.heatmap_key(3).endswith("A blank cell means nothing pointed to that theme that month.")
