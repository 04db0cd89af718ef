"""Due and past-the-day words (mendwell/rhythm.py): every case, for the couple (Home) and the therapist
(Caseload), kind and never contradicting itself."""

from __future__ import annotations

import datetime as dt

import pytest

from mendwell import rhythm

TODAY = dt.date(2026, 11, 20)

# (check-in day, done) -> (days, words for the couple, words for the therapist)
CASES = {
    "due in n days": (28, False, 8, "Due in 8 days (by 28 November).", "due in 8 days"),
    "due in 2 days": (22, False, 2, "Due in 2 days (by 22 November).", "due in 2 days"),
    "due tomorrow": (21, False, 1, "Due tomorrow (21 November).", "due tomorrow"),
    "due today": (20, False, 0, "Due today.", "due today"),
    "1 day past": (
        19, False, -1,
        "Your check-in day was yesterday (19 November). This month's check-in is still open, whenever you are ready.",
        "1 day past their check-in day",
    ),
    "n days past": (
        5, False, -15,
        "Your check-in day was 15 days ago (5 November). This month's check-in is still open, whenever you are ready.",
        "15 days past their check-in day",
    ),
    "both done, before the day": (28, True, 8, "Both of you have checked in this month.", "both checked in"),
    "both done, after the day": (5, True, -15, "Both of you have checked in this month.", "both checked in"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_every_case_has_its_own_calm_words(case: str) -> None:
    day, done, days, text, note = CASES[case]
    found = rhythm.due(TODAY, day, done)
    assert (found.days, found.due_date) == (days, TODAY.replace(day=day))
    assert found.text == text
    assert found.note == note
    assert found.past == (days < 0 and not done)


@pytest.mark.parametrize("case", CASES)
def test_no_words_scold_or_contradict(case: str) -> None:
    day, done, *_ = CASES[case]
    words = rhythm.due(TODAY, day, done)
    for said in (words.text, words.note):
        lowered = said.lower()
        assert "overdue" not in lowered and "late" not in lowered and "missed" not in lowered, said
    # "still open" only ever follows a day that has gone by, never a check-in that is due or done
    assert ("still open" in words.text) == (words.days < 0 and not done), words.text


@pytest.mark.parametrize(
    ("asked", "used"),
    [(None, 28), (0, 28), (31, 28), (29, 28), (-3, 1), (1, 1), (28, 28)],
)
def test_the_check_in_day_is_kept_between_1_and_28(asked: int | None, used: int) -> None:
    # a couple without a day gets the 28th; a day past the 28th would not exist in February
    found = rhythm.due(dt.date(2027, 2, 10), asked, False)
    assert found.due_date == dt.date(2027, 2, used)


def test_the_last_day_of_a_short_month() -> None:
    # February 28th with the default day: due today, not past
    assert rhythm.due(dt.date(2027, 2, 28), 28, False).text == "Due today."
    # March 31st with the default day: three days past, and still open
    assert rhythm.due(dt.date(2027, 3, 31), 28, False).note == "3 days past their check-in day"


def test_a_day_is_said_one_way_everywhere() -> None:
    """Due dates and a check-in's start read '1 December', never '01 Dec' (the check-in's header said that)."""
    from mendwell import periods

    assert periods.day_label(dt.date(2026, 12, 1)) == "1 December"
    assert periods.day_label(dt.datetime(2026, 3, 9, 22, 15)) == "9 March"
    assert "(by 5 December)" in rhythm.due(dt.date(2026, 12, 1), 5, done=False).text
