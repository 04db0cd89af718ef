"""Archive tables in and out of the database: copy a snapshot out as Parquet, stage an archive's
Parquet files, check them against the database, and apply them in one transaction.

The archive's zip and manifest are handled by `mendwell.archive`; this module
holds the SQL. Limits come from `mendwell.limits`, so the importer accepts
exactly what the app can store.
"""

from __future__ import annotations

import re
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
    ARCHIVE_CHUNK_BYTES,
    ARCHIVE_MAX_RATIO,
    ARCHIVE_ROWS_MAX,
    ARCHIVE_UNPACKED_MAX_BYTES,
    CHECKIN_DAY_MAX,
    CHECKIN_DAY_MIN,
    NAME_MAX,
    NOTE_MAX,
    SALT_BYTES,
    SEALED_PREFIX,
    TEXT_ANSWER_MAX,
    human_bytes,
    sealed_length,
)
from mendwell.text import BIDI_CONTROLS_SQL, counted, listed

# Columns of each archived table, in order, with their SQL types.
TABLES: dict[str, dict[str, str]] = {
    "couples": {"couple_id": "INTEGER", "name": "VARCHAR", "created_at": "TIMESTAMP", "checkin_day": "SMALLINT",
                "uid": "VARCHAR"},
    "partners": {"partner_id": "INTEGER", "couple_id": "INTEGER", "slot": "SMALLINT", "name": "VARCHAR"},
    "checkins": {
        "checkin_id": "BIGINT", "couple_id": "INTEGER", "partner_id": "INTEGER", "period": "DATE",
        "status": "VARCHAR", "started_at": "TIMESTAMP", "updated_at": "TIMESTAMP", "submitted_at": "TIMESTAMP",
        "sealed_as": "BIGINT",
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
    # a partner's salt for sealing private text: without it, the same passcode could not open it again
    "salts": {"partner_id": "INTEGER", "salt": "VARCHAR"},
    "baselines": {"couple_id": "INTEGER", "period": "DATE", "marked_at": "TIMESTAMP"},
}  # fmt: skip
# What a format-1 archive (before couples had a stable identifier) holds.
TABLES_V1: dict[str, dict[str, str]] = {
    t: {c: k for c, k in cols.items() if c not in ("uid", "sealed_as")}
    for t, cols in TABLES.items()
    if t not in ("salts", "baselines")
}
KEYS = {
    "couples": ["couple_id"],
    "partners": ["partner_id"],
    "checkins": ["checkin_id"],
    "responses": ["checkin_id", "instrument_id", "item_id"],
    "notes": ["checkin_id"],
    "instrument_versions": ["instrument_id", "version"],
    "salts": ["partner_id"],
    "baselines": ["couple_id"],
}


# Which instruments are safety checks, for queries that must leave their answers out.
SAFETY_INSTRUMENTS = (
    "SELECT instrument_id FROM instrument_versions WHERE coalesce(json_extract(definition, '$.safety')::BOOLEAN, false)"
)
_NOT_SAFETY = f" AND instrument_id NOT IN ({SAFETY_INSTRUMENTS})"  # a condition to add to a query of answers


def _select(table: str, couple_id: int | None) -> tuple[str, list[object]]:
    cols = ", ".join(f"t.{c}" for c in TABLES[table])
    if table == "salts":
        return (
            "SELECT p.partner_id, s.value AS salt FROM partners p JOIN settings s "
            "ON s.key = 'vault_salt:' || p.partner_id WHERE (? IS NULL OR p.couple_id = ?)",
            [couple_id, couple_id],
        )
    if couple_id is None or table == "instrument_versions":
        return f"SELECT {cols} FROM {table} t", []
    if table in ("couples", "partners", "checkins", "baselines"):
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

    def stage(self, table: str, parquet: Path | None, declared_rows: int, version: int = 2) -> list[str]:
        """Load one table's Parquet file (a path of our own making; None: a table this archive's format
        does not have, staged empty); returns the problems found."""
        cur = self._cur
        columns = (TABLES_V1 if version < 2 else TABLES).get(table, {})
        if parquet is None or not columns:
            typed = ", ".join(f"{c} {t}" for c, t in TABLES[table].items())
            cur.execute(f"CREATE OR REPLACE TEMP TABLE imp_{table} ({typed})")
            return []
        src = str(parquet)
        try:
            found = cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [src]).fetchall()
        except duckdb.Error as exc:
            return [f"{table}.parquet cannot be read: {_plain(exc, parquet)}"]
        names = [r[0] for r in found]
        if names != list(columns):
            return [f"{table}.parquet: columns are {names}, expected {list(columns)}"]
        refusal = (
            _inflated(cur, table, parquet)
            or _rows_refused(cur, table, parquet, declared_rows)
            or _decoded_refused(cur, table, parquet, {r[0]: str(r[1]) for r in found})
        )
        if refusal:
            return [refusal]
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
        for missing, column_type in TABLES[table].items():  # a format-1 archive lacks a few columns
            if missing not in columns:
                cur.execute(f"ALTER TABLE imp_{table} ADD COLUMN {missing} {column_type}")
        return problems

    def apply(self, dry_run: bool = False, *, without_safety: bool = False) -> ImportReport:
        """Check the staged tables and add what is new, in one transaction (with `dry_run`: only say what
        would be added, and change nothing). `without_safety`: the archive leaves the safety check's answers
        out (a couple's archive), so those held here are neither a difference nor replaced."""
        return _apply(self._engine, self._cur, dry_run, without_safety)


