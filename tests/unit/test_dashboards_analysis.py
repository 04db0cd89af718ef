"""The dashboards' analysis on hand-made histories whose right answers are worked out by hand.

Every history is written through the real store (open_checkin / save_answers /
submit) into a real DuckDB file, with the real instruments; answers go through
`make_answer`, the same check the check-in page uses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from mendwell import analysis, summary, views
from mendwell.charts import PartnerStyle
from mendwell.data import Database
from mendwell.instruments import Catalog, Instrument
from mendwell.limits import GLANCE_MAX
from mendwell.periods import label
from tests.support.data import (
    THIS_MONTH,
    UNSEEN,
    RawAnswers,
    check_in,
    extra_catalog,
    make_couple_ids,
    month,
    reference_population,
)

# Words that grade or blame a partner; none may appear in the at-a-glance sentences.
BLAMING = ["fault", "blame", "blaming", "bad", "poor", "fail", "failed", "failing", "worse partner", "score of"]


# -- helpers ----------------------------------------------------------------------------------


def ts(i: int) -> pd.Timestamp:
    return pd.Timestamp(month(i))


def couple_of(store: Database, names: tuple[str, str] = ("Ann", "Bob")) -> tuple[int, int, int]:
    return make_couple_ids(store, f"{names[0]} & {names[1]}", names)


def hurt(kind: str, often: int, themes: list[int] | None = None) -> dict[str, object]:
    """A micro-hurt kind answered: how often, and (when it happened) the themes it stirred."""
    out: dict[str, object] = {f"{kind}_often": often}
    if themes:
        out[f"{kind}_themes"] = themes
    return out


def themes_of(store: Database, catalog: Catalog, couple_id: int, *, large: bool = False) -> views.ThemesView:
    """The Themes page's view of a couple over all its months, built as the page builds it."""
    couple = store.couples.get(couple_id)
    assert couple is not None
    data = {
        "signals": analysis.theme_signals(store, couple_id),
        "kinds": analysis.micro_hurt_kinds(store, couple_id),
        "repair": analysis.repair_counts(store, couple_id),
    }
    styles = [PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]
    submitted = views.submitted_months(store.checkins.listing(couple_id))
    view = views.themes_view(data, submitted, catalog, styles, None, THIS_MONTH, large=large)
    assert view is not None
    return view


FORGOTTEN = 3  # option value of "Forgotten" in every `<kind>_themes` question


def signal_set(signals: pd.DataFrame) -> set[tuple[int, dt.date, str, str]]:
    return {
        (int(r.partner_id), pd.Timestamp(r.period).date(), str(r.theme_id), str(r.item_id))
        for r in signals.itertuples()
    }


# -- recurring themes --------------------------------------------------------------------------


def test_recurrence_counts_months_in_the_window_and_missed_months_count_as_without(
    store: Database, catalog: Catalog
) -> None:
    """Window of 6 ending September (April..September).

    Ann: "unseen" chosen in Jan, Feb (outside), Apr, Jun and Sep (twice, from two kinds);
    "forgotten" in Jan, Feb (outside), May, Aug; no check-in in July. Inside the window
    unseen is in 3 months (4 answers), forgotten in 2.
    Bob: "unseen" in Jan, Feb, Mar, then no check-ins April to July, then Aug and Sep:
    2 of the 6 calendar months, although it is in 5 of his last 5 check-ins.
    Every `_often` is 1 ("once"), below the middle, so only the chosen themes signal.
    """
    couple_id, ann, bob = couple_of(store)
    ann_plan = {
        0: hurt("unheard", 1, [UNSEEN, FORGOTTEN]),
        1: hurt("unheard", 1, [UNSEEN, FORGOTTEN]),
        2: hurt("unheard", 1),
        3: hurt("unheard", 1, [UNSEEN]),
        4: hurt("unheard", 1, [FORGOTTEN]),
        5: hurt("unheard", 1, [UNSEEN]),
        # 6 (July): missed
        7: hurt("forgotten", 1, [FORGOTTEN]),
        8: {**hurt("unheard", 1, [UNSEEN]), **hurt("sarcasm", 1, [UNSEEN])},
    }
    for i, plan in ann_plan.items():
        check_in(store, catalog, ann, month(i), {"micro_hurts": plan})
    for i in (0, 1, 2, 7, 8):
        check_in(store, catalog, bob, month(i), {"micro_hurts": hurt("brushed_off", 1, [UNSEEN])})

    signals = analysis.theme_signals(store, couple_id)
    # every signal comes from a chosen option, never from the `_often` answers of 1
    assert set(signals["item_id"]) == {"unheard_themes", "forgotten_themes", "sarcasm_themes", "brushed_off_themes"}
    last = ts(8)

    rec = analysis.recurring_themes(signals, last, window=6, min_months=3)
    assert rec[["partner_id", "theme_id", "months", "signals"]].to_dict("records") == [
        {"partner_id": ann, "theme_id": "unseen", "months": 3, "signals": 4}
    ]
    assert pd.Timestamp(rec["last_seen"].iloc[0]) == last
    # 3 months is not 4; counted over all time it would be 5 (unseen) and 4 (forgotten)
    assert analysis.recurring_themes(signals, last, window=6, min_months=4).empty
    # forgotten: 2 of 6 is not recurring at 3, but is at 2; Bob's unseen too (Aug, Sep)
    two = analysis.recurring_themes(signals, last, window=6, min_months=2)
    assert set(zip(two["partner_id"], two["theme_id"], two["months"], strict=True)) == {
        (ann, "unseen", 3),
        (ann, "forgotten", 2),
        (bob, "unseen", 2),
    }
    # a longer window reaches back to the older months
    nine = analysis.recurring_themes(signals, last, window=9, min_months=4)
    assert set(zip(nine["partner_id"], nine["theme_id"], nine["months"], strict=True)) == {
        (ann, "unseen", 5),
        (ann, "forgotten", 4),
        (bob, "unseen", 5),
    }

    monthly = analysis.theme_months(signals)
    ann_unseen = monthly[(monthly["partner_id"] == ann) & (monthly["theme_id"] == "unseen")]
    assert dict(zip(pd.to_datetime(ann_unseen["period"]), ann_unseen["signals"], strict=True)) == {
        ts(0): 1,
        ts(1): 1,
        ts(3): 1,
        ts(5): 1,
        ts(8): 2,
    }


