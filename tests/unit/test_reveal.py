"""`mendwell.reveal`: what a lens shows of a couple's results, and the words for what it keeps back."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mendwell import stats, summary, views
from mendwell.access import Viewer
from mendwell.model import Account, Couple, Partner, SignIn
from mendwell.reveal import EVERY_MONTH, HIDDEN_START, Lens, seen, seen_frame, waiting_months

JAN, FEB, MAR, APR = (pd.Timestamp(2025, m, 1) for m in (1, 2, 3, 4))
ANN, BOB = 1, 2


def scores() -> pd.DataFrame:
    """Ann checked in every month; Bob in January, March and April; both only in January and March."""
    rows = [(ANN, m, None, None) for m in (JAN, FEB, MAR, APR)]
    rows += [(BOB, JAN, None, JAN), (BOB, MAR, JAN, JAN), (BOB, APR, MAR, JAN)]
    frame = pd.DataFrame(rows, columns=["partner_id", "period", "previous_period", "reference_period"])
    frame["score"] = range(len(frame))
    frame["previous_score"] = frame["score"] - 1.0
    frame["month_change"] = 0.5
    frame["reference_score"] = 9.0
    frame["verdict"] = "better"
    return frame


def test_a_lens_hides_only_the_waited_on_partners_months_that_are_not_open() -> None:
    revealed = [JAN, MAR]
    shown = seen_frame(scores(), Lens.of([BOB]), revealed)
    assert sorted(shown.loc[shown["partner_id"] == ANN, "period"]) == [JAN, FEB, MAR, APR]  # her own, all
    assert sorted(shown.loc[shown["partner_id"] == BOB, "period"]) == [JAN, MAR]
    assert seen_frame(scores(), EVERY_MONTH, revealed).equals(scores())
    both = seen_frame(scores(), Lens.of([ANN, BOB]), revealed)  # a shared screen
    assert set(both["period"]) == {JAN, MAR}


def test_a_comparison_with_a_hidden_month_tells_nothing_of_it() -> None:
    """Bob's April is hidden; his March compares with January (open): kept. With only March open, his March
    row compares with a hidden January: its score goes, and so do the change and the index (the score minus the
    change gave it back exactly, found by a review), the verdict (can't tell, and why) and the clinical class."""
    frame = scores().assign(change=1.5, rc=2.0, clinical_class="recovered", reason="")
    march = seen_frame(frame, Lens.of([BOB]), [MAR]).set_index(["partner_id", "period"]).loc[(BOB, MAR)]
    assert pd.isna(march["previous_score"]) and pd.isna(march["month_change"]) and pd.isna(march["previous_period"])
    for hidden in ("reference_score", "change", "rc", "clinical_class"):
        assert pd.isna(march[hidden]), hidden
    assert march["verdict"] == stats.CANT_TELL and march["reason"] == HIDDEN_START
    kept = seen_frame(frame, Lens.of([BOB]), [JAN, MAR]).set_index(["partner_id", "period"]).loc[(BOB, MAR)]
    assert kept["previous_score"] == kept["score"] - 1 and kept["reference_score"] == 9.0
    assert kept["change"] == 1.5 and kept["verdict"] == "better"
    anns = seen_frame(frame, Lens.of([BOB]), [MAR]).set_index(["partner_id", "period"]).loc[(ANN, FEB)]
    assert anns["change"] == 1.5  # her own rows are never touched


def test_rows_that_hold_both_partners_show_only_open_months() -> None:
    mirrors = pd.DataFrame({"receiver_id": [ANN, BOB], "giver_id": [BOB, ANN], "period": [MAR, APR]})
    data = seen({"mirrors": mirrors, "reliable": scores()}, Lens.of([BOB]), [JAN, MAR])
    assert list(data["mirrors"]["period"]) == [MAR]
    assert BOB in set(data["reliable"]["partner_id"])


def test_the_months_kept_back_and_their_words() -> None:
    submitted = scores()[["partner_id", "period"]]
    assert waiting_months(submitted, Lens.of([BOB]), [JAN, MAR]) == {BOB: [APR]}
    assert waiting_months(submitted, EVERY_MONTH, [JAN]) == {}
    assert waiting_months(submitted, Lens.of([ANN, BOB]), [JAN, MAR]) == {ANN: [FEB, APR], BOB: [APR]}
    assert summary.waiting_sentence("Bob", [APR]) == (
        "Bob has checked in for April 2025. It shows here once that month opens on Together, when you have "
        "both checked in."
    )
    assert summary.months_words([FEB, APR]) == "February and April 2025"
    assert summary.months_words([pd.Timestamp(2024, 12, 1), FEB, APR]) == "December 2024, February 2025 and April 2025"
    assert summary.no_data_sentence("Bob", [APR]).startswith("Bob has checked in for April 2025.")
    assert summary.no_data_sentence("Bob").startswith("Bob hasn't checked in yet")


def _viewer(partner_id: int | None, sharing: int | None = None) -> Viewer:
    role = "partner" if partner_id is not None else "therapist"
    account = Account(1, "x", role, is_owner=False, partner_id=partner_id, has_second_factor=False)
    now = dt.datetime(2025, 1, 1)
    sign_in = SignIn("s", 1, now, now, ended_at=None, share_couple_id=sharing)
    return Viewer(account, sign_in, (7,))


def test_whom_each_viewer_waits_on() -> None:
    couple = Couple(7, "Us", (Partner(ANN, 7, 1, "Ann"), Partner(BOB, 7, 2, "Bob")))
    assert _viewer(ANN).lens(couple) == Lens.of([BOB])
    assert _viewer(BOB).lens(couple) == Lens.of([ANN])
    assert _viewer(None).lens(couple) == EVERY_MONTH
    assert _viewer(None, sharing=7).lens(couple) == Lens.of([ANN, BOB])


def test_many_months_kept_back_are_counted_not_listed() -> None:
    months = [pd.Timestamp(2025, m, 1) for m in (3, 6, 9, 12)]
    assert summary.waiting_sentence("Elias", months) == (
        "Elias has checked in for 4 months not open to you both (the latest, December 2025). A month shows here "
        "once it opens on Together, when you have both checked in."
    )


def test_a_month_kept_back_is_not_called_a_missed_check_in() -> None:
    """Bob checked in for April; it is not open to Ann yet: her chart's sentence says so, not "no check-in"."""
    gridded = pd.DataFrame(
        {"partner_id": [BOB] * 4, "period": [JAN, FEB, MAR, APR], "score": [1.0, float("nan"), 2.0, float("nan")]}
    )
    people = [summary.Person(BOB, "Bob", (APR,))]
    said = summary.trend_sentence(gridded, people, "Reaches", "better", 0, 4)
    assert "no score in 1 of these months; 1 not open to you both yet" in said, said


def test_a_shared_screen_says_what_waits_in_one_sentence() -> None:
    """On a shared screen both partners may have months the other has not checked in for: one sentence (two
    notes in two styles were stacked)."""
    ann = summary.Person(ANN, "Ann", (FEB,))
    bob = summary.Person(BOB, "Bob", tuple(pd.Timestamp(2025, m, 1) for m in (3, 6, 9, 12)))
    assert summary.waiting_note([ann, bob]) == (
        "Each of you has checked in for months the other has not yet: Ann for February 2025; Bob for 4 months (the "
        "latest, December 2025). A month shows here once it opens on Together, when you have both checked in."
    )
    assert summary.waiting_note([ann, summary.Person(BOB, "Bob")]) == summary.waiting_sentence("Ann", [FEB])
    assert summary.waiting_note([summary.Person(ANN, "Ann")]) == ""


def test_a_month_without_a_check_in_is_one_that_has_ended_and_does_not_wait() -> None:
    """Named under a themes grid: months a partner sent nothing for. Not a month whose check-in waits to open,
    and not this month, which is still theirs to answer (it said "December" on the first of December)."""
    months = [pd.Timestamp(2026, m, 1) for m in (9, 10, 11, 12)]
    came, waiting = {months[1]}, {months[2]}
    assert views.months_without_checkin(months, came, waiting, dt.date(2026, 12, 1)) == ["September 2026"]
    assert views.months_without_checkin(months, came, (), dt.date(2027, 1, 1)) == [
        "September 2026", "November 2026", "December 2026"
    ]  # fmt: skip
