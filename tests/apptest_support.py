"""Making AppTest behave like the real server (shared by page tests and benchmarks)."""

from __future__ import annotations

from typing import Any

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test as app_test_module


class ServerLikePagesManager(PagesManager):
    """AppTest resets `PagesManager.uses_pages_directory` before every run; with a
    `pages/` folder next to app.py, every run after the first would then run the
    page file alone (Streamlit's old folder-based mode), skipping app.py. A real
    server runs app.py every time once st.navigation has been called. This
    restores the server's behaviour."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def run_app_py_every_time() -> None:
    """Patch AppTest for the rest of the process (for scripts; tests use monkeypatch)."""
    app_test_module.PagesManager = ServerLikePagesManager  # type: ignore[misc]
