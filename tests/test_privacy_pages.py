"""Privacy and Together with AppTest: the real app.py and pages on a real DuckDB file.

The reveal gate of Together, partner and practice passcodes (salted scrypt, persisted
slow-down, idle lock, Lock button), the one-time "no passcode" notice, Caseload flags on
hand-made histories, share mode (only one couple, nothing private, reduced navigation, a
deliberate exit) and the monthly rhythm (.ics reminder, due text on Home).

Leak checks read every element of the page the way the browser receives it: each element's
whole message (bodies, labels, options, help, link targets), every dataframe cell with its
index and column names, and every string of every Plotly figure.

Each test prepares the database with its own `Store` and closes it (one connection
configuration per file and process), runs the app, then reads or writes the database through
the app's own cached store (`pages._shared._store`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import icalendar
import pandas as pd
import pytest
from apptest_support import ServerLikePagesManager
from google.protobuf import text_format
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from mendwell import caseload, periods, rhythm, security
from mendwell.analysis import reliable_change
from mendwell.checkin import Answer, make_answer
from mendwell.config import IDLE_SECONDS, PROJECT_DIR
from mendwell.instruments import Catalog, load_catalog
from mendwell.store import Couple, Store
from ui.state import UNLOCKED_PARTNERS as UNLOCKED_KEY

APP = "../app.py"  # relative to this file
HOME, CHECKIN, TOGETHER = "app_pages/home.py", "app_pages/checkin.py", "app_pages/together.py"
TRENDS, THEMES, CASELOAD, SETTINGS = (
    "app_pages/trends.py",
    "app_pages/themes.py",
    "app_pages/caseload.py",
    "app_pages/settings.py",
)
THIS_MONTH = periods.month_start()
START = dt.date(2025, 1, 1)  # hand-made caseload histories
UNSEEN = 1  # option value of "Unseen" in every `<kind>_themes` question
PASSCODE = "harbour-lantern-4721"


@pytest.fixture(autouse=True)
def _run_app_py_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "PagesManager", ServerLikePagesManager)


# -- running the app ---------------------------------------------------------------------------


def start(**query: str) -> AppTest:
    """A fresh session (a new browser tab), opened with these query parameters; first run done."""
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return ok(at)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    return ok(at)


def app_store() -> Store:
    """The store the app holds in its cache (same process, same connection)."""
    from mendwell.config import db_path
    from ui.resources import _store

    return _store(str(db_path()))


def button(at: AppTest, label: str) -> Any:
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"expected one {label!r} button, found {[b.label for b in at.button]}"
    return found[0]


def submit_form(at: AppTest, label: str) -> AppTest:
    """Click a form's submit button (AppTest lists them as buttons)."""
    button(at, label).click().run()
    return ok(at)


# -- everything a page sends -------------------------------------------------------------------


def nodes(at: AppTest, main_only: bool = False) -> Iterator[Any]:
    """Every element and block of the main area and (unless `main_only`) the sidebar, depth first."""

    def walk(node: Any) -> Iterator[Any]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at.main)
    if not main_only:
        yield from walk(at.sidebar)


def json_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_strings(value)


def frame_strings(df: pd.DataFrame) -> list[str]:
    """Column names, index names and values, and every cell of a dataframe."""
    out = [str(c) for c in df.columns] + [str(n) for n in df.columns.names] + [str(n) for n in df.index.names]
    out += [str(i) for i in df.index]
    out += [str(v) for v in df.to_numpy().ravel()]
    return out


def sent(at: AppTest, main_only: bool = False) -> str:
    """The text of everything on the page (main area and sidebar), as a reader would see it:
    markdown backslash escapes and invisible word joiners removed."""
    out: list[str] = []
    for node in nodes(at, main_only):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        out.append(text_format.MessageToString(proto, as_utf8=True))
        kind = getattr(node, "type", "")
        if kind in ("dataframe", "table"):
            out += frame_strings(node.value)
        elif kind == "plotly_chart":
            out += list(json_strings(json.loads(proto.spec)))
    return "\n".join(out).replace("\\", "").replace("\u2060", "")


def assert_absent(at: AppTest, forbidden: list[str], where: str) -> None:
    text = sent(at)
    leaked = [f for f in forbidden if f in text]
    assert not leaked, f"{where}: {leaked} on the page"


def widget_keys(at: AppTest) -> list[str]:
    return [k for n in nodes(at) if (k := getattr(n, "key", None))]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def private_words(catalog: Catalog) -> list[str]:
    """Titles of the private subscales (all their items private) and the text of every private item."""
    titles = [s.title for i in catalog.instruments for s in i.subscales if i.is_private_subscale(s.id)]
    items = [it.text for i in catalog.instruments for it in i.items if it.private]
    return titles + items


def with_shared_scores(catalog: Catalog) -> list[Any]:
    """The questionnaires with at least one shared subscale (each gets a table in Together)."""
    return [i for i in catalog.instruments if any(not i.is_private_subscale(s.id) for s in i.subscales)]


# -- building data -----------------------------------------------------------------------------


def make_couple(store: Store, name: str, partners: tuple[str, str]) -> Couple:
    couple = store.couple(store.create_couple(name, list(partners)))
    assert couple is not None
    return couple


