"""Streamlit's AppTest on the real app.py and pages, the way a browser session uses them.

Each test prepares the database with its own store, signs someone in (`sign_in`: a real
sign-in record and signed cookie, made before the store is closed), closes the store (DuckDB
allows one connection configuration per file and process), runs the app here, then reads or
writes the database through the app's own cached store (`app_store()`).

`AppTest.from_file` resolves a relative path against the calling test's folder, so the app is
always given by its absolute path. Pages are switched to by their path, e.g. "app_pages/trends.py".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Button, Element, Node

from mendwell.chart_drawing import read_message
from mendwell.data import Database
from mendwell.model import Account, Couple
from tests.support.auth import PASSCODE, as_signed_in, cookie_for, partner_accounts
from tests.support.paths import APP_PY
from ui.page import NUMBERS_PREFIX

TIMEOUT = 30  # seconds a script run may take on a busy machine

# Each new AppTest scans every installed package for Streamlit components (0.2 s of its first run here, about a
# sixth of a short test; the app has none). The packages do not change during a test run: scanned once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

Figure = dict[str, Any]  # a Plotly figure as JSON: {"data": [...], "layout": {...}}

E = TypeVar("E", bound=Element)

# the message kinds whose source text `texts` reads
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error")


# -- running the app ---------------------------------------------------------------------------


def ok(at: AppTest) -> AppTest:
    """No exception and no error element on the page; pass the app on."""
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def start_app(**query: str) -> AppTest:
    """A fresh session (a new browser tab), opened with these query parameters; first run done,
    without an exception or an error element."""
    at = AppTest.from_file(str(APP_PY), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return ok(at)


def open_page(at: AppTest, page: str) -> AppTest:
    """Switch the session to `page` ("app_pages/....py"); no exception, no error element."""
    at.switch_page(page).run()
    return ok(at)


def button(at: AppTest, label: str) -> Button:
    """The one button (form submit buttons included) with this label."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"expected one {label!r} button, found {[b.label for b in at.button]}"
    return found[0]


def click(at: AppTest, label: str) -> AppTest:
    """Click the button with this label and run; no exception (an error element may be the answer)."""
    button(at, label).click().run()
    assert not at.exception, at.exception
    return at


def app_store() -> Database:
    """The database the app itself holds in its cache (same process, same connection)."""
    from mendwell.config import db_path
    from ui.resources import database_for

    return database_for(str(db_path()))


# -- who is signed in ---------------------------------------------------------------------------


def sign_in(monkeypatch: pytest.MonkeyPatch, db: Database, account: Account, passcode: str | None = PASSCODE) -> str:
    """From now on, AppTest sessions of this test are signed in as `account` (a real sign-in made in `db`,
    before the test closes it); returns the cookie, to sign in as them again later with `as_signed_in`."""
    cookie = cookie_for(db, account, passcode)
    as_signed_in(monkeypatch, cookie)
    return cookie


def sign_in_partner(monkeypatch: pytest.MonkeyPatch, db: Database, couple: Couple, slot: int = 1) -> list[Account]:
    """Accounts for both partners of `couple` (passcode `tests.support.auth.PASSCODE`); AppTest sessions are
    signed in as the partner in `slot` (1 or 2). Returns both accounts in slot order."""
    made = partner_accounts(db, couple)
    sign_in(monkeypatch, db, made[slot - 1])
    return made


# -- what the page shows -----------------------------------------------------------------------


