"""Process-wide resources, cached: the database, the instruments, per-couple query results.

Streamlit reruns a page script on every interaction, so the expensive things
are cached here: the database once per file (thread-safe: each call takes its
own cursor), the instrument catalog until a file changes, and per-couple
results keyed by the couple's write revision, so a write by that couple (and
only that couple) makes them stale.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mendwell import analysis
from mendwell.config import db_path
from mendwell.instruments import Catalog, assessment_dirs, load_catalog
from mendwell.scoring import scores
from mendwell.store import Store, StoreError


def _close_store(store: Store) -> None:
    stop = getattr(store, "watcher_stop", None)
    if stop is not None:
        stop.set()
    store.close()


@st.cache_resource(show_spinner=False, max_entries=4, on_release=_close_store)
def _store(path: str) -> Store:
    from mendwell.requests import start_watcher

    store = Store(path)
    store.watcher_stop = start_watcher(store)  # type: ignore[attr-defined]  # `mendwell backup` while serving
    return store


def get_store() -> Store:
    """The store for MENDWELL_DB, opened once per process."""
    try:
        return _store(str(db_path()))
    except StoreError as exc:
        st.error(str(exc))
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
def _registered(db: str, signature: tuple[tuple[str, int], ...], _catalog: Catalog) -> bool:
    get_store().register_instruments(_catalog.instruments)
    return True


def get_catalog() -> Catalog:
    """Instruments from assessments/ and MENDWELL_ASSESSMENTS, reloaded when a file changes."""
    dirs = assessment_dirs()
    signature = _catalog_signature(dirs)
    catalog = _catalog(tuple(str(d) for d in dirs), signature)
    _registered(str(db_path()), signature, catalog)
    return catalog


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def couple_scores(db: str, couple_id: int, revision: int) -> pd.DataFrame:
    """All scores of one couple; `revision` changes after each write by that couple."""
    return scores(get_store(), couple_id)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def couple_analysis(db: str, couple_id: int, revision: int) -> dict[str, pd.DataFrame]:
    """Everything the dashboards draw for one couple, computed in DuckDB once per write."""
    store = get_store()
    return {
        "reliable": analysis.reliable_change(store, couple_id),
        "signals": analysis.theme_signals(store, couple_id),
        "kinds": analysis.micro_hurt_kinds(store, couple_id),
        "repair": analysis.repair_ratio(store, couple_id),
        "mirrors": analysis.mirrored_views(store, couple_id),
    }


def analysis_for(store: Store, couple_id: int) -> dict[str, pd.DataFrame]:
    """Cached dashboard data of a couple, fresh after any of its writes."""
    return couple_analysis(str(store.path), couple_id, store.revision(couple_id))  # type: ignore[no-any-return]


def scores_for(store: Store, couple_id: int) -> pd.DataFrame:
    """Cached scores of a couple, fresh after any of its writes."""
    return couple_scores(str(store.path), couple_id, store.revision(couple_id))
