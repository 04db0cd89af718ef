"""Accounts and signing in: who may sign in, with what, and what each sign-in is.

A partner account belongs to one partner of one couple; its passcode is the
one that seals that partner's private text (`mendwell.vault`). A therapist
account sees the couples granted to it and may add a second factor (TOTP).
One account is the practice owner: it manages accounts and practice
settings. Passcodes are kept as salted scrypt digests (`mendwell.security`);
wrong tries slow down further tries for that name, in every browser.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pyotp

from mendwell import security
from mendwell.data import Database
from mendwell.data.accounts import name_key
from mendwell.errors import InvalidInput, NotFound, PasscodeError
from mendwell.limits import TOTP_VALID_WINDOW
from mendwell.model import Account, clean_name

PARTNER = "partner"
THERAPIST = "therapist"
ROLES = (PARTNER, THERAPIST)


def passcode_subject(account: Account) -> str:
    """Where an account's passcode digest is kept (a partner's is the one that seals their private text)."""
    if account.partner_id is not None:
        return security.partner_subject(account.partner_id)
    return f"account:{account.account_id}"


def throttle_subject(name: str) -> str:
    """Wrong tries are counted per name typed, whether or not an account has it."""
    return f"signin:{name_key(name)}"


def create(
    db: Database,
    name: str,
    role: str,
    passcode: str | None,
    *,
    partner_id: int | None = None,
    is_owner: bool = False,
) -> Account:
    """Add an account. A passcode may be left out only for a partner (home use, with a plain warning shown)."""
    name = clean_name(name, "name")
    if role not in ROLES:
        raise InvalidInput(f"An account is a {' or a '.join(ROLES)}.")
    if (role == PARTNER) != (partner_id is not None):
        raise InvalidInput("A partner account belongs to one partner of a couple; a therapist's to no partner.")
    if passcode is None and role != PARTNER:
        raise PasscodeError("A therapist's account needs a passcode.")
    if passcode is not None:
        security.check_new_passcode(passcode)
    account_id = db.accounts.create(name, role, is_owner=is_owner, partner_id=partner_id)
    account = db.accounts.get(account_id)
    assert account is not None
    if passcode is not None:
        security.set_passcode(db, passcode_subject(account), passcode)
    return account


def has_passcode(db: Database, account: Account) -> bool:
    """Whether the account has a passcode (a partner at home may have chosen not to)."""
    return security.has_passcode(db, passcode_subject(account))


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in attempt; never says whether the name exists."""

    account: Account | None  # set when name and passcode matched
    wait_seconds: int = 0
    refused: bool = False  # too soon after wrong tries: not checked at all
    needs_second_factor: bool = False

    @property
    def ok(self) -> bool:
        """Name and passcode matched (a second factor may still be asked for)."""
        return self.account is not None


def check(db: Database, name: str, passcode: str, now: dt.datetime | None = None) -> Attempt:
    """Check a name and passcode, slowing down wrong tries for that name."""
    throttle = throttle_subject(name)
    account = db.accounts.by_name(name)
    if account is None:
        result = security.refuse_unknown(db, throttle, passcode, now)
        return Attempt(None, result.wait_seconds, result.refused)
    subject = passcode_subject(account)
    if not security.has_passcode(db, subject):
        # a partner who chose no passcode: the name is enough, as they were told
        return Attempt(account)
    result = security.verify(db, subject, passcode, now, throttle=throttle)
    if not result.ok:
        return Attempt(None, result.wait_seconds, result.refused)
    return Attempt(account, needs_second_factor=account.has_second_factor)


def check_second_factor(db: Database, account: Account, code: str, now: dt.datetime | None = None) -> Attempt:
    """Check a therapist's six-digit code, slowing down wrong tries like passcodes."""
    secret = db.accounts.totp_secret(account.account_id)
    throttle = f"totp:{account.account_id}"
    now = now or dt.datetime.now()
    if (early := security.too_soon(db, throttle, now)) is not None:
        return Attempt(None, early.wait_seconds, refused=True)
    code = "".join(code.split())
    if secret and code.isdigit() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=TOTP_VALID_WINDOW):
        db.settings.clear_failures(throttle)
        return Attempt(account)
    failures = db.settings.add_failure(throttle, now)
    return Attempt(None, security.wait_for(failures))


def new_second_factor() -> str:
    """A fresh TOTP secret to enrol (shown once as a QR code)."""
    return pyotp.random_base32()


def enrol_uri(secret: str, account: Account) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.name, issuer_name="Mendwell")


def confirm_second_factor(db: Database, account: Account, secret: str, code: str) -> None:
    """Enrol `secret` once a code from the app proves it was scanned."""
    if not pyotp.TOTP(secret).verify("".join(code.split()), valid_window=TOTP_VALID_WINDOW):
        raise PasscodeError("That code did not match. Check the time on your phone and try the newest code.")
    db.accounts.set_totp_secret(account.account_id, secret)


def start(db: Database, account: Account, now: dt.datetime | None = None) -> str:
    """Record a sign-in; returns its id (only ever sent to the browser inside a signed cookie)."""
    sign_in_id = secrets.token_urlsafe(32)
    db.sign_ins.start(sign_in_id, account.account_id, now or dt.datetime.now())
    return sign_in_id


def reset_passcode(db: Database, account_id: int, new_passcode: str) -> Account:
    """The owner sets a new passcode for a forgotten one; every sign-in of that account ends.

    A partner's private text sealed with the old passcode stays sealed: the new passcode cannot open it.
    """
    account = db.accounts.get(account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    security.set_passcode(db, passcode_subject(account), new_passcode)
    db.sign_ins.end_all(account_id, dt.datetime.now())
    return account