def test_drafts_and_other_couples_do_not_feed_themes(store: Database, catalog: Catalog) -> None:
    couple_id, ann, _ = couple_of(store)
    _, carl, _ = couple_of(store, ("Carl", "Dee"))
    check_in(store, catalog, ann, month(0), {"micro_hurts": hurt("unheard", 3, [UNSEEN])}, submit=False)
    check_in(store, catalog, carl, month(0), {"micro_hurts": hurt("unheard", 3, [UNSEEN])})
    assert analysis.theme_signals(store, couple_id).empty
    assert analysis.micro_hurt_kinds(store, couple_id).empty
    assert analysis.repair_counts(store, couple_id).empty


# -- the item rule: at or past the middle of the scale, toward the hard end ----------------------

PROBE_TOML = """
id = "probe"
title = "Probe"
version = 1
summary = "Items tagged with themes on a 1..4 scale (middle 2.5), in both directions."
order = 90

[response]
min = 1
max = 4
labels = ["One", "Two", "Three", "Four"]

[[subscales]]
id = "met"
title = "Met"
higher_is = "better"

[[subscales]]
id = "strain"
title = "Strain"
higher_is = "worse"

[[items]]
id = "felt_met"
kind = "likert"
text = "I felt met."
subscale = "met"
themes = ["unseen"]

[[items]]
id = "felt_unmet"
kind = "likert"
text = "I felt unmet."
subscale = "met"
reverse = true
themes = ["dismissed"]

[[items]]
id = "strained"
kind = "likert"
text = "I felt strained."
subscale = "strain"
themes = ["alone"]

[[items]]
id = "loose"
kind = "likert"
text = "An item in no subscale."
themes = ["not_a_team"]
"""


@pytest.fixture
def probe_catalog(tmp_path: Path) -> Catalog:
    return extra_catalog(tmp_path / "extra", {"probe.toml": PROBE_TOML})


# (instrument, item, value, themes it must signal). THEME_SIGNALS_SQL: an item signals when
# its value is at or past (scale_min + scale_max) / 2 toward the hard end; the hard end is
# the high end unless the subscale is "higher is better" and the item is not reversed.
ITEM_RULE = [
    # micro_hurts frequency: higher is worse, 0..4, middle 2 ("A couple of times")
    ("micro_hurts", "unheard_often", 0, set()),
    ("micro_hurts", "unheard_often", 1, set()),
    ("micro_hurts", "unheard_often", 2, {"unheard"}),
    ("micro_hurts", "unheard_often", 4, {"unheard"}),
    ("micro_hurts", "forgotten_often", 1, set()),
    ("micro_hurts", "forgotten_often", 2, {"forgotten", "unchosen"}),
    # bids my_bids_met: higher is better, but these items are reversed, so high is hard
    ("bids", "away_from_me", 1, set()),
    ("bids", "away_from_me", 2, {"unseen"}),
    ("bids", "against_me", 3, {"disrespected", "rejected"}),
    # resentment signs: higher is worse
    ("resentment", "pulled_back", 1, set()),
    ("resentment", "pulled_back", 2, {"alone"}),
    # probe, 1..4, middle 2.5: "better" and not reversed -> low is hard
    ("probe", "felt_met", 2, {"unseen"}),
    ("probe", "felt_met", 3, set()),
    ("probe", "felt_unmet", 2, set()),
    ("probe", "felt_unmet", 3, {"dismissed"}),
    ("probe", "strained", 2, set()),
    ("probe", "strained", 3, {"alone"}),
    ("probe", "loose", 2, set()),
    ("probe", "loose", 3, {"not_a_team"}),
]


