"""Chromium on the real app: a tall window and patience for a busy machine."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect


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
