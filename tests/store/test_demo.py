"""The demo reads like a real practice's history: nothing in it is dated after the moment it was made."""

from __future__ import annotations

import datetime as dt

import pytest

from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog


@pytest.mark.parametrize("day", [1, 2, 15, 27])
def test_no_checkin_of_this_month_is_dated_after_now(store: Database, catalog: Catalog, day: int) -> None:
    """On the first days of a month the demo's check-ins of that month were dated days ahead ("checked in on
    04 Dec" on 1 December): every time it writes is at or before its clock, and still inside its month."""
    now = dt.datetime(2026, 12, day, 9, 30)
    generate(store, catalog, couples=20, months=6, seed=3, end=now.date(), now=now)
    rows = store.engine.read(
        "SELECT c.period, c.started_at, c.submitted_at, c.updated_at, n.updated_at AS noted "
        "FROM checkins c LEFT JOIN notes n USING (checkin_id)"
    )
    this_month = rows[rows["period"].dt.date == dt.date(2026, 12, 1)]
    assert len(this_month) >= 5  # the month is open, and some have checked in already
    for column in ("started_at", "submitted_at", "updated_at", "noted"):
        assert (rows[column].dropna() <= now).all(), column
    assert (this_month["started_at"] >= dt.datetime(2026, 12, 1)).all()
    assert (this_month["started_at"] <= this_month["submitted_at"]).all()
    # the months before keep their spread over the month (from the 3rd to the 27th)
    earlier = rows[rows["period"].dt.date < dt.date(2026, 12, 1)]
    assert earlier["started_at"].dt.day.between(3, 28).all() and earlier["started_at"].dt.day.nunique() > 10