def test_item_signals_its_themes_only_at_or_past_the_middle_toward_the_hard_end(
    store: Database, probe_catalog: Catalog
) -> None:
    store.definitions.register(probe_catalog.instruments)
    couple_id, ann, _ = couple_of(store)
    expected: set[tuple[int, dt.date, str, str]] = set()
    for i, (inst_id, item_id, value, themes) in enumerate(ITEM_RULE):
        check_in(store, probe_catalog, ann, month(i), {inst_id: {item_id: value}})
        expected |= {(ann, month(i), theme, item_id) for theme in themes}
    assert signal_set(analysis.theme_signals(store, couple_id)) == expected


# -- gaps --------------------------------------------------------------------------------------


def test_with_gaps_leaves_a_missed_month_empty_and_change_skips_it(store: Database, catalog: Catalog) -> None:
    """Ann checks in January (1), February (2) and April (4), answering only `toward_me`, so
    her "How my reaches were met" score is exactly that answer."""
    couple_id, ann, _ = couple_of(store)
    for i, v in ((0, 1), (1, 2), (3, 4)):
        check_in(store, catalog, ann, month(i), {"bids": {"toward_me": v}})
    rc = analysis.reliable_change(store, couple_id)
    assert set(zip(rc["instrument_id"], rc["subscale_id"], strict=True)) == {("bids", "my_bids_met")}

    grid = analysis.with_gaps(rc)
    assert list(pd.to_datetime(grid["period"])) == [ts(0), ts(1), ts(2), ts(3)]
    assert (grid["partner_id"] == ann).all()
    scores = grid["score"].tolist()
    assert scores[:2] == [1.0, 2.0] and math.isnan(scores[2]) and scores[3] == 4.0

    april = rc[pd.to_datetime(rc["period"]) == ts(3)].iloc[0]
    assert pd.Timestamp(april["previous_period"]) == ts(1)  # February, not the missed March
    assert april["previous_score"] == 2.0
    assert april["month_change"] == 2.0  # month to month, for words only
    assert april["change"] == 3.0  # since the baseline (January), what a verdict judges

    # an explicit span pads both ends with empty months
    wide = analysis.with_gaps(rc, start=ts(-1), end=ts(4))
    assert list(pd.to_datetime(wide["period"])) == [ts(i) for i in range(-1, 5)]
    assert [math.isnan(s) for s in wide["score"]] == [True, False, False, True, False, True]


# -- kinds of small hurt and repair -------------------------------------------------------------


def test_repair_counts_and_kinds_count_only_what_happened(store: Database, catalog: Catalog) -> None:
    """January, Ann: three kinds happened, mended 0 (not yet), 1 (partly), 2 (yes):
    named 3, one each of not yet, partly and mended. A "mended?" answer left over for a kind that did not
    happen (changed back to "not this month") is hidden, dropped at submit, not counted.
    February, Ann: nothing happened, so nothing was named. January, Bob: one kind, mended."""
    couple_id, ann, bob = couple_of(store)
    check_in(
        store,
        catalog,
        ann,
        month(0),
        {
            "micro_hurts": {
                "unheard_often": 2,
                "unheard_repaired": 0,
                "forgotten_often": 1,
                "forgotten_repaired": 1,
                "brushed_off_often": 0,
                "brushed_off_repaired": 2,  # hidden: brushed_off did not happen
                "sarcasm_often": 3,
                "sarcasm_repaired": 2,
                "advance_missed_often": 0,
                "unrepaired_conflict_often": 0,
            }
        },
    )
    check_in(store, catalog, ann, month(1), {"micro_hurts": {f"{k}_often": 0 for k in ("unheard", "sarcasm")}})
    check_in(store, catalog, bob, month(0), {"micro_hurts": {"advance_missed_often": 4, "advance_missed_repaired": 2}})

    counts = analysis.repair_counts(store, couple_id)
    rows = {
        (int(r.partner_id), pd.Timestamp(r.period)): (r.named, r.mended, r.partly, r.not_yet, r.unanswered)
        for r in counts.itertuples()
    }
    assert rows == {(ann, ts(0)): (3, 1, 1, 1, 0), (bob, ts(0)): (1, 1, 0, 0, 0)}

    kinds = analysis.micro_hurt_kinds(store, couple_id)
    got = [(int(r.partner_id), pd.Timestamp(r.period), r.item_id, r.value) for r in kinds.itertuples()]
    assert got == [
        (ann, ts(0), "unheard_often", 2.0),
        (ann, ts(0), "forgotten_often", 1.0),
        (ann, ts(0), "sarcasm_often", 3.0),
        (bob, ts(0), "advance_missed_often", 4.0),
    ]