def texts(at: AppTest) -> list[str]:
    """The source text of every text-bearing element (main area and sidebar)."""
    out: list[str] = []
    for kind in TEXT_KINDS:
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def unescape(md: str) -> str:
    r"""What a reader sees of backslash escapes (\* -> *) and invisible word joiners."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", md).replace("\u2060", "")


def shown(at: AppTest) -> str:
    """All the text of the page as a reader sees it, one element a line."""
    return "\n".join(unescape(t) for t in texts(at))


def nodes(at: AppTest, main_only: bool = False) -> Iterator[Node]:
    """Every element and block of the main area and (unless `main_only`) the sidebar, depth first."""

    def walk(node: Node) -> Iterator[Node]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at.main)
    if not main_only:
        yield from walk(at.sidebar)


def elements(where: AppTest | Block, kind: str, of: type[E]) -> list[E]:
    """The elements of a kind AppTest has no typed list for (e.g. "page_link"), each checked to be an `of`."""
    found = where.get(kind)
    typed = [n for n in found if isinstance(n, of)]
    assert len(typed) == len(found), found
    return typed


def widget_keys(at: AppTest) -> list[str]:
    return [k for n in nodes(at) if (k := getattr(n, "key", None))]


def figure_in(text: str) -> tuple[str, Figure] | None:
    """(chart key, figure) of a chart's message (`mendwell.chart_drawing`), or None for any other text."""
    return read_message(text)


def chart_messages(at: AppTest) -> list[dict[str, Any]]:
    """Every chart's whole message on the page, decoded: its key, text alternative, height and figure (what a
    privacy check searches: the alternative names people too)."""
    return [json.loads(el.proto.body) for el in at.get("text") if figure_in(el.proto.body) is not None]


def figures(at: AppTest) -> dict[str, Figure]:
    """{chart key: figure} of every Plotly chart on the page (each a text element holding its message, which the
    page's drawing script hands to Plotly)."""
    out: dict[str, Figure] = {}
    for el in at.get("text"):
        found = figure_in(el.proto.body)
        if found is not None:
            key, figure = found
            assert key not in out, key
            out[key] = figure
    return out


# the keys of the pages' parts (`ui.page.part_picker`), each drawn only while chosen: Trends' (one per
# questionnaire, then the two perspectives) and Themes' (by month, which hurts, how much was mended)
TREND_PARTS, THEME_VIEWS = "trend_part", "themes_view"
PART_KEYS = (TREND_PARTS, THEME_VIEWS)


def part_labels(at: AppTest) -> list[str]:
    """The labels of the parts the page offers to choose from, in order (none on a page without parts)."""
    pickers = [r for r in at.radio if r.key in PART_KEYS]
    assert len(pickers) <= 1, [g.key for g in pickers]
    return list(pickers[0].options) if pickers else []


def open_numbers(at: AppTest) -> AppTest:
    """The page with every folded "numbers" part on it open (`ui.page.numbers_box`: a table is sent only once
    it is opened), after one more run if any was closed."""
    closed = [k for k in at.session_state if k.startswith(NUMBERS_PREFIX) and not at.session_state[k]]
    for key in closed:
        at.session_state[key] = True
    if closed:
        ok(at.run(timeout=TIMEOUT))
    return at


def each_part(at: AppTest) -> Iterator[AppTest]:
    """The page with each of its lazily drawn parts chosen in turn (a part's charts are sent only while it is
    chosen), with every folded numbers part of it open too: yields `at` with each chosen, the one already chosen as
    it is, the others chosen through the parts' key, and leaves the one that was chosen chosen again. A page
    without parts is yielded once, its numbers open."""
    labels = part_labels(at)
    if not labels:
        yield open_numbers(at)
        return
    [key] = [r.key for r in at.radio if r.key in PART_KEYS]  # this page's (another's choice is kept too)
    first = current = at.session_state[key]
    for label in labels:
        if label != current:
            at.session_state[key] = label
            ok(at.run(timeout=TIMEOUT))
            current = label
        assert part_labels(at) == labels
        yield open_numbers(at)
    if current != first:  # leave the page as it was found
        at.session_state[key] = first
        ok(at.run(timeout=TIMEOUT))


def every_figure(at: AppTest) -> dict[str, Figure]:
    """{chart key: figure} of every chart the page draws, each of its parts chosen in turn."""
    out: dict[str, Figure] = {}
    for part in each_part(at):
        for k, fig in figures(part).items():
            assert out.get(k, fig) == fig, k  # a chart outside the parts is the same in every run
            out[k] = fig
    return out


def json_strings(node: object) -> Iterator[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_strings(value)
