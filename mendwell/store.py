"""The DuckDB store: schema migrations, couples, check-ins and answers.

All SQL of the app lives in this package. One `Store` holds one DuckDB
connection for the process; every operation runs on its own cursor, so
Streamlit's script threads can use the store at once. Writes are
transactions, retried when DuckDB reports a conflict.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from mendwell.checkin import NOTE_LIMIT, Answer, hidden_answered
from mendwell.instruments import Catalog, Instrument
from mendwell.periods import month_start

T = TypeVar("T")
NAME_LIMIT = 80
RETRIES = 12


class StoreError(Exception):
    """A problem the person using the app should read, in plain words."""


class DatabaseBusy(StoreError):
    """Another process holds the database file."""


class AlreadySubmitted(StoreError):
    """A change to a check-in that was already submitted."""


@dataclass(frozen=True)
class Partner:
    partner_id: int
    couple_id: int
    slot: int
    name: str


@dataclass(frozen=True)
class Couple:
    couple_id: int
    name: str
    partners: tuple[Partner, ...]


@dataclass(frozen=True)
class Checkin:
    checkin_id: int
    couple_id: int
    partner_id: int
    period: dt.date
    status: str
    started_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


def clean_name(name: str, what: str = "name") -> str:
    """Trim a couple or partner name and refuse empty or oversized ones."""
    name = " ".join(str(name).replace("\x00", "").split())
    if not name:
        raise StoreError(f"Please give a {what}.")
    if len(name) > NAME_LIMIT:
        raise StoreError(f"That {what} is {len(name)} characters long; please keep it to {NAME_LIMIT}.")
    return name


def _migrations() -> list[tuple[int, str, str]]:
    files = resources.files("mendwell.migrations")
    out = []
    for entry in files.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(out)


LATEST_SCHEMA = _migrations()[-1][0]


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


class Store:
    """A Mendwell database file, opened read-write for this process."""

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
            raise StoreError(f"The database {self.path} could not be opened: {exc}") from None
        self._revisions: dict[int, int] = {}
        self._rev_lock = threading.Lock()
        self._gate = _Gate()
        try:
            self.migrate(upgrade_to)
        except BaseException:
            self._con.close()  # a refused file must not stay locked by this process
            raise

    # -- plumbing ---------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (the file is then free for other processes)."""
        self._con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one operation (thread-safe)."""
        with self._gate.shared():
            cur = self._con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    # -- whole-file operations ---------------------------------------------------------
    def backup(self, out: Path) -> Path:
        """Write a consistent copy of the whole database to `out` (a new file), while serving."""
        out = Path(out).resolve()
        if out.exists():
            raise StoreError(f"{out} already exists; please choose a new file name.")
        if out == self.path.resolve():
            raise StoreError("The backup must go to another file than the database itself.")
        out.parent.mkdir(parents=True, exist_ok=True)
        with self.cursor() as cur:
            name = _database_name(cur)
            alias = f"mendwell_backup_{uuid.uuid4().hex}"  # attached names are shared: two backups at once
            cur.execute(f"ATTACH {_sql_text(str(out))} AS {alias}")
            try:
                cur.execute(f"COPY FROM DATABASE {_sql_ident(name)} TO {alias}")
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
            self._con.execute(f"ATTACH {_sql_text(str(tmp))} AS mendwell_fresh")
            try:
                self._con.execute(f"COPY FROM DATABASE {_sql_ident(name)} TO mendwell_fresh")
            finally:
                self._con.execute("DETACH mendwell_fresh")
            self._con.close()
            os.replace(tmp, self.path)
            Path(str(self.path) + ".wal").unlink(missing_ok=True)
            self._con = duckdb.connect(str(self.path))

    def erase_couple(self, couple_id: int) -> None:
        """Delete everything of one couple, then rewrite the file so no trace is left."""
        if self.couple(couple_id) is None:
            raise StoreError(f"There is no couple with id {couple_id}.")

        def delete(cur: duckdb.DuckDBPyConnection) -> None:
            subjects = [f"partner:{r[0]}" for r in cur.execute(
                "SELECT partner_id FROM partners WHERE couple_id = ?", [couple_id]).fetchall()]  # fmt: skip
            cur.execute(
                "DELETE FROM responses WHERE checkin_id IN (SELECT checkin_id FROM checkins WHERE couple_id = ?)",
                [couple_id],
            )
            cur.execute(
                "DELETE FROM notes WHERE checkin_id IN (SELECT checkin_id FROM checkins WHERE couple_id = ?)",
                [couple_id],
            )
            cur.execute("DELETE FROM checkins WHERE couple_id = ?", [couple_id])
            for table in ("secrets", "auth_failures", "notices"):
                cur.execute(f"DELETE FROM {table} WHERE list_contains(?, subject)", [subjects])
            cur.execute("DELETE FROM partners WHERE couple_id = ?", [couple_id])
            cur.execute("DELETE FROM couples WHERE couple_id = ?", [couple_id])

        self.transaction(delete)
        self.rewrite()
        self._bump(couple_id)

    def erase_all(self) -> None:
        """Delete every couple and all their data, then rewrite the file."""

        def delete(cur: duckdb.DuckDBPyConnection) -> None:
            for table in ("responses", "notes", "checkins", "partners", "couples", "secrets", "auth_failures",
                          "notices", "settings"):  # fmt: skip
                cur.execute(f"DELETE FROM {table}")

        self.transaction(delete)
        self.rewrite()
        with self._rev_lock:
            for key in list(self._revisions):
                self._revisions[key] += 1

    def transaction(self, work: Callable[[duckdb.DuckDBPyConnection], T], retries: int = RETRIES) -> T:
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
                    _rollback(cur)
                    if _is_write_failure(exc, self.path, committing):
                        # e.g. a full disk or a read-only folder: a plain message, not a traceback
                        raise StoreError(_write_failure_message(self.path, exc)) from None
                    # a unique-key clash from a concurrent insert clears on the first retry;
                    # one that persists is a real duplicate, so give up early
                    constraint = isinstance(exc, duckdb.ConstraintException)
                    if attempt >= (min(retries, 2) if constraint else retries) or not _is_conflict(exc):
                        raise
                except BaseException:
                    _rollback(cur)
                    raise
            time.sleep(min(0.2, 0.005 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def revision(self, couple_id: int) -> int:
        """A counter bumped on every write for a couple: part of cache keys."""
        return self._revisions.get(couple_id, 0)

    def _bump(self, couple_id: int) -> None:
        with self._rev_lock:
            self._revisions[couple_id] = self._revisions.get(couple_id, 0) + 1

    # -- schema -------------------------------------------------------------------
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

    def migrate(self, upgrade_to: int | None = None) -> None:
        """Apply every migration newer than the file's schema, each in a transaction."""
        target = LATEST_SCHEMA if upgrade_to is None else upgrade_to
        current = self.schema_version()
        if current > LATEST_SCHEMA:
            raise StoreError(
                f"The database {self.path} was written by a newer Mendwell (schema {current}); "
                f"this one knows schema {LATEST_SCHEMA}. Please update Mendwell."
            )
        pending = [m for m in _migrations() if current < m[0] <= target]
        if not pending:
            return

        def apply(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            for number, name, sql in pending:
                cur.execute(sql)
                cur.execute("INSERT INTO schema_version VALUES (?, ?, current_timestamp)", [number, name])

        self.transaction(apply, retries=0)
        if target == LATEST_SCHEMA:
            # columns added by a migration are filled from the JSON snapshots
            self._backfill_definitions(rebuild=current >= 2)

    # -- instruments -----------------------------------------------------------------
    def register_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Record each instrument version once (history is never rewritten)."""
        instruments = list(instruments)
        if not instruments:
            return
        with self.cursor() as cur:
            known = {
                (r[0], r[1]) for r in cur.execute("SELECT instrument_id, version FROM instrument_versions").fetchall()
            }
        fresh = [i for i in instruments if (i.id, i.version) not in known]
        if not fresh:
            return

        def write(cur: duckdb.DuckDBPyConnection) -> None:
            for inst in fresh:
                cur.execute(
                    "INSERT INTO instrument_versions (instrument_id, version, content_hash, title, definition, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, current_timestamp) ON CONFLICT DO NOTHING",
                    [inst.id, inst.version, inst.content_hash(), inst.title, inst.model_dump_json()],
                )
                _write_definition(cur, inst)

        self.transaction(write)

    def changed_without_version_bump(self, instruments: Iterable[Instrument]) -> list[Instrument]:
        """Instruments whose file changed since their version was first recorded.

        Answers stay scored with the recorded definition; the fix is to bump `version`.
        """
        with self.cursor() as cur:
            recorded = dict(
                ((r[0], r[1]), r[2])
                for r in cur.execute("SELECT instrument_id, version, content_hash FROM instrument_versions").fetchall()
            )
        return [i for i in instruments if recorded.get((i.id, i.version), i.content_hash()) != i.content_hash()]

    def _backfill_definitions(self, rebuild: bool = False) -> None:
        with self.cursor() as cur:
            if rebuild:
                rows = cur.execute("SELECT definition FROM instrument_versions").fetchall()
            else:
                rows = cur.execute(
                    "SELECT v.definition FROM instrument_versions v WHERE NOT EXISTS (SELECT 1 FROM "
                    "instrument_subscales s WHERE s.instrument_id = v.instrument_id AND s.version = v.version) "
                    "AND NOT EXISTS (SELECT 1 FROM instrument_items i WHERE i.instrument_id = v.instrument_id "
                    "AND i.version = v.version)"
                ).fetchall()
        if not rows:
            return
        insts = [Instrument.model_validate_json(r[0]) for r in rows]

        def write(cur: duckdb.DuckDBPyConnection) -> None:
            for inst in insts:
                _write_definition(cur, inst)

        self.transaction(write)

    def instrument_snapshot(self, instrument_id: str, version: int) -> Instrument | None:
        """The instrument exactly as it was when answers were given under `version`."""
        with self.cursor() as cur:
            row = cur.execute(
                "SELECT definition FROM instrument_versions WHERE instrument_id = ? AND version = ?",
                [instrument_id, version],
            ).fetchone()
        return Instrument.model_validate_json(row[0]) if row else None

    # -- couples and partners ----------------------------------------------------------
    def create_couple(self, name: str, partner_names: Sequence[str]) -> int:
        """Add a couple with its two partners; returns the couple id."""
        name = clean_name(name, "couple name")
        if len(partner_names) != 2:
            raise StoreError("A couple has two partners.")
        names = [clean_name(n, "partner name") for n in partner_names]

        def write(cur: duckdb.DuckDBPyConnection) -> int:
            row = cur.execute("INSERT INTO couples (name) VALUES (?) RETURNING couple_id", [name]).fetchone()
            assert row is not None
            couple_id = int(row[0])
            for slot, pname in enumerate(names, start=1):
                cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, ?, ?)", [couple_id, slot, pname])
            return couple_id

        couple_id = self.transaction(write)
        self._bump(couple_id)
        return couple_id

    def couples(self) -> list[Couple]:
        """Every couple with its partners, oldest first."""
        with self.cursor() as cur:
            crow = cur.execute("SELECT couple_id, name FROM couples ORDER BY couple_id").fetchall()
            prow = cur.execute(
                "SELECT partner_id, couple_id, slot, name FROM partners ORDER BY couple_id, slot"
            ).fetchall()
        by_couple: dict[int, list[Partner]] = {}
        for p in prow:
            by_couple.setdefault(p[1], []).append(Partner(*p))
        return [Couple(c[0], c[1], tuple(by_couple.get(c[0], []))) for c in crow]

    def couple(self, couple_id: int) -> Couple | None:
        """One couple with its partners, or None."""
        with self.cursor() as cur:
            c = cur.execute("SELECT couple_id, name FROM couples WHERE couple_id = ?", [couple_id]).fetchone()
            if c is None:
                return None
            ps = cur.execute(
                "SELECT partner_id, couple_id, slot, name FROM partners WHERE couple_id = ? ORDER BY slot",
                [couple_id],
            ).fetchall()
        return Couple(c[0], c[1], tuple(Partner(*p) for p in ps))

    def couple_count(self) -> int:
        """How many couples the database holds."""
        with self.cursor() as cur:
            row = cur.execute("SELECT count(*) FROM couples").fetchone()
        return int(row[0]) if row else 0

    def rename_couple(self, couple_id: int, name: str) -> None:
        """Change a couple's name."""
        name = clean_name(name, "couple name")
        self.transaction(lambda cur: cur.execute("UPDATE couples SET name = ? WHERE couple_id = ?", [name, couple_id]))
        self._bump(couple_id)

    def checkin_day(self, couple_id: int) -> int:
        """The couple's monthly check-in day (1 to 28)."""
        with self.cursor() as cur:
            row = cur.execute("SELECT checkin_day FROM couples WHERE couple_id = ?", [couple_id]).fetchone()
        return int(row[0]) if row and row[0] else 28

    def set_checkin_day(self, couple_id: int, day: int) -> None:
        """Change the couple's monthly check-in day."""
        if not 1 <= int(day) <= 28:
            raise StoreError("Please choose a day from 1 to 28, so it exists in every month.")
        self.transaction(
            lambda cur: cur.execute("UPDATE couples SET checkin_day = ? WHERE couple_id = ?", [int(day), couple_id])
        )
        self._bump(couple_id)

    def rename_partner(self, partner_id: int, name: str) -> None:
        """Change a partner's name."""
        name = clean_name(name, "partner name")

        def write(cur: duckdb.DuckDBPyConnection) -> int:
            row = cur.execute(
                "UPDATE partners SET name = ? WHERE partner_id = ? RETURNING couple_id", [name, partner_id]
            ).fetchone()
            if row is None:
                raise StoreError("That partner no longer exists.")
            return int(row[0])

        self._bump(self.transaction(write))

    # -- check-ins ---------------------------------------------------------------------
    def get_checkin(self, partner_id: int, period: dt.date) -> Checkin | None:
        """A partner's check-in for a month, or None."""
        with self.cursor() as cur:
            row = cur.execute(
                f"SELECT {_CHECKIN_COLS} FROM checkins WHERE partner_id = ? AND period = ?",
                [partner_id, month_start(period)],
            ).fetchone()
        return Checkin(*row) if row else None

    def checkin_by_id(self, checkin_id: int) -> Checkin | None:
        """A check-in by id, or None."""
        with self.cursor() as cur:
            row = cur.execute(f"SELECT {_CHECKIN_COLS} FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone()
        return Checkin(*row) if row else None

    def open_checkin(self, partner_id: int, period: dt.date) -> Checkin:
        """The partner's check-in for the month, starting a draft when there is none."""
        period = month_start(period)
        existing = self.get_checkin(partner_id, period)
        if existing is not None:
            return existing

        def write(cur: duckdb.DuckDBPyConnection) -> None:
            row = cur.execute("SELECT couple_id FROM partners WHERE partner_id = ?", [partner_id]).fetchone()
            if row is None:
                raise StoreError("That partner no longer exists.")
            cur.execute(
                "INSERT INTO checkins (couple_id, partner_id, period, status, started_at, updated_at) "
                "VALUES (?, ?, ?, 'draft', current_timestamp, current_timestamp) ON CONFLICT DO NOTHING",
                [row[0], partner_id, period],
            )

        self.transaction(write)
        found = self.get_checkin(partner_id, period)
        assert found is not None
        self._bump(found.couple_id)
        return found

    def _lock_checkin(self, cur: duckdb.DuckDBPyConnection, checkin_id: int) -> int:
        """Touch the check-in row so concurrent writers to it conflict and retry.

        Returns the couple id; refuses when the check-in is already submitted.
        """
        row = cur.execute(
            "UPDATE checkins SET updated_at = current_timestamp WHERE checkin_id = ? AND status = 'draft' "
            "RETURNING couple_id",
            [checkin_id],
        ).fetchone()
        if row is None:
            found = cur.execute("SELECT status FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone()
            if found is None:
                raise StoreError("That check-in no longer exists.")
            raise AlreadySubmitted("This check-in was already submitted, so it can no longer change.")
        return int(row[0])

    def save_answers(self, checkin_id: int, inst: Instrument, answers: Mapping[str, Answer | None]) -> None:
        """Save (or clear, with None) answers of one instrument in a draft, in one transaction."""
        for item_id in answers:
            inst.item(item_id)  # KeyError for an unknown item: a programming error

        def write(cur: duckdb.DuckDBPyConnection) -> int:
            couple_id = self._lock_checkin(cur, checkin_id)
            ids = list(answers)
            cur.execute(
                "DELETE FROM responses WHERE checkin_id = ? AND instrument_id = ? AND list_contains(?, item_id)",
                [checkin_id, inst.id, ids],
            )
            rows = [
                (checkin_id, inst.id, inst.version, item_id, a.value, a.text)
                for item_id, a in answers.items()
                if a is not None
            ]
            if rows:
                cur.executemany("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?)", rows)
            return couple_id

        self._bump(self.transaction(write))

    def answers(self, checkin_id: int) -> dict[str, dict[str, Answer]]:
        """A check-in's answers as {instrument_id: {item_id: Answer}}."""
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT instrument_id, item_id, value, text FROM responses WHERE checkin_id = ?", [checkin_id]
            ).fetchall()
        out: dict[str, dict[str, Answer]] = {}
        for inst_id, item_id, value, text in rows:
            out.setdefault(inst_id, {})[item_id] = Answer(value, text)
        return out

    def save_note(self, checkin_id: int, body: str, private: bool) -> None:
        """Save the check-in's free-text note (empty text removes it)."""
        body = body.replace("\x00", "").strip()
        # an encrypted note (mendwell.vault) is longer than its text: base64 of nonce + text + tag
        limit = NOTE_LIMIT * 6 + 64 if body.startswith("enc:v1:") else NOTE_LIMIT
        if len(body) > limit:
            raise StoreError(f"The note is {len(body)} characters long; the limit is {NOTE_LIMIT}.")

        def write(cur: duckdb.DuckDBPyConnection) -> int:
            couple_id = self._lock_checkin(cur, checkin_id)
            cur.execute("DELETE FROM notes WHERE checkin_id = ?", [checkin_id])
            if body:
                cur.execute("INSERT INTO notes VALUES (?, ?, ?, current_timestamp)", [checkin_id, body, bool(private)])
            return couple_id

        self._bump(self.transaction(write))

    def note(self, checkin_id: int) -> tuple[str, bool] | None:
        """The check-in's note as (text, is_private), or None."""
        with self.cursor() as cur:
            row = cur.execute("SELECT body, is_private FROM notes WHERE checkin_id = ?", [checkin_id]).fetchone()
        return (row[0], bool(row[1])) if row else None

    def submit(self, checkin_id: int, catalog: Catalog) -> bool:
        """Submit a draft in one transaction; False when it was already submitted.

        Answers that `show_if` now hides (e.g. a follow-up whose trigger was
        changed back to 'never') are dropped rather than scored.
        """

        def write(cur: duckdb.DuckDBPyConnection) -> int | None:
            row = cur.execute(
                "UPDATE checkins SET status = 'submitted', submitted_at = current_timestamp, "
                "updated_at = current_timestamp WHERE checkin_id = ? AND status = 'draft' RETURNING couple_id",
                [checkin_id],
            ).fetchone()
            if row is None:
                if cur.execute("SELECT 1 FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone() is None:
                    raise StoreError("That check-in no longer exists.")
                return None
            stored = cur.execute(
                "SELECT instrument_id, instrument_version, item_id, value, text FROM responses WHERE checkin_id = ?",
                [checkin_id],
            ).fetchall()
            by_inst: dict[tuple[str, int], dict[str, Answer]] = {}
            for inst_id, version, item_id, value, text in stored:
                by_inst.setdefault((inst_id, version), {})[item_id] = Answer(value, text)
            for (inst_id, version), answers in by_inst.items():
                inst = catalog.get(inst_id)
                if inst is None or inst.version != version:
                    inst = self.instrument_snapshot(inst_id, version)
                if inst is None:
                    continue
                drop = hidden_answered(inst, answers)
                if drop:
                    cur.execute(
                        "DELETE FROM responses WHERE checkin_id = ? AND instrument_id = ? "
                        "AND list_contains(?, item_id)",
                        [checkin_id, inst_id, drop],
                    )
            return int(row[0])

        couple_id = self.transaction(write)
        if couple_id is None:
            return False
        self._bump(couple_id)
        return True

    def month_status(self, couple_id: int, period: dt.date) -> dict[int, str]:
        """{partner_id: 'not started' | 'in progress' | 'submitted'} for one month."""
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT p.partner_id, c.status FROM partners p LEFT JOIN checkins c "
                "ON c.partner_id = p.partner_id AND c.period = ? WHERE p.couple_id = ? ORDER BY p.slot",
                [month_start(period), couple_id],
            ).fetchall()
        names = {None: "not started", "draft": "in progress", "submitted": "submitted"}
        return {int(pid): names[status] for pid, status in rows}

    def checkins(self, couple_id: int, partner_id: int | None = None) -> pd.DataFrame:
        """A couple's check-ins (newest first), with answered-item counts."""
        sql = (
            "SELECT c.checkin_id, c.partner_id, p.name AS partner, c.period, c.status, c.started_at, "
            "c.submitted_at, (SELECT count(*) FROM responses r WHERE r.checkin_id = c.checkin_id) AS answers "
            "FROM checkins c JOIN partners p USING (partner_id) WHERE c.couple_id = ? "
            + ("AND c.partner_id = ? " if partner_id is not None else "")
            + "ORDER BY c.period DESC, p.slot"
        )
        params: list[object] = [couple_id] + ([partner_id] if partner_id is not None else [])
        return self.query(sql, params)

    def last_submitted(self, partner_id: int) -> Checkin | None:
        """The partner's most recent submitted check-in."""
        with self.cursor() as cur:
            row = cur.execute(
                f"SELECT {_CHECKIN_COLS} FROM checkins WHERE partner_id = ? AND status = 'submitted' "
                "ORDER BY period DESC LIMIT 1",
                [partner_id],
            ).fetchone()
        return Checkin(*row) if row else None

    def table_counts(self) -> dict[str, int]:
        """Row counts of the main tables (for the CLI and tests)."""
        out = {}
        with self.cursor() as cur:
            for table in ("couples", "partners", "checkins", "responses", "notes"):
                row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()
                out[table] = int(row[0]) if row else 0
        return out


_CHECKIN_COLS = "checkin_id, couple_id, partner_id, period, status, started_at, updated_at, submitted_at"


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a COMMIT that failed (e.g. a write conflict) has already ended the transaction."""
    with suppress(duckdb.TransactionException):
        cur.execute("ROLLBACK")


def _database_name(cur: duckdb.DuckDBPyConnection) -> str:
    row = cur.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def _sql_text(text: str) -> str:
    """A SQL string literal (for ATTACH, which takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _sql_ident(name: str) -> str:
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


def _write_definition(cur: duckdb.DuckDBPyConnection, inst: Instrument) -> None:
    """Write one instrument version's structure into the definition tables."""
    key = [inst.id, inst.version]
    for table in ("instrument_items", "instrument_subscales", "instrument_bands", "instrument_options"):
        cur.execute(f"DELETE FROM {table} WHERE instrument_id = ? AND version = ?", key)
    items = []
    options = []
    for pos, it in enumerate(inst.items):
        lo, hi = inst.scale(it)
        show_if = it.show_if.item if it.show_if else None
        items.append(
            (
                *key,
                it.id,
                pos,
                it.kind,
                it.subscale,
                it.reverse,
                lo,
                hi,
                it.private,
                list(it.themes),
                it.mirror,
                show_if,
            )
        )
        for o in it.options or ():
            options.append((*key, it.id, o.value, o.label, o.theme))
    cur.executemany(
        "INSERT INTO instrument_items (instrument_id, version, item_id, position, kind, subscale_id, reverse, "
        "scale_min, scale_max, private, themes, mirror, show_if_item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        items,
    )
    if options:
        cur.executemany("INSERT INTO instrument_options VALUES (?, ?, ?, ?, ?, ?)", options)
    subs, bands = [], []
    for pos, sc in enumerate(inst.subscales):
        subs.append(
            (*key, sc.id, pos, sc.title, sc.higher_is, sc.scoring, sc.reliability, inst.is_private_subscale(sc.id))
        )
        for bpos, b in enumerate(sc.bands):
            bands.append((*key, sc.id, bpos, b.below, b.label, b.tone))
    if subs:
        cur.executemany("INSERT INTO instrument_subscales VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", subs)
    if bands:
        cur.executemany("INSERT INTO instrument_bands VALUES (?, ?, ?, ?, ?, ?, ?)", bands)
