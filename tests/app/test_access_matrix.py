"""Issue 9, the access matrix in AppTest: every role x every page x own / other couple x tampered address.

One database (`build_world`) holds four couples: two hand-made ones with the SAME couple name (so the
couple on screen must be held by id), and two from the demo generator, renamed. Every partner has a
unique private note marker, couples have shared note markers, and one partner answered "yes" on the
safety check last month. Accounts are made with the app's own code: a partner account for each partner
of the first couple, a therapist granted some couples but not others, and a practice owner (a therapist)
granted the rest.

Each role gets one AppTest session per address variant that walks every page key of `ui.shell.PAGES`;
everything in the rendered tree (every element's protobuf text, every dataframe's values, every Plotly
figure's JSON) is searched for what must not be there. The world is also used by the Chromium tests
(`tests/browser/test_access_browser.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mendwell import periods, safety, tokens
from mendwell.data import Database, release, shared
from mendwell.demo import generate
from mendwell.instruments import Catalog
from mendwell.model import Account, Couple
from tests.support.apptest import TIMEOUT, chart_messages, each_part, json_strings, nodes
from tests.support.auth import PASSCODE, as_signed_in, cookie_for, partner_accounts, therapist
from tests.support.data import check_in, instrument, opened, whole_plan
from tests.support.paths import APP_PY
from ui.shell import PAGES

THIS_MONTH = periods.month_start()
LAST_MONTH = periods.add_months(THIS_MONTH, -1)
TWIN_NAME = "Hana & Robin"  # the two hand-made couples share it
SAFETY_HELP = "SAFETY-HELP-MARKER-7731"  # the help text a "yes" shows (to that partner, in their draft only)
CONCERN = "safety check raised a concern"  # the caseload's flag, when the setting is on


@dataclass(frozen=True)
class CoupleMarks:
    """One couple of the world: its id, its partners' names and its planted markers."""

    couple_id: int
    partner_ids: tuple[int, int]
    partner_names: tuple[str, str]
    private: tuple[str, str]  # each partner's private note marker, in slot order
    shared: str  # a shared note marker (written by the first partner)
    name: str = TWIN_NAME


@dataclass(frozen=True)
class World:
    """The database file and what was planted in it."""

    db: Path
    x: CoupleMarks  # "Hana & Robin", hand-made; its partners have accounts; its 2nd partner said "yes"
    y: CoupleMarks  # "Hana & Robin" too, hand-made
    z: CoupleMarks  # demo couple, renamed
    w: CoupleMarks  # demo couple, renamed
    therapist_name: str = "Dr Granted"  # granted x and y (the same couple name), not z or w
    owner_name: str = "Olga Owner"  # a therapist and the practice owner, granted z and w, not x or y
    safety_questions: tuple[str, ...] = field(default_factory=tuple)
    private_words: tuple[str, ...] = field(default_factory=tuple)  # private item texts and private subscale titles

    @property
    def couples(self) -> tuple[CoupleMarks, ...]:
        return (self.x, self.y, self.z, self.w)

    def granted(self, who: str) -> tuple[CoupleMarks, ...]:
        return (self.x, self.y) if who == self.therapist_name else (self.z, self.w)

    def by_id(self, couple_id: int) -> CoupleMarks:
        return next(c for c in self.couples if c.couple_id == couple_id)


def _plan_with_safety_yes(catalog: Catalog) -> dict[str, dict[str, object]]:
    plan = whole_plan(catalog, 2)
    plan["safety"] = {**plan.get("safety", {}), "afraid": 1}
    return plan


