"""What every page shares: the store, the instruments, the chosen couple.

Streamlit reruns a page script on every interaction, so the expensive things
are cached here: the DuckDB store once per database file (thread-safe: each
call takes its own cursor), the instrument catalog until a file changes, and
per-couple query results keyed by the couple's write revision, so a write by
that couple (and only that couple) makes them stale.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from mendwell import analysis
from mendwell.charts import PartnerStyle
from mendwell.config import db_path
from mendwell.instruments import Catalog, assessment_dirs, load_catalog
from mendwell.scoring import scores
from mendwell.store import Couple, Store, StoreError
from mendwell.text import md_escape

COUPLE_KEY = "couple_id"
NEUTRAL_KEY = "neutral_page"
APP_RAN = "_mendwell_app_ran"
RESUME_PAGE = "_mendwell_resume_page"


def _close_store(store: Store) -> None:
    stop = getattr(store, "watcher_stop", None)
    if stop is not None:
        stop.set()
    store.close()


@st.cache_resource(show_spinner=False, max_entries=4, on_release=_close_store)
def _store(path: str) -> Store:
    from mendwell.requests import start_watcher

    store = Store(path)
    store.watcher_stop = start_watcher(store)  # `mendwell backup` while the app serves
    return store


def mark_app_ran() -> None:
    """Called first by app.py: this session has been through the entry point."""
    st.session_state[APP_RAN] = True


def _through_entry_point() -> None:
    # With a pages/ directory next to app.py, Streamlit starts in its legacy
    # auto-discovery mode until app.py itself calls st.navigation. A deep link
    # (e.g. /history) as the first request after a restart would run the page
    # script alone, without the sidebar or navigation. Go through app.py once,
    # then on to the page that was asked for.
    if st.session_state.get(APP_RAN):
        return
    caller = sys._getframe(2).f_globals.get("__file__")
    if caller:
        st.session_state[RESUME_PAGE] = f"pages/{Path(caller).name}"
    st.switch_page("app.py")


def resume_requested_page() -> None:
    """In app.py after st.navigation: go on to a deep-linked page (see above)."""
    target = st.session_state.pop(RESUME_PAGE, None)
    if target:
        st.switch_page(target)


def get_store() -> Store:
    """The store for MENDWELL_DB, opened once per process."""
    _through_entry_point()
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


NEXT_COUPLE_KEY = "_mendwell_next_couple"


def choose_couple(couple_id: int) -> None:
    """Make `couple_id` the chosen couple from the next run on.

    The sidebar's couple chooser is a widget drawn before the page runs, and Streamlit refuses a
    change to a widget's value after it is drawn; app.py applies this before drawing it.
    """
    st.session_state[NEXT_COUPLE_KEY] = int(couple_id)


def current_couple(store: Store) -> Couple | None:
    """The couple chosen in the sidebar (None when the database has none)."""
    couple_id = st.session_state.get(COUPLE_KEY)
    if couple_id is None:
        return None
    return store.couple(int(couple_id))


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
    return couple_analysis(str(store.path), couple_id, store.revision(couple_id))


def partner_styles(couple: Couple) -> list[PartnerStyle]:
    """How each partner of the couple is drawn (colour by slot, the same on every chart)."""
    return [PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]


RANGES = {"6 months": 6, "1 year": 12, "2 years": 24, "All": None}


def range_control(key: str) -> int | None:
    """The 6 months / 1 year / 2 years / all control; returns months or None for all."""
    choice = st.segmented_control("Time span", list(RANGES), default="1 year", key=key)
    return RANGES[choice or "1 year"]


def scores_for(store: Store, couple_id: int) -> pd.DataFrame:
    """Cached scores of a couple, fresh after any of its writes."""
    return couple_scores(str(store.path), couple_id, store.revision(couple_id))


def subscale_titles(catalog: Catalog) -> pd.DataFrame:
    """instrument_id, subscale_id, subscale (title) for every loaded subscale."""
    rows = [(i.id, s.id, s.title) for i in catalog.instruments for s in i.subscales]
    return pd.DataFrame(rows, columns=["instrument_id", "subscale_id", "subscale"])


def safe(text: str) -> str:
    """A person's words, escaped for a markdown context."""
    return md_escape(text)


def need_couple(store: Store) -> Couple:
    """The chosen couple, or a kind message and stop when there is none."""
    couple = current_couple(store)
    if couple is None and share_mode():
        st.info("Choose the couple before you start sharing, so only their charts are on screen.")
        st.stop()
    if couple is None:
        st.info("There is no couple here yet. Add one on the **Settings** page to begin.")
        st.page_link("pages/settings.py", label="Go to Settings", icon=":material/settings:")
        st.stop()
    assert couple is not None
    return couple


# -- share mode -----------------------------------------------------------------------------
SHARE_KEY = "share_mode"


def share_mode() -> bool:
    """Screen-share mode: on from the toggle or a ?share=1 link, for the rest of the browser session."""
    if st.query_params.get("share") == "1":
        st.session_state[SHARE_KEY] = True
    return bool(st.session_state.get(SHARE_KEY, False))


