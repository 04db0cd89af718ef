"""The data layer: the one way into the database, and the seam behind which another engine could sit.

`Database` is everything the rest of the app may ask of stored data. It is
made of an `Engine` (the DuckDB connection: cursors, transactions with
retries, migrations, backup, rewrite, revisions) and one query module per
concern:

- `couples`      couples and partners, the check-in day, erasing a couple
- `checkins`     check-ins, answers, notes, submitting, private text for re-sealing
- `definitions`  instrument versions as recorded
- `settings`     settings, passcode digests, failed attempts, one-time notices
- `analytics`    scores and the dashboards' queries (SQL in `sql/*.sql`)
- `accounts`     accounts, grants, and sign-ins (the server side of the browser's cookie)
- `audit`        the append-only, hash-chained audit trail
- `invitations`  single-use links for a partner to make their own account
- `baselines`    the month a therapist marks as the start of therapy, per couple
- `archive`, `exports`, `bulk`   tables in and out as files, and bulk loads

Only this package imports duckdb. Every value reaches SQL as a bound
parameter. To put another engine behind the app (PostgreSQL as a practice's
system of record, say), these modules are what changes; their callers do not.
"""

from __future__ import annotations

import threading
from pathlib import Path

from mendwell.data.accounts import Accounts, SignIns
from mendwell.data.analytics import Analytics
from mendwell.data.audit import AuditLog
from mendwell.data.baselines import Baselines
from mendwell.data.checkins import Checkins
from mendwell.data.couples import Couples
from mendwell.data.definitions import Definitions
from mendwell.data.engine import Engine
from mendwell.data.invitations import Invitations
from mendwell.data.settings import Settings
from mendwell.data.sqlfiles import LATEST_SCHEMA

__all__ = ["LATEST_SCHEMA", "Database", "release", "shared"]


class Database:
    """A Mendwell database file, open for this process: `db.couples`, `db.checkins`, `db.analytics`, …"""

    def __init__(self, path: Path | str, *, upgrade_to: int | None = None, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else Engine(path, upgrade_to=upgrade_to)
        self.definitions = Definitions(self.engine)
        self.couples = Couples(self.engine)
        self.checkins = Checkins(self.engine, self.definitions)
        self.settings = Settings(self.engine)
        self.analytics = Analytics(self.engine)
        self.accounts = Accounts(self.engine)
        self.sign_ins = SignIns(self.engine)
        self.audit = AuditLog(self.engine)
        self.baselines = Baselines(self.engine)
        self.invitations = Invitations(self.engine)
        before = self.engine.migrated_from
        if before is not None and (upgrade_to is None or upgrade_to == LATEST_SCHEMA):
            try:  # columns added by a migration are filled from the instruments' JSON snapshots
                self.definitions.backfill(rebuild=before >= 2)
            except BaseException:
                self.engine.close()
                raise

    @property
    def path(self) -> Path:
        """The database file."""
        return self.engine.path

    def close(self) -> None:
        """Close the connection (the file is then free for other processes)."""
        self.engine.close()

    def revision(self, couple_id: int) -> int:
        """A counter bumped on every write for a couple: part of every per-couple cache key."""
        return self.engine.revision(couple_id)

    def backup(self, out: Path) -> Path:
        """Write a consistent copy of the whole database to a new file, while serving."""
        return self.engine.backup(out)

    def erase_all(self) -> None:
        """Delete every couple and all their data, then rewrite the file so no trace is left."""
        self.couples.erase_all()


_SHARED: dict[str, Database] = {}
_SHARED_LOCK = threading.Lock()


def shared(path: Path | str) -> Database:
    """The one `Database` of a file for this whole process (the app's pages and its sign-in routes share it).

    DuckDB lets one process hold a file with one configuration; one object keeps it simple.
    """
    key = str(Path(path).resolve())
    with _SHARED_LOCK:
        db = _SHARED.get(key)
        if db is None:
            db = _SHARED[key] = Database(path)
        return db


def release(db: Database) -> None:
    """Close a shared database (the file is then free for other processes)."""
    with _SHARED_LOCK:
        for key, held in list(_SHARED.items()):
            if held is db:
                del _SHARED[key]
    db.close()