def test_the_small_hurts_charts_have_their_numbers(store: Database, catalog: Catalog) -> None:
    """Themes' small-hurts charts and mending charts have the numbers behind them, like every other chart: for
    each kind named, the month and how often in the partner's own words; for each month with a hurt named, how
    many were named and what "was it mended?" said of them. January, Ann: unheard (2), forgotten (1, partly
    mended), sarcasm (3, mended), "was it mended?" left blank for unheard: named 3, 1 mended, 1 partly, 1 left
    blank. February, Ann: nothing named (no row). January, Bob: a missed reach (4), not mended yet."""
    couple_id, ann, bob = couple_of(store)
    check_in(store, catalog, ann, month(0), {"micro_hurts": {
        "unheard_often": 2, "forgotten_often": 1, "forgotten_repaired": 1, "sarcasm_often": 3, "sarcasm_repaired": 2,
        "brushed_off_often": 0, "advance_missed_often": 0, "unrepaired_conflict_often": 0,
    }})  # fmt: skip
    check_in(store, catalog, ann, month(1), {"micro_hurts": {f"{k}_often": 0 for k in ("unheard", "sarcasm")}})
    check_in(store, catalog, bob, month(0), {"micro_hurts": {"advance_missed_often": 4, "advance_missed_repaired": 0}})
    view = themes_of(store, catalog, couple_id)
    micro = catalog.get(analysis.MICRO_HURTS)
    assert micro is not None
    word = {it.id: dict(zip(range(micro.scale(it)[0], 99), micro.labels(it), strict=False)) for it in micro.items}
    short = {it.id: micro.short(it) for it in micro.items}
    by_who = {k.partner_id: k.chart for k in view.kinds}
    ann_kinds, bob_kinds = by_who[ann], by_who[bob]
    assert ann_kinds is not None and ann_kinds.numbers is not None and ann_kinds.csv
    assert ann_kinds.numbers.to_dict("records") == [
        {"Month": ts(0).strftime("%Y-%m"), "Small hurt": short[item], "How often": word[item][value]}
        for item, value in (("unheard_often", 2), ("forgotten_often", 1), ("sarcasm_often", 3))
    ]
    assert bob_kinds is not None and bob_kinds.numbers is not None
    assert list(bob_kinds.numbers["Small hurt"]) == [short["advance_missed_often"]]

    mending = {m.partner_id: m.chart for m in view.mending}
    ann_mending, bob_mending = mending[ann], mending[bob]
    assert ann_mending is not None and ann_mending.numbers is not None and ann_mending.csv
    jan = ts(0).strftime("%Y-%m")
    head = ["Month", "Named", "Mended", "Partly", "Not yet", "Left blank"]
    assert ann_mending.numbers.to_dict("records") == [dict(zip(head, [jan, 3, 1, 1, 0, 1], strict=True))]
    assert bob_mending is not None and bob_mending.numbers is not None
    assert bob_mending.numbers.to_dict("records") == [dict(zip(head, [jan, 1, 0, 0, 1, 0], strict=True))]
    assert ann_mending.sentence.endswith(": 3 named; 1 mended, 1 partly and 1 left blank.")

    shared = themes_of(store, catalog, couple_id, large=True)  # on a shared screen
    assert all(m.chart is not None and m.chart.numbers is not None and m.chart.csv == b"" for m in shared.mending)
    assert all(k.chart is not None and k.chart.csv == b"" for k in shared.kinds)


def test_a_partner_who_named_no_small_hurt_is_told_so_instead_of_an_empty_mending_chart(
    store: Database, catalog: Catalog
) -> None:
    """Ann named none in January; Bob has not checked in: neither gets a chart, each a sentence that says why."""
    couple_id, ann, bob = couple_of(store)
    check_in(store, catalog, ann, month(0), {"micro_hurts": {"unheard_often": 0, "sarcasm_often": 0}})
    view = themes_of(store, catalog, couple_id)
    said = {m.partner_id: (m.chart, m.instead) for m in view.mending}
    assert said[ann][0] is None and said[ann][1].endswith(": none named in these months, so there was nothing to mend.")
    assert said[bob][0] is None and "hasn't checked in yet" in said[bob][1]


# -- two perspectives --------------------------------------------------------------------------