def plan(catalog: Catalog, value: int, *, private_text: str | None = None) -> dict[str, dict[str, Answer | None]]:
    """A whole check-in: every likert question `value` (within its scale); each small hurt
    happened `value` times, was partly mended and stirred "unseen"; text questions get
    `private_text`; yes/no "no", a choice its first option, a count its lowest."""
    out: dict[str, dict[str, Answer | None]] = {}
    for inst in catalog.instruments:
        raw: dict[str, object] = {}
        for it in inst.items:
            lo, hi = inst.scale(it)
            if it.kind == "text":
                if private_text:
                    raw[it.id] = private_text
            elif it.kind == "multi":
                if value > 0:
                    raw[it.id] = [UNSEEN]
            elif it.id.endswith("_repaired"):
                if value > 0:
                    raw[it.id] = 1
            elif it.kind == "likert":
                raw[it.id] = min(max(value, lo), hi)
            elif it.kind == "yesno":
                raw[it.id] = 0
            elif it.kind == "choice" and it.options:
                raw[it.id] = it.options[0].value
            elif it.kind == "count":
                raw[it.id] = lo
        out[inst.id] = {k: make_answer(inst, inst.item(k), v) for k, v in raw.items()}
    return out


def check_in(
    store: Store,
    catalog: Catalog,
    partner_id: int,
    period: dt.date,
    value: int,
    *,
    note: tuple[str, bool] | None = None,
    private_text: str | None = None,
    submit: bool = True,
) -> int:
    """A whole check-in saved the way the page saves it (answers, then the note), then submitted."""
    checkin = store.open_checkin(partner_id, period)
    for inst_id, answers in plan(catalog, value, private_text=private_text).items():
        inst = catalog.get(inst_id)
        assert inst is not None
        store.save_answers(checkin.checkin_id, inst, answers)
    if note:
        store.save_note(checkin.checkin_id, note[0], note[1])
    if submit:
        assert store.submit(checkin.checkin_id, catalog)
    return checkin.checkin_id


def answer_bids(store: Store, catalog: Catalog, partner_id: int, period: dt.date, toward: int) -> None:
    """Answer only `toward_me` (so "How my reaches were met" is exactly that value) and submit."""
    bids = catalog.get("bids")
    assert bids is not None
    checkin = store.open_checkin(partner_id, period)
    store.save_answers(checkin.checkin_id, bids, {"toward_me": Answer(value=float(toward))})
    assert store.submit(checkin.checkin_id, catalog)


def answer_items(store: Store, catalog: Catalog, partner_id: int, period: dt.date, values: dict[str, int]) -> None:
    """Answer the given items ("instrument.item": value) and submit."""
    checkin = store.open_checkin(partner_id, period)
    by_inst: dict[str, dict[str, Answer | None]] = {}
    for key, v in values.items():
        inst_id, item_id = key.split(".")
        by_inst.setdefault(inst_id, {})[item_id] = Answer(value=float(v))
    for inst_id, answers in by_inst.items():
        inst = catalog.get(inst_id)
        assert inst is not None
        store.save_answers(checkin.checkin_id, inst, answers)
    assert store.submit(checkin.checkin_id, catalog)


# == Together: the reveal gate ===================================================================


def test_together_opens_only_when_both_have_checked_in(store: Store, catalog: Catalog, app_env: Path) -> None:
    couple = make_couple(store, "Wren & Tamsin", ("Wren", "Tamsin"))
    wren, tamsin = couple.partners
    check_in(store, catalog, wren.partner_id, THIS_MONTH, 3, note=("PRIVATE-MARKER-ALPHA, only for me", True))
    store.close()
    forbidden = ["PRIVATE-MARKER-ALPHA", *private_words(catalog)]
    label = periods.label(THIS_MONTH)

    # -- only Wren has submitted: who has finished, and nothing of Wren's answers
    at = go(start(), TOGETHER)
    assert at.selectbox(key="together_month").value == THIS_MONTH
    [info] = [i.value for i in at.info]
    assert info.startswith(f"{label} opens when you have both checked in.")
    assert "- Wren has checked in" in info and "- Tamsin has not started yet" in info
    assert not at.dataframe and not at.get("plotly_chart") and not at.text
    assert not at.subheader, [s.value for s in at.subheader]
    text = sent(at)
    assert f"{label}, side by side" not in text  # the subheader of an opened month
    for of_wren in ("Not heard", "mended", "Often met", "Feeling safe and open", "Where you saw it differently"):
        assert of_wren not in text, of_wren
    assert_absent(at, forbidden, "before the reveal")

    # Tamsin starts: still closed, and now "has started"
    s = app_store()
    draft = s.open_checkin(tamsin.partner_id, THIS_MONTH)
    at.run()
    ok(at)
    assert "- Tamsin has started" in at.info[0].value
    assert not at.dataframe and not at.subheader

    # -- Tamsin submits (a different view of the month, and a note she shares): the month opens
    for inst_id, answers in plan(catalog, 1).items():
        inst = catalog.get(inst_id)
        assert inst is not None
        s.save_answers(draft.checkin_id, inst, answers)
    s.save_note(draft.checkin_id, "SHARED-MARKER-BETA: thank you for Sunday", False)
    assert s.submit(draft.checkin_id, catalog)
    at = go(start(), TOGETHER)
    assert not at.info
    subheaders = [h.value for h in at.subheader]
    assert subheaders[:2] == [f"{label}, side by side", "Where you saw it differently"]
    assert {"Small hurts each of you named", "Notes you chose to share", "To talk about, if you like"} <= set(
        subheaders
    )

    # one table per scored questionnaire, a column per partner, a row per SHARED subscale only
    tables = at.dataframe[:-1]  # the last one is "where you saw it differently"
    assert len(tables) == len(with_shared_scores(catalog)) >= 6
    for inst, table in zip(with_shared_scores(catalog), tables, strict=True):
        df = table.value
        assert list(df.columns) == ["Wren", "Tamsin"], inst.id
        shared = [sc.title for sc in inst.subscales if not inst.is_private_subscale(sc.id)]
        assert sorted(df.index) == sorted(shared), inst.id  # (rows come in subscale-id order)
    bids = tables[0].value
    # every answer 3 (Wren) or 1 (Tamsin); two of the three questions are asked the other way round
    assert bids.loc["How my reaches were met", "Wren"] == "1.67 · Sometimes met"  # (3 + 1 + 1) / 3
    assert bids.loc["How my reaches were met", "Tamsin"] == "2.33 · Sometimes met"  # (1 + 3 + 3) / 3

    # the questions they answered furthest apart, never a private one
    diff = at.dataframe[-1].value
    assert list(diff.columns) == ["Question", "Wren", "Tamsin"] and 1 <= len(diff) <= 5
    private_items = {it.text for i in catalog.instruments for it in i.items if it.private}
    assert not set(diff["Question"]) & private_items

    # each partner's named small hurts
    hurts = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert "- Not heard: often; mended: Partly" in hurts  # Wren: 3 = "Often"
    assert "- Not heard: once; mended: Partly" in hurts  # Tamsin: 1 = "Once"
    assert len(hurts) >= 12  # six kinds each

    # Tamsin's shared note, exactly as written; Wren's private one nowhere
    assert [t.value for t in at.text] == ["SHARED-MARKER-BETA: thank you for Sunday"]
    assert "**Tamsin**" in [m.value for m in at.markdown]
    assert_absent(at, forbidden, "after the reveal")
    # the month is marked open in the chooser
    assert at.selectbox(key="together_month").options[0] == f"{label} · open"


