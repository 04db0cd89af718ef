"""Privacy and Together with AppTest: the real app.py and pages on a real DuckDB file.

The reveal gate of Together, the sign-in as the gate (only one's own check-in; idle time-out and
"Sign out"), the passcode asked again after a restart (persisted slow-down), one's own passcode
in Settings, the one-time "no passcode" notice, the caseload for therapists only, Caseload flags
on hand-made histories, screen sharing bound to the sign-in (only one couple, nothing private,
reduced navigation, kept across tabs and edited addresses, a deliberate exit) and the monthly
rhythm (.ics reminder, due text on Home).

Leak checks read every element of the page the way the browser receives it: each element's
whole message (bodies, labels, options, help, link targets), every dataframe cell with its
index and column names, and every string of every Plotly figure.

Each test prepares the database with its own `Database`, signs someone in, closes it (one
connection configuration per file and process), runs the app, then reads or writes the database
through the app's own cached store (`app_store()`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import icalendar
import pandas as pd
import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.testing.v1.element_tree import DownloadButton, Element, PageLink

from mendwell import accounts, caseload, keyring, periods, rhythm, security, tokens
from mendwell.analysis import reliable_change
from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple, SignIn
from tests.support.apptest import (
    app_store,
    click,
    each_part,
    elements,
    every_figure,
    figure_in,
    figures,
    json_strings,
    nodes,
    ok,
    open_page,
    shown,
    sign_in,
    sign_in_partner,
    start_app,
    unescape,
    widget_keys,
)
from tests.support.auth import PASSCODE, as_signed_in, cookie_for, partner_accounts, therapist
from tests.support.data import (
    START,
    THIS_MONTH,
    answer_bids,
    answer_items,
    check_in,
    extra_catalog,
    instrument,
    make_couple,
    private_words,
    reference_population,
    whole_plan,
    with_shared_scores,
)
from tests.support.ui import ACCOUNTS, CASELOAD, CHECKIN, HISTORY, HOME, SETTINGS, THEMES, TOGETHER, TRENDS
from ui import state

# -- everything a page sends -------------------------------------------------------------------


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
            assert isinstance(node, Element), node
            out += frame_strings(node.value)
        elif kind == "text" and figure_in(proto.body) is not None:
            out += json_strings(json.loads(proto.body))  # the whole message: its text alternative names people
    return "\n".join(out).replace("\\", "").replace("\u2060", "")


def assert_absent(at: AppTest, forbidden: list[str], where: str) -> None:
    """None of `forbidden` anywhere on the page, with each of its tabs open in turn (Trends sends a tab's
    charts only while it is open)."""
    for view in each_part(at):
        text = sent(view)
        leaked = [f for f in forbidden if f in text]
        assert not leaked, f"{where}: {leaked} on the page"


# == Together: the reveal gate ===================================================================


def test_together_opens_only_when_both_have_checked_in(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple = make_couple(store, "Wren & Tamsin", ("Wren", "Tamsin"))
    wren, tamsin = couple.partners
    check_in(
        store,
        catalog,
        wren.partner_id,
        THIS_MONTH,
        whole_plan(catalog, 3),
        note=("PRIVATE-MARKER-ALPHA, only for me", True),
    )
    sign_in_partner(monkeypatch, store, couple, slot=2)  # Tamsin: nothing of Wren's may show before the reveal
    store.close()
    forbidden = ["PRIVATE-MARKER-ALPHA", *private_words(catalog)]
    label = periods.label(THIS_MONTH)

    # -- only Wren has submitted: who has finished, and nothing of Wren's answers
    at = open_page(start_app(), TOGETHER)
    assert at.selectbox(key="together_month").value == THIS_MONTH
    [info] = [i.value for i in at.info]
    assert info.startswith(f"{label} opens when you have both checked in.")
    assert "- Wren has checked in" in info and "- Tamsin has not started yet" in info
    assert not at.dataframe and not figures(at) and not at.text
    assert not at.subheader and not at.header, [s.value for s in [*at.header, *at.subheader]]
    text = sent(at)
    assert f"{label}, side by side" not in text  # the heading of an opened month
    for of_wren in ("Not heard", "mended", "Often met", "Feeling safe and open", "furthest apart"):
        assert of_wren not in text, of_wren
    assert_absent(at, forbidden, "before the reveal")

    # Tamsin starts: still closed, and now "has started"
    s = app_store()
    draft = s.checkins.open(tamsin.partner_id, THIS_MONTH)
    at.run()
    ok(at)
    assert "- Tamsin has started" in at.info[0].value
    assert not at.dataframe and not at.subheader and not at.header

    # -- Tamsin submits (a different view of the month, and a note she shares): the month opens
    note = ("SHARED-MARKER-BETA: thank you for Sunday", False)
    assert check_in(s, catalog, tamsin.partner_id, THIS_MONTH, whole_plan(catalog, 1), note=note) == draft.checkin_id
    at = open_page(start_app(), TOGETHER)
    assert not at.info
    assert [h.value for h in at.header] == [f"{label}, side by side"]
    assert [h.value for h in at.subheader] == [
        "Notes shared this month",  # their own words first
        "How the month felt to each of you",
        "Where you saw it differently",
        "Small hurts each of you named",
        "To talk about, if you like",
    ]

    # words first: a card per scored questionnaire, each SHARED part with both partners' words stacked
    markdown = [unescape(m.value) for m in at.markdown]
    assert [m.removeprefix("#### ") for m in markdown if m.startswith("#### ")] == [
        inst.title for inst in with_shared_scores(catalog)
    ]
    for inst in with_shared_scores(catalog):
        for sc in inst.subscales:
            if inst.is_private_subscale(sc.id):
                continue
            [part] = [m for m in markdown if m.startswith(f"**{sc.title}**")]
            lines = part.split("  \n")
            assert [line.split(":")[0] for line in lines[1:]] == ["Wren", "Tamsin"], part
    # every answer 3 (Wren) or 1 (Tamsin); two of the three questions are asked the other way round
    assert "**How my reaches were met**  \nWren: **Sometimes met**  \nTamsin: **Sometimes met**" in markdown

    # the numbers are a click away: one table in an expander, a row per SHARED part
    [numbers_box] = at.expander
    assert numbers_box.label == "The numbers behind these words"
    [numbers] = at.dataframe
    df = numbers.value.set_index("Part")
    assert list(df.columns) == ["Wren", "Tamsin", "Gap", "More than chance above", "Reading"]
    assert sorted(df.index) == sorted(
        sc.title for i in with_shared_scores(catalog) for sc in i.subscales if not i.is_private_subscale(sc.id)
    )
    assert (df.loc["How my reaches were met", "Wren"], df.loc["How my reaches were met", "Tamsin"]) == (1.67, 2.33)
    assert set(df["Reading"]) == {"can't tell yet"}  # two partners are too few to know a part's spread

    # the questions they answered furthest apart, as cards with both answers in words, never a private one
    private_items = {it.text for i in catalog.instruments for it in i.items if it.private}
    asked = [m for m in markdown if m.startswith("*") and not m.startswith("**")]
    assert 1 <= len(asked) <= 5
    for card in asked:
        question, *answers = card.split("  \n")
        assert question.strip("*") not in private_items
        assert [a.split(":")[0] for a in answers] == ["Wren", "Tamsin"], card

    # each partner's named small hurts
    hurts = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert "- Not heard: often; mended: partly" in hurts  # Wren: 3 = "Often"
    assert "- Not heard: once; mended: partly" in hurts  # Tamsin: 1 = "Once"
    assert len(hurts) >= 12  # six kinds each

    # Tamsin's shared note, exactly as written; Wren's private one nowhere
    assert [t.value for t in at.text] == ["SHARED-MARKER-BETA: thank you for Sunday"]
    assert "**Tamsin**" in [m.value for m in at.markdown]
    assert_absent(at, forbidden, "after the reveal")
    # the month is marked open in the chooser
    assert at.selectbox(key="together_month").options[0] == f"{label} · open"


# == the sign-in: only her own check-in, until idle or signed out ==================================
# (These replace the per-partner passcode gate, its idle lock and the "Lock" button of one browser
# session: the sign-in is now the gate, held on the server.)


def signed_out(at: AppTest) -> bool:
    """The page is the "Sign in" page and nothing else."""
    return [t.value for t in at.title] == ["Sign in"] and not at.sidebar.button and not at.dataframe


def move_last_seen(db: Database, sign_in_id: str, ago: dt.timedelta) -> None:
    """Pretend the sign-in was last active `ago` before now."""
    db.engine.transaction(
        lambda cur: cur.execute(
            "UPDATE sign_ins SET last_seen = ? WHERE sign_in_id = ?", [dt.datetime.now() - ago, sign_in_id]
        )
    )


def sign_in_of(db: Database, cookie: str) -> SignIn:
    sign_in_id = tokens.sign_in_id(db, cookie)
    assert sign_in_id is not None
    found = db.sign_ins.get(sign_in_id)
    assert found is not None
    return found


def test_a_sign_in_opens_her_own_draft_until_idle_or_sign_out(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENDWELL_IDLE_MINUTES", "5")
    idle = dt.timedelta(minutes=5)
    couple = make_couple(store, "Ines & Jory", ("Ines", "Jory"))
    ines, jory = couple.partners
    [ines_account, jory_account] = partner_accounts(store, couple)
    draft = store.checkins.open(ines.partner_id, THIS_MONTH)
    store.checkins.save_answers(draft.checkin_id, instrument(catalog, "bids"), {"toward_me": Answer(value=4.0)})
    jory_draft = store.checkins.open(jory.partner_id, THIS_MONTH)
    store.checkins.save_answers(jory_draft.checkin_id, instrument(catalog, "bids"), {"toward_me": Answer(value=1.0)})
    jory_cookie = cookie_for(store, jory_account)
    cookie = sign_in(monkeypatch, store, ines_account)
    store.close()
    answer_key = f"a:{draft.checkin_id}:bids:toward_me"

    # signed in, Ines goes straight to her own draft where she left it, and never to Jory's
    at = open_page(start_app(), CHECKIN)
    assert at.radio(key=answer_key).value == 4
    assert str(at.get("progress")[0].proto.text).startswith(f"Section 1 of {len(catalog.instruments)} · 1 of")
    assert not [k for k in widget_keys(at) if k.startswith(f"a:{jory_draft.checkin_id}:")]
    assert "without a passcode" not in sent(at)  # she has one
    assert [b.label for b in at.sidebar.button] == ["Sign out"]

    # a rerun a little under the idle limit keeps her signed in (and counts as activity) ...
    s = app_store()
    sign_in_id = sign_in_of(s, cookie).sign_in_id
    move_last_seen(s, sign_in_id, idle / 2)
    ok(at.run())
    assert at.radio(key=answer_key).value == 4
    assert dt.datetime.now() - sign_in_of(s, cookie).last_seen < idle / 4
    # ... just over it ends the sign-in: only "Sign in", nothing of her draft
    move_last_seen(s, sign_in_id, idle + dt.timedelta(seconds=30))
    ok(at.run())
    assert signed_out(at)
    assert answer_key not in widget_keys(at) and "How my reaches were met" not in sent(at)
    assert sign_in_of(s, cookie).ended_at is not None
    # a new tab of the same browser (the same cookie) is signed out too, and stays so
    assert signed_out(start_app())
    move_last_seen(s, sign_in_id, dt.timedelta(0))
    assert signed_out(start_app())

    # signed in again, then "Sign out" in the sidebar ends it at once, in every tab
    cookie = sign_in(monkeypatch, s, ines_account)
    at = open_page(start_app(), CHECKIN)
    other_tab = open_page(start_app(), CHECKIN)
    assert answer_key in widget_keys(at)
    ok(click(at, "Sign out"))
    assert signed_out(at) and answer_key not in widget_keys(at)
    assert sign_in_of(s, cookie).ended_at is not None
    ok(other_tab.run())
    assert signed_out(other_tab)

    # Jory's own sign-in is untouched by hers, and opens his draft only
    as_signed_in(monkeypatch, jory_cookie)
    his = open_page(start_app(), CHECKIN)
    assert his.radio(key=f"a:{jory_draft.checkin_id}:bids:toward_me").value == 1
    assert answer_key not in widget_keys(his)


def test_slow_down_through_the_passcode_form_after_a_restart(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart the server no longer holds Mika's sealing key: the check-in asks for her passcode
    once, with the same slow-down as the sign-in (counted for her name)."""
    couple = make_couple(store, "Mika & Noor", ("Mika", "Noor"))
    [mika_account, _] = partner_accounts(store, couple)
    cookie = sign_in(monkeypatch, store, mika_account)
    store.close()
    throttle = accounts.throttle_subject("Mika")
    s = app_store()
    keyring.forget(sign_in_of(s, cookie).sign_in_id)  # what a restart does

    at = open_page(start_app(), CHECKIN)

    def enter(code: str) -> AppTest:
        [field] = [t for t in at.text_input if t.label == "Passcode"]
        field.input(code)
        return ok(click(at, "Open"))

    assert "Mendwell restarted since you signed in." in sent(at)
    assert not [b for b in at.main.button if b.label == "Begin"]
    for _ in range(2):
        enter("not-it-at-all")
        assert [w.value for w in at.warning] == ["That passcode did not match. Please try again."]
    enter("not-it-at-all")
    assert [w.value for w in at.warning] == ["To keep guessing slow, please wait 2 seconds before trying again."]
    failures = s.engine.read("SELECT failures FROM auth_failures WHERE subject = ?", [throttle])
    assert failures["failures"].tolist() == [3]
    # The right passcode within the wait: refused. (Two seconds is too short a window for a loaded test
    # machine: count as if after seven wrong tries, a 32-second wait from now.)
    many_wrong_tries(s, throttle)
    enter(PASSCODE)
    [refused] = [w.value for w in at.warning]
    assert re.fullmatch(r"To keep guessing slow, please wait (\d+) seconds? before trying again\.", refused), refused
    assert 1 <= int(re.findall(r"\d+", refused)[0]) <= 32
    assert "Mendwell restarted since you signed in." in sent(at)
    assert s.engine.read("SELECT failures FROM auth_failures WHERE subject = ?", [throttle])["failures"].tolist() == [7]

    # once the wait has passed (the last failure moved a minute back), the right passcode opens
    s.engine.transaction(
        lambda cur: cur.execute(
            "UPDATE auth_failures SET last_failure = last_failure - INTERVAL 60 SECOND WHERE subject = ?", [throttle]
        )
    )
    enter(PASSCODE)
    assert not at.warning and "Mendwell restarted" not in sent(at)
    assert [b.label for b in at.main.button] == ["Begin"]