def test_mirrored_views_pair_each_view_with_the_other_partners_mirror(store: Database, catalog: Catalog) -> None:
    """Answers on 0..4; `away_from_me`, `against_me`, `i_turned_away` and `i_turned_against`
    are reverse-keyed (v' = 4 - v) before averaging.

    January. Ann (receiver): toward_me 1, away_from_me 3 -> 1, 1: her view 1.
    Bob (giver): i_turned_toward 3, i_turned_away 1 -> 3, 3: his view 3. Gap 3 - 1 = 2.
    February, both answer all six.
      Ann: toward_me 4, away_from_me 0 -> 4, against_me 1 -> 3 (receiver view 11/3);
           i_turned_toward 2, i_turned_away 2 -> 2, i_turned_against 0 -> 4 (giver view 8/3).
      Bob: toward_me 2, away_from_me 3 -> 1, against_me 0 -> 4 (receiver view 7/3);
           i_turned_toward 3, i_turned_away 1 -> 3, i_turned_against 1 -> 3 (giver view 3).
    March: only Ann checks in, so there is nothing to pair.
    """
    couple_id, ann, bob = couple_of(store)
    check_in(store, catalog, ann, month(0), {"bids": {"toward_me": 1, "away_from_me": 3}})
    check_in(store, catalog, bob, month(0), {"bids": {"i_turned_toward": 3, "i_turned_away": 1}})
    ann_feb = {"toward_me": 4, "away_from_me": 0, "against_me": 1, "i_turned_toward": 2, "i_turned_away": 2,
               "i_turned_against": 0}  # fmt: skip
    bob_feb = {"toward_me": 2, "away_from_me": 3, "against_me": 0, "i_turned_toward": 3, "i_turned_away": 1,
               "i_turned_against": 1}  # fmt: skip
    check_in(store, catalog, ann, month(1), {"bids": ann_feb})
    check_in(store, catalog, bob, month(1), {"bids": bob_feb})
    check_in(store, catalog, ann, month(2), {"bids": ann_feb})

    mv = analysis.mirrored_views(store, couple_id)
    got = {(int(r.receiver_id), int(r.giver_id), pd.Timestamp(r.period)): r for r in mv.itertuples()}
    assert set(got) == {(ann, bob, ts(0)), (ann, bob, ts(1)), (bob, ann, ts(1))}
    expected = {
        (ann, bob, ts(0)): (1.0, 3.0, 2),
        (ann, bob, ts(1)): (11 / 3, 3.0, 3),
        (bob, ann, ts(1)): (7 / 3, 8 / 3, 3),
    }
    for key, (receiver_view, giver_view, pairs) in expected.items():
        row = got[key]
        assert row.receiver_view == pytest.approx(receiver_view)
        assert row.giver_view == pytest.approx(giver_view)
        assert row.gap == pytest.approx(giver_view - receiver_view)
        assert row.pairs == pairs
        assert row.receiver_subscale == "my_bids_met"
        assert row.instrument_id == "bids"


# -- the at-a-glance summary -------------------------------------------------------------------


def titles_of(catalog: Catalog) -> dict[tuple[str, str], str]:
    return {(i.id, s.id): s.title for i in catalog.instruments for s in i.subscales}


def theme_titles_of(catalog: Catalog) -> dict[str, str]:
    return {t.id: t.title for t in catalog.themes.values()}


def assert_no_blame(lines: list[str]) -> None:
    for line in lines:
        for word in BLAMING:
            assert not re.search(rf"\b{word}\b", line, re.IGNORECASE), (word, line)


def test_sentences_with_one_checkin_say_there_is_nothing_to_compare(store: Database, catalog: Catalog) -> None:
    couple_id, ann, bob = couple_of(store)
    check_in(store, catalog, ann, month(0), {"bids": {"toward_me": 4, "away_from_me": 0}})
    rc = analysis.reliable_change(store, couple_id)
    people = [summary.Person(ann, "Ann"), summary.Person(bob, "Bob")]
    recurring = analysis.recurring_themes(analysis.theme_signals(store, couple_id), ts(0))
    lines = summary.sentences(rc, recurring, people, titles_of(catalog), theme_titles_of(catalog), 6)
    assert lines == [
        "The January 2025 check-in is the starting point: later months will be compared with it, and a change "
        "is called a change only when it is reliable.",
        summary.no_data_sentence("Bob"),
    ]
    assert "Bob hasn't checked in yet" in lines[1]
    assert_no_blame(lines)
    empty = summary.sentences(rc.iloc[0:0], recurring, people, titles_of(catalog), theme_titles_of(catalog), 6)
    assert empty == [
        "Nothing to say yet: the first check-in starts the story.",
        summary.no_data_sentence("Ann"),
        summary.no_data_sentence("Bob"),
    ]