# == partner passcodes ============================================================================


def gate_shown(at: AppTest, name: str, partner_id: int) -> bool:
    return f"**{name}** keeps this check-in behind a passcode." in [m.value for m in at.markdown] and any(
        getattr(n, "key", None) == f"code_{partner_id}" for n in nodes(at)
    )


def enter(at: AppTest, partner_id: int, code: str) -> AppTest:
    at.text_input(key=f"code_{partner_id}").input(code)
    return submit_form(at, "Open")


def test_passcode_gate_keeps_a_draft_closed_until_the_passcode(store: Store, catalog: Catalog, app_env: Path) -> None:
    couple = make_couple(store, "Ines & Jory", ("Ines", "Jory"))
    ines = couple.partners[0]
    security.set_passcode(store, security.partner_subject(ines.partner_id), PASSCODE)
    draft = store.open_checkin(ines.partner_id, THIS_MONTH)
    bids = catalog.get("bids")
    assert bids is not None
    store.save_answers(draft.checkin_id, bids, {"toward_me": Answer(value=4.0)})
    store.close()
    answer_key = f"a:{draft.checkin_id}:bids:toward_me"

    at = go(start(), CHECKIN)
    at.radio(key="checkin_partner").set_value(ines.partner_id).run()
    ok(at)
    assert gate_shown(at, "Ines", ines.partner_id)
    assert [t.label for t in at.text_input] == ["Passcode"]
    assert not [k for k in widget_keys(at) if k.startswith(f"a:{draft.checkin_id}:")]
    assert not at.get("progress") and not at.subheader
    assert not [b for b in at.button if b.label in ("Begin", "Lock")]
    assert "How my reaches were met" not in sent(at) and "Bids for connection" not in sent(at)
    assert "without a passcode" not in sent(at)  # she has one

    # a wrong passcode: a kind message, still closed
    enter(at, ines.partner_id, "harbour-lantern-0000")
    assert [w.value for w in at.warning] == ["That passcode did not match. Please try again."]
    assert gate_shown(at, "Ines", ines.partner_id)
    assert answer_key not in widget_keys(at)

    # the right one opens the draft where she left it
    enter(at, ines.partner_id, PASSCODE)
    assert not gate_shown(at, "Ines", ines.partner_id)
    assert at.radio(key=answer_key).value == 4
    assert str(at.get("progress")[0].proto.text).startswith(f"Section 1 of {len(catalog.instruments)} · 1 of")
    assert not at.warning

    # a rerun a little under the idle limit keeps it open (and counts as activity) ...
    unlocked = dict(at.session_state[UNLOCKED_KEY])
    unlocked[ines.partner_id] -= IDLE_SECONDS / 2
    at.session_state[UNLOCKED_KEY] = unlocked
    at.run()
    ok(at)
    assert at.radio(key=answer_key).value == 4
    # ... just over it closes it again
    unlocked = dict(at.session_state[UNLOCKED_KEY])
    unlocked[ines.partner_id] -= IDLE_SECONDS + 1
    at.session_state[UNLOCKED_KEY] = unlocked
    at.run()
    ok(at)
    assert gate_shown(at, "Ines", ines.partner_id)
    assert answer_key not in widget_keys(at)

    # open again, then "Lock" in the sidebar closes it at once
    enter(at, ines.partner_id, PASSCODE)
    assert answer_key in widget_keys(at)
    [lock] = [b for b in at.sidebar.button if b.label == "Lock"]
    lock.click().run()
    ok(at)
    assert gate_shown(at, "Ines", ines.partner_id)
    assert answer_key not in widget_keys(at)
    assert not [b for b in at.sidebar.button if b.label == "Lock"]  # nothing open any more
    # a new tab starts locked too
    at2 = go(start(), CHECKIN)
    at2.radio(key="checkin_partner").set_value(ines.partner_id).run()
    assert gate_shown(ok(at2), "Ines", ines.partner_id)


