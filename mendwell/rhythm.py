"""The monthly rhythm: when this month's check-in is due, and a calendar reminder.

Each couple has a check-in day (1 to 28, default the 28th). This month's
check-in is due by that day. After it, the check-in stays open (a month can be
answered later too), so the words never scold and never call it too late. The
calendar file carries no names: calendars often sync to other services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from mendwell import periods
from mendwell.limits import CHECKIN_DAY_DEFAULT, CHECKIN_DAY_MAX, CHECKIN_DAY_MIN

DEFAULT_DAY = CHECKIN_DAY_DEFAULT


@dataclass(frozen=True)
class Due:
    """Where a couple stands with this month's check-in."""

    done: bool
    days: int  # days until the check-in day (negative: that many days after it)
    due_date: dt.date

    @property
    def _day(self) -> str:
        return periods.day_label(self.due_date)

    @property
    def text(self) -> str:
        """A short, calm phrase for the couple (Home)."""
        if self.done:
            return "Both of you have checked in this month."
        if self.days > 1:
            return f"Due in {self.days} days (by {self._day})."
        if self.days == 1:
            return f"Due tomorrow ({self._day})."
        if self.days == 0:
            return "Due today."
        when = "yesterday" if self.days == -1 else f"{-self.days} days ago"
        return (
            f"Your check-in day was {when} ({self._day}). This month's check-in is still open, whenever you are ready."
        )

    @property
    def note(self) -> str:
        """The same, in a few words for the therapist (Caseload)."""
        if self.done:
            return "both checked in"
        if self.days > 1:
            return f"due in {self.days} days"
        if self.days == 1:
            return "due tomorrow"
        if self.days == 0:
            return "due today"
        return f"{-self.days} day{'s' if self.days != -1 else ''} past their check-in day"

    @property
    def past(self) -> bool:
        """The check-in day has gone by and someone has not checked in yet."""
        return not self.done and self.days < 0


def due(today: dt.date, checkin_day: int | None, done: bool) -> Due:
    """This month's due state for a couple."""
    day = max(CHECKIN_DAY_MIN, min(CHECKIN_DAY_MAX, int(checkin_day or DEFAULT_DAY)))
    due_date = today.replace(day=day)
    return Due(done, (due_date - today).days, due_date)


def _fold(line: str) -> str:
    # RFC 5545: lines longer than 75 octets are folded with CRLF + space
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    chunk = b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > (75 if not parts else 74):
            parts.append(chunk.decode("utf-8"))
            chunk = b""
        chunk += b
    parts.append(chunk.decode("utf-8"))
    return "\r\n ".join(parts)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(couple_id: int, checkin_day: int, today: dt.date, now: dt.datetime | None = None) -> str:
    """An iCalendar file with a monthly all-day reminder on the couple's check-in day."""
    now = now or dt.datetime.now(dt.UTC)
    day = max(CHECKIN_DAY_MIN, min(CHECKIN_DAY_MAX, int(checkin_day or DEFAULT_DAY)))
    first = today.replace(day=day)
    if first < today:
        first = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=day)
    uid = hashlib.sha256(f"mendwell-{couple_id}-{day}".encode()).hexdigest()[:24]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mendwell//Monthly check-in//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@mendwell.local",
        f"DTSTAMP:{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{first + dt.timedelta(days=1):%Y%m%d}",
        f"RRULE:FREQ=MONTHLY;BYMONTHDAY={day}",
        "SUMMARY:" + _escape("Monthly check-in"),
        "DESCRIPTION:"
        + _escape("A few quiet minutes each, on your own, then a look at the month together when you are both ready."),
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:" + _escape("Monthly check-in"),
        "TRIGGER:PT9H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
