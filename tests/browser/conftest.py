"""Chromium on the real app: a tall window and patience for a busy machine."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.frames import FrameJournal
from tests.support.server import Server

JOURNAL = pytest.StashKey[FrameJournal]()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A tall window: Streamlit scrolls inside its own container, so a screenshot only holds
    what fits in the window."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 2600}}


@pytest.fixture
def page(page: Page) -> Page:
    """Streamlit reruns can take a moment on a busy machine: wait up to 30 s for a condition."""
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page


@pytest.fixture(autouse=True)
def frame_journal(request: pytest.FixtureRequest) -> FrameJournal | None:
    """For a test that uses the `page` fixture: a journal of its websocket messages, for its report if it fails."""
    if "page" not in request.fixturenames:
        return None
    journal = request.node.stash[JOURNAL] = FrameJournal(request.getfixturevalue("page"))
    return journal


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test's report ends with its page's websocket messages and what each running server last
    wrote: a rerun never sent, one Streamlit dropped, an exception kept from the page, are told apart there."""
    report = yield
    if report.failed and call.when == "call":
        if journal := item.stash.get(JOURNAL, None):
            report.sections.append(("the page's websocket, its last messages", "\n".join(journal.lines())))
        for server in list(Server.running):
            report.sections.append((f"streamlit on port {server.port}, its last lines", server.log_tail()))
    return report