def test_slow_down_after_wrong_passcodes_is_persisted(store: Store, db_file: Path) -> None:
    couple = make_couple(store, "Kai & Lux", ("Kai", "Lux"))
    subject = security.partner_subject(couple.partners[0].partner_id)
    security.set_passcode(store, subject, PASSCODE)
    t0 = dt.datetime(2026, 3, 1, 20, 0, 0)

    # three free tries; the third wrong one starts the wait (2 s, then doubling)
    assert security.verify(store, subject, "wrong-1", now=t0) == security.Attempt(False, 0, 1)
    assert security.verify(store, subject, "wrong-2", now=t0) == security.Attempt(False, 0, 2)
    third = security.verify(store, subject, "wrong-3", now=t0)
    assert (third.ok, third.wait_seconds, third.failures, third.refused) == (False, 2, 3, False)
    # the right passcode, too soon: refused without being checked (and not counted)
    early = security.verify(store, subject, PASSCODE, now=t0 + dt.timedelta(seconds=1))
    assert (early.ok, early.wait_seconds, early.failures, early.refused) == (False, 1, 3, True)

    # the count survives closing the database (a reload, a restart)
    store.close()
    again = Store(db_file)
    try:
        still = security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=1.5))
        assert (still.ok, still.refused, still.wait_seconds) == (False, True, 1)
        # once the wait is over, a fourth wrong one doubles it ...
        fourth = security.verify(again, subject, "wrong-4", now=t0 + dt.timedelta(seconds=2))
        assert (fourth.ok, fourth.wait_seconds, fourth.failures) == (False, 4, 4)
        assert security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=5)).refused
        # ... and the right one after it opens and clears the count
        assert security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=6)).ok
        assert again.query("SELECT * FROM auth_failures").empty
        assert security.verify(again, subject, "wrong-5", now=t0 + dt.timedelta(seconds=6)).wait_seconds == 0
    finally:
        again.close()
    assert security.wait_for(20) == security.MAX_WAIT_SECONDS


def test_slow_down_through_the_form(store: Store, app_env: Path) -> None:
    couple = make_couple(store, "Mika & Noor", ("Mika", "Noor"))
    mika = couple.partners[0]
    subject = security.partner_subject(mika.partner_id)
    security.set_passcode(store, subject, PASSCODE)
    store.close()

    at = go(start(), CHECKIN)
    at.radio(key="checkin_partner").set_value(mika.partner_id).run()
    for _ in range(2):
        enter(at, mika.partner_id, "not-it-at-all")
        assert [w.value for w in at.warning] == ["That passcode did not match. Please try again."]
    enter(at, mika.partner_id, "not-it-at-all")
    assert [w.value for w in at.warning] == [
        "That passcode did not match. To keep guessing slow, please wait 2 seconds before trying again."
    ]
    s = app_store()
    assert s.query("SELECT failures FROM auth_failures WHERE subject = ?", [subject])["failures"].tolist() == [3]
    # The right passcode within the wait: refused, and not told it "did not match". (Two seconds is too
    # short a window for a loaded test machine, and the exact count of 3 is checked with an explicit
    # `now` above: count as if after seven wrong tries, a 32-second wait from now.)
    many_wrong_tries(s, subject)
    enter(at, mika.partner_id, PASSCODE)
    [refused] = [w.value for w in at.warning]
    assert re.fullmatch(r"To keep guessing slow, please wait (\d+) seconds? before trying again\.", refused), refused
    assert 1 <= int(re.findall(r"\d+", refused)[0]) <= 32
    assert gate_shown(at, "Mika", mika.partner_id)
    assert s.query("SELECT failures FROM auth_failures WHERE subject = ?", [subject])["failures"].tolist() == [7]

    # once the wait has passed (the last failure moved a minute back), the right passcode opens
    s.transaction(
        lambda cur: cur.execute(
            "UPDATE auth_failures SET last_failure = last_failure - INTERVAL 60 SECOND WHERE subject = ?", [subject]
        )
    )
    enter(at, mika.partner_id, PASSCODE)
    assert not at.warning and not gate_shown(at, "Mika", mika.partner_id)
    assert [b.label for b in at.main.button] == ["Begin"]


def many_wrong_tries(store: Store, subject: str) -> None:
    """Record seven wrong tries, the last one now (the next try must wait 32 seconds)."""
    store.transaction(
        lambda cur: cur.execute(
            "UPDATE auth_failures SET failures = 7, last_failure = ? WHERE subject = ?", [dt.datetime.now(), subject]
        )
    )
    assert security.wait_for(7) == 32


