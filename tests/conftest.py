"""Shared fixtures: a real DuckDB file in tmp_path, the real instruments,
AppTest with clean caches, and a real Streamlit server for Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mendwell.config import PROJECT_DIR
from mendwell.instruments import Catalog, load_catalog
from mendwell.store import Store

# Pages re-raise errors under test (users see a calm message instead), so
# AppTest's `at.exception` and the browser tests still catch every failure.
os.environ["MENDWELL_DEBUG"] = "1"

ASSESSMENTS = PROJECT_DIR / "assessments"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_DIR / "test-artifacts"


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
def store(db_file: Path, catalog: Catalog) -> Iterator[Store]:
    """An empty store on a real DuckDB file, instruments registered."""
    s = Store(db_file)
    s.register_instruments(catalog.instruments)
    yield s
    s.close()


@pytest.fixture
def demo_store(store: Store, catalog: Catalog) -> Store:
    """A store holding three demo couples with 24 months each."""
    from mendwell.demo import generate

    generate(store, catalog, couples=3, months=24, seed=11)
    return store


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


def release(store: Store) -> None:
    """Close a test's own connection so the app (same process) can open the file."""
    store.close()


# -- real browser ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Use Debian's chromium (Playwright's own download does not work offline)."""
    if CHROMIUM is None:
        return browser_type_launch_args
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM is not None:
        return
    skip = pytest.mark.skip(reason="Chromium is not installed: browser tests SKIPPED (apt-get install chromium)")
    browser_items = [i for i in items if "browser" in i.keywords]
    for item in browser_items:
        item.add_marker(skip)
    if browser_items:
        sys.stderr.write(
            f"\n\n*** WARNING: chromium not found; {len(browser_items)} browser tests will be SKIPPED. ***\n\n"
        )


class Server:
    """A real `streamlit run app.py` on a free loopback port."""

    FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none")

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.parent / "streamlit.log"
        full_env = {**os.environ, "MENDWELL_DB": str(db), **(env or {})}
        self._log_file = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", *self.FLAGS, "--server.port", str(self.port)],
            cwd=PROJECT_DIR,
            env=full_env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator:
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
    """Where browser tests save screenshots (look at them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