def _inflated(cur: Cursor, table: str, parquet: Path) -> str | None:
    """Why a Parquet file is refused before its rows are loaded: Parquet compresses its own pages, so a file that
    is small in the zip (and 1:1 to it) can hold gigabytes. Its footer says how much its pages unpack to: the same
    limits as for the zip's members apply. None when it is within them."""
    try:
        row = cur.execute(
            "SELECT coalesce(sum(total_uncompressed_size), 0) FROM parquet_metadata(?)", [str(parquet)]
        ).fetchone()
    except duckdb.Error as exc:
        return f"{table}.parquet cannot be read: {_plain(exc, parquet)}"
    return _too_large(table, parquet, int(row[0]) if row else 0)


def _too_large(table: str, parquet: Path, unpacked: int) -> str | None:
    """The limits on what a Parquet file unpacks to, as on any member of the zip; None within them."""
    size = parquet.stat().st_size
    if unpacked > ARCHIVE_UNPACKED_MAX_BYTES:
        return f"{table}.parquet unpacks to more than {human_bytes(ARCHIVE_UNPACKED_MAX_BYTES)}; refused"
    if unpacked > ARCHIVE_MAX_RATIO * max(size, 1) + ARCHIVE_CHUNK_BYTES:
        return (
            f"{table}.parquet would unpack to {unpacked / max(size, 1):,.0f} times its size (at most "
            f"{ARCHIVE_MAX_RATIO} is accepted); this is not a Mendwell archive"
        )
    return None


# A salt as `vault` writes it: SALT_BYTES random bytes in base64 (16 bytes: 22 characters and "=="). Text not in
# base64 would stop its partner's sign-in, where their key is worked out from it; a shorter salt weakens the key.
_SALT_PADDING = -SALT_BYTES % 3
_SALT_WRITTEN = f"[A-Za-z0-9+/]{{{(SALT_BYTES + _SALT_PADDING) * 4 // 3 - _SALT_PADDING}}}={{{_SALT_PADDING}}}"
_NESTED = re.compile(r"\[|^(STRUCT|MAP|UNION)\(")  # DuckDB's names of a list, an array, a record, ...
_TEXT_BYTES = {"VARCHAR": "strlen", "BLOB": "octet_length"}
_VALUE_BYTES = 8  # what any other single value takes, about