def many_wrong_tries(store: Database, subject: str) -> None:
    """Record seven wrong tries, the last one now (the next try must wait 32 seconds)."""
    store.engine.transaction(
        lambda cur: cur.execute(
            "UPDATE auth_failures SET failures = 7, last_failure = ? WHERE subject = ?", [dt.datetime.now(), subject]
        )
    )
    assert security.wait_for(7) == 32


def test_settings_passcode_form_is_her_own_only(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple = make_couple(store, "Uma & Vito", ("Uma", "Vito"))
    uma, vito = couple.partners
    [uma_account, _] = partner_accounts(store, couple, passcode=None)  # a couple at home who chose none
    subject = security.partner_subject(uma.partner_id)
    sign_in(monkeypatch, store, uma_account, passcode=None)
    store.close()
    form = "own_passcode"
    throttle = accounts.throttle_subject("Uma")

    def fill(at: AppTest, values: dict[str, str], click: str) -> AppTest:
        fields = {t.label: t for t in at.text_input if t.form_id == form}
        for label, value in values.items():
            fields[label].input(value)
        [b] = [b for b in at.button if b.form_id == form and b.label == click]
        b.click().run()
        return ok(at)

    at = open_page(start_app(), SETTINGS)
    # one passcode form, her own: nothing sets Vito's passcode
    assert {t.form_id for t in at.text_input if "passcode" in t.label.lower()} == {form}
    assert "Vito" not in "\n".join(t.label for t in at.text_input)
    fill(at, {"Choose a passcode": PASSCODE, "The new passcode again": PASSCODE + "x"}, "Set passcode")
    assert [w.value for w in at.warning] == ["The two new passcodes are not the same. Please type them again."]
    fill(at, {"Choose a passcode": "abc", "The new passcode again": "abc"}, "Set passcode")
    assert [w.value for w in at.warning] == ["Please choose a passcode of at least 4 characters."]
    assert not security.has_passcode(app_store(), subject)
    fill(at, {"Choose a passcode": PASSCODE, "The new passcode again": PASSCODE}, "Set passcode")
    assert [m.value for m in at.success] == ["Passcode saved."]
    assert security.verify(app_store(), subject, PASSCODE).ok
    assert not security.has_passcode(app_store(), security.partner_subject(vito.partner_id))
    # her passcode is now her sign-in: checked as the sign-in form checks it
    assert accounts.check(app_store(), "Uma", PASSCODE).ok
    assert not accounts.check(app_store(), "Uma", "something-else").ok
    app_store().settings.clear_failures(throttle)

    # "Remove passcode" beside "Change passcode", tapped with a new passcode typed: nothing is removed
    fill(at, {"Current passcode": PASSCODE, "New passcode": "new-pass-9", "The new passcode again": "new-pass-9"},
         "Remove passcode")  # fmt: skip
    assert [w.value for w in at.warning] == [
        "You typed a new passcode, so it was not removed. To change it, choose “Change passcode”; to remove your "
        "passcode, leave the new one empty."
    ]
    assert security.verify(app_store(), subject, PASSCODE).ok

    # removing it needs the current passcode, with the same slow-down as the sign-in
    for _ in range(2):
        fill(at, {"Current passcode": "guess-guess"}, "Remove passcode")
        assert [w.value for w in at.warning] == ["Your current passcode did not match."]
    fill(at, {"Current passcode": "guess-guess"}, "Remove passcode")
    assert [w.value for w in at.warning] == [
        "Your current passcode did not match. Please wait 2 seconds before trying again."
    ]
    many_wrong_tries(app_store(), throttle)  # a window wide enough for a loaded machine
    fill(at, {"Current passcode": PASSCODE}, "Remove passcode")
    [refused] = [w.value.strip() for w in at.warning]
    # not checked at all, and said so: the right passcode was typed (found: it read as if it were wrong)
    assert re.fullmatch(
        r"To keep guessing slow, your passcode was not checked yet\. Please wait \d+ seconds? and try again\.", refused
    ), refused
    assert security.has_passcode(app_store(), subject)


# == the one-time notice ==========================================================================

NOTICE = "without a passcode, anyone who types your name at the sign-in can open your check-in"


def test_no_passcode_notice_shows_once_per_partner(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple = make_couple(store, "Quinn & Rafe", ("Quinn", "Rafe"))
    quinn, rafe = couple.partners
    quinn_account = accounts.create(store, "Quinn", accounts.PARTNER, None, partner_id=quinn.partner_id)
    rafe_account = accounts.create(store, "Rafe", accounts.PARTNER, PASSCODE, partner_id=rafe.partner_id)
    quinn_cookie = cookie_for(store, quinn_account, None)
    rafe_cookie = cookie_for(store, rafe_account)
    store.close()

    def open_checkin_as(cookie: str) -> AppTest:
        as_signed_in(monkeypatch, cookie)
        return open_page(start_app(), CHECKIN)

    at = open_checkin_as(quinn_cookie)
    [notice] = [i.value for i in at.info]
    assert notice.startswith(f"Quinn, one thing before you start: {NOTICE}")
    assert "Settings" in notice
    assert [b.label for b in at.main.button] == ["Begin"]  # the notice does not stand in the way
    # the second time (a new session): not again
    at = open_checkin_as(quinn_cookie)
    assert NOTICE not in sent(at)
    assert [b.label for b in at.main.button] == ["Begin"]
    # a partner with a passcode never gets it
    at = open_checkin_as(rafe_cookie)
    assert NOTICE not in sent(at)
    assert [b.label for b in at.main.button] == ["Begin"]
    assert app_store().engine.read("SELECT subject, notice FROM notices").values.tolist() == [
        [security.partner_subject(quinn.partner_id), "no_passcode"]
    ]


# == the caseload is for therapists, and only their couples =======================================
# (This replaces the practice passcode in front of the caseload: the role decides.)


def test_caseload_is_for_therapists_and_shows_only_their_couples(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Zephyrine & Quillon", "Marisol-Kestrel & Thaddeus"]
    mine = [
        make_couple(store, names[0], ("Zephyrine", "Quillon")),
        make_couple(store, names[1], ("Marisol-Kestrel", "Thaddeus")),
    ]
    make_couple(store, "Ottoline & Barnaby", ("Ottoline", "Barnaby"))  # not granted to this therapist
    [partner_account, _] = partner_accounts(store, mine[0])
    partner_cookie = cookie_for(store, partner_account)
    sign_in(monkeypatch, store, therapist(store, "Dr Case", [c.couple_id for c in mine]))
    store.close()
    elsewhere = ["Ottoline", "Barnaby"]

    at = open_page(start_app(), CASELOAD)
    assert [t.value for t in at.title] == ["Caseload"]
    table = at.dataframe[0].value
    assert table["Couple"].tolist() == sorted(names)
    by_name = sorted(mine, key=lambda c: c.name)  # nothing flagged: the board and the picker go by name
    assert at.selectbox(key="caseload_pick").options == [f"{c.name} (#{c.couple_id})" for c in by_name]
    assert at.sidebar.selectbox(key="couple_id").options == [f"{c.name} (#{c.couple_id})" for c in mine]
    assert_absent(at, elsewhere, "Caseload")

    # a partner has no caseload: it is not in their navigation at all
    as_signed_in(monkeypatch, partner_cookie)
    partner = start_app()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        partner.switch_page(CASELOAD)
    assert "Caseload" not in sent(partner)
    assert_absent(partner, ["Marisol-Kestrel", "Thaddeus", *elsewhere], "a partner's Home")


# == caseload flags on hand-made histories ========================================================


def test_caseload_flags(store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    # W: a concern band twice, but with a missed month between (not two months running)
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
    # everyone's first check-ins give reliable change its spread (demo couples, long before these months)
    reference_population(store, catalog)
    # the private parts of Z really did worsen, and sit in concern: only privacy keeps them unflagged
    rc = reliable_change(store, z.couple_id)
    last = rc[pd.to_datetime(rc["period"]).dt.date == month[11]].set_index("subscale_id")
    assert last.loc["desire_pressure", "verdict"] == "worsened" and bool(last.loc["desire_pressure", "private"])
    assert last.loc["private_signs", "band_tone"] == "concern" and bool(last.loc["private_signs", "private"])
    assert last.loc["my_bids_met", "verdict"] == "no reliable change"

    found = caseload.flags(store)
    ours = {x.couple_id, y.couple_id, z.couple_id, w.couple_id}
    got = sorted(
        (int(r.couple_id), int(r.partner_id), r.subscale_id, r.kind) for r in found.itertuples() if r.couple_id in ours
    )
    assert got == sorted(
        [
            (x.couple_id, x.partners[0].partner_id, "my_bids_met", "reliable worsening since the start"),
            (y.couple_id, y.partners[1].partner_id, "my_bids_met", "concern two months running"),
            # judged against their first month (3), Yves's and Wanda's fall to 1 is reliable too
            (y.couple_id, y.partners[1].partner_id, "my_bids_met", "reliable worsening since the start"),
            (w.couple_id, w.partners[0].partner_id, "my_bids_met", "reliable worsening since the start"),
        ]
    )
    sign_in(monkeypatch, store, therapist(store, "Dr Flags", [c.couple_id for c in (x, y, z, w)]))
    store.close()

    at = open_page(start_app(), CASELOAD)
    board = at.dataframe[0].value
    table = board.set_index("Couple")
    harder, running = caseload.HARDER.column, caseload.HARD_RUNNING.column  # a column per kind of flag
    reaches = "How my reaches were met"
    assert table.loc["Xavi & Xena", harder] == f"Xavi: {reaches} ({month[11]:%b %Y})"
    assert table.loc["Xavi & Xena", running] == ""
    assert table.loc["Yara & Yves", harder] == f"Yves: {reaches} ({month[4]:%b %Y})"
    assert table.loc["Yara & Yves", running] == f"Yves: {reaches} ({month[4]:%b %Y})"
    assert table.loc["Wanda & Wim", harder] == f"Wanda: {reaches} ({month[4]:%b %Y})"
    assert table.loc["Wanda & Wim", running] == ""
    assert table.loc["Zora & Zeb", harder] == table.loc["Zora & Zeb", running] == ""
    assert table.loc["Xavi & Xena", "Last check-in"] == pd.Timestamp(month[11])
    # the three with a reliable worsening first, Yves (two kinds) ahead; Zora & Zeb after them
    assert list(board["Couple"]) == ["Yara & Yves", "Wanda & Wim", "Xavi & Xena", "Zora & Zeb"]
    by_couple = {c.name: c.couple_id for c in (x, y, z, w)}
    # the couple to open is picked from the same order, the most pressing first
    assert at.selectbox(key="caseload_pick").options == [f"{n} (#{by_couple[n]})" for n in board["Couple"]]
    assert at.selectbox(key="caseload_pick").value == y.couple_id
    assert (
        list(board["Most pressing"][:3]) == ["1 · reliably harder"] * 3
    )  # the safety flag is off: ranked among the kinds shown
    assert_absent(at, private_words(catalog), "Caseload")

    # choosing a row on the board chooses that couple to open (once: the chooser can still be changed after)
    order = [by_couple[n] for n in board["Couple"]]
    at.session_state[state.caseload_board(order)] = {"selection": {"rows": [2]}}
    ok(at.run())
    assert at.selectbox(key="caseload_pick").value == x.couple_id  # the third row: Xavi & Xena
    # the board's order changes under the chosen row: a couple with two kinds of flag joins, ahead of Xavi &
    # Xena; the third row is now another couple, and the choice stays Xavi & Xena (it jumped before)
    db = app_store()
    vera = make_couple(db, "Vera & Val", ("Vera", "Val"))
    for i, value in enumerate([3, 3, 3, 1, 1]):
        answer_bids(db, catalog, vera.partners[1].partner_id, month[i], value)
    doctor = db.accounts.by_name("Dr Flags")
    assert doctor is not None
    db.accounts.grant(doctor.account_id, vera.couple_id)
    ok(at.run())
    now = list(at.dataframe[0].value["Couple"])
    assert now.index("Vera & Val") < now.index("Xavi & Xena") == 3
    assert at.selectbox(key="caseload_pick").value == x.couple_id
    by_couple["Vera & Val"] = vera.couple_id
    order = [by_couple[n] for n in now]
    assert f"**What the flags say about {x.name}**" in shown(at)
    at.selectbox(key="caseload_pick").set_value(w.couple_id).run()
    ok(at.run())
    assert at.selectbox(key="caseload_pick").value == w.couple_id  # the row still chosen does not take it back
    at.session_state[state.caseload_board(order)] = {"selection": {"rows": [0]}}
    ok(at.run())
    assert at.selectbox(key="caseload_pick").value == vera.couple_id  # the first row now

    # the chosen couple's flags in full sentences, for the therapist
    at.selectbox(key="caseload_pick").set_value(y.couple_id).run()
    words = shown(ok(at))
    assert (
        f"Yves's check-in of {month[4]:%b %Y} is reliably harder than at their start on \u201c{reaches}\u201d." in words
    )
    assert (
        f"Yves's answers sat in the hardest range two months running, up to {month[4]:%b %Y}, on \u201c{reaches}\u201d."
        in words
    )

    # opening a couple from here (with the sidebar's couple chooser on screen) goes to their trends
    assert at.sidebar.selectbox(key="couple_id").value == x.couple_id
    ok(click(ok(at), "Open their trends"))
    assert [t.value for t in at.title] == ["Trends"]
    assert at.sidebar.selectbox(key="couple_id").value == y.couple_id
    assert {t.get("name") for f in figures(at).values() for t in f["data"]} >= {"Yves"}


def test_adding_a_couple_when_there_are_several_chooses_it(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    cy = make_couple(store, "Cy & Di", ("Cy", "Di"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [ada.couple_id, cy.couple_id], owner=True))
    store.close()
    at = open_page(start_app(), ACCOUNTS)
    assert at.sidebar.selectbox(key="couple_id").options == [
        f"Ada & Bo (#{ada.couple_id})",
        f"Cy & Di (#{cy.couple_id})",
    ]
    fields = {t.label: t for t in at.text_input if t.form_id == "add_couple"}
    fields["Couple name"].input("Eli & Fay")
    fields["First partner's name"].input("Eli")
    fields["Second partner's name"].input("Fay")
    ok(click(at, "Add couple"))
    assert [m.value for m in at.success] == ["Added Eli \\& Fay. Their invitations are below."]
    new_id = next(c.couple_id for c in app_store().couples.all() if c.name == "Eli & Fay")
    assert at.sidebar.selectbox(key="couple_id").value == new_id
    open_page(at, SETTINGS)
    assert at.sidebar.selectbox(key="couple_id").value == new_id
    assert [t.value for t in at.text_input if t.form_id == "names"] == ["Eli & Fay", "Eli", "Fay"]


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


@dataclass(frozen=True)
class SharedDb:
    couples: list[Couple]
    markers: dict[int, dict[str, list[str]]]  # couple id -> {"private": [...], "shared": [...]}
    catalog: Catalog  # with the therapist's private text question
    therapist: str  # the cookie of a therapist granted all three couples (signed in by the fixture)
    partner: str  # the cookie of the first couple's first partner


@pytest.fixture
def caseload_db(store: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: Path) -> SharedDb:
    """Three couples with three revealed months each; every partner has a private note and a private
    text answer each month (a therapist's own questionnaire with a private text question), and the
    second partner shares a note. A therapist granted all three is signed in."""
    extra = tmp_path / "therapist"
    cat = extra_catalog(extra, {"reflection.toml": REFLECTION})
    monkeypatch.setenv("MENDWELL_ASSESSMENTS", str(extra))
    assert cat.get("reflection") is not None
    store.definitions.register(cat.instruments)

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
                plan = whole_plan(cat, 1 + (back + slot + n) % 4, private_text=private_text)
                check_in(store, cat, partner.partner_id, period, plan, note=note)
                mine["private"] += [private_text] + ([private_note] if slot == 0 else [])
                mine["shared"] += [shared_note] if slot == 1 else []
        markers[couple.couple_id] = mine
    # the private words really are in the database, ready to leak
    planted = store.engine.read("SELECT count(*) AS n FROM responses WHERE text LIKE 'PRIVATE-TEXT-%'")["n"].item()
    assert planted == 3 * 3 * 2
    assert store.engine.read("SELECT count(*) AS n FROM notes WHERE is_private")["n"].item() == 3 * 3
    partner_cookie = cookie_for(store, partner_accounts(store, couples[0])[0])
    doctor = sign_in(monkeypatch, store, therapist(store, "Dr Share", [c.couple_id for c in couples]))
    store.close()
    return SharedDb(couples, markers, cat, doctor, partner_cookie)


def forbidden_while_sharing(db: SharedDb, shown: Couple) -> list[str]:
    """What must never be on screen while `shown` is shared."""
    out = [*private_words(db.catalog), "Caseload", "Settings", "Check-in", "History"]
    for couple in db.couples:
        out += db.markers[couple.couple_id]["private"]
        if couple.couple_id != shown.couple_id:
            out += [couple.name, *(p.name for p in couple.partners)]
            out += db.markers[couple.couple_id]["shared"]
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


def test_share_link_shows_one_couple_and_nothing_private(caseload_db: SharedDb) -> None:
    first = caseload_db.couples[0]
    forbidden = forbidden_while_sharing(caseload_db, first)
    partner_names = [p.name for p in first.partners]

    at = start_app(share="1", couple=str(first.couple_id))
    assert_sharing_chrome(at)
    assert [t.value for t in at.title] == ["Zephyrine"]
    assert [link.label for link in elements(at.main, "page_link", PageLink)] == [
        "Trends: how things are moving", "Themes that keep coming back", "A month, together",
    ]  # fmt: skip
    assert_absent(at, forbidden, "Sharing landing")

    # only four pages exist while sharing
    for page in (CASELOAD, SETTINGS, CHECKIN, HISTORY, ACCOUNTS):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)

    open_page(at, TRENDS)
    assert_sharing_chrome(at)
    figs = list(every_figure(at).values())
    assert len(figs) >= 10  # one per shared subscale, and the two perspectives
    legend = {t.get("name") for f in figs for t in f["data"]}
    assert set(partner_names) <= legend
    assert not at.get("download_button")  # no downloads while sharing
    assert_absent(at, forbidden, "Trends")

    open_page(at, THEMES)
    assert_sharing_chrome(at)
    assert len(every_figure(at)) == 6  # a heatmap, a kinds chart and a mending chart per partner
    assert set(at.selectbox(key="theme_detail").options) >= {"Unseen"}
    assert not at.get("download_button")
    assert_absent(at, forbidden, "Themes")

    open_page(at, TOGETHER)
    assert_sharing_chrome(at)
    assert at.selectbox(key="together_month").value == THIS_MONTH
    assert f"{periods.label(THIS_MONTH)}, side by side" in [s.value for s in at.header]
    assert [t.value for t in at.text] == ["SHARED-NOTE-Bettany-0"]  # her shared note, this month
    assert_absent(at, forbidden, "Together")
    # an earlier revealed month, too
    at.selectbox(key="together_month").set_value(periods.add_months(THIS_MONTH, -2)).run()
    ok(at)
    assert [t.value for t in at.text] == ["SHARED-NOTE-Bettany-2"]
    assert_absent(at, forbidden, "Together, two months back")

    # back on the landing page: still sharing, still this couple, and the link is kept for a reload
    open_page(at, HOME)
    assert_sharing_chrome(at)
    assert [t.value for t in at.title] == ["Zephyrine"]
    assert param(at, "couple") == str(first.couple_id)


def test_sharing_is_held_by_the_sign_in_not_the_address(caseload_db: SharedDb, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once started by the link, every new tab, edited address and restart shows the same couple's shared views."""
    first, second = caseload_db.couples[0], caseload_db.couples[1]
    forbidden = forbidden_while_sharing(caseload_db, first)
    ok(start_app(share="1", couple=str(first.couple_id)))

    def still_sharing_first(at: AppTest, where: str) -> None:
        assert_sharing_chrome(at)
        assert param(at, "couple") == str(first.couple_id), where
        assert_absent(at, forbidden, where)

    variants: dict[str, dict[str, str]] = {
        "a new tab, no query": {},
        "another couple in the address": {"share": "1", "couple": str(second.couple_id)},
        "another couple, without share=1": {"couple": str(second.couple_id)},
        "share=0": {"share": "0", "couple": str(first.couple_id)},
        "a couple that does not exist": {"share": "1", "couple": "999"},
    }
    for where, query in variants.items():
        at = start_app(**query)
        still_sharing_first(at, where)
        assert [t.value for t in at.title] == ["Zephyrine"], where
        open_page(at, TRENDS)
        still_sharing_first(at, where + ", Trends")
        legend = {t.get("name") for f in figures(at).values() for t in f["data"]}
        assert {"Aurelio", "Bettany"} <= legend, where
    # the first request after a restart (every cache and the database object gone)
    st.cache_data.clear()
    st.cache_resource.clear()
    still_sharing_first(start_app(couple=str(second.couple_id)), "after a restart")


def test_a_share_link_starts_sharing_only_for_a_therapist_granted_that_couple(
    caseload_db: SharedDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = caseload_db.couples[0], caseload_db.couples[1]
    # a partner's link: partners do not share screens; they stay on their own couple's pages
    as_signed_in(monkeypatch, caseload_db.partner)
    at = start_app(share="1", couple=str(second.couple_id))
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    assert [t.value for t in at.title] == [first.name]
    assert_absent(at, [second.name, *(p.name for p in second.partners)], "a partner's share link")
    # a therapist granted only the first couple: a link to the second starts nothing, shows nothing of it
    s = app_store()
    sign_in(monkeypatch, s, therapist(s, "Dr One", [first.couple_id]))
    at = start_app(share="1", couple=str(second.couple_id))
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    assert_absent(at, [second.name, *(p.name for p in second.partners)], "a link to a couple not granted")
    # and the link to the couple granted starts sharing it
    assert_sharing_chrome(start_app(share="1", couple=str(first.couple_id)))


def test_sharing_starts_from_the_sidebar_and_ends_with_two_clicks(caseload_db: SharedDb) -> None:
    second = caseload_db.couples[1]
    forbidden = forbidden_while_sharing(caseload_db, second)

    at = start_app()
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    at.sidebar.selectbox(key="couple_id").set_value(second.couple_id).run()
    ok(at)
    ok(click(at, "Start screen sharing"))
    # straight to Trends, for the chosen couple only
    assert [t.value for t in at.title] == ["Trends"]
    assert_sharing_chrome(at)
    assert param(at, "couple") == str(second.couple_id)
    legend = {t.get("name") for f in figures(at).values() for t in f["data"]}
    assert {"Cosimo", "Delphinia"} <= legend
    assert_absent(at, forbidden, "Trends after Start screen sharing")

    # it stays on across page switches
    for page in (THEMES, TOGETHER, HOME, TRENDS):
        open_page(at, page)
        assert_sharing_chrome(at)
        assert_absent(at, forbidden, page)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(CASELOAD)

    # "Stop sharing…" only asks; "Keep sharing" goes back
    ok(click(at, "Stop sharing…"))
    assert_sharing_chrome(at)
    assert "Stop your screen share first, then leave sharing mode." in [c.value for c in at.sidebar.caption]
    ok(click(at, "Keep sharing"))
    assert [b.label for b in at.sidebar.button] == ["Stop sharing…"]
    # two clicks leave it
    click(at, "Stop sharing…")
    ok(click(ok(at), "Stop sharing"))
    assert not any("● Sharing" in m.value for m in at.sidebar.markdown)
    assert at.sidebar.selectbox(key="couple_id").value == second.couple_id
    assert "share" not in at.query_params and param(at, "couple") == str(second.couple_id)  # kept for a reload
    open_page(at, CASELOAD)  # the whole app is back
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
    [dl] = [b for b in elements(at, "download_button", DownloadButton) if b.label.startswith(label_start)]
    media = _KeptMediaStorage.made[-1].get_file(dl.proto.url.rsplit("/", 1)[1])
    return media.content, media.filename, media.mimetype


def test_settings_calendar_reminder(store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _KeptMediaStorage)
    couple = make_couple(store, "Solenne & Barnaby", ("Solenne", "Barnaby"))
    sign_in_partner(monkeypatch, store, couple)
    store.close()
    today = dt.date.today()
    day = 5 if today.day != 5 else 6

    at = open_page(start_app(), SETTINGS)
    [day_input] = [n for n in at.number_input if n.label == "Check in by this day of each month"]
    assert day_input.value == 28  # the default
    day_input.set_value(day)
    ok(click(at, "Save day"))
    assert [s.value for s in at.success] == ["Check-in day saved."]
    assert app_store().couples.checkin_day(couple.couple_id) == day

    content, filename, mimetype = downloaded(at, "Add a monthly reminder")
    assert (filename, mimetype) == ("mendwell-monthly-check-in.ics", "text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    [event] = cal.walk("VEVENT")
    rule = event["RRULE"]
    assert isinstance(rule, icalendar.vRecur), rule
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
def test_home_says_when_the_checkin_is_due(
    when: str, store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = dt.date.today()
    couple = make_couple(store, "Odile & Piet", ("Odile", "Piet"))
    day = {"ahead": 28, "today": today.day, "past": 1, "both done": 1}[when]
    if day > 28:
        pytest.skip("the 29th to 31st cannot be a check-in day")
    store.couples.set_checkin_day(couple.couple_id, day)
    if when == "both done":
        for p in couple.partners:
            check_in(store, catalog, p.partner_id, THIS_MONTH, whole_plan(catalog, 2))
    sign_in_partner(monkeypatch, store, couple)
    store.close()

    at = start_app()
    lines = [m.value.removeprefix(":material/event: ") for m in at.markdown if m.value.startswith(":material/event:")]
    # worked out here by hand, then compared with rhythm.due as well
    delta = day - today.day
    if when == "both done":
        expected = "Both of you have checked in this month."
    elif delta > 1:
        expected = f"Due in {delta} days (by {day} {today:%B})."
    elif delta == 1:
        expected = f"Due tomorrow ({day} {today:%B})."
    elif delta == 0:
        expected = "Due today."
    else:
        when = "yesterday" if delta == -1 else f"{-delta} days ago"
        expected = (
            f"Your check-in day was {when} ({day} {today:%B}). This month's check-in is still open, whenever you "
            "are ready."
        )
    assert lines == [expected]
    assert lines == [rhythm.due(today, day, when == "both done").text]
