"""Process-wide resources, cached: the database, the instruments, per-couple query results.

Streamlit reruns a page script on every interaction, so the expensive things
are cached here: the database once per file (thread-safe: each call takes its
own cursor), the instrument catalog until a file changes, and per-couple
results keyed by the couple's write revision, so a write by that couple (and
only that couple) makes them stale.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from mendwell import analysis
from mendwell.backup_requests import start_watcher
from mendwell.config import db_path
from mendwell.data import Database, release, shared
from mendwell.errors import MendwellError
from mendwell.instruments import Catalog, assessment_dirs, load_catalog
from mendwell.scoring import scores
from ui import feedback

_WATCHERS: dict[int, threading.Event] = {}


def _close(db: Database) -> None:
    stop = _WATCHERS.pop(id(db), None)
    if stop is not None:
        stop.set()
    release(db)


@st.cache_resource(show_spinner=False, max_entries=4, on_release=_close)
def database_for(path: str) -> Database:
    """The database of one file, opened once per process (with its backup-request watcher)."""
    db = shared(path)
    _WATCHERS[id(db)] = start_watcher(db)  # `mendwell backup` while the app serves
    return db


def get_db() -> Database:
    """The database for MENDWELL_DB, opened once per process."""
    try:
        return database_for(str(db_path()))
    except MendwellError as exc:
        feedback.show(exc)
        st.stop()
        raise  # unreachable; st.stop raises


def _catalog_signature(dirs: list[Path]) -> tuple[tuple[str, int], ...]:
    sig = []
    for d in dirs:
        files = [d] if d.is_file() else sorted(d.glob("*.toml")) if d.is_dir() else []
        sig += [(str(f), f.stat().st_mtime_ns) for f in files]
        if not files:
            sig.append((str(d), -1))
    return tuple(sig)


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalog(dirs: tuple[str, ...], signature: tuple[tuple[str, int], ...]) -> Catalog:
    return load_catalog([Path(d) for d in dirs])


@st.cache_resource(show_spinner=False, max_entries=8)
def _registered(path: str, signature: tuple[tuple[str, int], ...], _catalog: Catalog) -> bool:
    get_db().definitions.register(_catalog.instruments)
    return True


def get_catalog() -> Catalog:
    """Instruments from assessments/ and MENDWELL_ASSESSMENTS, reloaded when a file changes."""
    dirs = assessment_dirs()
    signature = _catalog_signature(dirs)
    catalog = _catalog(tuple(str(d) for d in dirs), signature)
    _registered(str(db_path()), signature, catalog)
    return catalog


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def couple_scores(path: str, couple_id: int, revision: int) -> pd.DataFrame:
    """All scores of one couple; `revision` changes after each write by that couple."""
    return scores(get_db(), couple_id)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def couple_analysis(path: str, couple_id: int, revision: int) -> dict[str, pd.DataFrame]:
    """Everything the dashboards draw for one couple, computed in DuckDB once per write."""
    db = get_db()
    return {
        "reliable": analysis.reliable_change(db, couple_id),
        "signals": analysis.theme_signals(db, couple_id),
        "kinds": analysis.micro_hurt_kinds(db, couple_id),
        "repair": analysis.repair_ratio(db, couple_id),
        "mirrors": analysis.mirrored_views(db, couple_id),
    }


def analysis_for(db: Database, couple_id: int) -> dict[str, pd.DataFrame]:
    """Cached dashboard data of a couple, fresh after any of its writes."""
    return couple_analysis(str(db.path), couple_id, db.revision(couple_id))


def scores_for(db: Database, couple_id: int) -> pd.DataFrame:
    """Cached scores of a couple, fresh after any of its writes."""
    return couple_scores(str(db.path), couple_id, db.revision(couple_id))
