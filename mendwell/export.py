"""Export the database as one file per table (CSV, Parquet or JSON).

Answers to the private safety check are never exported (see mendwell/safety.py).
"""

from __future__ import annotations

from pathlib import Path

from mendwell.data import Database
from mendwell.data.exports import FORMATS, copy_tables
from mendwell.errors import InvalidInput, NotFound

__all__ = ["FORMATS", "export"]


def export(db: Database, outdir: Path, fmt: str = "csv", couple_id: int | None = None) -> dict[str, Path]:
    """Write each table to OUTDIR/<table>.<fmt>; returns {table: path}."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    if couple_id is not None and db.couples.get(couple_id) is None:
        raise NotFound(f"There is no couple with id {couple_id}.")
    outdir.mkdir(parents=True, exist_ok=True)
    return copy_tables(db.engine, outdir, fmt, couple_id)
