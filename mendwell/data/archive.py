"""Archive tables in and out of the database: copy a snapshot out as Parquet, stage an archive's
Parquet files, check them against the database, and apply them in one transaction.

The archive's zip and manifest are handled by `mendwell.archive`; this module
holds the SQL. Limits come from `mendwell.limits`, so the importer accepts
exactly what the app can store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from pydantic import ValidationError

from mendwell.data.definitions import write_rows
from mendwell.data.engine import Cursor, Engine, rollback
from mendwell.errors import ArchiveError
from mendwell.instruments import Instrument
from mendwell.limits import (
    CHECKIN_DAY_MAX,
    CHECKIN_DAY_MIN,
    NAME_MAX,
    NOTE_MAX,
    SEALED_PREFIX,
    TEXT_ANSWER_MAX,
    sealed_length,
)

# Columns of each archived table, in order, with their SQL types.
TABLES: dict[str, dict[str, str]] = {
    "couples": {"couple_id": "INTEGER", "name": "VARCHAR", "created_at": "TIMESTAMP", "checkin_day": "SMALLINT"},
    "partners": {"partner_id": "INTEGER", "couple_id": "INTEGER", "slot": "SMALLINT", "name": "VARCHAR"},
    "checkins": {
        "checkin_id": "BIGINT", "couple_id": "INTEGER", "partner_id": "INTEGER", "period": "DATE",
        "status": "VARCHAR", "started_at": "TIMESTAMP", "updated_at": "TIMESTAMP", "submitted_at": "TIMESTAMP",
    },
    "responses": {
        "checkin_id": "BIGINT", "instrument_id": "VARCHAR", "instrument_version": "INTEGER", "item_id": "VARCHAR",
        "value": "DOUBLE", "text": "VARCHAR",
    },
    "notes": {"checkin_id": "BIGINT", "body": "VARCHAR", "is_private": "BOOLEAN", "updated_at": "TIMESTAMP"},
    "instrument_versions": {
        "instrument_id": "VARCHAR", "version": "INTEGER", "content_hash": "VARCHAR", "title": "VARCHAR",
        "definition": "VARCHAR", "recorded_at": "TIMESTAMP",
    },
}  # fmt: skip
KEYS = {
    "couples": ["couple_id"],
    "partners": ["partner_id"],
    "checkins": ["checkin_id"],
    "responses": ["checkin_id", "instrument_id", "item_id"],
    "notes": ["checkin_id"],
    "instrument_versions": ["instrument_id", "version"],
}


# Which instruments are safety checks, for queries that must leave their answers out.
SAFETY_INSTRUMENTS = (
    "SELECT instrument_id FROM instrument_versions WHERE coalesce(json_extract(definition, '$.safety')::BOOLEAN, false)"
)


def _select(table: str, couple_id: int | None) -> tuple[str, list[object]]:
    cols = ", ".join(f"t.{c}" for c in TABLES[table])
    if couple_id is None or table == "instrument_versions":
        return f"SELECT {cols} FROM {table} t", []
    if table in ("couples", "partners", "checkins"):
        return f"SELECT {cols} FROM {table} t WHERE t.couple_id = ?", [couple_id]
    if table == "responses":
        # a couple's archive may be handed to them: the private safety check stays out of it
        return (
            f"SELECT {cols} FROM {table} t JOIN checkins c USING (checkin_id) WHERE c.couple_id = ? "
            f"AND t.instrument_id NOT IN ({SAFETY_INSTRUMENTS})",
            [couple_id],
        )
    return f"SELECT {cols} FROM {table} t JOIN checkins c USING (checkin_id) WHERE c.couple_id = ?", [couple_id]


def copy_out(engine: Engine, folder: Path, couple_id: int | None = None) -> dict[str, int]:
    """Write every archived table (or one couple's rows) to FOLDER/<table>.parquet from one snapshot.

    Returns the row count of each table.
    """
    rows: dict[str, int] = {}
    with engine.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot for every table
        try:
            for table in TABLES:
                sql, params = _select(table, couple_id)
                cur.execute(f"COPY ({sql}) TO ? (FORMAT parquet)", [*params, str(folder / f"{table}.parquet")])
                row = cur.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
                rows[table] = int(row[0]) if row else 0
        finally:
            cur.execute("ROLLBACK")
    return rows


class Staging:
    """An archive's tables loaded into temporary tables (imp_*) on one cursor, checked, then applied."""

    def __init__(self, engine: Engine, cur: Cursor) -> None:
        self._engine = engine
        self._cur = cur

    def stage(self, table: str, parquet: Path, declared_rows: int) -> list[str]:
        """Load one table's Parquet file (a path of our own making); returns the problems found."""
        cur = self._cur
        columns = TABLES[table]
        src = str(parquet)
        try:
            found = cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [src]).fetchall()
        except duckdb.Error as exc:
            return [f"{table}.parquet cannot be read: {_plain(exc, parquet)}"]
        names = [r[0] for r in found]
        if names != list(columns):
            return [f"{table}.parquet: columns are {names}, expected {list(columns)}"]
        casts = ", ".join(f"TRY_CAST({c} AS {t}) AS {c}" for c, t in columns.items())
        bad = " OR ".join(f"(TRY_CAST(raw.{c} AS {t}) IS NULL AND raw.{c} IS NOT NULL)" for c, t in columns.items())
        problems = []
        try:  # a file whose metadata reads fine can still hold damaged pages
            cur.execute(f"CREATE OR REPLACE TEMP TABLE imp_{table} AS SELECT {casts} FROM read_parquet(?)", [src])
            row = cur.execute(f"SELECT count(*) FROM read_parquet(?) raw WHERE {bad}", [src]).fetchone()
        except duckdb.Error as exc:
            return [f"{table}.parquet cannot be read: {_plain(exc, parquet)}"]
        if row and row[0]:
            problems.append(f"{table}.parquet: {row[0]} row(s) with values of the wrong type")
        row = cur.execute(f"SELECT count(*) FROM imp_{table}").fetchone()
        if row and int(row[0]) != declared_rows:
            problems.append(f"{table}.parquet: {row[0]} rows, but the manifest says {declared_rows}")
        return problems

    def apply(self) -> dict[str, int]:
        """Check the staged tables against the database and add what is new, in one transaction."""
        return _apply(self._engine, self._cur)


