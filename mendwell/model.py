"""The records the app passes around (couples, partners, check-ins) and the rules for names.

Plain data: the data layer builds these from rows, pages and reports read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mendwell.errors import InvalidInput
from mendwell.limits import NAME_MAX


@dataclass(frozen=True)
class Partner:
    """One partner of a couple; `slot` (1 or 2) fixes their colour and order everywhere."""

    partner_id: int
    couple_id: int
    slot: int
    name: str


@dataclass(frozen=True)
class Couple:
    """A couple with its partners, in slot order."""

    couple_id: int
    name: str
    partners: tuple[Partner, ...]

    def partner(self, partner_id: int) -> Partner | None:
        """The partner with that id, if they belong to this couple."""
        return next((p for p in self.partners if p.partner_id == partner_id), None)

    def other(self, partner_id: int) -> Partner | None:
        """The other partner of the couple."""
        return next((p for p in self.partners if p.partner_id != partner_id), None)


@dataclass(frozen=True)
class Checkin:
    """One partner's check-in for one month (a draft until submitted)."""

    checkin_id: int
    couple_id: int
    partner_id: int
    period: dt.date
    status: str
    started_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None

    @property
    def submitted(self) -> bool:
        """Whether the check-in was submitted (it can no longer change)."""
        return self.status == "submitted"


def clean_name(name: str, what: str = "name") -> str:
    """Trim a couple or partner name and refuse empty or oversized ones."""
    name = " ".join(str(name).replace("\x00", "").split())
    if not name:
        raise InvalidInput(f"Please give a {what}.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"That {what} is {len(name)} characters long; please keep it to {NAME_MAX}.")
    return name
