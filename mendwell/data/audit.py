"""The audit trail's rows: appended one at a time onto a hash chain, read back in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mendwell.data.engine import Cursor, Engine

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    couple_id: int | None
    detail: str
    prev_hash: str
    hash: str


class AuditLog:
    """Append-only: there is no method to change or remove an entry."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(
        self,
        at: dt.datetime,
        actor: str,
        action: str,
        couple_id: int | None,
        detail: str,
        digest: Callable[[int, dt.datetime, str, str, int | None, str, str], str],
    ) -> int:
        """Add one entry after the chain's head, in one transaction; returns its sequence number.

        `digest(seq, at, actor, action, couple_id, detail, prev_hash)` gives the entry's hash.
        """

        def write(cur: Cursor) -> int:
            row = cur.execute("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetchone()
            assert row is not None
            seq, prev = int(row[0]), str(row[1])
            h = digest(seq, at, actor, action, couple_id, detail, prev)
            cur.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [seq, at, actor, action, couple_id, detail, prev, h])  # fmt: skip
            cur.execute("UPDATE audit_head SET hash = ? WHERE id = 1", [h])
            return seq

        return self._engine.transaction(write)

    def entries(self, couple_id: int | None = None, since: dt.datetime | None = None) -> list[Entry]:
        """Entries in order, optionally for one couple and from a moment on."""
        rows = self._engine.rows(
            "SELECT seq, logged_at, actor, action, couple_id, detail, prev_hash, hash FROM audit_log "
            "WHERE ($couple IS NULL OR couple_id = $couple) AND ($since IS NULL OR logged_at >= $since) "
            "ORDER BY seq",
            {"couple": couple_id, "since": since},
        )
        return [Entry(*r) for r in rows]

    def head(self) -> tuple[int, str]:
        """The sequence number and hash of the last entry."""
        row = self._engine.one("SELECT seq, hash FROM audit_head WHERE id = 1")
        return (int(row[0]), str(row[1])) if row else (0, "")

    def frame(self, couple_id: int | None = None, since: dt.datetime | None = None) -> pd.DataFrame:
        """Entries as a table (for the owner's page)."""
        return self._engine.read(
            "SELECT seq, logged_at AS at, actor, action, couple_id, detail FROM audit_log "
            "WHERE ($couple IS NULL OR couple_id = $couple) AND ($since IS NULL OR logged_at >= $since) "
            "ORDER BY seq DESC",
            {"couple": couple_id, "since": since},
        )

    def couple_ids(self) -> list[int]:
        """Every couple an entry names (erased couples too), in order."""
        return [int(r[0]) for r in self._engine.rows(
            "SELECT DISTINCT couple_id FROM audit_log WHERE couple_id IS NOT NULL ORDER BY couple_id", {}
        )]  # fmt: skip