def _decoded_refused(cur: Cursor, table: str, parquet: Path, kinds: dict[str, str]) -> str | None:
    """Why a Parquet file is refused, from what its rows hold once read, before they are loaded; None if nothing.

    Parquet may store a text once and each row as a reference to it: 400 rows of one 256 KB text take under a
    kilobyte, pass every check of the footer, and load as 100 MB (a thousand rows of 1 MB took 4.6 GB of memory
    and 20 s). Reading the texts' lengths is quick and small (DuckDB measures each stored text once), so the
    file's texts are measured first and held to the same limits. A column of lists or records is refused
    outright: one row of one could repeat a text a million times."""
    nested = sorted(name for name, kind in kinds.items() if _NESTED.search(kind))
    if nested:
        return (
            f"{table}.parquet: {listed(nested)} {'holds' if len(nested) == 1 else 'hold'} lists or records, not "
            "single values; this is not a Mendwell archive"
        )
    texts = [f"coalesce(sum({_TEXT_BYTES[kind]}({name})), 0)" for name, kind in kinds.items() if kind in _TEXT_BYTES]
    values = len(kinds) - len(texts)
    try:
        row = cur.execute(
            f"SELECT count(*), {' + '.join(texts) or '0'} FROM read_parquet(?)", [str(parquet)]
        ).fetchone()
    except duckdb.Error as exc:
        return f"{table}.parquet cannot be read: {_plain(exc, parquet)}"
    rows, text_bytes = (int(row[0]), int(row[1])) if row else (0, 0)
    return _too_large(table, parquet, text_bytes + rows * values * _VALUE_BYTES)


def _rows_refused(cur: Cursor, table: str, parquet: Path, declared_rows: int) -> str | None:
    """Why a Parquet file is refused, from the rows its footer says it holds, before they are loaded: more than any
    archive holds (a column of one repeated value packs millions of rows into a few KB, within every size limit),
    or not the rows the manifest says. None when neither."""
    try:
        row = cur.execute("SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(?)", [str(parquet)]).fetchone()
    except duckdb.Error as exc:  # a footer DuckDB cannot read (its writer's name not UTF-8, ...)
        return f"{table}.parquet cannot be read: {_plain(exc, parquet)}"
    rows = int(row[0]) if row else 0
    if rows > ARCHIVE_ROWS_MAX:
        return (
            f"{table}.parquet holds {rows:,} rows, more than a Mendwell archive holds ({ARCHIVE_ROWS_MAX:,}); refused"
        )
    if rows != declared_rows:
        return f"{table}.parquet: {rows} rows, but the manifest says {declared_rows}"
    return None


def _plain(exc: Exception, parquet: Path) -> str:
    """DuckDB's first line about a file, without our temporary folder in it."""
    return str(exc).splitlines()[0].replace(str(parquet.parent) + "/", "").replace(str(parquet), parquet.name)


@contextmanager
def staging(engine: Engine) -> Iterator[Staging]:
    """A cursor of its own for staging and applying one archive."""
    with engine.cursor() as cur:
        yield Staging(engine, cur)