def test_sentences_name_changes_warmly_and_never_blame(store: Database, catalog: Catalog) -> None:
    """Twelve steady months for both, then in month 12 Ann's "reaches met" falls from 3 to 0
    and both partners' "how I met theirs" rises from 1 to 4, with "unseen" chosen every month
    by Bob (a recurring theme). The sentences must name these, in plain words, following each part's
    direction, without blame; changes are judged against the first month, with the spread of everyone's
    first check-ins (a reference population of demo partners)."""
    reference_population(store, catalog)
    couple_id, ann, bob = couple_of(store)
    for i in range(13):
        drop = i == 12
        for pid in (ann, bob):
            bids = {"toward_me": 0 if drop and pid == ann else 3, "i_turned_toward": 4 if drop else 1}
            plan: dict[str, RawAnswers] = {"bids": bids}
            if pid == bob:
                plan["micro_hurts"] = hurt("unheard", 1, [UNSEEN])
            check_in(store, catalog, pid, month(i), plan)
    rc = analysis.reliable_change(store, couple_id)
    last = rc[pd.to_datetime(rc["period"]) == ts(12)].set_index(["partner_id", "subscale_id"])
    assert last.loc[(ann, "my_bids_met"), "verdict"] == "worsened"
    assert last.loc[(ann, "meeting_theirs"), "verdict"] == "improved"
    assert last.loc[(bob, "meeting_theirs"), "verdict"] == "improved"
    recurring = analysis.recurring_themes(analysis.theme_signals(store, couple_id), ts(12))
    people = [summary.Person(ann, "Ann"), summary.Person(bob, "Bob")]
    lines = summary.sentences(rc, recurring, people, titles_of(catalog), theme_titles_of(catalog), 6)
    # the reliable changes come first, then the theme; at most three things
    assert set(lines[:2]) == {
        "For Ann, “How my reaches were met” is reliably lower than in January 2025 (▼): for this part, "
        "lower is harder.",
        "For both of you, “How I met my partner's reaches” is reliably higher than in January 2025 (▲): "
        "for this part, higher is better.",
    }
    assert lines[2:] == ["The theme “Unseen” came up for Bob in 6 of the last 6 months."]
    assert_no_blame(lines)
    # on Trends, each part named says which tab it is under
    tabs = {inst.id: inst.title for inst in catalog.instruments}
    on_trends = summary.sentences(rc, recurring, people, titles_of(catalog), theme_titles_of(catalog), 6, tabs)
    assert set(on_trends[:2]) == {
        "For Ann, “How my reaches were met” (in Bids for connection) is reliably lower than in January 2025 (▼): "
        "for this part, lower is harder.",
        "For both of you, “How I met my partner's reaches” (in Bids for connection) is reliably higher than in "
        "January 2025 (▲): for this part, higher is better.",
    }
    assert on_trends[2:] == lines[2:]

    # Bob's newest check-in is a month older (his month 12 verdicts moved to month 11, his own month 11 gone):
    # his verdict is named with its month, never "both of you" under the newest month's heading
    periods_ = pd.to_datetime(rc["period"])
    is_bob = rc["partner_id"] == bob
    older = rc[~(is_bob & (periods_ == ts(11)))].copy()
    older.loc[is_bob & (periods_ == ts(12)), "period"] = ts(11)
    said = summary.sentences(older, recurring, people, titles_of(catalog), theme_titles_of(catalog), 6)
    assert (
        "For Ann (in January 2026) and Bob (in December 2025), “How I met my partner's reaches” is reliably higher"
        in ("\n".join(said))
    )
    assert not [line for line in said if "both of you" in line]


SENTENCE_KINDS = (
    "is reliably lower",
    "is reliably higher",
    "has been moving",
    "came up for",
    "is the starting point",
    "Nothing has changed reliably",
)


def test_sentences_follow_the_direction_of_a_part_where_higher_is_worse() -> None:
    """A fall on "Stirred up or shut down" (higher is harder) reads as lower and better, with ▼."""
    rows = pd.DataFrame(
        {
            "partner_id": [1, 1], "period": [ts(0), ts(6)], "instrument_id": ["nervous_system"] * 2,
            "subscale_id": ["activation"] * 2, "score": [3.0, 1.0], "change": [0.0, -2.0], "rc": [0.0, -4.0],
            "higher_is": ["worse"] * 2, "private": [False] * 2, "verdict": ["can't tell", "improved"],
            "reason": ["this is the starting point later months are compared with", ""],
            "reference_period": [ts(0)] * 2,
        }
    )  # fmt: skip
    titles = {("nervous_system", "activation"): "Stirred up or shut down"}
    lines = summary.sentences(rows, pd.DataFrame(), [summary.Person(1, "Mateo")], titles, {}, 6)
    assert lines == [
        "For Mateo, “Stirred up or shut down” is reliably lower than in January 2025 (▼): for this part, "
        "lower is better."
    ]
    assert summary.marks(rows).tolist() == ["can't tell yet", "▼ better"]


def test_both_partners_theme_grids_share_one_scale(store: Database, catalog: Catalog) -> None:
    """A shade means as many answers on each partner's grid: Ann's themes went to one answer a cell, Bob's to
    more; both grids run from 0 to Bob's highest (the same shade on each was 4 on one and 7 on the other)."""
    couple_id, ann, bob = couple_of(store)
    check_in(store, catalog, ann, month(0), {"micro_hurts": hurt("unheard", 2, [FORGOTTEN])})
    check_in(store, catalog, bob, month(0), {"micro_hurts": {
        **hurt("unheard", 2, [FORGOTTEN]), **hurt("forgotten", 2, [FORGOTTEN]), **hurt("sarcasm", 2, [FORGOTTEN]),
    }})  # fmt: skip
    view = themes_of(store, catalog, couple_id)
    assert len(view.heatmaps) == 2
    highest = {h.key: max(max(row) for row in h.figure.data[0].z) for h in view.heatmaps}
    assert highest[f"heat_{ann}"] < highest[f"heat_{bob}"]  # Bob's grid holds more answers in one cell
    assert {h.figure.data[0].zmax for h in view.heatmaps} == {highest[f"heat_{bob}"]}
    assert {h.figure.data[0].zmin for h in view.heatmaps} == {0}


