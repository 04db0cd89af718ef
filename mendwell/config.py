"""Where things live: the database file and the assessment directories."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("data") / "mendwell.duckdb"


def db_path() -> Path:
    """The DuckDB file, from MENDWELL_DB (default data/mendwell.duckdb)."""
    return Path(os.environ.get("MENDWELL_DB") or DEFAULT_DB).expanduser()


def builtin_assessments_dir() -> Path:
    """The assessments/ directory shipped with the project."""
    return Path(os.environ.get("MENDWELL_BUILTIN_ASSESSMENTS") or PROJECT_DIR / "assessments")


IDLE_SECONDS = 15 * 60  # a passcode opened in a browser session closes after this long without activity