def _count_problems(cur: Cursor, checks: list[tuple[str, str]]) -> list[str]:
    """Run each counting query; every non-zero count is a problem, said with its message."""
    problems = []
    for sql, message in checks:
        row = cur.execute(sql).fetchone()
        n = int(row[0]) if row else 0
        if n:
            problems.append(f"{message} ({n} row{'s' if n != 1 else ''})")
    return problems


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
            "SELECT count(*) FROM (SELECT couple_id, slot FROM imp_partners GROUP BY ALL HAVING count(*) > 1)",
            "partners: two partners share a slot in one couple",
        ),
        (
            "SELECT count(*) FROM imp_partners p WHERE p.couple_id NOT IN (SELECT couple_id FROM imp_couples)",
            "partners: refer to a couple that is not in the archive",
        ),
        (
            "SELECT count(*) FROM (SELECT uid FROM imp_couples WHERE uid IS NOT NULL GROUP BY uid HAVING count(*) > 1)",
            "couples: two couples share one identifier",
        ),
        (
            "SELECT count(*) FROM imp_salts s WHERE s.partner_id NOT IN (SELECT partner_id FROM imp_partners)",
            "salts: refer to a partner that is not in the archive",
        ),
        (
            f"SELECT count(*) FROM imp_salts WHERE salt IS NULL OR NOT regexp_full_match(salt, '{_SALT_WRITTEN}')",
            "salts: a salt is not one Mendwell makes (a partner's sealed words could not be opened with it)",
        ),
        (
            "SELECT count(*) FROM imp_baselines b WHERE b.couple_id NOT IN (SELECT couple_id FROM imp_couples)",
            "baselines: refer to a couple that is not in the archive",
        ),
        (  # "from that month on": a mark on the 15th would leave that month's check-in out of the baseline
            "SELECT count(*) FROM imp_baselines WHERE period IS NULL OR day(period) <> 1",
            "baselines: the start of therapy must be the first day of a month",
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
            "p.partner_id = c.partner_id AND p.couple_id = c.couple_id)",
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
        (
            "SELECT count(*) FROM imp_instrument_versions i JOIN instrument_versions v USING (instrument_id, version) "
            "WHERE i.content_hash <> v.content_hash",
            "instrument_versions: a questionnaire version differs from the one this database recorded",
        ),
    ]
    return _count_problems(cur, checks)


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
    return _count_problems(cur, checks)


class ImportReport(dict[str, int]):
    """Rows added per table (a dict, as before), and in words what the import did for each couple."""

    def __init__(
        self, added: dict[str, int], lines: list[str], new_couples: dict[int, str] | None = None, replaced: int = 0
    ) -> None:
        super().__init__(added)
        self.lines = lines
        self.new_couples = new_couples or {}  # the couples it brought in that were not here: id -> name
        self.replaced = replaced  # drafts here that the archive's submitted check-ins took the place of

    @property
    def words(self) -> str:
        """What was added, as a person says it: "1 couple, 2 partners and 1 check-in" (answers and notes go
        with their check-ins; "nothing new" when nothing was)."""
        said = [
            f"{n:,} {one if n == 1 else many}"
            for n, one, many in (
                (self.get("couples", 0), "couple", "couples"),
                (self.get("partners", 0), "partner", "partners"),
                (self.get("checkins", 0), "check-in", "check-ins"),
                (
                    self.replaced,
                    "draft replaced by its submitted check-in",
                    "drafts replaced by their submitted check-ins",
                ),
            )
            if n
        ]
        if not said:
            return "questionnaire versions and starting points" if any(self.values()) else "nothing new"
        return listed(said)

    @property
    def counts(self) -> str:
        """Rows added per table, with no name in it (what the audit trail records: it outlives any erasure)."""
        return ", ".join(f"{t}: {n}" for t, n in self.items() if n)


def _number(cur: Cursor, plan: str, table: str, column: str, sequence: str) -> None:
    """Give each new row of a plan this database's next free id (in the archive's order); the rest keep theirs.

    Ids are counted on from the largest in use rather than drawn from the sequence, so a refused import leaves
    the sequences as they were; `_advance_sequences` moves them on after a write.
    """
    top = cur.execute(
        f"SELECT greatest((SELECT coalesce(max({column}), 0) FROM {table}), (SELECT coalesce(last_value, "
        "start_value - 1) FROM duckdb_sequences() WHERE sequence_name = ?))",
        [sequence],
    ).fetchone()
    base = int(top[0]) if top and top[0] is not None else 0
    cur.execute(
        f"UPDATE {plan} SET new_id = n.new_id FROM (SELECT old_id, ? + row_number() OVER (ORDER BY old_id) AS new_id "
        f"FROM {plan} WHERE existing_id IS NULL) n WHERE {plan}.old_id = n.old_id",
        [base],
    )
    cur.execute(f"UPDATE {plan} SET new_id = existing_id WHERE existing_id IS NOT NULL")


