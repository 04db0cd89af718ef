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

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mendwell import __version__
from mendwell.data import Database
from mendwell.data.archive import TABLES, TABLES_V1, ImportReport, copy_out, staging
from mendwell.data.sqlfiles import LATEST_SCHEMA
from mendwell.errors import ArchiveError, InvalidInput, NotFound
from mendwell.limits import (
    ARCHIVE_CHUNK_BYTES,
    ARCHIVE_DIRECTORY_MAX_BYTES,
    ARCHIVE_MANIFEST_MAX_BYTES,
    ARCHIVE_MAX_BYTES,
    ARCHIVE_MAX_RATIO,
    ARCHIVE_UNPACKED_MAX_BYTES,
    human_bytes,
)
from mendwell.zip_directory import directory_size

__all__ = [
    "FORMAT", "FORMAT_VERSION", "MANIFEST", "ImportReport", "export_archive", "import_archive", "preview_archive"
]  # fmt: skip
MANIFEST = "manifest.json"  # what makes a zip a Mendwell archive

FORMAT = "mendwell-archive"
FORMAT_VERSION = 2  # 2: couples carry a stable identifier; partners' salts and start-of-therapy marks travel
# What reading a damaged zip can raise: a bad CRC, headers that disagree, an unknown compression
# method, an "encrypted" flag, a truncated member, a name that is not valid UTF-8.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)
# How a member may be packed: stored (as `export_archive` writes it) or deflated (by any zip tool). Python's
# zipfile inflates bzip2 and LZMA without a bound on what one read gives, before cutting it to the size the member
# declares: a member of a hundred bytes that says it holds a hundred would fill memory with gigabytes.
_PACKED_AS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


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


def export_archive(db: Database, out: Path, couple_id: int | None = None) -> Path:
    """Write the whole database (or one couple) to a single archive file."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise InvalidInput(f"{out} is a folder; please give a file name, e.g. {out / 'mendwell-archive.zip'}.")
    if couple_id is not None and db.couples.get(couple_id) is None:
        raise NotFound(f"There is no couple with id {couple_id}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="mendwell-archive-") as tmp:
        rows = copy_out(db.engine, Path(tmp), couple_id)
        tables = {table: {"file": f"{table}.parquet", "rows": n} for table, n in rows.items()}
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
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
            for table in TABLES:
                zf.write(Path(tmp) / f"{table}.parquet", f"{table}.parquet")
    partial.replace(out)  # the archive appears whole or not at all
    return out


# -- import ---------------------------------------------------------------------------------


def _manifest_bytes(zf: zipfile.ZipFile, problems: list[str]) -> bytes | None:
    """manifest.json's bytes, read only up to ARCHIVE_MANIFEST_MAX_BYTES (a real one is about 1 KB)."""
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        problems.append("manifest.json is missing: this is not a Mendwell archive")
        return None
    too_big = (
        f"manifest.json unpacks to more than {human_bytes(ARCHIVE_MANIFEST_MAX_BYTES)}, far more than a Mendwell "
        "archive's manifest; this is not a Mendwell archive"
    )
    if info.file_size > ARCHIVE_MANIFEST_MAX_BYTES:
        problems.append(too_big)
        return None
    try:
        with zf.open(info) as src:
            raw = src.read(ARCHIVE_MANIFEST_MAX_BYTES + 1)  # never more, whatever its header says
    except _ZIP_ERRORS:
        problems.append("manifest.json cannot be read: the archive is damaged")
        return None
    if len(raw) > ARCHIVE_MANIFEST_MAX_BYTES:
        problems.append(too_big)
        return None
    return raw


