"""Settings, passcode digests, failed-attempt counters and one-time notices.

Only digests of passcodes are stored (see `mendwell.security`); this module
reads and writes the rows, the rules live there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mendwell.data.engine import Cursor, Engine


def vault_salt_key(partner_id: int) -> str:
    """The settings key of a partner's salt for sealing private text."""
    return f"vault_salt:{int(partner_id)}"


@dataclass(frozen=True)
class Secret:
    """A stored passcode digest and how it was made."""

    kdf: str
    salt: bytes
    digest: bytes


class Settings:
    """Key-value settings, passcode digests, failure counters and notices."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- settings ---------------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        """A stored setting, or `default`."""
        row = self._engine.one("SELECT value FROM settings WHERE key = ?", [key])
        return str(row[0]) if row else default

    def set(self, key: str, value: str) -> None:
        """Store a setting."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
        )

    def stamp(self, key: str) -> None:
        """Store the database's clock now under `key`: compared with the times the database stamps on rows
        (a check-in's `submitted_at`), never with another clock's."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "INSERT INTO settings VALUES (?, CAST(CAST(current_timestamp AS TIMESTAMP) AS VARCHAR)) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key],
            )
        )

    def set_if_absent(self, key: str, value: str) -> str:
        """Store a setting unless one exists; returns the stored value (two sessions at once agree)."""

        def write(cur: Cursor) -> str:
            cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value])
            row = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
            assert row is not None
            return str(row[0])

        return self._engine.transaction(write)

    # -- passcode digests ---------------------------------------------------------------------
    def secret(self, subject: str) -> Secret | None:
        """The passcode digest of `subject`, or None when it has no passcode."""
        row = self._engine.one("SELECT kdf, salt, digest FROM secrets WHERE subject = ?", [subject])
        if row is None:
            return None
        return Secret(str(row[0]), bytes(row[1]), bytes(row[2]))

    def put_secret(self, subject: str, secret: Secret) -> None:
        """Replace the passcode digest of `subject` and forget its failed attempts, in one transaction."""

        def write(cur: Cursor) -> None:
            cur.execute("DELETE FROM secrets WHERE subject = ?", [subject])
            cur.execute(
                "INSERT INTO secrets VALUES (?, ?, ?, ?, current_timestamp)",
                [subject, secret.kdf, secret.salt, secret.digest],
            )
            cur.execute("DELETE FROM auth_failures WHERE subject = ?", [subject])

        self._engine.transaction(write)

    def delete_secret(self, subject: str) -> None:
        """Remove the passcode of `subject`."""
        self._engine.transaction(lambda cur: cur.execute("DELETE FROM secrets WHERE subject = ?", [subject]))

    # -- failed attempts ------------------------------------------------------------------------
    def failures(self, subject: str) -> tuple[int, dt.datetime] | None:
        """(wrong attempts in a row, when the last one was) for `subject`, or None."""
        row = self._engine.one("SELECT failures, last_failure FROM auth_failures WHERE subject = ?", [subject])
        if row is None:
            return None
        last = row[1]
        assert isinstance(last, dt.datetime)
        return int(row[0]), last

    def add_failure(self, subject: str, when: dt.datetime) -> int:
        """Count one more wrong attempt; returns how many there are now."""

        def count(cur: Cursor) -> int:
            row = cur.execute(
                "INSERT INTO auth_failures VALUES (?, 1, ?) ON CONFLICT (subject) DO UPDATE "
                "SET failures = auth_failures.failures + 1, last_failure = excluded.last_failure RETURNING failures",
                [subject, when],
            ).fetchone()
            assert row is not None
            return int(row[0])

        return self._engine.transaction(count)

    def clear_failures(self, subject: str) -> None:
        """Forget the wrong attempts of `subject`."""
        self._engine.transaction(lambda cur: cur.execute("DELETE FROM auth_failures WHERE subject = ?", [subject]))

    # -- one-time notices -----------------------------------------------------------------------
    def notice_shown(self, subject: str, notice: str) -> bool:
        """Whether a one-time notice was already shown."""
        return self._engine.one("SELECT 1 FROM notices WHERE subject = ? AND notice = ?", [subject, notice]) is not None

    def mark_notice(self, subject: str, notice: str) -> None:
        """Remember that a one-time notice was shown."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "INSERT INTO notices VALUES (?, ?, current_timestamp) ON CONFLICT DO NOTHING", [subject, notice]
            )
        )
