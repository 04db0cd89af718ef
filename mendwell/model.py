"""The records the app passes around (couples, partners, check-ins) and the rules for names.

Plain data: the data layer builds these from rows, pages and reports read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mendwell.errors import InvalidInput
from mendwell.limits import NAME_MAX
from mendwell.text import no_bidi_controls


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


@dataclass(frozen=True)
class Account:
    """A person who signs in: a partner of one couple, or a therapist; either may be the practice owner."""

    account_id: int
    name: str
    role: str  # "partner" | "therapist"
    is_owner: bool
    partner_id: int | None
    has_second_factor: bool

    @property
    def is_partner(self) -> bool:
        """A partner account (it belongs to one partner of one couple)."""
        return self.role == "partner"

    @property
    def is_therapist(self) -> bool:
        """A therapist account (it sees the couples granted to it)."""
        return self.role == "therapist"


@dataclass(frozen=True)
class SignIn:
    """One sign-in of one account in one browser, held on the server behind a signed cookie."""

    sign_in_id: str
    account_id: int
    started_at: dt.datetime
    last_seen: dt.datetime
    ended_at: dt.datetime | None
    share_couple_id: int | None


def clean_name(name: str, what: str = "name") -> str:
    """Trim a couple or partner name (without characters that turn the direction of the text around it) and
    refuse empty or oversized ones."""
    name = " ".join(no_bidi_controls(str(name).replace("\x00", "")).split())
    if not name:
        raise InvalidInput(f"Please give a {what}.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"That {what} is {len(name)} characters long; please keep it to {NAME_MAX}.")
    return name


SAME_NAMES = "Two partners need different names so everyone can tell them apart: an initial is enough."


def different_names(names: Sequence[str]) -> None:
    """Refuse partners of one couple named alike, whatever the case and spacing ("Aaron: … / Aaron: …" on every
    page and in every report; each name already cleaned by `clean_name`)."""
    folded = [" ".join(n.split()).casefold() for n in names]
    if len(set(folded)) < len(folded):
        raise InvalidInput(SAME_NAMES)
