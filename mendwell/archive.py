"""A single-file archive of a Mendwell database, and importing it back.

The archive is a zip holding `manifest.json` and one Parquet file per table.
Import checks the whole file first (its size, its members, the manifest, every
table's columns and types, ids, references and allowed values, and conflicts
with what the database already holds) and only then applies it, in one
transaction: all or nothing. Ids are preserved, and importing the same
archive twice changes nothing the second time.

Passcodes, settings and one-time notices are not archived: after an import,
partners set their passcodes again.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mendwell import __version__
from mendwell.instruments import Instrument
from mendwell.safety import NOT_SAFETY
from mendwell.store import LATEST_SCHEMA, Store, StoreError, _rollback, _write_definition

FORMAT = "mendwell-archive"
FORMAT_VERSION = 1
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_UNPACKED_BYTES = 8 * 1024**3
# What reading a damaged zip can raise: a bad CRC, headers that disagree, an unknown compression
# method, an "encrypted" flag, a truncated member, a name that is not valid UTF-8.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)

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


class ImportError_(StoreError):  # noqa: N801 - "ImportError" is a builtin
    """An archive that cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"- {p}" for p in problems[:30])
        more = f"\n- … and {len(problems) - 30} more" if len(problems) > 30 else ""
        super().__init__(f"Nothing was imported: the file has {len(problems)} problem(s).\n{shown}{more}")


class _TableInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    rows: int = Field(ge=0)


class Manifest(BaseModel):
    """What the archive says about itself."""

    model_config = ConfigDict(extra="forbid")
    format: str
    format_version: int
    schema_version: int
    mendwell_version: str
    created_at: str
    couple_id: int | None = None
    tables: dict[str, _TableInfo]


# -- export ---------------------------------------------------------------------------------


def _select(table: str, couple_id: int | None) -> str:
    cols = ", ".join(f"t.{c}" for c in TABLES[table])
    if couple_id is None or table == "instrument_versions":
        return f"SELECT {cols} FROM {table} t"
    cid = int(couple_id)
    if table in ("couples", "partners", "checkins"):
        return f"SELECT {cols} FROM {table} t WHERE t.couple_id = {cid}"
    if table == "responses":
        # a couple's archive may be handed to them: the private safety check stays out of it
        return (
            f"SELECT {cols} FROM {table} t JOIN checkins c USING (checkin_id) WHERE c.couple_id = {cid} "
            f"AND {NOT_SAFETY.replace('r.instrument_id', 't.instrument_id')}"
        )
    return f"SELECT {cols} FROM {table} t JOIN checkins c USING (checkin_id) WHERE c.couple_id = {cid}"