def test_settings_passcode_form(store: Store, app_env: Path) -> None:
    couple = make_couple(store, "Uma & Vito", ("Uma", "Vito"))
    uma = couple.partners[0]
    subject = security.partner_subject(uma.partner_id)
    store.close()
    form = f"pass_partner_{uma.partner_id}"

    def fill(at: AppTest, values: dict[str, str], click: str) -> AppTest:
        fields = {t.label: t for t in at.text_input if t.form_id == form}
        for label, value in values.items():
            fields[label].input(value)
        [b] = [b for b in at.button if b.form_id == form and b.label == click]
        b.click().run()
        return ok(at)

    at = go(start(), SETTINGS)
    fill(at, {"Choose a passcode": PASSCODE, "The new passcode again": PASSCODE + "x"}, "Set passcode")
    assert [w.value for w in at.warning] == ["The two new passcodes are not the same. Please type them again."]
    fill(at, {"Choose a passcode": "abc", "The new passcode again": "abc"}, "Set passcode")
    assert [w.value for w in at.warning] == ["Please choose a passcode of at least 4 characters."]
    assert not security.has_passcode(app_store(), subject)
    fill(at, {"Choose a passcode": PASSCODE, "The new passcode again": PASSCODE}, "Set passcode")
    assert [m.value for m in at.success] == ["Uma: passcode saved."]
    assert security.verify(app_store(), subject, PASSCODE).ok

    # removing it needs the current passcode, with the same slow-down as the gate
    for _ in range(2):
        fill(at, {"Current passcode": "guess-guess"}, "Remove passcode")
        assert [w.value for w in at.warning] == ["The current passcode did not match."]
    fill(at, {"Current passcode": "guess-guess"}, "Remove passcode")
    assert [w.value for w in at.warning] == [
        "The current passcode did not match. Please wait 2 seconds before trying again."
    ]
    many_wrong_tries(app_store(), subject)  # a window wide enough for a loaded machine
    fill(at, {"Current passcode": PASSCODE}, "Remove passcode")
    [refused] = [w.value for w in at.warning]
    assert re.fullmatch(r"Please wait \d+ seconds? before trying again\.", refused), refused
    assert security.has_passcode(app_store(), subject)


def test_passcodes_are_stored_only_as_salted_digests(store: Store, db_file: Path) -> None:
    couple = make_couple(store, "Oren & Pia", ("Oren", "Pia"))
    subjects = [security.partner_subject(p.partner_id) for p in couple.partners]
    for subject in subjects:
        security.set_passcode(store, subject, PASSCODE)  # the same passcode for both
    rows = store.query("SELECT * FROM secrets ORDER BY subject")
    assert rows["subject"].tolist() == sorted(subjects)
    for row in rows.itertuples():
        assert PASSCODE not in " ".join(str(v) for v in row)
        salt, digest = bytes(row.salt), bytes(row.digest)
        assert PASSCODE.encode() not in salt + digest
        assert len(salt) == 16 and len(digest) == 32 and row.kdf == security.KDF
        # a real scrypt digest of the passcode with this row's own salt
        assert digest == hashlib.scrypt(PASSCODE.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=2**26, dklen=32)
    first, second = rows.itertuples()
    assert bytes(first.salt) != bytes(second.salt) and bytes(first.digest) != bytes(second.digest)
    assert security.verify(store, subjects[0], PASSCODE).ok and security.verify(store, subjects[1], PASSCODE).ok
    store.transaction(lambda cur: cur.execute("CHECKPOINT"))
    store.close()
    for path in db_file.parent.glob(db_file.name + "*"):  # the file and any WAL
        assert PASSCODE.encode() not in path.read_bytes(), path


# == the one-time notice ==========================================================================

NOTICE = "without a passcode, anyone at this computer can open your check-in"


def test_no_passcode_notice_shows_once_per_partner(store: Store, app_env: Path) -> None:
    couple = make_couple(store, "Quinn & Rafe", ("Quinn", "Rafe"))
    quinn, rafe = couple.partners
    security.set_passcode(store, security.partner_subject(rafe.partner_id), PASSCODE)
    store.close()

    def open_checkin_of(partner_id: int) -> AppTest:
        at = go(start(), CHECKIN)
        at.radio(key="checkin_partner").set_value(partner_id).run()
        return ok(at)

    at = open_checkin_of(quinn.partner_id)
    [notice] = [i.value for i in at.info]
    assert notice.startswith(f"Quinn, one thing before you start: {NOTICE}")
    assert "Settings" in notice
    assert [b.label for b in at.main.button] == ["Begin"]  # the notice does not stand in the way
    # the second time (a new session): not again
    at = open_checkin_of(quinn.partner_id)
    assert NOTICE not in sent(at)
    assert [b.label for b in at.main.button] == ["Begin"]
    # a partner with a passcode never gets it, even once opened
    at = open_checkin_of(rafe.partner_id)
    enter(at, rafe.partner_id, PASSCODE)
    assert NOTICE not in sent(at)
    assert app_store().query("SELECT subject, notice FROM notices").values.tolist() == [
        [security.partner_subject(quinn.partner_id), "no_passcode"]
    ]


# == the practice passcode ========================================================================


def test_caseload_needs_the_practice_passcode(store: Store, catalog: Catalog, app_env: Path) -> None:
    names = ["Zephyrine & Quillon", "Marisol-Kestrel & Thaddeus"]
    make_couple(store, names[0], ("Zephyrine", "Quillon"))
    make_couple(store, names[1], ("Marisol-Kestrel", "Thaddeus"))
    security.set_passcode(store, security.PRACTICE, PASSCODE)
    store.close()
    everyone = [*names, "Zephyrine", "Quillon", "Marisol-Kestrel", "Thaddeus"]

    at = go(start(), CASELOAD)
    assert [t.value for t in at.title] == ["Caseload"]
    assert [t.label for t in at.main.text_input] == ["Practice passcode"]
    assert not at.dataframe and not at.main.selectbox
    main = sent(at, main_only=True)
    assert not [n for n in everyone if n in main], main

    at.text_input[0].input("not-the-practice-one")
    submit_form(at, "Open")
    assert [w.value for w in at.warning] == ["That did not match. Please try again."]
    assert not at.dataframe

    at.text_input[0].input(PASSCODE)
    submit_form(at, "Open")
    assert not at.warning
    table = at.dataframe[0].value
    assert table["Couple"].tolist() == sorted(names)
    assert at.selectbox(key="caseload_pick").options == sorted(names)
    # a partner's passcode is not the practice passcode
    assert security.has_passcode(app_store(), security.PRACTICE)
    assert not security.has_passcode(app_store(), security.partner_subject(1))


