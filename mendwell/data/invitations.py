"""Invitation rows: a digest of each link's secret, whose partner it is for, and whether it was used."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mendwell.data.engine import Cursor, Engine


@dataclass(frozen=True)
class Invitation:
    """One invitation as stored."""

    partner_id: int
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


def _invitation(row: tuple[Any, ...] | None) -> Invitation | None:
    return Invitation(int(row[0]), str(row[1]), row[2], row[3], row[4]) if row else None


class Invitations:
    """Invitations to make a partner account."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, digest: str, partner_id: int, created_by: str, now: dt.datetime, expires: dt.datetime) -> None:
        """Record a new invitation (earlier unused ones for the same partner stop working)."""

        def write(cur: Cursor) -> None:
            cur.execute(
                "UPDATE invitations SET used_at = ? WHERE partner_id = ? AND used_at IS NULL", [now, partner_id]
            )
            cur.execute(
                "INSERT INTO invitations VALUES (?, ?, ?, ?, ?, NULL)", [digest, partner_id, created_by, now, expires]
            )

        self._engine.transaction(write)

    def find(self, digest: str) -> Invitation | None:
        """The invitation with this digest, or None."""
        return _invitation(
            self._engine.one(
                "SELECT partner_id, created_by, created_at, expires_at, used_at FROM invitations "
                "WHERE token_digest = ?",
                [digest],
            )
        )

    def mark_used(self, digest: str, now: dt.datetime) -> bool:
        """Mark the invitation used; False when it was already used or had expired."""
        row = self._engine.transaction(
            lambda cur: cur.execute(
                "UPDATE invitations SET used_at = ? WHERE token_digest = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING partner_id",
                [now, digest, now],
            ).fetchone()
        )
        return row is not None
