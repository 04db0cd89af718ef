"""The suite's one guard against the calendar: a run must not cross the turn of a month.

Many tests build "this month" when they are collected (`periods.month_start()`) and the app's processes
build it again when a page runs; a run that crosses midnight at a month's end compares two different months
and fails for no fault of the product (seen at 00:00 on 1 December). Rather than give the product a clock
that tests could set, a run that would start too close to the turn waits until it has passed.
"""

from __future__ import annotations

import datetime as dt

from mendwell import periods

# longer than a whole run of the suite on a slow machine (about 12 minutes with the load test)
MONTH_TURN_MARGIN = dt.timedelta(minutes=20)


def wait_before_starting(now: dt.datetime, margin: dt.timedelta = MONTH_TURN_MARGIN) -> float:
    """Seconds to wait at `now` (local time, as `periods.month_start` reads the date) so that a run of at most
    `margin` stays within one month: 0 when the next month is further away than that, else until just after
    it has begun."""
    turn = dt.datetime.combine(periods.add_months(periods.month_start(now.date()), 1), dt.time())
    left = turn - now
    return 0.0 if left > margin else left.total_seconds() + 1.0