def _plain(exc: Exception, parquet: Path) -> str:
    """DuckDB's first line about a file, without our temporary folder in it."""
    return str(exc).splitlines()[0].replace(str(parquet.parent) + "/", "").replace(str(parquet), parquet.name)


@contextmanager
def staging(engine: Engine) -> Iterator[Staging]:
    """A cursor of its own for staging and applying one archive."""
    with engine.cursor() as cur:
        yield Staging(engine, cur)


def _checks(cur: Cursor) -> list[str]:
    """Validation in SQL over the staged tables (imp_*) against the database."""
    # the app's own limits, bound once, so the importer accepts exactly what the app can store
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE imp_limits AS SELECT ?::INTEGER AS name_max, ?::INTEGER AS day_min, "
        "?::INTEGER AS day_max, ?::INTEGER AS note_max, ?::INTEGER AS note_sealed_max, ?::INTEGER AS text_max, "
        "?::INTEGER AS text_sealed_max, ?::VARCHAR AS sealed_prefix",
        [NAME_MAX, CHECKIN_DAY_MIN, CHECKIN_DAY_MAX, NOTE_MAX, sealed_length(NOTE_MAX), TEXT_ANSWER_MAX,
         sealed_length(TEXT_ANSWER_MAX), SEALED_PREFIX],
    )  # fmt: skip
    checks: list[tuple[str, str]] = []
    for table, keys in KEYS.items():
        k = ", ".join(keys)
        checks.append(
            (
                f"SELECT count(*) FROM (SELECT {k} FROM imp_{table} GROUP BY {k} HAVING count(*) > 1)",
                f"{table}: the same id appears more than once",
            )
        )
        nulls = " OR ".join(f"{c} IS NULL" for c in keys)
        checks.append((f"SELECT count(*) FROM imp_{table} WHERE {nulls}", f"{table}: rows without an id"))
    # every column the database requires (NOT NULL) must be given
    required = cur.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT is_nullable"
    ).fetchall()
    for table, column in required:
        if table in TABLES and column in TABLES[table] and column not in KEYS[table]:
            checks.append((f"SELECT count(*) FROM imp_{table} WHERE {column} IS NULL", f"{table}: {column} is missing"))
    checks += [
        (
            "SELECT count(*) FROM imp_couples, imp_limits l WHERE name IS NULL OR length(trim(name)) = 0 "
            "OR length(name) > l.name_max",
            f"couples: a name is empty or longer than {NAME_MAX} characters",
        ),
        (
            "SELECT count(*) FROM imp_partners, imp_limits l WHERE name IS NULL OR length(trim(name)) = 0 "
            "OR length(name) > l.name_max",
            f"partners: a name is empty or longer than {NAME_MAX} characters",
        ),
        ("SELECT count(*) FROM imp_partners WHERE slot NOT IN (1, 2)", "partners: slot must be 1 or 2"),
        (
            "SELECT count(*) FROM imp_couples, imp_limits l WHERE checkin_day IS NOT NULL "
            "AND checkin_day NOT BETWEEN l.day_min AND l.day_max",
            f"couples: checkin_day must be from {CHECKIN_DAY_MIN} to {CHECKIN_DAY_MAX}",
        ),
        (
            "SELECT count(*) FROM imp_partners i JOIN partners p ON p.couple_id = i.couple_id AND p.slot = i.slot "
            "AND p.partner_id <> i.partner_id",
            "partners: that slot of the couple is already taken by another partner in this database",
        ),
        (
            "SELECT count(*) FROM (SELECT couple_id, slot FROM imp_partners GROUP BY ALL HAVING count(*) > 1)",
            "partners: two partners share a slot in one couple",
        ),
        (
            "SELECT count(*) FROM imp_partners p WHERE p.couple_id NOT IN (SELECT couple_id FROM imp_couples) "
            "AND p.couple_id NOT IN (SELECT couple_id FROM couples)",
            "partners: refer to a couple that is not there",
        ),
        (
            "SELECT count(*) FROM imp_checkins WHERE status NOT IN ('draft', 'submitted')",
            "checkins: status must be draft or submitted",
        ),
        (
            "SELECT count(*) FROM imp_checkins WHERE period IS NULL OR day(period) <> 1",
            "checkins: period must be the first day of a month",
        ),
        (
            "SELECT count(*) FROM (SELECT partner_id, period FROM imp_checkins GROUP BY ALL HAVING count(*) > 1)",
            "checkins: two check-ins for one partner in one month",
        ),
        (
            "SELECT count(*) FROM imp_checkins c WHERE NOT EXISTS (SELECT 1 FROM imp_partners p WHERE "
            "p.partner_id = c.partner_id AND p.couple_id = c.couple_id) AND NOT EXISTS (SELECT 1 FROM partners p "
            "WHERE p.partner_id = c.partner_id AND p.couple_id = c.couple_id)",
            "checkins: refer to a partner (of that couple) that is not there",
        ),
        (
            "SELECT count(*) FROM imp_responses r WHERE r.checkin_id NOT IN (SELECT checkin_id FROM imp_checkins)",
            "responses: refer to a check-in that is not in the archive",
        ),
        (
            "SELECT count(*) FROM imp_notes n WHERE n.checkin_id NOT IN (SELECT checkin_id FROM imp_checkins)",
            "notes: refer to a check-in that is not in the archive",
        ),
        (
            "SELECT count(*) FROM imp_notes, imp_limits l WHERE body IS NULL OR length(body) > "
            "CASE WHEN starts_with(body, l.sealed_prefix) THEN l.note_sealed_max ELSE l.note_max END",
            f"notes: a note is empty or longer than {NOTE_MAX} characters",
        ),
        (
            "SELECT count(*) FROM imp_responses r WHERE NOT EXISTS (SELECT 1 FROM imp_instrument_versions v WHERE "
            "v.instrument_id = r.instrument_id AND v.version = r.instrument_version) AND NOT EXISTS (SELECT 1 FROM "
            "instrument_versions v WHERE v.instrument_id = r.instrument_id AND v.version = r.instrument_version)",
            "responses: answers to a questionnaire version the archive does not describe",
        ),
        (
            "SELECT count(*) FROM imp_responses, imp_limits l WHERE length(text) > "
            "CASE WHEN starts_with(text, l.sealed_prefix) THEN l.text_sealed_max ELSE l.text_max END",
            f"responses: a written answer is longer than {TEXT_ANSWER_MAX} characters",
        ),
        (
            "SELECT count(*) FROM imp_responses WHERE value IS NOT NULL AND NOT isfinite(value)",
            "responses: a value is not a finite number",
        ),
        # the same id already in the database must hold the same data (then it is skipped)
        (
            "SELECT count(*) FROM imp_couples i JOIN couples c USING (couple_id) WHERE i.name <> c.name",
            "couples: an id already in this database belongs to another couple",
        ),
        (
            "SELECT count(*) FROM imp_partners i JOIN partners p USING (partner_id) "
            "WHERE i.couple_id <> p.couple_id OR i.slot <> p.slot",
            "partners: an id already in this database belongs to another partner",
        ),
        (
            "SELECT count(*) FROM imp_checkins i JOIN checkins c USING (checkin_id) "
            "WHERE i.partner_id <> c.partner_id OR i.period <> c.period OR i.status <> c.status",
            "checkins: an id already in this database holds a different check-in",
        ),
        (
            "SELECT count(*) FROM imp_checkins i JOIN checkins c ON c.partner_id = i.partner_id "
            "AND c.period = i.period AND c.checkin_id <> i.checkin_id",
            "checkins: this database already has another check-in for that partner and month",
        ),
        (
            "SELECT count(*) FROM imp_instrument_versions i JOIN instrument_versions v USING (instrument_id, version) "
            "WHERE i.content_hash <> v.content_hash",
            "instrument_versions: a questionnaire version differs from the one this database recorded",
        ),
    ]
    problems = []
    for sql, message in checks:
        row = cur.execute(sql).fetchone()
        n = int(row[0]) if row else 0
        if n:
            problems.append(f"{message} ({n} row{'s' if n != 1 else ''})")
    return problems


