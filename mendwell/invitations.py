"""Invitations: a single-use link (and its QR code) with which one partner makes their own account on their
own phone. The link holds a random secret; only its digest is stored. A used, expired or altered link gets
one kind answer that reveals nothing about anyone."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from mendwell import accounts, audit, security
from mendwell.data import Database
from mendwell.data.accounts import name_key
from mendwell.errors import InvalidInput, MendwellError, NameTaken, NotFound
from mendwell.limits import INVITATION_DAYS
from mendwell.model import Account, Partner, clean_name
from mendwell.text import counted

UNUSABLE = (
    "This invitation link cannot be used: it may have been used already, or be too old. Please ask for a new one."
)


class InvitationUnusable(MendwellError):
    """A used, expired or altered invitation link (the message is the same for each)."""

    def __init__(self) -> None:
        super().__init__(UNUSABLE)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(db: Database, partner_id: int, by: str, now: dt.datetime | None = None) -> str:
    """A new invitation for a partner who has no account yet; returns the link's secret (shown once)."""
    now = now or dt.datetime.now()
    couple_id = db.couples.of_partner(partner_id)
    if couple_id is None:
        raise NotFound("That partner no longer exists.")
    if db.accounts.for_partner(partner_id) is not None:
        raise InvalidInput("That partner already has an account.")
    token = secrets.token_urlsafe(24)
    db.invitations.add(_digest(token), partner_id, by, now, now + dt.timedelta(days=INVITATION_DAYS))
    audit.record(db, by, audit.ACCOUNT, couple_id, "invitation made for a partner")
    return token


def partner_for(db: Database, token: str, now: dt.datetime | None = None) -> Partner:
    """The partner an open invitation is for; InvitationUnusable otherwise."""
    now = now or dt.datetime.now()
    found = db.invitations.find(_digest(token)) if token else None
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise InvitationUnusable()
    if db.accounts.for_partner(found.partner_id) is not None:
        raise InvitationUnusable()
    couple_id = db.couples.of_partner(found.partner_id)
    couple = db.couples.get(couple_id) if couple_id is not None else None
    partner = couple.partner(found.partner_id) if couple else None
    if partner is None:
        raise InvitationUnusable()
    return partner


NAME_TAKEN = (
    "That name is already used for signing in here. Please choose another: an initial or a number is enough "
    "(for example “{name} B.”)."
)
PARTNERS_NAME = (
    "That is your partner's name here. Please sign in under your own name: an initial is enough to tell two "
    "people apart."
)


def _throttle(token: str) -> str:
    """Where an invitation's refused names are counted: each one tells that a name is taken, so a link may not be
    used to ask about one name after another at speed."""
    return f"invitation:{_digest(token)}"


def accept(db: Database, token: str, name: str, passcode: str, now: dt.datetime | None = None) -> Account:
    """Make the partner's account from an open invitation, once; the invitation is then used up.

    A name another account has is refused without naming whose it is, and slowed down as wrong passcodes are
    (`security.too_soon`); so is the other partner's name (it was taken first, and then theirs was refused)."""
    now = now or dt.datetime.now()
    partner = partner_for(db, token, now)
    throttle = _throttle(token)
    if (early := security.too_soon(db, throttle, now)) is not None:
        raise InvalidInput(
            f"To keep guessing slow, that name was not checked yet. Please wait {counted(early.wait_seconds, 'second')}"
            " and try again."
        )
    couple_id = db.couples.of_partner(partner.partner_id)
    couple = db.couples.get(couple_id) if couple_id is not None else None
    others = [p for p in couple.partners if p.partner_id != partner.partner_id] if couple else []
    if any(name_key(p.name) == name_key(name) for p in others) and name_key(partner.name) != name_key(name):
        raise InvalidInput(PARTNERS_NAME)
    try:
        account = accounts.create(db, name, accounts.PARTNER, passcode, partner_id=partner.partner_id)
    except NameTaken:
        db.settings.add_failure(throttle, now)
        raise InvalidInput(NAME_TAKEN.format(name=clean_name(name, "name"))) from None
    if not db.invitations.mark_used(_digest(token), now):  # another tab used it in between
        db.accounts.delete(account.account_id)
        raise InvitationUnusable()
    audit.record(db, audit.actor(account), audit.ACCOUNT, partner.couple_id, "account made from an invitation")
    return account