def _advance_sequences(cur: Cursor) -> None:
    """Move id sequences past the imported ids (DuckDB has no setval)."""
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


def _plan(cur: Cursor, without_safety: bool) -> tuple[list[str], list[str], dict[int, str]]:
    """Map the archive onto this database: each couple new (fresh ids) or the same couple as one here (by its
    stable identifier), each check-in added, replacing a draft, kept, or in conflict (answers compared without
    the safety check's when the archive leaves them out). Returns (problems, lines, the new couples' names)."""
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE imp_couple_map AS SELECT i.couple_id AS old_id, i.name, "
        "coalesce(i.uid, uuid()::VARCHAR) AS uid, c.couple_id AS existing_id, c.name AS existing_name, "
        "NULL::INTEGER AS new_id FROM imp_couples i LEFT JOIN couples c ON c.uid = i.uid"
    )
    _number(cur, "imp_couple_map", "couples", "couple_id", "couple_ids")
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE imp_partner_map AS SELECT p.partner_id AS old_id, p.slot, p.name, "
        "m.new_id AS couple_id, e.partner_id AS existing_id, e.name AS existing_name, NULL::INTEGER AS new_id "
        "FROM imp_partners p JOIN imp_couple_map m ON m.old_id = p.couple_id "
        "LEFT JOIN partners e ON e.couple_id = m.existing_id AND e.slot = p.slot"
    )
    _number(cur, "imp_partner_map", "partners", "partner_id", "partner_ids")
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE imp_checkin_map AS SELECT c.checkin_id AS old_id, pm.new_id AS partner_id, "
        "pm.couple_id, c.period, c.status, e.checkin_id AS existing_id, e.status AS existing_status, "
        "NULL::BIGINT AS new_id, CASE WHEN e.checkin_id IS NULL THEN 'add' "
        "WHEN e.status = 'draft' AND c.status = 'submitted' THEN 'replace' "
        "WHEN e.status = 'submitted' AND c.status = 'submitted' THEN 'compare' ELSE 'keep' END AS action "
        "FROM imp_checkins c JOIN imp_partner_map pm ON pm.old_id = c.partner_id "
        "LEFT JOIN checkins e ON e.partner_id = pm.new_id AND e.period = c.period"
    )
    # both submitted: the same answers (sealed text compared by presence only: its bytes differ by design)
    answers = (
        "SELECT instrument_id, instrument_version, item_id, value, "
        "CASE WHEN starts_with(text, $prefix) THEN '(sealed)' ELSE text END FROM {table} WHERE checkin_id = {id}"
        + _NOT_SAFETY
        * without_safety
    )
    differs = (
        f"EXISTS ({answers.format(table='imp_responses', id='m.old_id')} "
        f"EXCEPT ALL {answers.format(table='responses', id='m.existing_id')}) OR "
        f"EXISTS ({answers.format(table='responses', id='m.existing_id')} "
        f"EXCEPT ALL {answers.format(table='imp_responses', id='m.old_id')})"
    )
    cur.execute(
        f"UPDATE imp_checkin_map m SET action = CASE WHEN {differs} THEN 'conflict' ELSE 'keep' END "
        "WHERE action = 'compare'",
        {"prefix": SEALED_PREFIX},
    )
    _number(cur, "imp_checkin_map", "checkins", "checkin_id", "checkin_ids")

    problems = [
        f"{couple}: {partner}'s check-in for {period:%B %Y} was answered differently in this database and in the "
        "archive"
        for couple, partner, period in cur.execute(
            "SELECT cm.name, pm.name, m.period FROM imp_checkin_map m "
            "JOIN imp_partner_map pm ON pm.new_id = m.partner_id JOIN imp_couple_map cm ON cm.new_id = m.couple_id "
            "WHERE m.action = 'conflict' ORDER BY cm.name, pm.slot, m.period"
        ).fetchall()
    ]
    if problems:
        problems.append(
            "nothing was imported: keep this database as it is, or, to take the archive's answers, make a backup, "
            "erase that couple here and import again"
            + (
                " (their safety-check answers stay only in the backup: a couple's archive leaves them out)"
                if without_safety
                else ""
            )
        )
    lines, new_couples = [], {}
    for name, existing_id, existing_name, new_id in cur.execute(
        "SELECT name, existing_id, existing_name, new_id FROM imp_couple_map ORDER BY old_id"
    ).fetchall():
        counts = dict(
            cur.execute(
                "SELECT action, count(*) FROM imp_checkin_map WHERE couple_id = ? GROUP BY action", [new_id]
            ).fetchall()
        )
        added, replaced, kept = counts.get("add", 0), counts.get("replace", 0), counts.get("keep", 0)
        if existing_id is None:
            new_couples[int(new_id)] = str(name)
            lines.append(f"{name}: a new couple here (#{new_id}), with {counted(added, 'check-in')}")
        else:
            said = [f"{counted(added, 'check-in')} added"] if added else []  # never "0 check-ins added"
            if replaced:
                said.append(
                    counted(
                        replaced,
                        "draft replaced by its submitted check-in",
                        "drafts replaced by their submitted check-ins",
                    )
                )
            said += [f"{kept} already here"] if kept else []
            lines.append(f"{existing_name} (#{existing_id}): the same couple; {', '.join(said) or 'nothing new'}")
            if name != existing_name:
                lines.append(f"  the archive calls this couple {name!r}; here it is {existing_name!r} (kept)")
        for p_name, p_existing in cur.execute(
            "SELECT name, existing_name FROM imp_partner_map WHERE couple_id = ? AND existing_id IS NOT NULL "
            "AND name <> existing_name ORDER BY slot",
            [new_id],
        ).fetchall():
            lines.append(f"  the archive calls a partner {p_name!r}; here they are {p_existing!r} (kept)")
    return problems, lines, new_couples