def test_glance_directions_take_turns_and_are_not_marked_as_reliable_changes() -> None:
    """Two parts rose steadily for Ann over twelve months and one for Bob over eight (a weaker trend: fewer
    months), and nothing can be called reliable yet. The glance has room for two directions: one for each of
    them, not both for Ann (on a shared screen that read as praising one partner), and neither marked ▲, which
    on the page means a reliable change. The reason nothing can be told names no "this part"."""
    why = "Mendwell needs the first check-ins of at least 30 people to know how much this part usually varies"
    rows = []
    for pid, sub, months in ((1, "receiver_view", 12), (1, "giver_view", 12), (2, "receiver_view", 8)):
        for m in range(12 - months, 12):
            rows.append({
                "partner_id": pid, "period": ts(m), "instrument_id": "bids", "subscale_id": sub,
                "score": 1.0 + 0.2 * m, "change": 0.0, "rc": 0.0, "higher_is": "better", "private": False,
                "verdict": "can't tell", "reason": why, "reference_period": ts(12 - months),
            })  # fmt: skip
    titles = {("bids", "receiver_view"): "How my reaches were met", ("bids", "giver_view"): "How I met theirs"}
    people = [summary.Person(1, "Ann"), summary.Person(2, "Bob")]
    lines = summary.sentences(pd.DataFrame(rows), pd.DataFrame(), people, titles, {}, 6)
    assert len(lines) == GLANCE_MAX == 3
    assert lines[0].startswith("Mendwell can't tell yet") and "how much a part usually varies" in lines[0]
    moving = [line for line in lines if "has been moving up" in line]
    assert [("for Ann" in line, "for Bob" in line) for line in moving] == [(True, False), (False, True)]
    assert not [line for line in lines if "▲" in line or "▼" in line or "this part usually" in line]
    # each over the months of their own check-ins, by name (it said "the last 12 months" beside "the last 8")
    last = label(ts(11).date())
    assert f"for Ann from {label(ts(0).date())} to {last}: " in moving[0], moving
    assert f"for Bob from {label(ts(4).date())} to {last}: " in moving[1], moving


def test_glance_turns_count_the_reliable_changes_already_said() -> None:
    """Ann has two reliable changes and a part rising, Bob a part rising: the two reliable changes lead (both
    Ann's), and the last line goes to Bob's direction, not to a third about Ann."""
    rows = []
    for pid, sub in ((1, "receiver_view"), (1, "giver_view"), (1, "safety"), (2, "receiver_view")):
        reliable = pid == 1 and sub != "safety"
        for m in range(12):
            rows.append({
                "partner_id": pid, "period": ts(m), "instrument_id": "bids", "subscale_id": sub,
                "score": 1.0 + 0.2 * m, "change": 0.2 * m, "rc": 3.0 if reliable else 0.0, "higher_is": "better",
                "private": False, "verdict": "improved" if reliable and m == 11 else "no reliable change",
                "reason": "", "reference_period": ts(0),
            })  # fmt: skip
    titles = {("bids", "receiver_view"): "Met", ("bids", "giver_view"): "Meeting", ("bids", "safety"): "Safe"}
    people = [summary.Person(1, "Ann"), summary.Person(2, "Bob")]
    lines = summary.sentences(pd.DataFrame(rows), pd.DataFrame(), people, titles, {}, 6)
    assert [line.split(",")[0] for line in lines[:2]] == ["For Ann"] * 2
    assert "has been moving up for Bob" in lines[2], lines


def test_sentences_on_demo_histories_never_blame(demo_store: Database, catalog: Catalog) -> None:
    """Every month of every demo couple, taken as if it were the latest."""
    titles, theme_titles = titles_of(catalog), theme_titles_of(catalog)
    seen: set[str] = set()
    couples = demo_store.couples.all()
    reference_population(demo_store, catalog)
    for couple in couples:
        rc = analysis.reliable_change(demo_store, couple.couple_id)
        signals = analysis.theme_signals(demo_store, couple.couple_id)
        people = [summary.Person(p.partner_id, p.name) for p in couple.partners]
        for period in sorted(pd.to_datetime(rc["period"]).unique()):
            upto = rc[pd.to_datetime(rc["period"]) <= period]
            recurring = analysis.recurring_themes(signals, period)
            lines = summary.sentences(upto, recurring, people, titles, theme_titles, 6)
            assert lines
            assert len(lines) <= GLANCE_MAX
            assert_no_blame(lines)
            for line in lines:
                seen.update(kind for kind in SENTENCE_KINDS if kind in line)
    # the demo exercises every kind of sentence
    assert seen == set(SENTENCE_KINDS)