def export_archive(store: Store, out: Path, couple_id: int | None = None) -> Path:
    """Write the whole database (or one couple) to a single archive file."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise StoreError(f"{out} is a folder; please give a file name, e.g. {out / 'mendwell-archive.zip'}.")
    if couple_id is not None and store.couple(couple_id) is None:
        raise StoreError(f"There is no couple with id {couple_id}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tables: dict[str, dict[str, Any]] = {}
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="mendwell-archive-") as tmp, store.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot for every table
        try:
            for table in TABLES:
                path = Path(tmp) / f"{table}.parquet"
                target = str(path).replace("'", "''")
                cur.execute(f"COPY ({_select(table, couple_id)}) TO '{target}' (FORMAT parquet)")
                row = cur.execute(f"SELECT count(*) FROM ({_select(table, couple_id)})").fetchone()
                tables[table] = {"file": path.name, "rows": int(row[0]) if row else 0}
        finally:
            cur.execute("ROLLBACK")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": LATEST_SCHEMA,
            "mendwell_version": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "couple_id": couple_id,
            "tables": tables,
        }
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
            for table in TABLES:
                zf.write(Path(tmp) / f"{table}.parquet", f"{table}.parquet")
    partial.replace(out)  # the archive appears whole or not at all
    return out


# -- import ---------------------------------------------------------------------------------


def _read_manifest(zf: zipfile.ZipFile, problems: list[str]) -> Manifest | None:
    try:
        raw = zf.read("manifest.json")
    except KeyError:
        problems.append("manifest.json is missing: this is not a Mendwell archive")
        return None
    except _ZIP_ERRORS as exc:
        problems.append(f"manifest.json cannot be read: the archive is damaged ({exc})")
        return None
    try:
        manifest = Manifest.model_validate(json.loads(raw.decode("utf-8")))
    except ValidationError as exc:
        shown = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors(include_url=False)[:5]
        )
        problems.append(f"manifest.json is not valid: {shown}")
        return None
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep to read
        problems.append(f"manifest.json is not valid: {type(exc).__name__}: {str(exc)[:200]}")
        return None
    if manifest.format != FORMAT:
        problems.append(f"manifest.json: format is '{manifest.format}', not '{FORMAT}'")
    if manifest.format_version > FORMAT_VERSION:
        problems.append(f"manifest.json: archive format {manifest.format_version} is newer than this Mendwell reads")
    if manifest.schema_version > LATEST_SCHEMA:
        problems.append(f"manifest.json: made by a newer Mendwell (schema {manifest.schema_version})")
    missing = set(TABLES) - set(manifest.tables)
    extra = set(manifest.tables) - set(TABLES)
    if missing:
        problems.append(f"manifest.json: tables missing: {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"manifest.json: unknown tables: {', '.join(sorted(extra))}")
    return manifest


def _open_zip(path: Path, problems: list[str]) -> zipfile.ZipFile | None:
    if not path.is_file():
        problems.append(f"{path} does not exist or is not a file")
        return None
    size = path.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        problems.append(
            f"the file is {size / 1024**3:.1f} GB; archives up to {MAX_ARCHIVE_BYTES // 1024**3} GB are read"
        )
        return None
    if not zipfile.is_zipfile(path):
        problems.append("the file is not a zip archive")
        return None
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        problems.append(f"the archive cannot be read: {exc}")
        return None
    allowed = {"manifest.json"} | {f"{t}.parquet" for t in TABLES}
    names = zf.namelist()
    strange = [n for n in names if n not in allowed]
    if strange:
        problems.append(f"unexpected members in the archive: {', '.join(sorted(strange)[:5])}")
    unpacked = sum(i.file_size for i in zf.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        problems.append("the archive unpacks to more than 8 GB; refused")
    return zf


def _checks(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Validation in SQL over the staged tables (imp_*) against the database."""
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
            "SELECT count(*) FROM imp_couples WHERE name IS NULL OR length(trim(name)) = 0 OR length(name) > 80",
            "couples: a name is empty or longer than 80 characters",
        ),
        (
            "SELECT count(*) FROM imp_partners WHERE name IS NULL OR length(trim(name)) = 0 OR length(name) > 80",
            "partners: a name is empty or longer than 80 characters",
        ),
        ("SELECT count(*) FROM imp_partners WHERE slot NOT IN (1, 2)", "partners: slot must be 1 or 2"),
        (
            "SELECT count(*) FROM imp_couples WHERE checkin_day IS NOT NULL AND checkin_day NOT BETWEEN 1 AND 28",
            "couples: checkin_day must be from 1 to 28",
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
            "SELECT count(*) FROM imp_notes WHERE body IS NULL OR length(body) > 4000",
            "notes: a note is empty or longer than 4000 characters",
        ),
        (
            "SELECT count(*) FROM imp_responses r WHERE NOT EXISTS (SELECT 1 FROM imp_instrument_versions v WHERE "
            "v.instrument_id = r.instrument_id AND v.version = r.instrument_version) AND NOT EXISTS (SELECT 1 FROM "
            "instrument_versions v WHERE v.instrument_id = r.instrument_id AND v.version = r.instrument_version)",
            "responses: answers to a questionnaire version the archive does not describe",
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


def import_archive(store: Store, path: Path) -> dict[str, int]:
    """Validate an archive completely, then add what is new in one transaction.

    Returns how many rows were added per table (all zero on a second import).
    Raises ImportError_ listing every problem; then nothing was changed.
    """
    problems: list[str] = []
    zf = _open_zip(Path(path), problems)
    if zf is None:
        raise ImportError_(problems)
    with zf, tempfile.TemporaryDirectory(prefix="mendwell-import-") as tmp:
        manifest = _read_manifest(zf, problems)
        if problems or manifest is None:
            raise ImportError_(problems)
        with store.cursor() as cur:
            for table, columns in TABLES.items():
                local = Path(tmp) / f"{table}.parquet"  # our own name, never one from the archive
                try:
                    data = zf.read(f"{table}.parquet")
                except KeyError:
                    problems.append(f"{table}.parquet is missing")
                    continue
                except _ZIP_ERRORS as exc:
                    problems.append(f"{table}.parquet cannot be read: the archive is damaged ({exc})")
                    continue
                local.write_bytes(data)
                src = str(local).replace("'", "''")
                try:
                    found = cur.execute(f"DESCRIBE SELECT * FROM read_parquet('{src}')").fetchall()
                except duckdb.Error as exc:
                    problems.append(f"{table}.parquet cannot be read: {str(exc).splitlines()[0]}")
                    continue
                names = [r[0] for r in found]
                if names != list(columns):
                    problems.append(f"{table}.parquet: columns are {names}, expected {list(columns)}")
                    continue
                casts = ", ".join(f"TRY_CAST({c} AS {t}) AS {c}" for c, t in columns.items())
                bad = " OR ".join(
                    f"(TRY_CAST(raw.{c} AS {t}) IS NULL AND raw.{c} IS NOT NULL)" for c, t in columns.items()
                )
                try:  # a file whose metadata reads fine can still hold damaged pages
                    cur.execute(
                        f"CREATE OR REPLACE TEMP TABLE imp_{table} AS SELECT {casts} FROM read_parquet('{src}')"
                    )
                    row = cur.execute(f"SELECT count(*) FROM read_parquet('{src}') raw WHERE {bad}").fetchone()
                except duckdb.Error as exc:
                    problems.append(f"{table}.parquet cannot be read: {str(exc).splitlines()[0]}")
                    continue
                if row and row[0]:
                    problems.append(f"{table}.parquet: {row[0]} row(s) with values of the wrong type")
                row = cur.execute(f"SELECT count(*) FROM imp_{table}").fetchone()
                declared = manifest.tables[table].rows
                if row and int(row[0]) != declared:
                    problems.append(f"{table}.parquet: {row[0]} rows, but the manifest says {declared}")
            if problems:
                raise ImportError_(problems)
            return _apply(store, cur)


def _definition_problems(cur: duckdb.DuckDBPyConnection) -> list[str]:
    for (definition,) in cur.execute("SELECT definition FROM imp_instrument_versions").fetchall():
        try:
            Instrument.model_validate_json(definition)
        except (ValidationError, ValueError):
            return ["instrument_versions: a questionnaire definition is not valid"]
    return []


def _apply(store: Store, cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    added: dict[str, int] = {}
    cur.execute("BEGIN TRANSACTION")
    try:
        # checked inside the transaction that writes: a couple another session adds meanwhile (taking the
        # next id) cannot slip in between, to have the archive's check-ins attached to its partners
        problems = _checks(cur) + _definition_problems(cur)
        if problems:
            raise ImportError_(problems)
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
                _write_definition(cur, Instrument.model_validate_json(definition))
        _advance_sequences(cur)
        cur.execute("COMMIT")
    except duckdb.ConstraintException as exc:  # a clash the checks above did not foresee: still all or nothing
        _rollback(cur)
        raise ImportError_([f"the archive does not fit this database: {str(exc).splitlines()[0]}"]) from None
    except duckdb.TransactionException:  # another session wrote the same rows meanwhile
        _rollback(cur)
        changed = "the database changed while importing (another window saved at the same moment); please try again"
        raise ImportError_([changed]) from None
    except BaseException:
        _rollback(cur)
        raise
    for c in store.couples():
        store._bump(c.couple_id)
    return added


def _advance_sequences(cur: duckdb.DuckDBPyConnection) -> None:
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
