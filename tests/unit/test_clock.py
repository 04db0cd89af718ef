"""The suite's guard against a run crossing the turn of a month (`tests.support.clock`)."""

from __future__ import annotations

import datetime as dt

from tests.support.clock import wait_before_starting


def test_a_run_far_from_the_turn_of_a_month_starts_at_once() -> None:
    assert wait_before_starting(dt.datetime(2026, 11, 15, 12, 0)) == 0.0
    assert wait_before_starting(dt.datetime(2026, 11, 30, 23, 39)) == 0.0  # 21 minutes left


def test_a_run_close_to_the_turn_waits_until_the_new_month_has_begun() -> None:
    now = dt.datetime(2026, 11, 30, 23, 50)
    wait = wait_before_starting(now)
    after = now + dt.timedelta(seconds=wait)
    assert (after.year, after.month) == (2026, 12)
    assert after - dt.datetime(2026, 12, 1) <= dt.timedelta(seconds=5)


def test_the_turn_of_a_year_is_a_turn_of_a_month_too() -> None:
    now = dt.datetime(2026, 12, 31, 23, 59, 30)
    after = now + dt.timedelta(seconds=wait_before_starting(now))
    assert after.date() == dt.date(2027, 1, 1)