# == caseload flags on hand-made histories ========================================================


def test_caseload_flags(store: Store, catalog: Catalog, app_env: Path) -> None:
    month = [periods.add_months(START, i) for i in range(12)]
    x = make_couple(store, "Xavi & Xena", ("Xavi", "Xena"))
    y = make_couple(store, "Yara & Yves", ("Yara", "Yves"))
    z = make_couple(store, "Zora & Zeb", ("Zora", "Zeb"))
    w = make_couple(store, "Wanda & Wim", ("Wanda", "Wim"))
    # X: twelve steady months, then a drop -> a reliable worsening in the latest month
    for i, v in enumerate([3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 0]):
        answer_bids(store, catalog, x.partners[0].partner_id, month[i], v)
    # Y: a concern band (below 1.5) two months running, with no change between them
    for i, v in enumerate([3, 3, 3, 1, 1]):
        answer_bids(store, catalog, y.partners[1].partner_id, month[i], v)
    # W: a concern band twice, but with a missed month between
    for i, v in [(0, 3), (1, 3), (2, 1), (4, 1)]:
        answer_bids(store, catalog, w.partners[0].partner_id, month[i], v)
    # Z: steady where it is shared; in private parts both a sharp worsening and two months of concern
    zora = z.partners[0].partner_id
    steady = [3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 3, 3]
    for i in range(12):
        answer_items(
            store,
            catalog,
            zora,
            month[i],
            {
                "bids.toward_me": steady[i],
                "intimacy.felt_pressure": 4 if i == 11 else i % 2,
                "resentment.desire_faded": 4 if i >= 10 else 0,
                "resentment.imagined_elsewhere": 4 if i >= 10 else 0,
            },
        )
    # the private parts of Z really did worsen, and sit in concern: only privacy keeps them unflagged
    rc = reliable_change(store, z.couple_id)
    last = rc[pd.to_datetime(rc["period"]).dt.date == month[11]].set_index("subscale_id")
    assert last.loc["desire_pressure", "verdict"] == "worsened" and bool(last.loc["desire_pressure", "private"])
    assert last.loc["private_signs", "band_tone"] == "concern" and bool(last.loc["private_signs", "private"])
    assert last.loc["my_bids_met", "verdict"] == "no reliable change"

    found = caseload.flags(store)
    got = sorted((int(r.couple_id), int(r.partner_id), r.subscale_id, r.kind) for r in found.itertuples())
    assert got == sorted(
        [
            (x.couple_id, x.partners[0].partner_id, "my_bids_met", "reliable worsening"),
            (y.couple_id, y.partners[1].partner_id, "my_bids_met", "concern two months running"),
        ]
    )
    store.close()

    at = go(start(), CASELOAD)  # no practice passcode set: open
    table = at.dataframe[0].value.set_index("Couple")
    assert table.loc["Xavi & Xena", "Flags"] == f"Xavi: How my reaches were met (reliable worsening, {month[11]:%b %Y})"
    assert table.loc["Yara & Yves", "Flags"] == (
        f"Yves: How my reaches were met (concern two months running, {month[4]:%b %Y})"
    )
    assert table.loc["Wanda & Wim", "Flags"] == ""
    assert table.loc["Zora & Zeb", "Flags"] == ""
    assert table.loc["Xavi & Xena", "Last check-in"] == f"{month[11]:%b %Y}"
    assert_absent(at, private_words(catalog), "Caseload")

    # opening a couple from here (with the sidebar's couple chooser on screen) goes to their trends
    assert at.sidebar.selectbox(key="couple_id").value == x.couple_id
    at.selectbox(key="caseload_pick").set_value(y.couple_id).run()
    button(ok(at), "Open their trends").click().run()
    ok(at)
    assert [t.value for t in at.title] == ["Trends"]
    assert at.sidebar.selectbox(key="couple_id").value == y.couple_id
    assert {t.get("name") for f in figures(at) for t in f["data"]} >= {"Yves"}


def test_adding_a_couple_when_there_are_several_chooses_it(store: Store, app_env: Path) -> None:
    make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    make_couple(store, "Cy & Di", ("Cy", "Di"))
    store.close()
    at = go(start(), SETTINGS)
    assert at.sidebar.selectbox(key="couple_id").options == ["Ada & Bo", "Cy & Di"]
    fields = {t.label: t for t in at.text_input}
    fields["Couple name"].input("Eli & Fay")
    fields["First partner's name"].input("Eli")
    fields["Second partner's name"].input("Fay")
    submit_form(at, "Add couple")
    assert [m.value for m in at.success] == ["Added Eli \\& Fay."]
    new_id = next(c.couple_id for c in app_store().couples() if c.name == "Eli & Fay")
    at.run()
    ok(at)
    assert at.sidebar.selectbox(key="couple_id").value == new_id
    assert [t.value for t in at.text_input][:3] == ["Eli & Fay", "Eli", "Fay"]


# == share mode ===================================================================================

SHARED_COUPLES = [
    ("Zephyrine", ("Aurelio", "Bettany")),
    ("Quillon", ("Cosimo", "Delphinia")),
    ("Marisol-Kestrel", ("Evander", "Fenwicke")),
]
REFLECTION = """
id = "reflection"
title = "A few words for myself"
version = 1
summary = "Words that stay with you."
order = 70

[[items]]
id = "kept_words"
kind = "text"
text = "Something this month I keep to myself."
private = true
"""


