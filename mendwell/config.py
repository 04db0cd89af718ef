"""Where things live: the database file and the assessment directories."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from mendwell.limits import IDLE_MINUTES_DEFAULT

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("data") / "mendwell.duckdb"


def db_path() -> Path:
    """The DuckDB file, from MENDWELL_DB (default data/mendwell.duckdb)."""
    return Path(os.environ.get("MENDWELL_DB") or DEFAULT_DB).expanduser()


def builtin_assessments_dir() -> Path:
    """The assessments/ directory shipped with the project."""
    return Path(os.environ.get("MENDWELL_BUILTIN_ASSESSMENTS") or PROJECT_DIR / "assessments")


def idle_timeout() -> dt.timedelta:
    """How long a sign-in lasts without activity (MENDWELL_IDLE_MINUTES, default 15)."""
    raw = os.environ.get("MENDWELL_IDLE_MINUTES", "")
    minutes = float(raw) if raw.replace(".", "", 1).isdigit() and float(raw) > 0 else IDLE_MINUTES_DEFAULT
    return dt.timedelta(minutes=minutes)


IDLE_SECONDS = IDLE_MINUTES_DEFAULT * 60  # a passcode opened in a browser session closes after this long idle
