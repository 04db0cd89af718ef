"""Passcodes for partners and for the practice, and the app's few settings.

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

from mendwell.store import Store, StoreError

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # ~16 MiB of memory per check
KDF = "scrypt:n={n},r={r},p={p}".format(**SCRYPT)
MIN_LENGTH = 4
MAX_LENGTH = 256
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300
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
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )


def check_new_passcode(passcode: str) -> str:
    """Refuse passcodes that are too short or too long; returns it unchanged."""
    if len(passcode) < MIN_LENGTH:
        raise StoreError(f"Please choose a passcode of at least {MIN_LENGTH} characters.")
    if len(passcode) > MAX_LENGTH:
        raise StoreError(f"Please keep the passcode under {MAX_LENGTH} characters.")
    return passcode


def set_passcode(store: Store, subject: str, passcode: str) -> None:
    """Store a new passcode for `subject` (only its salted digest is kept)."""
    check_new_passcode(passcode)
    salt = os.urandom(16)
    digest = _digest(passcode, salt, KDF)

    def write(cur) -> None:  # type: ignore[no-untyped-def]
        cur.execute("DELETE FROM secrets WHERE subject = ?", [subject])
        cur.execute("INSERT INTO secrets VALUES (?, ?, ?, ?, current_timestamp)", [subject, KDF, salt, digest])
        cur.execute("DELETE FROM auth_failures WHERE subject = ?", [subject])

    store.transaction(write)


def remove_passcode(store: Store, subject: str) -> None:
    """Remove a passcode (the caller has checked the current one)."""
    store.transaction(lambda cur: cur.execute("DELETE FROM secrets WHERE subject = ?", [subject]))


def has_passcode(store: Store, subject: str) -> bool:
    """Whether `subject` has a passcode."""
    with store.cursor() as cur:
        return cur.execute("SELECT 1 FROM secrets WHERE subject = ?", [subject]).fetchone() is not None


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


def verify(store: Store, subject: str, passcode: str, now: dt.datetime | None = None) -> Attempt:
    """Check a passcode; counts failures and refuses attempts made too soon after them."""
    now = now or dt.datetime.now()
    with store.cursor() as cur:
        secret = cur.execute("SELECT kdf, salt, digest FROM secrets WHERE subject = ?", [subject]).fetchone()
        fail = cur.execute("SELECT failures, last_failure FROM auth_failures WHERE subject = ?", [subject]).fetchone()
    failures = int(fail[0]) if fail else 0
    if fail:
        ready_at = fail[1] + dt.timedelta(seconds=wait_for(failures))
        if now < ready_at:
            return Attempt(False, max(1, int((ready_at - now).total_seconds() + 0.999)), failures, refused=True)
    if secret is None:
        return Attempt(True)
    kdf, salt, digest = secret
    if hmac.compare_digest(_digest(passcode, bytes(salt), kdf), bytes(digest)):
        if fail:
            store.transaction(lambda cur: cur.execute("DELETE FROM auth_failures WHERE subject = ?", [subject]))
        return Attempt(True)

    def count(cur) -> int:  # type: ignore[no-untyped-def]
        row = cur.execute(
            "INSERT INTO auth_failures VALUES (?, 1, ?) ON CONFLICT (subject) DO UPDATE "
            "SET failures = auth_failures.failures + 1, last_failure = excluded.last_failure RETURNING failures",
            [subject, now],
        ).fetchone()
        return int(row[0])

    failures = store.transaction(count)
    return Attempt(False, wait_for(failures), failures)


# -- settings and one-time notices ------------------------------------------------------


def get_setting(store: Store, key: str, default: str | None = None) -> str | None:
    """A stored setting, or `default`."""
    with store.cursor() as cur:
        row = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else default


def set_setting(store: Store, key: str, value: str) -> None:
    """Store a setting."""
    store.transaction(
        lambda cur: cur.execute(
            "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
        )
    )


def notice_shown(store: Store, subject: str, notice: str) -> bool:
    """Whether a one-time notice was already shown."""
    with store.cursor() as cur:
        return (
            cur.execute("SELECT 1 FROM notices WHERE subject = ? AND notice = ?", [subject, notice]).fetchone()
            is not None
        )


def mark_notice(store: Store, subject: str, notice: str) -> None:
    """Remember that a one-time notice was shown."""
    store.transaction(
        lambda cur: cur.execute(
            "INSERT INTO notices VALUES (?, ?, current_timestamp) ON CONFLICT DO NOTHING", [subject, notice]
        )
    )
