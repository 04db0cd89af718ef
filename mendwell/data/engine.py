"""The connection to the database file: cursors, transactions with retries, migrations, whole-file work.

One `Engine` holds one DuckDB connection for the process; every operation
runs on its own cursor, so Streamlit's script threads can use it at once.
Writes are transactions, retried when DuckDB reports a conflict. The query
modules beside this one (couples, checkins, definitions, settings,
analytics, archive) are the only code that runs SQL through it.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from mendwell.data.sqlfiles import LATEST_SCHEMA, migrations
from mendwell.errors import DatabaseBusy, DatabaseError, InvalidInput

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection
Params = Sequence[object] | dict[str, object] | None
RETRIES = 12


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class _Gate:
    """Many operations at once, or one exclusive operation (rewriting the file).

    Re-entrant for shared use: an operation that opens a nested cursor never
    waits behind a pending exclusive request (which would deadlock).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False
        self._local = threading.local()

    @contextmanager
    def shared(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            with self._cond:
                while self._exclusive:
                    self._cond.wait()
                self._active += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._cond:
                    self._active -= 1
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class Engine:
    """A Mendwell database file, opened read-write for this process, migrated to the latest schema."""

    def __init__(self, path: Path | str, *, upgrade_to: int | None = None) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise DatabaseBusy(
                    f"The database {self.path} is in use by another Mendwell process "
                    "(most likely the app started with `make run`). DuckDB lets only one "
                    "process open the file. Stop the app (Ctrl+C in its terminal) and run "
                    "this again."
                ) from None
            raise DatabaseError(f"The database {self.path} could not be opened: {exc}") from None
        self._revisions: dict[int, int] = {}
        self._rev_lock = threading.Lock()
        self._gate = _Gate()
        try:
            self.migrated_from = self.migrate(upgrade_to)
        except BaseException:
            self._con.close()  # a refused file must not stay locked by this process
            raise

    def close(self) -> None:
        """Close the connection (the file is then free for other processes)."""
        self._con.close()

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor of its own for one operation (thread-safe)."""
        with self._gate.shared():
            cur = self._con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def transaction(self, work: Callable[[Cursor], T], retries: int = RETRIES) -> T:
        """Run `work(cursor)` in one transaction, retrying on write conflicts."""
        for attempt in range(retries + 1):
            with self.cursor() as cur:
                cur.execute("BEGIN TRANSACTION")
                committing = False
                try:
                    result = work(cur)
                    committing = True
                    cur.execute("COMMIT")
                    return result
                except (duckdb.TransactionException, duckdb.ConstraintException, duckdb.IOException) as exc:
                    rollback(cur)
                    if _is_write_failure(exc, self.path, committing):
                        # e.g. a full disk or a read-only folder: a plain message, not a traceback
                        raise DatabaseError(_write_failure_message(self.path, exc)) from None
                    # a unique-key clash from a concurrent insert clears on the first retry;
                    # one that persists is a real duplicate, so give up early
                    constraint = isinstance(exc, duckdb.ConstraintException)
                    if attempt >= (min(retries, 2) if constraint else retries) or not _is_conflict(exc):
                        raise
                except BaseException:
                    rollback(cur)
                    raise
            time.sleep(min(0.2, 0.005 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def read(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        """The first row of a read query, or None."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchone()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Every row of a read query."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchall()

    # -- revisions: part of every per-couple cache key ----------------------------------------
    def revision(self, couple_id: int) -> int:
        """A counter bumped on every write for a couple."""
        return self._revisions.get(couple_id, 0)

    def bump(self, *couple_ids: int) -> None:
        """Mark couples as changed (their cached results are stale)."""
        with self._rev_lock:
            for couple_id in couple_ids:
                self._revisions[couple_id] = self._revisions.get(couple_id, 0) + 1

    def bump_all(self) -> None:
        """Mark every couple as changed."""
        with self._rev_lock:
            for key in list(self._revisions):
                self._revisions[key] += 1

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version of the open file (0 when empty)."""
        with self.cursor() as cur:
            has = cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
            ).fetchone()
            if not has or not has[0]:
                return 0
            row = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
            return int(row[0]) if row else 0

    def migrate(self, upgrade_to: int | None = None) -> int | None:
        """Apply every migration newer than the file's schema, in one transaction.

        Returns the schema version the file had before, or None when nothing was applied.
        """
        target = LATEST_SCHEMA if upgrade_to is None else upgrade_to
        current = self.schema_version()
        if current > LATEST_SCHEMA:
            raise DatabaseError(
                f"The database {self.path} was written by a newer Mendwell (schema {current}); "
                f"this one knows schema {LATEST_SCHEMA}. Please update Mendwell."
            )
        pending = [m for m in migrations() if current < m[0] <= target]
        if not pending:
            return None

        def apply(cur: Cursor) -> None:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            for number, name, sql in pending:
                cur.execute(sql)
                cur.execute("INSERT INTO schema_version VALUES (?, ?, current_timestamp)", [number, name])

        self.transaction(apply, retries=0)
        return current

    def table_counts(
        self, tables: Sequence[str] = ("couples", "partners", "checkins", "responses", "notes")
    ) -> dict[str, int]:
        """Row counts of the main tables (for the command line and tests)."""
        known = {r[0] for r in self.rows("SELECT table_name FROM information_schema.tables")}
        out = {}
        with self.cursor() as cur:
            for table in tables:
                if table not in known:
                    raise ValueError(f"unknown table {table!r}")
                row = cur.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()
                out[table] = int(row[0]) if row else 0
        return out

    # -- whole-file operations -----------------------------------------------------------------
    def backup(self, out: Path) -> Path:
        """Write a consistent copy of the whole database to `out` (a new file), while serving."""
        out = Path(out).resolve()
        if out.exists():
            raise InvalidInput(f"{out} already exists; please choose a new file name.")
        if out == self.path.resolve():
            raise InvalidInput("The backup must go to another file than the database itself.")
        out.parent.mkdir(parents=True, exist_ok=True)
        with self.cursor() as cur:
            name = _database_name(cur)
            alias = f"mendwell_backup_{uuid.uuid4().hex}"  # attached names are shared: two backups at once
            cur.execute(f"ATTACH ? AS {alias}", [str(out)])
            try:
                cur.execute(f"COPY FROM DATABASE {quote_ident(name)} TO {alias}")
            finally:
                cur.execute(f"DETACH {alias}")
        return out

    def rewrite(self) -> None:
        """Copy the live data into a fresh file and swap it in.

        DuckDB keeps deleted bytes in the file until their blocks are reused;
        a fresh copy holds only live data, so erased text is really gone.
        """
        with self._gate.exclusive():
            tmp = self.path.with_name(self.path.name + ".rewrite")
            for leftover in (tmp, Path(str(tmp) + ".wal")):
                leftover.unlink(missing_ok=True)
            name = _database_name(self._con)
            self._con.execute("ATTACH ? AS mendwell_fresh", [str(tmp)])
            try:
                self._con.execute(f"COPY FROM DATABASE {quote_ident(name)} TO mendwell_fresh")
            finally:
                self._con.execute("DETACH mendwell_fresh")
            self._con.close()
            os.replace(tmp, self.path)
            Path(str(self.path) + ".wal").unlink(missing_ok=True)
            self._con = duckdb.connect(str(self.path))


def rollback(cur: Cursor) -> None:
    """Roll back; a COMMIT that failed (e.g. a write conflict) has already ended the transaction."""
    with suppress(duckdb.TransactionException):
        cur.execute("ROLLBACK")


def _database_name(cur: Cursor) -> str:
    row = cur.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def quote_ident(name: str) -> str:
    """A quoted SQL identifier (table and database names come from our own code, never from input)."""
    return '"' + name.replace('"', '""') + '"'


def _is_write_failure(exc: Exception, path: Path, committing: bool) -> bool:
    """The database file (or its WAL) could not be written: a full disk, a read-only file or folder.

    Not a write conflict (retried), and not an error reading some other file during the work.
    """
    if _is_conflict(exc) or isinstance(exc, duckdb.ConstraintException):
        return False
    if committing:
        return isinstance(exc, duckdb.IOException) or "failed to commit" in str(exc).lower()
    return isinstance(exc, duckdb.IOException) and str(path) in str(exc)


def _write_failure_message(path: Path, exc: Exception) -> str:
    reason = str(exc).rsplit(": ", 1)[-1].strip().rstrip(".")  # e.g. "File too large", "Permission denied"
    return (
        f"The database {path} could not be written ({reason}): the disk may be full, or the file or its folder "
        "may be read-only. This change was not saved; everything saved before it is safe. Free some space or "
        "fix the permissions, then try again."
    )


def _is_conflict(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("conflict", "duplicate key", "unique constraint", "primary key"))