def _write(cur: Cursor, without_safety: bool) -> dict[str, int]:
    """Add what the plan says, all inside the caller's transaction."""
    added: dict[str, int] = {}

    def run(table: str, sql: str, params: dict[str, object] | None = None) -> None:
        row = cur.execute(f"SELECT count(*) FROM ({sql})", params or {}).fetchone()
        added[table] = added.get(table, 0) + (int(row[0]) if row else 0)
        cols = ", ".join(TABLES.get(table, {}).keys()) if table in ("couples", "partners", "checkins") else None
        target = "settings" if table == "salts" else f"{table} ({cols})" if cols else table
        cur.execute(f"INSERT INTO {target} {sql}", params or {})

    run(
        "couples",
        "SELECT m.new_id, i.name, i.created_at, i.checkin_day, m.uid FROM imp_couples i "
        "JOIN imp_couple_map m ON m.old_id = i.couple_id WHERE m.existing_id IS NULL",
    )
    run(
        "partners",
        "SELECT pm.new_id, pm.couple_id, pm.slot, pm.name FROM imp_partner_map pm WHERE pm.existing_id IS NULL",
    )
    # a draft here, submitted in the archive: the archive's check-in takes its place
    replace = "SELECT new_id FROM imp_checkin_map WHERE action = 'replace'"
    # (the safety check's answers stay when the archive leaves them out: it has none to put in their place)
    cur.execute(f"DELETE FROM responses WHERE checkin_id IN ({replace})" + _NOT_SAFETY * without_safety)
    cur.execute(f"DELETE FROM notes WHERE checkin_id IN ({replace})")
    cur.execute(
        "UPDATE checkins SET status = i.status, started_at = i.started_at, updated_at = i.updated_at, "
        "submitted_at = i.submitted_at, sealed_as = coalesce(i.sealed_as, i.checkin_id) "
        "FROM imp_checkin_map m JOIN imp_checkins i ON i.checkin_id = m.old_id "
        "WHERE m.action = 'replace' AND checkins.checkin_id = m.new_id"
    )
    run(
        "checkins",
        "SELECT m.new_id, m.couple_id, m.partner_id, i.period, i.status, i.started_at, i.updated_at, "
        "i.submitted_at, coalesce(i.sealed_as, i.checkin_id) FROM imp_checkins i "
        "JOIN imp_checkin_map m ON m.old_id = i.checkin_id WHERE m.action = 'add'",
    )
    moved = "JOIN imp_checkin_map m ON m.old_id = x.checkin_id WHERE m.action IN ('add', 'replace')"
    # an archive that should hold no safety answers brings none, whatever its file says (a replaced draft keeps
    # its own: two of one question would be kept otherwise)
    run("responses", f"SELECT m.new_id, x.instrument_id, x.instrument_version, x.item_id, x.value, x.text "
                     f"FROM imp_responses x {moved}"
                     + f" AND x.instrument_id NOT IN ({SAFETY_INSTRUMENTS})" * without_safety)  # fmt: skip
    run("notes", f"SELECT m.new_id, x.body, x.is_private, x.updated_at FROM imp_notes x {moved}")
    new_versions = (
        "SELECT i.* FROM imp_instrument_versions i WHERE NOT EXISTS (SELECT 1 FROM instrument_versions t "
        "WHERE t.instrument_id = i.instrument_id AND t.version = i.version)"
    )
    definitions = cur.execute(f"SELECT definition FROM ({new_versions})").fetchall()
    cols = ", ".join(TABLES["instrument_versions"])
    run("instrument_versions", f"SELECT {cols} FROM ({new_versions})")
    for (definition,) in definitions:
        write_rows(cur, Instrument.model_validate_json(definition))
    # a partner's salt travels with their sealed text, unless they already have one here
    run(
        "salts",
        "SELECT 'vault_salt:' || pm.new_id, s.salt FROM imp_salts s "
        "JOIN imp_partner_map pm ON pm.old_id = s.partner_id "
        "WHERE NOT EXISTS (SELECT 1 FROM settings t WHERE t.key = 'vault_salt:' || pm.new_id)",
    )
    run(
        "baselines",
        "SELECT cm.new_id, b.period, b.marked_at FROM imp_baselines b "
        "JOIN imp_couple_map cm ON cm.old_id = b.couple_id "
        "WHERE NOT EXISTS (SELECT 1 FROM baselines t WHERE t.couple_id = cm.new_id)",
    )
    return added


