"""Shared fixtures: a real DuckDB file in tmp_path, the real instruments, AppTest with clean
caches, a real Streamlit server for Chromium, and the report's planted demo database.

Helpers live in `tests.support`; the tests are grouped by kind in unit/, store/, app/,
browser/ and stress/.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mendwell.data import Database
from mendwell.instruments import Catalog, load_catalog
from tests.support.clock import wait_before_starting
from tests.support.data import new_database
from tests.support.paths import ARTIFACTS, ASSESSMENTS
from tests.support.report import Planted, plant
from tests.support.server import Server, ServerFactory

# Pages re-raise errors under test (users see a calm message instead), so
# AppTest's `at.exception` and the browser tests still catch every failure.
os.environ["MENDWELL_DEBUG"] = "1"

# The browser tests drive Chromium's headless build (Debian's chromium-headless-shell, what Playwright itself runs
# headless): the same Blink, but without the full browser's window machinery it takes about a fifth less CPU a page,
# and the browser tests keep both cores busy. The full browser serves where it is the only one here. The
# benchmarks (tests/bench) keep the full browser: what they time is what a person's browser does.
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported (and before xdist starts its workers, which import them too): a run
    that would cross the turn of a month waits for it first (`tests.support.clock`)."""
    if hasattr(config, "workerinput"):
        return
    wait = wait_before_starting(dt.datetime.now())
    if wait:
        print(f"A new month begins in {wait:.0f} s: waiting for it, so that no test sees two months.", flush=True)
        time.sleep(wait)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The project's real instruments."""
    cat = load_catalog([ASSESSMENTS])
    assert not cat.problems, cat.problems
    return cat


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database path, also set as MENDWELL_DB for the app and CLI."""
    path = tmp_path / "mendwell.duckdb"
    monkeypatch.setenv("MENDWELL_DB", str(path))
    monkeypatch.delenv("MENDWELL_ASSESSMENTS", raising=False)
    return path


@pytest.fixture
def store(db_file: Path, catalog: Catalog) -> Iterator[Database]:
    """An empty store on a real DuckDB file of its own, instruments registered."""
    s = Database(new_database(db_file, catalog))
    yield s
    s.close()


@pytest.fixture
def demo_store(db_file: Path, catalog: Catalog) -> Iterator[Database]:
    """A store holding three demo couples with 24 months each."""
    s = Database(new_database(db_file, catalog, demo=(3, 24, 11)))
    yield s
    s.close()


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Planted:
    """Three demo couples with markers planted, and the first couple's report (see tests.support.report)."""
    return plant(tmp_path_factory.mktemp("report") / "mendwell.duckdb", catalog)


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(db_file: Path) -> Iterator[Path]:
    """For AppTest: MENDWELL_DB set, caches clean before and after (they are module globals)."""
    _clear_streamlit_caches()
    yield db_file
    _clear_streamlit_caches()


# -- real browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Use Debian's chromium (Playwright's own download does not work offline)."""
    if CHROMIUM is None:
        return browser_type_launch_args
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `make test` runs the serial tests from tests/stress alone (collecting only there saves its run 5 s): one
    # marked serial anywhere else would be left out of both runs
    astray = [i.nodeid for i in items if "serial" in i.keywords and not i.nodeid.startswith("tests/stress/")]
    if astray:
        raise pytest.UsageError(f"serial tests belong in tests/stress (make test runs them from there): {astray}")
    if CHROMIUM is not None:
        return
    skip = pytest.mark.skip(
        reason="Chromium is not installed: browser tests SKIPPED (apt-get install chromium-headless-shell)"
    )
    browser_items = [i for i in items if "browser" in i.keywords]
    for item in browser_items:
        item.add_marker(skip)
    if browser_items:
        sys.stderr.write(
            f"\n\n*** WARNING: chromium not found; {len(browser_items)} browser tests will be SKIPPED. ***\n\n"
        )


@pytest.fixture
def server_factory() -> Iterator[ServerFactory]:
    """Start servers on databases prepared by the test; all are stopped afterwards."""
    started: list[Server] = []

    def start(db: Path, env: dict[str, str] | None = None) -> Server:
        srv = Server(db, env)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests save screenshots (look at them); see also `tests.support.browser.screenshot`."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
