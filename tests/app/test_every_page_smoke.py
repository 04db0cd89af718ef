"""Every page opens, for each kind of person it is open to, without an exception, with one title and
no error; and a page not open to someone cannot be reached by them.

The pages are read from the app itself: `ui.shell.PAGES` (page key -> script) and
`mendwell.access.pages_for(viewer)` (the keys a signed-in person gets), so a page added to the
app, or given to another role, is covered here without touching this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mendwell import access, tokens
from mendwell.access import Viewer
from mendwell.config import PROJECT_DIR
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog
from tests.support.apptest import app_store, sign_in
from tests.support.auth import as_signed_in, partner_accounts, therapist
from tests.support.paths import APP_PY
from tests.support.ui import HOME, NEUTRAL
from ui import state
from ui.shell import PAGES as SHELL_PAGES

TIMEOUT = 60  # seconds a script run may take on a busy machine
PAGES = {key: script for key, (script, *_rest) in SHELL_PAGES.items()}  # key -> "app_pages/....py"
NOT_REGISTERED = "Could not find a navigation page"

# who signs in: a partner, the partner who set Mendwell up at home (the owner), a therapist granted
# one of the two couples, the practice owner (a therapist granted both), and a therapist sharing a screen
ROLES = ("partner", "home owner", "therapist", "practice owner", "sharing")


def test_the_app_lists_pages_and_every_role_gets_some() -> None:
    assert PAGES, "ui.shell.PAGES is empty"
    for script in PAGES.values():
        assert (PROJECT_DIR / script).is_file(), script
    for keys in (access.PARTNER_PAGES, access.THERAPIST_PAGES, access.OWNER_PAGES, access.SHARE_PAGES):
        assert set(keys) <= set(PAGES), keys
    # every page is open to someone
    everyone = {*access.PARTNER_PAGES, *access.THERAPIST_PAGES, *access.OWNER_PAGES, *access.SHARE_PAGES}
    assert everyone == set(PAGES)


@dataclass(frozen=True)
class Session:
    at: AppTest
    viewer: Viewer


def _viewer(cookie: str) -> Viewer:
    """The signed-in person as the app sees them (from the cookie and the sign-in record)."""
    db = app_store()
    sign_in_id = tokens.sign_in_id(db, cookie)
    assert sign_in_id is not None
    found = access.viewer_for(db, sign_in_id, dt.timedelta(hours=1))
    assert found is not None
    return found


def _start() -> AppTest:
    at = AppTest.from_file(str(APP_PY), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in_as(role: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    """Accounts for `role` on a database of at least two couples; sign in (the database is still open)."""
    couples = db.couples.all()
    first, second = couples[0], couples[1]
    ann, bob = partner_accounts(db, first)
    db.accounts.set_owner(bob.account_id, True)
    if role == "partner":
        return sign_in(monkeypatch, db, ann)
    if role == "home owner":
        return sign_in(monkeypatch, db, bob)
    if role == "therapist":
        return sign_in(monkeypatch, db, therapist(db, "Dr Smoke", [second.couple_id]))
    owner = therapist(db, "Dr Owner", [c.couple_id for c in couples], owner=True)
    if role == "sharing":
        cookie = sign_in(monkeypatch, db, owner)
        sign_in_id = tokens.sign_in_id(db, cookie)
        assert sign_in_id is not None
        db.sign_ins.set_share(sign_in_id, second.couple_id)
        return cookie
    return sign_in(monkeypatch, db, owner)


@pytest.fixture
def demo_couples(app_env: Path, catalog: Catalog) -> Iterator[Database]:
    """Two demo couples with six months each; the test signs someone in, then it is closed."""
    db = Database(app_env)
    try:
        db.definitions.register(catalog.instruments)
        generate(db, catalog, couples=2, months=6, seed=3)
        yield db
    finally:
        db.close()  # DuckDB: one process configuration per file; the app opens it next


def _walk(session: Session, expected: tuple[str, ...]) -> None:
    """Open every page the person has; check one title and no error on each, and that the others
    cannot even be switched to (they are not in the person's navigation)."""
    at = session.at
    failures: list[str] = []
    for key, script in PAGES.items():
        if key in expected:
            at.switch_page(script).run()
            if at.exception:
                failures.append(f"{key}: {[e.value for e in at.exception]}")
            elif len(at.title) != 1 or at.error:
                failures.append(f"{key}: titles {[t.value for t in at.title]}, errors {[e.value for e in at.error]}")
            elif [t.value for t in at.title] == ["Not here"]:
                failures.append(f"{key}: the page refused someone it is listed for")
        else:
            with pytest.raises(ValueError, match=NOT_REGISTERED):
                at.switch_page(script)
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_each_role_opens_with_demo_couples(
    role: str, demo_couples: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = _sign_in_as(role, demo_couples, monkeypatch)
    demo_couples.close()

    at = _start()
    viewer = _viewer(cookie)
    expected = access.pages_for(viewer)
    assert expected, role
    if role == "partner":
        assert "checkin" in expected and "caseload" not in expected and "accounts" not in expected
    elif role == "home owner":
        assert {"checkin", "accounts", "audit"} <= set(expected) and "caseload" not in expected
    elif role == "therapist":
        assert "caseload" in expected and not {"checkin", "accounts", "audit"} & set(expected)
    elif role == "practice owner":
        assert {"caseload", "accounts", "audit"} <= set(expected) and "checkin" not in expected
    else:
        assert set(expected) == set(access.SHARE_PAGES)
    _walk(Session(at, viewer), expected)


def test_a_page_held_by_one_sign_in_is_not_reached_by_another(
    demo_couples: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The address a session asks for is not a key: a session on Caseload whose sign-in is then a partner's
    (the same browser, someone else signed in) is shown Home, not Caseload."""
    couples = demo_couples.couples.all()
    ann, _bob = partner_accounts(demo_couples, couples[0])
    owner = therapist(demo_couples, "Dr Owner", [c.couple_id for c in couples], owner=True)
    partner_cookie = sign_in(monkeypatch, demo_couples, ann)
    owner_cookie = sign_in(monkeypatch, demo_couples, owner)
    demo_couples.close()

    at = _start()
    for key in ("caseload", "accounts", "audit"):
        at.switch_page(PAGES[key]).run()
        assert not at.exception
        assert [t.value for t in at.title] != ["Not here"], key
        as_signed_in(monkeypatch, partner_cookie)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        titles = [t.value for t in at.title]
        assert titles == [couples[0].name.replace("&", "\\&")], (key, titles)  # Home: the couple's name
        assert not at.dataframe, key
        with pytest.raises(ValueError, match=NOT_REGISTERED):
            at.switch_page(PAGES[key])
        as_signed_in(monkeypatch, owner_cookie)
        at.switch_page(HOME).run()


def test_signed_out_there_is_only_the_sign_in_page(demo_couples: Database) -> None:
    demo_couples.close()
    at = _start()
    assert [t.value for t in at.title] == ["Sign in"]
    for script in PAGES.values():
        with pytest.raises(ValueError, match=NOT_REGISTERED):
            at.switch_page(script)


def test_the_neutral_page_opens_after_leave_now(demo_couples: Database) -> None:
    """Registered only in a state of the session: "Leave now" sets NEUTRAL, and the app then registers
    the neutral page alone (signed in or not)."""
    demo_couples.close()
    at = _start()
    at.session_state[state.NEUTRAL] = True
    at.run()
    assert not at.exception
    at.switch_page(NEUTRAL).run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Lentil soup"]
    with pytest.raises(ValueError, match=NOT_REGISTERED):
        at.switch_page(HOME)


def test_every_page_opens_on_an_empty_database(
    app_env: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No couple yet: the practice owner (a therapist with no couple) opens every page they have."""
    db = Database(app_env)
    try:
        db.definitions.register(catalog.instruments)
        assert db.couples.count() == 0
        cookie = sign_in(monkeypatch, db, therapist(db, "Dr Empty", owner=True))
    finally:
        db.close()

    at = _start()
    viewer = _viewer(cookie)
    assert viewer.couple_ids == ()
    _walk(Session(at, viewer), access.pages_for(viewer))