def _hand_made(
    db: Database, catalog: Catalog, tag: str, names: tuple[str, str], yes_for_second: bool, therapist_id: int
) -> CoupleMarks:
    couple_id = db.couples.create(TWIN_NAME, list(names))
    db.accounts.grant(therapist_id, couple_id)  # before they check in, as in a practice
    couple = db.couples.get(couple_id)
    assert couple is not None
    a, b = (p.partner_id for p in couple.partners)
    shared, priv_a, priv_b = f"SHARED-{tag}-MARKER", f"PRIVATE-{tag}A-MARKER", f"PRIVATE-{tag}B-MARKER"
    for back in (3, 2):
        month = periods.add_months(THIS_MONTH, -back)
        for pid in (a, b):
            check_in(db, catalog, pid, month, whole_plan(catalog, 2))
    check_in(db, catalog, a, LAST_MONTH, whole_plan(catalog, 1), note=(priv_a, True))
    b_plan = _plan_with_safety_yes(catalog) if yes_for_second else whole_plan(catalog, 3)
    check_in(db, catalog, b, LAST_MONTH, b_plan, note=(priv_b + "-OLD", True))
    # this month, both submitted (Together opens it): the first partner's note shared, the second's private
    check_in(db, catalog, a, THIS_MONTH, whole_plan(catalog, 2), note=(shared, False))
    check_in(db, catalog, b, THIS_MONTH, whole_plan(catalog, 2), note=(priv_b, True))
    return CoupleMarks(couple_id, (a, b), names, (priv_a, priv_b), shared)


def _note(db: Database, checkin_id: int, body: str, private: bool) -> None:
    db.engine.transaction(
        lambda cur: (
            cur.execute("DELETE FROM notes WHERE checkin_id = ?", [checkin_id]),
            cur.execute("INSERT INTO notes VALUES (?, ?, ?, current_timestamp)", [checkin_id, body, private]),
        )
    )
    db.engine.bump_all()


def _demo_marks(db: Database, couple: Couple, tag: str, names: tuple[str, str]) -> CoupleMarks:
    couple_name = f"{tag}-HOUSEHOLD"
    db.couples.rename(couple.couple_id, couple_name)
    for p, name in zip(couple.partners, names, strict=True):
        db.couples.rename_partner(p.partner_id, name)
    a, b = (p.partner_id for p in couple.partners)
    listing = db.checkins.listing(couple.couple_id)
    done = listing[listing["status"] == "submitted"]
    privs = (f"PRIVATE-{tag}A-MARKER", f"PRIVATE-{tag}B-MARKER")
    shared = f"SHARED-{tag}-MARKER"
    for pid, priv in zip((a, b), privs, strict=True):
        rows = done[done["partner_id"] == pid].sort_values("period", ascending=False)
        assert len(rows) >= 2, f"demo partner {pid} has too few check-ins"
        _note(db, int(rows.iloc[0]["checkin_id"]), priv, True)
        if pid == a:
            _note(db, int(rows.iloc[1]["checkin_id"]), shared, False)
    return CoupleMarks(couple.couple_id, (a, b), names, privs, shared, couple_name)


def build_world(path: Path, catalog: Catalog) -> World:
    """The matrix's database at `path` (closed afterwards), with accounts made by the app's code."""
    with opened(path) as db:
        db.definitions.register(catalog.instruments)
        generate(db, catalog, couples=2, months=6, seed=5)
        demo_z, demo_w = db.couples.all()
        doctor = therapist(db, World.therapist_name).account_id
        x = _hand_made(db, catalog, "X", ("Xaviera", "Xerxes"), yes_for_second=True, therapist_id=doctor)
        y = _hand_made(db, catalog, "Y", ("Yolanda", "Yannick"), yes_for_second=False, therapist_id=doctor)
        z = _demo_marks(db, demo_z, "Z", ("Zinnia", "Zebulon"))
        w = _demo_marks(db, demo_w, "W", ("Wilhelmina", "Wolfgang"))
        couple_x = db.couples.get(x.couple_id)
        assert couple_x is not None
        partner_accounts(db, couple_x)
        world = World(path, x, y, z, w)
        therapist(db, world.owner_name, [z.couple_id, w.couple_id], owner=True)
        safety.set_resources(db, SAFETY_HELP + " call someone you trust.")
        safety_inst = instrument(catalog, "safety")
        private_words = [it.text for i in catalog.instruments for it in i.items if it.private and not i.safety]
        private_words += [s.title for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)]
    return World(
        path,
        x,
        y,
        z,
        w,
        safety_questions=tuple(it.text for it in safety_inst.items),
        private_words=tuple(private_words),
    )