def _definition_problems(cur: Cursor) -> list[str]:
    for (definition,) in cur.execute("SELECT definition FROM imp_instrument_versions").fetchall():
        try:
            Instrument.model_validate_json(definition)
        except (ValidationError, ValueError):
            return ["instrument_versions: a questionnaire definition is not valid"]
    return []


def _answer_problems(cur: Cursor) -> list[str]:
    """Every answer must be one its question could have been given: a known question, the right kind of
    answer, a value on its scale (or among its options), in a month that has come."""
    rules: list[tuple[str, int, str, str, float, float, list[int]]] = []
    defs = cur.execute(
        "SELECT definition FROM imp_instrument_versions UNION ALL SELECT v.definition FROM instrument_versions v "
        "WHERE NOT EXISTS (SELECT 1 FROM imp_instrument_versions i WHERE i.instrument_id = v.instrument_id "
        "AND i.version = v.version)"
    ).fetchall()
    for (definition,) in defs:
        try:
            inst = Instrument.model_validate_json(definition)
        except (ValidationError, ValueError):
            continue  # reported by _definition_problems
        for it in inst.items:
            lo, hi = inst.scale(it)
            options = [o.value for o in it.options or ()]
            rules.append((inst.id, inst.version, it.id, it.kind, float(lo), float(hi), options))
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE imp_rules (instrument_id VARCHAR, version INTEGER, item_id VARCHAR, "
        "kind VARCHAR, lo DOUBLE, hi DOUBLE, options INTEGER[])"
    )
    if rules:
        cur.executemany("INSERT INTO imp_rules VALUES (?, ?, ?, ?, ?, ?, ?)", rules)
    joined = (
        "FROM imp_responses r LEFT JOIN imp_rules q ON q.instrument_id = r.instrument_id "
        "AND q.version = r.instrument_version AND q.item_id = r.item_id"
    )
    checks = [
        (
            f"SELECT count(*) {joined} WHERE q.kind IS NULL",
            "responses: answers to a question the questionnaire does not have",
        ),
        (
            f"SELECT count(*) {joined} WHERE q.kind IN ('likert', 'count', 'yesno') AND (r.value IS NULL "
            "OR r.value < q.lo OR r.value > q.hi OR r.value <> round(r.value))",
            "responses: a value outside its question's scale",
        ),
        (
            f"SELECT count(*) {joined} WHERE q.kind = 'choice' AND (r.value IS NULL "
            "OR NOT list_contains(q.options, CAST(r.value AS INTEGER)) OR r.value <> round(r.value))",
            "responses: a choice that is not one of its question's options",
        ),
        (
            f"SELECT count(*) {joined} WHERE q.kind = 'multi' AND (r.value IS NULL OR r.value < 0 "
            "OR r.value > len(q.options) OR r.text IS NULL)",
            "responses: a multiple choice that its question could not hold",
        ),
        (
            f"SELECT count(*) {joined} WHERE q.kind = 'text' AND (r.value IS NOT NULL OR r.text IS NULL)",
            "responses: a written answer held as a number",
        ),
        (
            f"SELECT count(*) {joined} WHERE q.kind IN ('likert', 'count', 'yesno', 'choice') AND r.text IS NOT NULL",
            "responses: a number question holding text",
        ),
        (
            "SELECT count(*) FROM imp_checkins WHERE period > date_trunc('month', current_date)",
            "checkins: a check-in for a month that has not come yet",
        ),
    ]
    problems = []
    for sql, message in checks:
        row = cur.execute(sql).fetchone()
        n = int(row[0]) if row else 0
        if n:
            problems.append(f"{message} ({n} row{'s' if n != 1 else ''})")
    return problems


