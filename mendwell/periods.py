"""Periods are calendar months, stored as the first day of the month."""

from __future__ import annotations

import datetime as dt
import re

_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")


def month_start(day: dt.date | None = None) -> dt.date:
    """The first day of the month holding `day` (today by default)."""
    day = day or dt.date.today()
    return day.replace(day=1)


def add_months(period: dt.date, n: int) -> dt.date:
    """The period `n` months after (or before, if negative) `period`."""
    index = period.year * 12 + period.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> dt.date:
    """Parse 'YYYY-MM' (or 'YYYY-MM-01') into a period; ValueError when malformed."""
    m = _PERIOD.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-03")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def label(period: dt.date) -> str:
    """A human label such as 'March 2026'."""
    return period.strftime("%B %Y")


def day_label(day: dt.date) -> str:
    """A day as the app says it everywhere: '1 December' (no leading zero, the month in full)."""
    return f"{day.day} {day:%B}"


def recent_periods(n: int, today: dt.date | None = None) -> list[dt.date]:
    """The current month and the `n - 1` before it, newest first."""
    current = month_start(today)
    return [add_months(current, -i) for i in range(n)]