def account_named(db: Database, name: str) -> Account:
    found = db.accounts.by_name(name)
    assert found is not None, name
    return found


ROLES = ("partner_a", "partner_b", "therapist", "owner")


def role_name(world: World, role: str) -> str:
    return {
        "partner_a": world.x.partner_names[0],
        "partner_b": world.x.partner_names[1],
        "therapist": world.therapist_name,
        "owner": world.owner_name,
    }[role]


# Which pages each role gets (issue 9: check-in for partners, caseload for therapists, accounts and audit for
# the owner); written out here rather than read from the app, so a change to the app's table is caught.
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "partner_a": ("home", "checkin", "together", "trends", "themes", "history", "data", "settings"),
    "partner_b": ("home", "checkin", "together", "trends", "themes", "history", "data", "settings"),
    "therapist": ("home", "together", "trends", "themes", "history", "caseload", "data", "settings"),
    "owner": (
        "home",
        "together",
        "trends",
        "themes",
        "history",
        "caseload",
        "data",
        "settings",
        *("accounts", "audit"),
    ),
    "anonymous": (),
}
SHARE_PAGES = ("home", "trends", "themes", "together")
ADMIN_PAGES = ("accounts", "audit")  # the owner's: they name every account, to manage them


# -- what the rendered tree holds ------------------------------------------------------------------


def everything(at: AppTest) -> str:
    """Every string the session's rendered tree holds, with each of the page's parts chosen in turn (Trends
    sends a part's charts only while it is chosen): each element's protobuf (labels, options, markdown,
    captions, html, page links), each dataframe's values, each chart's message decoded."""
    parts: list[str] = []
    for view in each_part(at):
        for node in nodes(view):
            proto = getattr(node, "proto", None)
            if proto is not None:
                parts.append(str(proto))
        for df in view.dataframe:
            parts.append(df.value.to_csv())
        for message in chart_messages(view):  # each chart's figure and its text alternative
            parts.extend(json_strings(message))
    return "\n".join(parts)


def page_title(at: AppTest) -> str:
    return " | ".join(str(t.value) for t in at.title)


def own_partner_id(world: World, role: str) -> int | None:
    if role == "partner_a":
        return world.x.partner_ids[0]
    if role == "partner_b":
        return world.x.partner_ids[1]
    return None


def forbidden_for(
    world: World, role: str, page: str, on_screen: CoupleMarks | None, *, flag_ok: bool = False
) -> list[str]:
    """Strings that must not appear for `role` on `page` while `on_screen` is the couple shown."""
    mine = own_partner_id(world, role)
    admin = role == "owner" and page in ADMIN_PAGES
    granted = set(world.granted(role_name(world, role))) if role in ("therapist", "owner") else set()
    # the caseload lists every granted couple (names, and partners' names in flags); elsewhere only one couple
    visible = set(granted) if page == "caseload" else set()
    if on_screen is not None:
        visible.add(on_screen)
    out: list[str] = []
    for c in world.couples:
        for pid, marker in zip(c.partner_ids, c.private, strict=True):
            if pid != mine:
                out += [marker, marker + "-OLD"]
        if c not in visible:
            out.append(c.shared)
            if not admin:
                out += list(c.partner_names)
                if c not in granted and c.name != TWIN_NAME:
                    out.append(c.name)  # a couple's name may show in the sidebar's chooser of granted couples
    out += list(world.safety_questions)
    if not (role == "owner" and page == "settings"):  # the owner edits the help text there
        out.append(SAFETY_HELP)
    if not flag_ok:
        out.append(CONCERN)
    if page not in ("checkin", "caseload"):  # the caseload's reliability table lists every part by title
        out += list(world.private_words)
    return out