def _apply(engine: Engine, cur: Cursor) -> dict[str, int]:
    added: dict[str, int] = {}
    cur.execute("BEGIN TRANSACTION")
    try:
        # checked inside the transaction that writes: a couple another session adds meanwhile (taking the
        # next id) cannot slip in between, to have the archive's check-ins attached to its partners
        problems = _checks(cur) + _definition_problems(cur) + _answer_problems(cur)
        if problems:
            raise ArchiveError(problems)
        # answers and notes come with their check-in: decide which check-ins are new before adding any
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE imp_new_checkins AS SELECT checkin_id FROM imp_checkins "
            "WHERE checkin_id NOT IN (SELECT checkin_id FROM checkins)"
        )
        for table, keys in KEYS.items():
            cols = ", ".join(TABLES[table])
            if table in ("responses", "notes"):
                where = "WHERE i.checkin_id IN (SELECT checkin_id FROM imp_new_checkins)"
            else:
                match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
                where = f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"
            new_defs = []
            if table == "instrument_versions":
                new_defs = cur.execute(f"SELECT i.definition FROM imp_{table} i {where}").fetchall()
            row = cur.execute(f"SELECT count(*) FROM imp_{table} i {where}").fetchone()
            added[table] = int(row[0]) if row else 0
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM imp_{table} i {where}")
            for (definition,) in new_defs:
                write_rows(cur, Instrument.model_validate_json(definition))
        _advance_sequences(cur)
        cur.execute("COMMIT")
    except duckdb.ConstraintException as exc:  # a clash the checks above did not foresee: still all or nothing
        rollback(cur)
        raise ArchiveError([f"the archive does not fit this database: {str(exc).splitlines()[0]}"]) from None
    except duckdb.TransactionException:  # another session wrote the same rows meanwhile
        rollback(cur)
        changed = "the database changed while importing (another window saved at the same moment); please try again"
        raise ArchiveError([changed]) from None
    except BaseException:
        rollback(cur)
        raise
    engine.bump(*(int(r[0]) for r in engine.rows("SELECT couple_id FROM couples")))
    return added


def _advance_sequences(cur: Cursor) -> None:
    """Move id sequences past imported ids (DuckDB has no setval)."""
    for seq, table, col in (
        ("couple_ids", "couples", "couple_id"),
        ("partner_ids", "partners", "partner_id"),
        ("checkin_ids", "checkins", "checkin_id"),
    ):
        top = cur.execute(f"SELECT coalesce(max({col}), 0) FROM {table}").fetchone()
        current = cur.execute(
            "SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() WHERE sequence_name = ?", [seq]
        ).fetchone()
        gap = int(top[0] if top else 0) - int(current[0] if current and current[0] is not None else 0)
        if gap > 0:
            cur.execute(f"SELECT max(nextval('{seq}')) FROM range(?)", [gap])
