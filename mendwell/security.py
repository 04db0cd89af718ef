"""Passcodes for partners and for the practice: set, check, slow down guessing.

A passcode is stored only as a salted scrypt digest (scrypt is memory-hard,
so guessing is slow even with the file in hand) and checked with a
constant-time comparison. Wrong attempts are counted in the database, so a
reload does not reset them; after a few, each new attempt has to wait longer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass

from mendwell.data import Database
from mendwell.data.settings import Secret
from mendwell.errors import PasscodeError
from mendwell.limits import (
    FREE_ATTEMPTS,
    MAX_WAIT_SECONDS,
    PASSCODE_MAX,
    PASSCODE_MIN,
    SALT_BYTES,
    SCRYPT_MAXMEM,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
)

KDF = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
PRACTICE = "practice"


def partner_subject(partner_id: int) -> str:
    """The subject key of a partner's passcode."""
    return f"partner:{int(partner_id)}"


def _digest(passcode: str, salt: bytes, kdf: str) -> bytes:
    params = dict(part.split("=") for part in kdf.split(":", 1)[1].split(","))
    return hashlib.scrypt(
        passcode.encode("utf-8"),
        salt=salt,
        n=int(params["n"]),
        r=int(params["r"]),
        p=int(params["p"]),
        maxmem=SCRYPT_MAXMEM,
        dklen=32,
    )


def check_new_passcode(passcode: str) -> str:
    """Refuse passcodes that are too short or too long; returns it unchanged."""
    if len(passcode) < PASSCODE_MIN:
        raise PasscodeError(f"Please choose a passcode of at least {PASSCODE_MIN} characters.")
    if len(passcode) > PASSCODE_MAX:
        raise PasscodeError(f"Please keep the passcode under {PASSCODE_MAX} characters.")
    return passcode


def set_passcode(db: Database, subject: str, passcode: str) -> None:
    """Store a new passcode for `subject` (only its salted digest is kept)."""
    check_new_passcode(passcode)
    salt = os.urandom(SALT_BYTES)
    db.settings.put_secret(subject, Secret(KDF, salt, _digest(passcode, salt, KDF)))


def remove_passcode(db: Database, subject: str) -> None:
    """Remove a passcode (the caller has checked the current one)."""
    db.settings.delete_secret(subject)


def has_passcode(db: Database, subject: str) -> bool:
    """Whether `subject` has a passcode."""
    return db.settings.secret(subject) is not None


@dataclass(frozen=True)
class Attempt:
    """The result of a passcode check."""

    ok: bool
    wait_seconds: int = 0  # > 0: too many wrong attempts, try again after this long
    failures: int = 0
    refused: bool = False  # True: tried too soon after wrong ones, so the passcode was not checked at all


def wait_for(failures: int) -> int:
    """Seconds to wait before the next attempt after `failures` wrong ones."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_ATTEMPTS + 1)))


def too_soon(db: Database, throttle: str, now: dt.datetime) -> Attempt | None:
    """A refusal when a try comes before the wait earned by earlier wrong ones (the passcode is then not
    checked at all), else None."""
    fail = db.settings.failures(throttle)
    if not fail:
        return None
    ready_at = fail[1] + dt.timedelta(seconds=wait_for(fail[0]))
    if now < ready_at:
        return Attempt(False, max(1, int((ready_at - now).total_seconds() + 0.999)), fail[0], refused=True)
    return None


def verify(
    db: Database, subject: str, passcode: str, now: dt.datetime | None = None, *, throttle: str | None = None
) -> Attempt:
    """Check a passcode; counts failures and refuses attempts made too soon after them.

    Failures are counted under `throttle` (default: the subject itself), e.g. the name typed at sign-in,
    so guessing is slowed for that name across browsers and restarts.
    """
    now = now or dt.datetime.now()
    throttle = throttle or subject
    secret = db.settings.secret(subject)
    fail = db.settings.failures(throttle)
    if (early := too_soon(db, throttle, now)) is not None:
        return early
    if secret is None:
        return Attempt(True)
    if hmac.compare_digest(_digest(passcode, secret.salt, secret.kdf), secret.digest):
        if fail:
            db.settings.clear_failures(throttle)
        return Attempt(True)
    failures = db.settings.add_failure(throttle, now)
    return Attempt(False, wait_for(failures), failures)


def refuse_unknown(db: Database, throttle: str, passcode: str, now: dt.datetime | None = None) -> Attempt:
    """A sign-in for a name that has no account: as slow as a real check, counted the same way,
    so the answer never tells whether the name exists."""
    now = now or dt.datetime.now()
    if (early := too_soon(db, throttle, now)) is not None:
        return early
    _digest(passcode, b"\0" * SALT_BYTES, KDF)
    failures = db.settings.add_failure(throttle, now)
    return Attempt(False, wait_for(failures), failures)


# -- one-time notices -------------------------------------------------------------------------


def notice_shown(db: Database, subject: str, notice: str) -> bool:
    """Whether a one-time notice was already shown."""
    return db.settings.notice_shown(subject, notice)


def mark_notice(db: Database, subject: str, notice: str) -> None:
    """Remember that a one-time notice was shown."""
    db.settings.mark_notice(subject, notice)