@pytest.fixture
def caseload_db(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: Path) -> dict[str, Any]:
    """Three couples with three revealed months each; every partner has a private note and a private
    text answer each month (a therapist's own questionnaire with a private text question), and the
    second partner shares a note."""
    extra = tmp_path / "therapist"
    extra.mkdir()
    (extra / "reflection.toml").write_text(REFLECTION, encoding="utf-8")
    monkeypatch.setenv("MENDWELL_ASSESSMENTS", str(extra))
    cat = load_catalog([PROJECT_DIR / "assessments", extra])
    assert not cat.problems and cat.get("reflection") is not None
    store.register_instruments(cat.instruments)

    couples: list[Couple] = []
    markers: dict[int, dict[str, list[str]]] = {}
    for n, (name, partners) in enumerate(SHARED_COUPLES):
        couple = make_couple(store, name, partners)
        couples.append(couple)
        mine: dict[str, list[str]] = {"private": [], "shared": []}
        for back in range(3):
            period = periods.add_months(THIS_MONTH, -back)
            for slot, partner in enumerate(couple.partners):
                private_note = f"PRIVATE-NOTE-{partner.name}-{back}"
                private_text = f"PRIVATE-TEXT-{partner.name}-{back}"
                shared_note = f"SHARED-NOTE-{partner.name}-{back}"
                note = (shared_note, False) if slot == 1 else (private_note, True)
                check_in(store, cat, partner.partner_id, period, 1 + (back + slot + n) % 4, note=note,
                         private_text=private_text)  # fmt: skip
                mine["private"] += [private_text] + ([private_note] if slot == 0 else [])
                mine["shared"] += [shared_note] if slot == 1 else []
        markers[couple.couple_id] = mine
    # the private words really are in the database, ready to leak
    planted = store.query("SELECT count(*) AS n FROM responses WHERE text LIKE 'PRIVATE-TEXT-%'")["n"].item()
    assert planted == 3 * 3 * 2
    assert store.query("SELECT count(*) AS n FROM notes WHERE is_private")["n"].item() == 3 * 3
    store.close()
    return {"couples": couples, "markers": markers, "catalog": cat}


def forbidden_while_sharing(db: dict[str, Any], shown: Couple) -> list[str]:
    """What must never be on screen while `shown` is shared."""
    out = [*private_words(db["catalog"]), "Caseload", "Settings", "Check-in", "History"]
    for couple in db["couples"]:
        out += db["markers"][couple.couple_id]["private"]
        if couple.couple_id != shown.couple_id:
            out += [couple.name, *(p.name for p in couple.partners)]
            out += db["markers"][couple.couple_id]["shared"]
    return out


def assert_sharing_chrome(at: AppTest) -> None:
    """The sidebar says so, offers only the deliberate exit, and there is no couple chooser."""
    assert any("● Sharing" in m.value for m in at.sidebar.markdown)
    assert not at.sidebar.selectbox
    assert [b.label for b in at.sidebar.button] in (["Stop sharing…"], ["Stop sharing", "Keep sharing"])
    assert param(at, "share") == "1"


