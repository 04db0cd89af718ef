"""Process-wide resources, cached: the database, the instruments, per-couple query results.

Streamlit reruns a page script on every interaction, so the expensive things
are cached here: the database once per file (thread-safe: each call takes its
own cursor), the instrument catalog until a file changes, and per-couple
results keyed by the couple's write revision, so a write by that couple (and
only that couple) makes them stale, and by the version of the practice's
reference figures their reliable change is judged by (`reference_version`),
which another couple's first check-in changes.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd
import streamlit as st

from mendwell import analysis, caseload, reveal, views
from mendwell.backup_requests import start_watcher
from mendwell.charts import PartnerStyle
from mendwell.config import db_path
from mendwell.data import Database, release, shared
from mendwell.errors import MendwellError
from mendwell.instruments import Catalog, assessment_dirs, load_catalog
from mendwell.model import Couple
from mendwell.periods import month_start
from mendwell.reveal import Lens
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


def _catalog_now() -> tuple[Catalog, tuple[tuple[str, int], ...]]:
    """The catalog of the questionnaire files as they are now, with the signature it was loaded for."""
    dirs = assessment_dirs()
    signature = _catalog_signature(dirs)
    return _catalog(tuple(str(d) for d in dirs), signature), signature


def get_catalog() -> Catalog:
    """Instruments from assessments/ and MENDWELL_ASSESSMENTS, reloaded when a file changes."""
    catalog, signature = _catalog_now()
    _registered(str(db_path()), signature, catalog)
    return catalog


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def practice_reference(path: str, signature: tuple[int, int, int]) -> pd.DataFrame:
    """The reference figures of every subscale (from everyone's first check-ins), once per change to the
    practice's submitted check-ins (`signature`), shared by every couple's results."""
    return analysis.reference(get_db())


def reference_for(db: Database) -> pd.DataFrame:
    """The practice's reference figures, fresh after any check-in is submitted, imported or erased."""
    return practice_reference(str(db.path), db.analytics.submitted_signature())


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def _reference_version(path: str, signature: tuple[int, int, int]) -> str:
    return analysis.reference_token(practice_reference(path, signature))


def reference_version(db: Database) -> str:
    """A name for the content of the practice's reference figures: part of the key of every result judged by
    them, which another couple's first check-in changes without any write of the couple judged."""
    return _reference_version(str(db.path), _signature_this_run(db))


# The practice's submitted check-ins' signature, asked of the database once per run of a page (`one_look_per_run`,
# around the page's run): every kept result of a couple is looked up under it (`_couple_key`), and Themes looks
# up four, each asking again (4 ms each on 500 couples x 120 months). A fragment's run alone asks each time.
_SIGNATURES: ContextVar[dict[str, tuple[int, int, int]] | None] = ContextVar("mendwell_signatures", default=None)


@contextmanager
def one_look_per_run() -> Iterator[None]:
    """While the shell runs a page: the signature of the practice's check-ins is asked of the database once."""
    token = _SIGNATURES.set({})
    try:
        yield
    finally:
        _SIGNATURES.reset(token)


def _signature_this_run(db: Database) -> tuple[int, int, int]:
    seen = _SIGNATURES.get()
    if seen is None:
        return db.analytics.submitted_signature()
    key = str(db.path)
    if key not in seen:
        seen[key] = db.analytics.submitted_signature()
    return seen[key]


def _couple_key(db: Database, couple_id: int, lens: Lens) -> tuple[str, int, int, str, Lens]:
    """What a couple's kept results are kept under: the file, the couple, its write revision, the version of
    the reference figures its reliable change is judged by, and the lens they are seen through."""
    return str(db.path), couple_id, db.revision(couple_id), reference_version(db), lens


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _computed(path: str, couple_id: int, revision: int, reference: str) -> dict[str, pd.DataFrame]:
    db = get_db()
    return {
        "reliable": analysis.reliable_change(db, couple_id, reference_for(db)),
        "signals": analysis.theme_signals(db, couple_id),
        "kinds": analysis.micro_hurt_kinds(db, couple_id),
        "repair": analysis.repair_counts(db, couple_id),
        "mirrors": analysis.mirrored_views(db, couple_id),
    }


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _revealed(path: str, couple_id: int, revision: int) -> list[dt.date]:
    return get_db().analytics.revealed_months(couple_id)


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def couple_analysis(path: str, couple_id: int, revision: int, reference: str, lens: Lens) -> dict[str, pd.DataFrame]:
    """Everything the dashboards draw for one couple as `lens` shows it (`mendwell.reveal`), computed in DuckDB
    once per write of the couple and version of the reference figures (`reference_version`) their reliable
    change is judged by."""
    data = _computed(path, couple_id, revision, reference)
    return reveal.seen(data, lens, _revealed(path, couple_id, revision)) if lens else data


def _names(couple: Couple) -> tuple[str, ...]:
    """The names a kept view is drawn with, part of its key: the couple is read before its revision, so a
    rename between the two would otherwise keep the old names under the new revision."""
    return (couple.name, *(p.name for p in couple.partners))


def _styles(path: str, couple_id: int, revision: int, lens: Lens, couple: Couple) -> list[PartnerStyle]:
    """How each partner is drawn, with their months `lens` keeps back (the sentences say when they show)."""
    done = couple_submitted(path, couple_id, revision, reveal.EVERY_MONTH)
    kept = reveal.waiting_months(done, lens, _revealed(path, couple_id, revision))
    return [PartnerStyle(p.partner_id, p.name, p.slot, tuple(kept.get(p.partner_id, ()))) for p in couple.partners]


# A resource, not data: the view is shared as is (never changed once built), which spares every visit
# copying a dozen figures and tables out of the cache.
@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def _trends_view(
    path: str,
    couple_id: int,
    revision: int,
    reference: str,
    lens: Lens,
    names: tuple[str, ...],
    months_back: views.MonthsBack,
    large: bool,
    catalog_signature: tuple[tuple[str, int], ...],
    _catalog: Catalog,
    _couple: Couple,
) -> views.TrendsView | None:
    db = get_db()
    styles = _styles(path, couple_id, revision, lens, _couple)
    return views.trends_view(
        couple_analysis(path, couple_id, revision, reference, lens),
        _catalog,
        styles,
        months_back,
        large=large,
        start_mark=analysis.start_of_therapy(db, couple_id),
    )


def trends_view_for(
    db: Database, catalog: Catalog, couple: Couple, lens: Lens, months_back: views.MonthsBack, large: bool
) -> views.TrendsView | None:
    """The Trends page of a couple over a time span as `lens` shows it: built once per write (names and the
    start of therapy are writes too), time span, screen-share size and questionnaire files."""
    signature = _catalog_signature(assessment_dirs())
    return _trends_view(
        *_couple_key(db, couple.couple_id, lens), _names(couple), months_back, large, signature, catalog, couple
    )


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def couple_submitted(path: str, couple_id: int, revision: int, lens: Lens) -> pd.DataFrame:
    """A couple's submitted check-ins (partner_id, period) that `lens` shows; `revision` changes after each
    write by that couple."""
    done = views.submitted_months(get_db().checkins.listing(couple_id))
    return reveal.seen_frame(done, lens, _revealed(path, couple_id, revision))


def submitted_for(db: Database, couple_id: int, lens: Lens) -> pd.DataFrame:
    """Cached submitted check-ins of a couple (partner_id, period) as `lens` shows them, fresh after any of its
    writes."""
    return couple_submitted(str(db.path), couple_id, db.revision(couple_id), lens)


def kept_back(db: Database, couple: Couple, lens: Lens) -> list[PartnerStyle]:
    """Each partner with the months they submitted that `lens` does not show yet (`reveal.waiting_months`)."""
    return _styles(str(db.path), couple.couple_id, db.revision(couple.couple_id), lens, couple)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def _themes_view(
    path: str,
    couple_id: int,
    revision: int,
    reference: str,
    lens: Lens,
    names: tuple[str, ...],
    months_back: views.MonthsBack,
    large: bool,
    this_month: dt.date,
    catalog_signature: tuple[tuple[str, int], ...],
    _catalog: Catalog,
    _couple: Couple,
) -> views.ThemesView | None:
    styles = _styles(path, couple_id, revision, lens, _couple)
    return views.themes_view(
        couple_analysis(path, couple_id, revision, reference, lens),
        couple_submitted(path, couple_id, revision, lens),
        _catalog,
        styles,
        months_back,
        this_month,
        large=large,
    )


def themes_view_for(
    db: Database,
    catalog: Catalog,
    couple: Couple,
    lens: Lens,
    months_back: views.MonthsBack,
    large: bool,
    this_month: dt.date,
) -> views.ThemesView | None:
    """The charts of the Themes page of a couple over a time span as `lens` shows them, built once per write,
    time span, screen-share size, month (this one is never "without a check-in", the one before is once it
    ends) and questionnaire files (shared as is, like `trends_view_for`)."""
    signature = _catalog_signature(assessment_dirs())
    return _themes_view(
        *_couple_key(db, couple.couple_id, lens),
        _names(couple),
        months_back,
        large,
        month_start(this_month),
        signature,
        catalog,
        couple,
    )


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _themes_coming_back(
    path: str,
    couple_id: int,
    revision: int,
    reference: str,
    lens: Lens,
    last_period: pd.Timestamp,
    window: int,
    min_months: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    signals = couple_analysis(path, couple_id, revision, reference, lens)["signals"]
    return (
        analysis.recurring_themes(signals, last_period, window=window, min_months=min_months),
        analysis.new_themes(signals, last_period, window=window),
    )


def themes_coming_back_for(
    db: Database, couple_id: int, lens: Lens, last_period: pd.Timestamp, window: int, min_months: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A couple's themes that keep coming back (`analysis.recurring_themes`) and those new in the latest month
    (`analysis.new_themes`) over `window` months up to `last_period`, as `lens` shows them: worked out once per
    write and choice (about 40 ms of pandas, on every visit to Themes before)."""
    return _themes_coming_back(*_couple_key(db, couple_id, lens), last_period, window, min_months)


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _signals(path: str, couple_id: int, revision: int, reference: str, lens: Lens) -> pd.DataFrame:
    return couple_analysis(path, couple_id, revision, reference, lens)["signals"]


def signals_for(db: Database, couple_id: int, lens: Lens) -> pd.DataFrame:
    """A couple's theme signals as `lens` shows them (`analysis.theme_signals`), kept like `analysis_for`: a page
    that needs only them is not handed a copy of every table of the couple (10 to 15 ms on Themes)."""
    return _signals(*_couple_key(db, couple_id, lens))


def analysis_for(db: Database, couple_id: int, lens: Lens) -> dict[str, pd.DataFrame]:
    """Cached dashboard data of a couple as `lens` shows it, fresh after any of its writes and any change of the
    reference figures."""
    return couple_analysis(*_couple_key(db, couple_id, lens))


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def couple_scores(path: str, couple_id: int, revision: int, lens: Lens) -> pd.DataFrame:
    """All scores of one couple as `lens` shows them; `revision` changes after each write by that couple."""
    return reveal.seen_frame(scores(get_db(), couple_id), lens, _revealed(path, couple_id, revision))


def scores_for(db: Database, couple_id: int, lens: Lens) -> pd.DataFrame:
    """Cached scores of a couple as `lens` shows them, fresh after any of its writes."""
    return couple_scores(str(db.path), couple_id, db.revision(couple_id), lens)


# the caseload rows kept for each open database (gone with it)
_BOARDS: weakref.WeakKeyDictionary[Database, caseload.BoardCache] = weakref.WeakKeyDictionary()
_BOARDS_LOCK = threading.Lock()


def board_for(db: Database, couple_ids: tuple[int, ...], today: dt.date, *, safety_flag: bool) -> caseload.Board:
    """A therapist's caseload. A couple's row is built once per day, safety setting, write of that couple,
    change of the practice's reference figures (reliable change uses everyone's first check-ins) and of the
    questionnaire files (`caseload.BoardCache`): after one couple's check-in only that couple's row is built."""
    with _BOARDS_LOCK:
        cache = _BOARDS.get(db)
        if cache is None:
            cache = _BOARDS[db] = caseload.BoardCache()
    catalog, signature = _catalog_now()  # the rows are kept under the signature of the catalog they were built with
    return cache.build(
        db,
        sorted(couple_ids),
        catalog,
        today,
        safety_flag=safety_flag,
        ref=reference_for(db),
        catalog_version=signature,
    ).board


def forget_erased(db: Database) -> None:
    """After an erasure: forget every result kept in this process (caseload rows, kept views and query results),
    so nothing of an erased couple stays in memory."""
    st.cache_data.clear()
    _trends_view.clear()
    _themes_view.clear()
    with _BOARDS_LOCK:
        cache = _BOARDS.get(db)
    if cache is not None:
        cache.forget()
