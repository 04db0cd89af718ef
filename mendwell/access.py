"""Who is at the screen and what they may see, decided on the server on every run.

`viewer_for` turns a sign-in id (from the signed cookie) into a `Viewer`,
or None when the sign-in is unknown, ended or idle. A `Viewer` carries the
couples the person may see; pages, queries and exports take it and ask it.
Nothing here trusts an address, a query parameter or a browser's state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mendwell import audit
from mendwell.data import Database
from mendwell.errors import MendwellError
from mendwell.limits import SHARE_IDLE_MINUTES, SIGN_IN_TOUCH_SECONDS
from mendwell.model import Account, Couple, SignIn
from mendwell.reveal import EVERY_MONTH, Lens


class NotAllowed(MendwellError):
    """Something this person may not see or do."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their account, their sign-in, and the couples they may see."""

    account: Account
    sign_in: SignIn
    couple_ids: tuple[int, ...]

    @property
    def name(self) -> str:
        """The account's name."""
        return self.account.name

    @property
    def actor(self) -> str:
        """How the audit trail records this person (`audit.actor`: by account number, never by name)."""
        return audit.actor(self.account)

    @property
    def partner_id(self) -> int | None:
        """For a partner: which partner they are."""
        return self.account.partner_id

    @property
    def is_partner(self) -> bool:
        """A partner of one couple."""
        return self.account.is_partner

    @property
    def is_therapist(self) -> bool:
        """A therapist (sees granted couples, never a private answer)."""
        return self.account.is_therapist

    @property
    def is_owner(self) -> bool:
        """The practice owner (manages accounts and practice settings)."""
        return self.account.is_owner

    @property
    def sharing(self) -> int | None:
        """The couple this sign-in is screen sharing, if it is."""
        return self.sign_in.share_couple_id

    def may_see(self, couple_id: int) -> bool:
        """Whether this person may see the couple's pages at all."""
        return couple_id in self.couple_ids

    def require(self, couple_id: int) -> None:
        """Refuse a couple this person may not see (the message names no one)."""
        if not self.may_see(couple_id):
            raise NotAllowed("That couple is not one you can see.")

    def lens(self, couple: Couple) -> Lens:
        """Whose months of `couple` this person sees only once revealed (both submitted): a partner waits on the
        other; a shared screen, watched by both, on both; a therapist on no one."""
        if self.sharing is not None:
            return Lens.of(p.partner_id for p in couple.partners)
        if self.partner_id is not None:
            return Lens.of(p.partner_id for p in couple.partners if p.partner_id != self.partner_id)
        return EVERY_MONTH

    def sees_private_of(self, partner_id: int) -> bool:
        """Private answers and notes are seen only by the partner who gave them."""
        return self.partner_id == partner_id


def viewer_for(db: Database, sign_in_id: str, idle: dt.timedelta, now: dt.datetime | None = None) -> Viewer | None:
    """The person behind a sign-in, or None when it is unknown, ended, idle too long, or its account is gone.

    Activity is noted (at most every few seconds), which keeps the sign-in from idling out.
    """
    now = now or dt.datetime.now()
    sign_in = db.sign_ins.get(sign_in_id)
    if sign_in is None or sign_in.ended_at is not None:
        return None
    if now - sign_in.last_seen > _idle_for(sign_in, idle):
        db.sign_ins.end(sign_in_id, now)
        return None
    account = db.accounts.get(sign_in.account_id)
    if account is None:
        return None
    # a shared screen's clicks are not the therapist's activity: its longer hold counts from their last click
    # outside it, so stopping the share after the usual idle time asks them to sign in again (the couple at the
    # screen, or anyone, cannot stop it into the therapist's whole sign-in)
    if sign_in.share_couple_id is None and (now - sign_in.last_seen).total_seconds() >= SIGN_IN_TOUCH_SECONDS:
        db.sign_ins.touch(sign_in_id, now)
    return Viewer(account, sign_in, tuple(couples_of(db, account)))


def is_live(db: Database, sign_in_id: str, idle: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Whether a sign-in still holds, without noting any activity (asking is not using it): the page's own
    check, every minute or so, that it may still show what it shows."""
    now = now or dt.datetime.now()
    sign_in = db.sign_ins.get(sign_in_id)
    if sign_in is None or sign_in.ended_at is not None or now - sign_in.last_seen > _idle_for(sign_in, idle):
        return False
    return db.accounts.get(sign_in.account_id) is not None


def _idle_for(sign_in: SignIn, idle: dt.timedelta) -> dt.timedelta:
    """How long this sign-in may go without activity: a screen shared with a couple holds through a session's
    talk (its page leaves the screen once the sign-in ends), anything else `idle`."""
    return max(idle, dt.timedelta(minutes=SHARE_IDLE_MINUTES)) if sign_in.share_couple_id is not None else idle


def couples_of(db: Database, account: Account) -> list[int]:
    """The couples an account may see: a partner their own, a therapist (owner or not) those granted."""
    if account.partner_id is not None:
        couple_id = db.couples.of_partner(account.partner_id)
        return [couple_id] if couple_id is not None else []
    return db.accounts.granted(account.account_id)


def visible_couples(db: Database, viewer: Viewer) -> list[Couple]:
    """The couples this person may see, in id order."""
    return [c for c in (db.couples.get(cid) for cid in viewer.couple_ids) if c is not None]


# -- pages ------------------------------------------------------------------------------------------
# Which pages each kind of person gets. The navigation is built from this, and every page checks it
# again at its top (an address typed by hand reaches nothing else).
PARTNER_PAGES = ("home", "checkin", "together", "trends", "themes", "history", "data", "settings")
THERAPIST_PAGES = ("home", "together", "trends", "themes", "history", "caseload", "data", "settings")
OWNER_PAGES = ("accounts", "audit")
SHARE_PAGES = ("home", "trends", "themes", "together")
ALL_PAGES = tuple(dict.fromkeys(PARTNER_PAGES + THERAPIST_PAGES + OWNER_PAGES))


def _own_pages(viewer: Viewer) -> tuple[str, ...]:
    base = PARTNER_PAGES if viewer.is_partner else THERAPIST_PAGES
    return base + (OWNER_PAGES if viewer.is_owner else ())


def pages_for(viewer: Viewer) -> tuple[str, ...]:
    """The pages this person may open now (fewer while screen sharing)."""
    if viewer.sharing is not None:
        return SHARE_PAGES
    return _own_pages(viewer)


def put_away(viewer: Viewer) -> tuple[str, ...]:
    """While sharing, every page not shared, the person's own and the others (a therapist's screen asked for the
    check-in's address): their addresses lead to the shared Home, which says the page is not shown while sharing
    (none of the page is run), never Streamlit's "Page not found" over the shared screen. None otherwise."""
    if viewer.sharing is None:
        return ()
    return tuple(key for key in ALL_PAGES if key not in SHARE_PAGES)