def param(at: AppTest, key: str) -> str | None:
    """A query parameter of the page's address after the run."""
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def test_share_link_shows_one_couple_and_nothing_private(caseload_db: dict[str, Any]) -> None:
    first = caseload_db["couples"][0]
    forbidden = forbidden_while_sharing(caseload_db, first)
    partner_names = [p.name for p in first.partners]

    at = start(share="1", couple=str(first.couple_id))
    assert_sharing_chrome(at)
    assert [t.value for t in at.title] == ["Zephyrine"]
    assert [link.label for link in at.main.get("page_link")] == [
        "Trends: how things are moving", "Themes that keep coming back", "A month, together",
    ]  # fmt: skip
    assert_absent(at, forbidden, "Sharing landing")

    # only four pages exist while sharing
    for page in (CASELOAD, SETTINGS, CHECKIN, "app_pages/history.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)

    go(at, TRENDS)
    assert_sharing_chrome(at)
    figs = figures(at)
    assert len(figs) >= 10  # one per shared subscale, and the two perspectives
    legend = {t.get("name") for f in figs for t in f["data"]}
    assert set(partner_names) <= legend
    assert not at.get("download_button")  # no downloads while sharing
    assert_absent(at, forbidden, "Trends")

    go(at, THEMES)
    assert_sharing_chrome(at)
    assert len(figures(at)) == 5  # a heatmap and a kinds chart per partner, and mending
    assert set(at.selectbox(key="theme_detail").options) >= {"Unseen"}
    assert not at.get("download_button")
    assert_absent(at, forbidden, "Themes")

    go(at, TOGETHER)
    assert_sharing_chrome(at)
    assert at.selectbox(key="together_month").value == THIS_MONTH
    assert f"{periods.label(THIS_MONTH)}, side by side" in [s.value for s in at.subheader]
    assert [t.value for t in at.text] == ["SHARED-NOTE-Bettany-0"]  # her shared note, this month
    assert_absent(at, forbidden, "Together")
    # an earlier revealed month, too
    at.selectbox(key="together_month").set_value(periods.add_months(THIS_MONTH, -2)).run()
    ok(at)
    assert [t.value for t in at.text] == ["SHARED-NOTE-Bettany-2"]
    assert_absent(at, forbidden, "Together, two months back")

    # back on the landing page: still sharing, still this couple, and the link is kept for a reload
    go(at, HOME)
    assert_sharing_chrome(at)
    assert [t.value for t in at.title] == ["Zephyrine"]
    assert param(at, "couple") == str(first.couple_id)


def test_sharing_starts_from_the_sidebar_and_ends_with_two_clicks(caseload_db: dict[str, Any]) -> None:
    second = caseload_db["couples"][1]
    forbidden = forbidden_while_sharing(caseload_db, second)

    at = start()
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    at.sidebar.selectbox(key="couple_id").set_value(second.couple_id).run()
    ok(at)
    button(at, "Start screen sharing").click().run()
    ok(at)
    # straight to Trends, for the chosen couple only
    assert [t.value for t in at.title] == ["Trends"]
    assert_sharing_chrome(at)
    assert param(at, "couple") == str(second.couple_id)
    legend = {t.get("name") for f in figures(at) for t in f["data"]}
    assert {"Cosimo", "Delphinia"} <= legend
    assert_absent(at, forbidden, "Trends after Start screen sharing")

    # it stays on across page switches
    for page in (THEMES, TOGETHER, HOME, TRENDS):
        go(at, page)
        assert_sharing_chrome(at)
        assert_absent(at, forbidden, page)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(CASELOAD)

    # "Stop sharing…" only asks; "Keep sharing" goes back
    button(at, "Stop sharing…").click().run()
    ok(at)
    assert_sharing_chrome(at)
    assert "Stop your screen share first, then leave sharing mode." in [c.value for c in at.sidebar.caption]
    button(at, "Keep sharing").click().run()
    ok(at)
    assert [b.label for b in at.sidebar.button] == ["Stop sharing…"]
    # two clicks leave it
    button(at, "Stop sharing…").click().run()
    button(ok(at), "Stop sharing").click().run()
    ok(at)
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    assert at.sidebar.selectbox(key="couple_id").value == second.couple_id
    assert "share" not in at.query_params and "couple" not in at.query_params
    go(at, CASELOAD)  # the whole app is back
    assert "Zephyrine" in sent(at)


# == monthly rhythm ===============================================================================


class _KeptMediaStorage(MemoryMediaFileStorage):
    """AppTest's own in-memory media storage, kept after the run so a download can be read."""

    made: ClassVar[list[MemoryMediaFileStorage]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _KeptMediaStorage.made.append(self)


def downloaded(at: AppTest, label_start: str) -> tuple[bytes, str | None, str]:
    """(content, file name, mimetype) of the download button whose label starts with `label_start`."""
    [dl] = [b for b in at.get("download_button") if b.label.startswith(label_start)]
    media = _KeptMediaStorage.made[-1].get_file(dl.proto.url.rsplit("/", 1)[1])
    return media.content, media.filename, media.mimetype


def test_settings_calendar_reminder(store: Store, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _KeptMediaStorage)
    couple = make_couple(store, "Solenne & Barnaby", ("Solenne", "Barnaby"))
    store.close()
    today = dt.date.today()
    day = 5 if today.day != 5 else 6

    at = go(start(), SETTINGS)
    [day_input] = [n for n in at.number_input if n.label == "Check in by this day of each month"]
    assert day_input.value == 28  # the default
    day_input.set_value(day)
    submit_form(at, "Save day")
    assert [s.value for s in at.success] == ["Check-in day saved."]
    assert app_store().checkin_day(couple.couple_id) == day

    content, filename, mimetype = downloaded(at, "Add a monthly reminder")
    assert (filename, mimetype) == ("mendwell-monthly-check-in.ics", "text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    [event] = cal.walk("VEVENT")
    rule = event["RRULE"]
    assert rule["FREQ"] == ["MONTHLY"] and rule["BYMONTHDAY"] == [day]
    first = today.replace(day=day)
    if first < today:
        first = periods.add_months(periods.month_start(today), 1).replace(day=day)
    assert event.decoded("DTSTART") == first
    assert str(event["SUMMARY"]) == "Monthly check-in"
    # no names anywhere in it (calendars sync to other services)
    text = content.decode("utf-8")
    for name in ("Solenne", "Barnaby", "Solenne & Barnaby"):
        assert name.lower() not in text.lower()


@pytest.mark.parametrize("when", ["ahead", "today", "past", "both done"])
def test_home_says_when_the_checkin_is_due(when: str, store: Store, catalog: Catalog, app_env: Path) -> None:
    today = dt.date.today()
    couple = make_couple(store, "Odile & Piet", ("Odile", "Piet"))
    day = {"ahead": 28, "today": today.day, "past": 1, "both done": 1}[when]
    if day > 28:
        pytest.skip("the 29th to 31st cannot be a check-in day")
    store.set_checkin_day(couple.couple_id, day)
    if when == "both done":
        for p in couple.partners:
            check_in(store, catalog, p.partner_id, THIS_MONTH, 2)
    store.close()

    at = start()
    lines = [m.value.removeprefix(":material/event: ") for m in at.markdown if m.value.startswith(":material/event:")]
    # worked out here by hand, then compared with rhythm.due as well
    delta = day - today.day
    if when == "both done":
        expected = "Both of you have checked in this month."
    elif delta > 1:
        expected = f"Due in {delta} days (by {today.replace(day=day):%d %B})."
    elif delta == 1:
        expected = "Due tomorrow."
    elif delta == 0:
        expected = "Due today."
    else:
        expected = f"Overdue by {-delta} day{'s' if delta != -1 else ''}. There is still time this month."
    assert lines == [expected]
    assert lines == [rhythm.due(today, day, when == "both done").text]