def _read_manifest(zf: zipfile.ZipFile, problems: list[str]) -> Manifest | None:
    raw = _manifest_bytes(zf, problems)
    if raw is None:
        return None
    try:
        manifest = Manifest.model_validate(json.loads(raw.decode("utf-8")))
    except ValidationError as exc:
        shown = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors(include_url=False)[:5]
        )
        problems.append(f"manifest.json is not valid: {shown}")
        return None
    except UnicodeDecodeError:
        problems.append("manifest.json is not valid: it is not text (UTF-8)")
        return None
    except json.JSONDecodeError as exc:  # what was expected, and where: never the exception's own words
        problems.append(f"manifest.json is not valid JSON: {exc.msg} (line {exc.lineno:,}, column {exc.colno:,})")
        return None
    except RecursionError:
        problems.append("manifest.json is not valid: it is nested too deeply to read")
        return None
    except ValueError:  # anything else json refuses
        problems.append("manifest.json is not valid JSON")
        return None
    if manifest.format != FORMAT:
        problems.append(f"manifest.json: format is '{manifest.format}', not '{FORMAT}'")
    if manifest.format_version > FORMAT_VERSION:
        problems.append(f"manifest.json: archive format {manifest.format_version} is newer than this Mendwell reads")
    if manifest.schema_version > LATEST_SCHEMA:
        problems.append(f"manifest.json: made by a newer Mendwell (schema {manifest.schema_version})")
    expected = TABLES if manifest.format_version >= 2 else TABLES_V1
    missing = set(expected) - set(manifest.tables)
    extra = set(manifest.tables) - set(expected)
    if missing:
        problems.append(f"manifest.json: tables missing: {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"manifest.json: unknown tables: {', '.join(sorted(extra))}")
    return manifest


def _member_problems(zf: zipfile.ZipFile) -> list[str]:
    """What the zip's directory says against it, read before any member is: names, packing, sizes, ratios."""
    problems = []
    allowed = {MANIFEST} | {f"{t}.parquet" for t in TABLES}
    strange = [n for n in zf.namelist() if n not in allowed]
    if strange:
        problems.append(f"unexpected members in the archive: {', '.join(sorted(strange)[:5])}")
    members = zf.infolist()
    unpacked = sum(i.file_size for i in members)
    if unpacked > ARCHIVE_UNPACKED_MAX_BYTES:
        problems.append(f"the archive unpacks to more than {human_bytes(ARCHIVE_UNPACKED_MAX_BYTES)}; refused")
    for info in members:
        if info.compress_type not in _PACKED_AS:
            problems.append(
                f"{info.filename} is packed with a method Mendwell does not read (only "
                f"{' or '.join(_PACKED_AS.values())}); this is not a Mendwell archive"
            )
        elif info.file_size > ARCHIVE_MAX_RATIO * max(info.compress_size, 1) + ARCHIVE_CHUNK_BYTES:
            problems.append(
                f"{info.filename} would unpack to {info.file_size / max(info.compress_size, 1):,.0f} times its packed "
                f"size (at most {ARCHIVE_MAX_RATIO} is accepted); this is not a Mendwell archive"
            )
    return problems


def _open_zip(path: Path, problems: list[str]) -> zipfile.ZipFile | None:
    """The archive as a zip, once its directory has passed every check; None (and the problems) if it has not:
    then no member has been read."""
    if not path.is_file():
        problems.append(f"{path.name} does not exist or is not a file")
        return None
    size = path.stat().st_size
    if size > ARCHIVE_MAX_BYTES:
        problems.append(f"the file is {human_bytes(size)}; archives up to {human_bytes(ARCHIVE_MAX_BYTES)} are read")
        return None
    if not zipfile.is_zipfile(path):
        problems.append("the file is not a zip archive")
        return None
    listed = directory_size(path)
    if listed is not None and listed > ARCHIVE_DIRECTORY_MAX_BYTES:
        problems.append(
            f"the archive's list of the files it holds takes {human_bytes(listed)}, where a Mendwell archive's takes "
            "under 1 KB; this is not a Mendwell archive"
        )
        return None
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        problems.append("the archive cannot be read: it is damaged")
        return None
    found = _member_problems(zf)
    if found:  # a bomb, or not an archive of ours: stop here, before inflating anything
        zf.close()
        problems += found
        return None
    return zf


def _extract(zf: zipfile.ZipFile, name: str, dest: Path) -> str | None:
    """Unpack one member to `dest` a chunk at a time, never more than it declares; a problem, or None."""
    info = zf.getinfo(name)
    written = 0
    with zf.open(info) as src, dest.open("wb") as out:
        while chunk := src.read(ARCHIVE_CHUNK_BYTES):
            written += len(chunk)
            if written > info.file_size:
                return f"{name} holds more than it declares; the archive is damaged"
            out.write(chunk)
    return None


def import_archive(db: Database, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Validate an archive completely, then add what is new in one transaction.

    A couple this database already holds (the same stable identifier: the same couple's later archive) gets
    only its new months, and drafts since submitted; any other couple comes in as a new couple with ids of its
    own, never merged with another by id or name. The same month answered differently here and in the archive
    refuses the whole import. Returns rows added per table (all zero on a second import), with `.lines`
    saying what happened to each couple. With `dry_run`, nothing is changed: it says what would be added.
    Raises ArchiveError listing every problem; then nothing was changed.
    """
    problems: list[str] = []
    zf = _open_zip(Path(path), problems)
    if zf is None:
        raise ArchiveError(problems)
    with zf, tempfile.TemporaryDirectory(prefix="mendwell-import-") as tmp:
        manifest = _read_manifest(zf, problems)
        if problems or manifest is None:
            raise ArchiveError(problems)
        expected = TABLES if manifest.format_version >= 2 else TABLES_V1
        with staging(db.engine) as stage:
            for table in TABLES:
                if table not in expected:
                    stage.stage(table, None, 0, manifest.format_version)
                    continue
                local = Path(tmp) / f"{table}.parquet"  # our own name, never one from the archive
                try:
                    trouble = _extract(zf, f"{table}.parquet", local)
                except KeyError:
                    problems.append(f"{table}.parquet is missing")
                    continue
                except _ZIP_ERRORS:
                    problems.append(f"{table}.parquet cannot be read: the archive is damaged")
                    continue
                if trouble:
                    problems.append(trouble)
                    continue
                problems += stage.stage(table, local, manifest.tables[table].rows, manifest.format_version)
            if problems:
                raise ArchiveError(problems)
            # a couple's archive leaves their safety-check answers out (see mendwell.data.archive)
            return stage.apply(dry_run, without_safety=manifest.couple_id is not None)


def preview_archive(db: Database, path: Path) -> ImportReport:
    """What importing the archive would add, couple by couple; nothing is changed."""
    return import_archive(db, path, dry_run=True)