def test_latest_table_leaves_out_private_parts(store: Database, catalog: Catalog) -> None:
    couple_id, ann, _ = couple_of(store)
    resentment = {"pulled_back": 2, "on_edge": 2, "sideways": 2, "small_things": 1, "heavy_tone": 1,
                  "warmth_far": 1, "replaying": 1, "desire_faded": 4, "imagined_elsewhere": 4}  # fmt: skip
    intimacy = {"felt_safe": 3, "let_myself_be_seen": 3, "said_what_i_need": 3, "felt_desire": 0,
                "felt_pressure": 4, "avoided_closeness": 4, "body_closed": 4}  # fmt: skip
    check_in(store, catalog, ann, month(0), {"resentment": resentment, "intimacy": intimacy})
    rc = analysis.reliable_change(store, couple_id)
    table = summary.latest_table(rc, ann, titles_of(catalog))
    assert table.to_dict("list") == {
        "Part": ["Signs of built-up hurt", "Everyday weight", "Feeling safe and open"],
        "Score": [2.0, 1.0, 3.0],
        "Band": ["Some signs", "Feeling fairly light", "Feeling mostly safe"],
        "Change": ["can't tell yet"] * 3,  # the first check-in is the starting point
    }


# -- private answers stay out of shared views ------------------------------------------------------

PRIVATE_ITEMS = {
    "intimacy": {"felt_desire": 0, "felt_pressure": 4, "avoided_closeness": 4, "body_closed": 4},
    "resentment": {"desire_faded": 4, "imagined_elsewhere": 4},
    "safety": {"afraid": 1, "controlled": 1, "hurt": 1},
}


def test_private_answers_never_reach_themes_or_mirrors(store: Database, catalog: Catalog) -> None:
    couple_id, ann, bob = couple_of(store)
    private_ids = {(i, k) for i, items in PRIVATE_ITEMS.items() for k in items}
    assert private_ids == {(i.id, it.id) for i in catalog.instruments for it in i.items if it.private}
    shared = {"bids": {"toward_me": 1, "i_turned_toward": 3}, "resentment": {"warmth_far": 3}}
    plan = {**PRIVATE_ITEMS, **shared, "resentment": {**PRIVATE_ITEMS["resentment"], **shared["resentment"]}}
    for pid in (ann, bob):
        check_in(store, catalog, pid, month(0), plan)

    signals = analysis.theme_signals(store, couple_id)
    assert signal_set(signals) == {(p, month(0), "alone", "warmth_far") for p in (ann, bob)}
    mirrors = analysis.mirrored_views(store, couple_id)
    assert len(mirrors) == 2 and set(mirrors["pairs"]) == {1}
    assert set(mirrors["receiver_view"]) == {1.0} and set(mirrors["giver_view"]) == {3.0}

    rc = analysis.reliable_change(store, couple_id)
    flags = {(r.instrument_id, r.subscale_id): bool(r.private) for r in rc.itertuples()}
    assert flags == {
        ("bids", "my_bids_met"): False,
        ("bids", "meeting_theirs"): False,
        ("resentment", "everyday"): False,
        ("resentment", "private_signs"): True,
        ("intimacy", "desire_pressure"): True,
    }


def test_private_items_stay_out_even_if_a_definition_tags_them(store: Database, catalog: Catalog) -> None:
    """Validation refuses themes on private items when a file is loaded, but the SQL must not
    rely on it (a stored definition is data too): an instrument built in code, with private
    items carrying a theme, a theme option and a mirror, contributes nothing."""
    sneaky = Instrument.model_validate(
        {
            "id": "sneaky",
            "title": "Sneaky",
            "version": 1,
            "summary": "Private items that carry themes and mirrors.",
            "response": {"min": 0, "max": 4, "labels": ["a", "b", "c", "d", "e"]},
            "subscales": [{"id": "hidden", "title": "Hidden", "higher_is": "worse"}],
            "items": [
                {"id": "p_item", "kind": "likert", "text": "Private.", "subscale": "hidden", "private": True,
                 "themes": ["rejected"]},
                {"id": "p_mirror", "kind": "likert", "text": "Private mirror.", "subscale": "hidden",
                 "private": True, "mirror": "p_item"},
                {"id": "p_multi", "kind": "multi", "text": "Private choice.", "private": True,
                 "options": [{"value": 1, "label": "Alone", "theme": "alone"}, {"value": 2, "label": "Other"}]},
            ],
        }
    )  # fmt: skip
    store.definitions.register([sneaky])
    cat = Catalog(instruments=(*catalog.instruments, sneaky), themes=catalog.themes)
    couple_id, ann, bob = couple_of(store)
    check_in(store, cat, ann, month(0), {"sneaky": {"p_item": 4, "p_multi": [1]}})
    check_in(store, cat, bob, month(0), {"sneaky": {"p_mirror": 4, "p_multi": [1]}})
    assert analysis.theme_signals(store, couple_id).empty
    assert analysis.mirrored_views(store, couple_id).empty
    rc = analysis.reliable_change(store, couple_id)
    assert len(rc) == 2 and rc["private"].all()