def _clean_names(cur: Cursor) -> None:
    """An archive's names come in as a save makes them (`mendwell.model.clean_name`): without the characters that
    turn the text around them, spaces collapsed (a name left empty is then refused by the checks)."""
    for table in ("imp_couples", "imp_partners"):
        cur.execute(
            f"UPDATE {table} SET name = trim(regexp_replace(regexp_replace(name, ?, '', 'g'), '\\s+', ' ', 'g')) "
            "WHERE regexp_matches(name, ?)",
            [BIDI_CONTROLS_SQL, BIDI_CONTROLS_SQL],
        )


def _apply(engine: Engine, cur: Cursor, dry_run: bool = False, without_safety: bool = False) -> ImportReport:
    cur.execute("BEGIN TRANSACTION")
    try:
        _clean_names(cur)
        # checked inside the transaction that writes: nothing another session adds meanwhile slips in between
        problems = _checks(cur) + _definition_problems(cur) + _answer_problems(cur)
        if problems:
            raise ArchiveError(problems)
        conflicts, lines, new_couples = _plan(cur, without_safety)
        if conflicts:
            raise ArchiveError(conflicts)
        added = _write(cur, without_safety)
        row = cur.execute("SELECT count(*) FROM imp_checkin_map WHERE action = 'replace'").fetchone()
        replaced = int(row[0]) if row else 0
        if dry_run:
            rollback(cur)
        else:
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
    if not dry_run:
        engine.bump(*(int(r[0]) for r in engine.rows("SELECT couple_id FROM couples")))
    return ImportReport(added, lines, new_couples, replaced)
