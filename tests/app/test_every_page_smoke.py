"""Every page of app.py's navigation opens without an exception, with one title and no error.

The pages are read from app.py itself (every `st.Page("app_pages/...")`), so a page added to
the navigation is covered here without touching this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mendwell.config import PROJECT_DIR
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog
from ui import state

APP_PY = PROJECT_DIR / "app.py"
TIMEOUT = 60  # seconds a script run may take on a busy machine


def navigation_pages() -> list[str]:
    """Every page script named by an `st.Page(...)` in app.py, once each, in order of appearance."""
    found = re.findall(r"""st\.Page\(\s*["'](app_pages/[^"']+\.py)["']""", APP_PY.read_text(encoding="utf-8"))
    return list(dict.fromkeys(found))


PAGES = navigation_pages()
# Pages registered only in a state of the session: what a test sets before switching to them.
# ("Leave now" of the safety check sets NEUTRAL; the app then registers the neutral page alone.)
REACHED_WITH: dict[str, dict[str, object]] = {"app_pages/neutral.py": {state.NEUTRAL: True}}


def test_the_navigation_lists_pages() -> None:
    assert PAGES, 'no st.Page("app_pages/...") found in app.py'
    for page in PAGES:
        assert (PROJECT_DIR / page).is_file(), page


def _open(page: str) -> AppTest:
    """A fresh session: the app's first run, then a switch to `page`."""
    at = AppTest.from_file(str(APP_PY), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page in REACHED_WITH:
        for key, value in REACHED_WITH[page].items():
            at.session_state[key] = value
        at.run()  # the app registers the navigation of that state, then the page can be switched to
        assert not at.exception, [e.value for e in at.exception]
    at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_with_demo_couples(page: str, app_env: Path, catalog: Catalog) -> None:
    db = Database(app_env)
    try:
        db.definitions.register(catalog.instruments)
        generate(db, catalog, couples=2, months=6, seed=3)
    finally:
        db.close()  # DuckDB: one process configuration per file; the app opens it next

    at = _open(page)

    assert not at.exception, [e.value for e in at.exception]
    assert len(at.title) == 1, [t.value for t in at.title]
    assert not at.error, [e.value for e in at.error]


def test_every_page_opens_on_an_empty_database(app_env: Path, catalog: Catalog) -> None:
    db = Database(app_env)
    try:
        db.definitions.register(catalog.instruments)
        assert db.couples.count() == 0
    finally:
        db.close()

    for page in PAGES:
        at = _open(page)
        assert not at.exception, (page, [e.value for e in at.exception])