def start_sharing() -> None:
    """Turn share mode on for this browser session."""
    st.session_state[SHARE_KEY] = True
    st.query_params["share"] = "1"


def stop_sharing() -> None:
    """Turn share mode off (a deliberate, confirmed action)."""
    st.session_state[SHARE_KEY] = False
    st.session_state.pop("confirm_stop_sharing", None)
    for key in ("share", "couple"):
        if key in st.query_params:
            del st.query_params[key]


SHARE_CSS = """
<style>
  /* Share mode: larger, calmer type for a screen seen over a video call. */
  [data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.2rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2.8rem; }
  [data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 { font-size: 1.9rem; }
  [data-testid="stDataFrame"] { font-size: 1.1rem; }
</style>
"""


# -- partner passcodes ----------------------------------------------------------------------
IDLE_SECONDS = 15 * 60
UNLOCKED_KEY = "unlocked_partners"


def _unlocked() -> dict[int, float]:
    return st.session_state.setdefault(UNLOCKED_KEY, {})


def is_unlocked(store: Store, partner_id: int, now: float | None = None) -> bool:
    """True when the partner has no passcode, or entered it in this session within the idle limit."""
    from mendwell import security

    if not security.has_passcode(store, security.partner_subject(partner_id)):
        return True
    now = now if now is not None else time.time()
    seen = _unlocked().get(partner_id)
    if seen is None or now - seen > IDLE_SECONDS:
        _unlocked().pop(partner_id, None)
        st.session_state.get(KEYS_KEY, {}).pop(partner_id, None)
        return False
    _unlocked()[partner_id] = now  # activity keeps it open
    return True


def lock_all() -> None:
    """Lock every partner again in this session (the 'Lock' button)."""
    st.session_state[UNLOCKED_KEY] = {}
    st.session_state[KEYS_KEY] = {}


KEYS_KEY = "note_keys"


def note_key(partner_id: int) -> bytes | None:
    """The partner's note key in this session (only after their passcode was given)."""
    return st.session_state.get(KEYS_KEY, {}).get(partner_id)


def forget_key(partner_id: int) -> None:
    """Drop a partner's note key (their passcode changed): they give the new one next time."""
    st.session_state.get(KEYS_KEY, {}).pop(partner_id, None)
    _unlocked().pop(partner_id, None)


def _seconds(n: int) -> str:
    return f"{n} second" if n == 1 else f"{n} seconds"


def partner_gate(store: Store, partner_id: int, name: str) -> bool:
    """Ask for the partner's passcode when needed; True when the partner's content may show."""
    from mendwell import security

    if is_unlocked(store, partner_id):
        return True
    st.markdown(f"**{safe(name)}** keeps this check-in behind a passcode.")
    with st.form(f"unlock_{partner_id}", clear_on_submit=True):
        code = st.text_input("Passcode", type="password", key=f"code_{partner_id}")
        if st.form_submit_button("Open", type="primary"):
            result = security.verify(store, security.partner_subject(partner_id), code)
            if result.ok:
                _unlocked()[partner_id] = time.time()
                from mendwell import vault

                st.session_state.setdefault(KEYS_KEY, {})[partner_id] = vault.derive_key(store, partner_id, code)
                st.rerun()
            elif result.refused:  # too soon after wrong ones: not checked, so never "did not match"
                st.warning(f"To keep guessing slow, please wait {_seconds(result.wait_seconds)} before trying again.")
            elif result.wait_seconds:
                st.warning(
                    "That passcode did not match. To keep guessing slow, please wait "
                    f"{_seconds(result.wait_seconds)} before trying again."
                )
            else:
                st.warning("That passcode did not match. Please try again.")
    st.caption("Forgotten it? Without the passcode this check-in cannot be opened here.")
    return False


def practice_gate(store: Store) -> bool:
    """Ask for the practice passcode (if one is set) before showing therapist-only pages."""
    from mendwell import security

    if not security.has_passcode(store, security.PRACTICE):
        return True
    seen = st.session_state.get("practice_unlocked")
    if seen is not None and time.time() - seen <= IDLE_SECONDS:
        st.session_state["practice_unlocked"] = time.time()
        return True
    st.session_state.pop("practice_unlocked", None)
    with st.form("unlock_practice", clear_on_submit=True):
        code = st.text_input("Practice passcode", type="password")
        if st.form_submit_button("Open", type="primary"):
            result = security.verify(store, security.PRACTICE, code)
            if result.ok:
                st.session_state["practice_unlocked"] = time.time()
                st.rerun()
            elif result.refused:
                st.warning(f"Please wait {_seconds(result.wait_seconds)} before trying again.")
            elif result.wait_seconds:
                st.warning(f"That did not match. Please wait {_seconds(result.wait_seconds)} before trying again.")
            else:
                st.warning("That did not match. Please try again.")
    return False


def leave_now() -> None:
    """The safety check's quick exit: lock everything, forget the check-in's screen state, show a neutral page."""
    lock_all()
    st.session_state.pop("practice_unlocked", None)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(("a:", "step:", "note"))]:
        del st.session_state[key]
    st.session_state[NEUTRAL_KEY] = True