def leaks(found: str, forbidden: list[str]) -> list[str]:
    return sorted({m for m in forbidden if m in found})


# -- sessions ------------------------------------------------------------------------------------


def new_session(query: dict[str, str]) -> AppTest:
    """A new browser tab opened at this address (query string)."""
    at = AppTest.from_file(str(APP_PY), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def visit(at: AppTest, key: str, query: dict[str, str]) -> tuple[AppTest, bool]:
    """Open page `key` with this address (query string); returns what shows and whether the page is in the
    person's navigation. A page that is not (AppTest cannot switch to it) is run on its own, the way an
    address typed by hand reaches its script: its own check must stop it."""
    try:
        at.switch_page(PAGES[key][0])
    except ValueError:
        alone = AppTest.from_file(str(APP_PY.parent / PAGES[key][0]), default_timeout=TIMEOUT)
        for k, v in query.items():
            alone.query_params[k] = v
        alone.run()
        assert not alone.exception, (key, alone.exception)
        return alone, False
    at.query_params.clear()
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, (key, [e.value for e in at.exception])
    assert not at.error, (key, [e.value for e in at.error])
    return at, True


def variants(world: World, role: str) -> dict[str, dict[str, str]]:
    """The address variants: none, a couple not theirs, share on / off, share on with a couple not theirs."""
    other = {"partner_a": world.y, "partner_b": world.y, "therapist": world.z, "owner": world.x}.get(role, world.x)
    return {
        "plain": {},
        "couple=other": {"couple": str(other.couple_id)},
        "share=1": {"share": "1"},
        "share=0": {"share": "0"},
        "share=1&couple=other": {"share": "1", "couple": str(other.couple_id)},
    }


def fresh_cookie(world: World, role: str) -> str:
    """A new real sign-in for the role (on the database the app holds) and its signed cookie."""
    db = shared(world.db)
    return cookie_for(db, account_named(db, role_name(world, role)), PASSCODE)


def sharing_of(world: World, cookie: str) -> int | None:
    db = shared(world.db)
    sign_in_id = tokens.sign_in_id(db, cookie)
    assert sign_in_id is not None
    found = db.sign_ins.get(sign_in_id)
    assert found is not None
    return found.share_couple_id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[World]:
    made = build_world(tmp_path_factory.mktemp("matrix") / "mendwell.duckdb", catalog)
    yield made
    release(shared(made.db))


@pytest.fixture
def matrix_env(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The app on the world's database (idle time-out far away), caches clean before and after."""
    import streamlit as st

    monkeypatch.setenv("MENDWELL_DB", str(world.db))
    monkeypatch.delenv("MENDWELL_ASSESSMENTS", raising=False)
    monkeypatch.setenv("MENDWELL_IDLE_MINUTES", "600")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield world
    st.cache_data.clear()
    st.cache_resource.clear()


# -- the tests ------------------------------------------------------------------------------------


def test_the_world_is_what_the_matrix_assumes(world: World) -> None:
    db = shared(world.db)
    x, y = db.couples.get(world.x.couple_id), db.couples.get(world.y.couple_id)
    assert x is not None and y is not None and x.name == y.name == TWIN_NAME
    everyone = {a.name: a for a in db.accounts.all()}
    assert {*world.x.partner_names, world.therapist_name, world.owner_name} <= set(everyone)
    assert everyone[world.owner_name].is_owner and everyone[world.therapist_name].is_therapist
    assert db.accounts.granted(everyone[world.therapist_name].account_id) == sorted([x.couple_id, y.couple_id])
    assert world.safety_questions and world.private_words


def test_anonymous_sees_only_the_sign_in_prompt(matrix_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = matrix_env
    as_signed_in(monkeypatch, None)
    forbidden = [s for c in world.couples for s in (c.name, *c.partner_names, *c.private, c.shared)] + [TWIN_NAME]
    forbidden += [SAFETY_HELP, *world.safety_questions, *world.private_words, world.therapist_name]
    for name, query in variants(world, "anonymous").items():
        at = new_session(query)
        assert page_title(at) == "Sign in", name
        for key in PAGES:
            shown, registered = visit(at, key, query)
            assert not registered, f"{key} is in an anonymous navigation"
            assert page_title(shown) == "Sign in", (name, key, page_title(shown))
            assert not leaks(everything(shown), forbidden), (name, key)
            assert not shown.button and not shown.text_input and not shown.dataframe, (name, key)


def _couple_on_screen(world: World, at: AppTest, role: str) -> CoupleMarks:
    from ui import state

    couple_id = at.session_state[state.COUPLE] if state.COUPLE in at.session_state else None  # noqa: SIM401
    assert couple_id is not None, role
    return world.by_id(int(couple_id))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_at_every_address(role: str, matrix_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each role, in one new tab per address variant, walks every page: its own pages open (and show its
    couple), the others stop at "Not here", and nothing of anyone else is anywhere in the tree."""
    world = matrix_env
    cookie = fresh_cookie(world, role)
    as_signed_in(monkeypatch, cookie)
    problems: list[str] = []
    for name, query in variants(world, role).items():
        at = new_session(query)
        assert sharing_of(world, cookie) is None, f"{name} started screen sharing for {role}"
        for key in PAGES:
            shown, registered = visit(at, key, query)
            allowed = key in ROLE_PAGES[role]
            where = f"{role} {key} [{name}]"
            if registered != allowed:
                problems.append(f"{where}: in the navigation={registered}, should be {allowed}")
            if not allowed:
                if page_title(shown) != "Not here":
                    problems.append(f"{where}: a page not theirs shows {page_title(shown)!r}")
                found = everything(shown)
                problems += [f"{where}: {m}" for m in leaks(found, forbidden_for(world, role, key, None))]
                continue
            on_screen = _couple_on_screen(world, shown, role)
            if on_screen not in (world.x,) and role.startswith("partner"):
                problems.append(f"{where}: a partner was shown couple {on_screen.couple_id}")
            if on_screen not in world.granted(role_name(world, role)) and not role.startswith("partner"):
                problems.append(f"{where}: a couple not granted on screen ({on_screen.couple_id})")
            found = everything(shown)
            problems += [f"{where}: {m}" for m in leaks(found, forbidden_for(world, role, key, on_screen))]
            if key == "home" and not all(n in found for n in on_screen.partner_names):
                problems.append(f"{where}: Home does not name the couple's partners")
            if key == "together" and role.startswith("partner") and world.x.shared not in found:
                problems.append(f"{where}: Together does not show the couple's shared note")
        assert sharing_of(world, cookie) is None, f"{name} started screen sharing for {role}"
    assert not problems, "\n".join(problems)


def _choose(at: AppTest, couple_id: int) -> AppTest:
    from ui import state

    chooser = at.sidebar.selectbox(key=state.COUPLE)
    chooser.set_value(couple_id).run()
    assert not at.exception, at.exception
    return at


def test_the_chooser_holds_two_couples_of_one_name_by_id(matrix_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The therapist sees two couples named alike: the chooser's labels differ, and the chosen one stays
    on every page (only its partners' names, never the other's)."""
    from ui import state

    world = matrix_env
    as_signed_in(monkeypatch, fresh_cookie(world, "therapist"))
    at = new_session({})
    chooser = at.sidebar.selectbox(key=state.COUPLE)
    labels = [str(o) for o in chooser.options]
    assert len(labels) == len(set(labels)) == 2, labels
    assert all(TWIN_NAME in label for label in labels)
    for chosen, other in ((world.y, world.x), (world.x, world.y), (world.y, world.x)):
        _choose(at, chosen.couple_id)
        for key in ROLE_PAGES["therapist"]:
            shown, registered = visit(at, key, {})
            assert registered
            assert at.session_state[state.COUPLE] == chosen.couple_id, key
            found = everything(shown)
            if key != "caseload":
                assert not [n for n in other.partner_names if n in found], (key, chosen.couple_id)
            if key == "home":
                assert all(n in found for n in chosen.partner_names)


def test_caseload_flag_only_when_the_setting_is_on(matrix_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The therapist never sees a safety answer; with the setting on, only a flag for the partner who said yes."""
    world = matrix_env
    db = shared(world.db)
    as_signed_in(monkeypatch, fresh_cookie(world, "therapist"))
    try:
        for on in (False, True):
            safety.set_therapist_sees_flag(db, on)
            # on since before the world's check-ins were sent (turned on now, it counts only check-ins from now)
            db.settings.set(safety.FLAG_SINCE_KEY, safety.EVERY_CHECKIN)
            at = new_session({})
            shown, _ = visit(at, "caseload", {})
            found = everything(shown)
            assert not leaks(found, forbidden_for(world, "therapist", "caseload", None, flag_ok=on))
            flagged = f"{world.x.partner_names[1]}: {CONCERN}"
            if on:
                assert flagged in found
                assert f"{world.x.partner_names[0]}: {CONCERN}" not in found
            else:
                assert CONCERN not in found
    finally:
        safety.set_therapist_sees_flag(db, False)


def test_screen_sharing_holds_on_the_server(matrix_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A therapist's ?share=1&couple=Y (granted) starts sharing Y; every page at every address, and a new tab
    opened at each address, then shows only Y's shared views, without download buttons, until Stop sharing is
    confirmed."""
    world = matrix_env
    shared_couple, other = world.y, world.x
    cookie = fresh_cookie(world, "therapist")
    as_signed_in(monkeypatch, cookie)
    at = new_session({"share": "1", "couple": str(shared_couple.couple_id)})
    assert sharing_of(world, cookie) == shared_couple.couple_id
    addresses = {
        "plain": {},
        "couple=X": {"couple": str(other.couple_id)},
        "share=0": {"share": "0"},
        "share=1&couple=X": {"share": "1", "couple": str(other.couple_id)},
        "share=1&couple=Z": {"share": "1", "couple": str(world.z.couple_id)},
    }
    problems: list[str] = []
    for name, query in addresses.items():
        # the same tab at every page; and a new tab opened at that address, whose first page is the only one that
        # differs from the same tab's (from then on it is the same server-side sign-in and session)
        for tab, keys in ((at, tuple(PAGES)), (new_session(query), ("home",))):
            assert not tab.sidebar.selectbox, "a couple chooser while sharing"
            for key in keys:
                shown, registered = visit(tab, key, query)
                where = f"sharing {key} [{name}]"
                if registered != (key in SHARE_PAGES):
                    problems.append(f"{where}: in the navigation={registered}")
                found = everything(shown)
                problems += [
                    f"{where}: {m}" for m in leaks(found, forbidden_for(world, "therapist", key, shared_couple))
                ]
                problems += [f"{where}: private part {w}" for w in world.private_words if w in found]
                if shown.get("download_button"):
                    problems.append(f"{where}: a download button")
                if not registered:
                    continue
                if "Sign out" in [b.label for b in shown.button]:
                    problems.append(f"{where}: the full sidebar")
    assert sharing_of(world, cookie) == shared_couple.couple_id
    assert not problems, "\n".join(problems)
    # stopping needs the confirmation
    _click(at, "Stop sharing…")
    assert sharing_of(world, cookie) == shared_couple.couple_id, "stopped before it was confirmed"
    _click(at, "Keep sharing")
    assert sharing_of(world, cookie) == shared_couple.couple_id
    _click(at, "Stop sharing…")
    _click(at, "Stop sharing")
    assert sharing_of(world, cookie) is None
    fresh = new_session({})
    assert "Sign out" in [b.label for b in fresh.button]


def _click(at: AppTest, label: str) -> None:
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, (label, [b.label for b in at.button])
    found[0].click().run()
    assert not at.exception, at.exception
