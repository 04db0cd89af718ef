"""What every script run costs the server besides its page: no writes, no full garbage collection, and plotly.js
asked for where charts are coming.

Streamlit reruns the whole script on every click, so a cost paid per run is paid per tap, by every session.
Measured (docs/scaling.md): checking the sign-in cookie wrote the cookie secret again (a write transaction, two
to four a run), and Streamlit's full garbage collection after each run held the server for 0.12 to 0.25 s.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit import config as st_config

from mendwell.data import Database
from mendwell.data.engine import Engine
from tests.support.apptest import ok, open_page, sign_in_partner, start_app
from tests.support.paths import APP_PY
from tests.support.ui import CHECKIN, HISTORY, HOME, SETTINGS, THEMES, TRENDS

PRELOAD = re.compile(r'<script data-mendwell="plotly">.*?const url = "([^"]+)", soon = (true|false);', re.S)


def count_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, every write transaction the app makes is listed (the real one still runs)."""
    seen: list[str] = []
    real: Callable[..., Any] = Engine.transaction

    def counted(self: Engine, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(work, "__qualname__", repr(work)))
        return real(self, work, *args, **kwargs)

    monkeypatch.setattr(Engine, "transaction", counted)
    return seen


def test_a_rerun_writes_nothing_and_opening_a_page_writes_only_its_audit_entry(
    demo_store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_partner(monkeypatch, demo_store, demo_store.couples.all()[0])
    demo_store.close()
    at = open_page(start_app(), TRENDS)
    writes = count_writes(monkeypatch)
    for _ in range(3):
        ok(at.run())  # a click that reruns the page (Streamlit reruns the whole script)
    assert writes == [], "a rerun wrote to the database"
    open_page(at, SETTINGS)
    assert len(writes) == 1, writes  # the audit trail's one line for opening a page of the couple
    assert "append" in writes[0], writes


def test_a_page_run_asks_the_practice_s_signature_once(
    demo_store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kept result of a couple is looked up under the signature of the practice's check-ins (it changes
    when the reference figures may have), and Themes looks up four: each asked the database again (4 ms each on
    500 couples x 120 months). A page's run asks once."""
    from mendwell.data.analytics import Analytics

    sign_in_partner(monkeypatch, demo_store, demo_store.couples.all()[0])
    demo_store.close()
    at = open_page(start_app(), THEMES)
    asked: list[int] = []
    real: Callable[..., Any] = Analytics.submitted_signature

    def counted(self: Analytics) -> Any:
        asked.append(1)
        return real(self)

    monkeypatch.setattr(Analytics, "submitted_signature", counted)
    ok(at.run())  # Themes again
    assert len(asked) == 1, asked
    asked.clear()
    open_page(at, TRENDS)
    assert len(asked) == 1, asked


def test_streamlit_does_not_collect_all_garbage_after_every_run() -> None:
    """The project's config turns Streamlit's post-run `gc.collect(2)` off, and Streamlit still has that option
    (an upgrade that renamed it would silently bring the pause back)."""
    ours = tomllib.loads((APP_PY.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert ours["runner"]["postScriptGC"] is False
    assert "runner.postScriptGC" in st_config._config_options_template


def _preloads(at: Any) -> list[tuple[str, bool]]:
    found = []
    for el in at.get("html"):
        for url, soon in PRELOAD.findall(el.proto.body):
            found.append((url, soon == "true"))
    return found


@pytest.mark.parametrize(
    ("page", "expected"),
    [(TRENDS, [True]), (THEMES, [True]), (HOME, [False]), (SETTINGS, [False]), (HISTORY, [False]), (CHECKIN, [])],
)
def test_plotly_js_is_asked_for_at_once_on_chart_pages_when_idle_elsewhere_and_never_during_the_check_in(
    demo_store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch, page: str, expected: list[bool]
) -> None:
    from mendwell.charts import PLOTLY_JS_URL

    sign_in_partner(monkeypatch, demo_store, demo_store.couples.all()[0])
    demo_store.close()
    at = open_page(start_app(), page)
    preloads = _preloads(at)
    assert [soon for _, soon in preloads] == expected
    assert all(url == PLOTLY_JS_URL for url, _ in preloads)
