"""Settings, as a tester found it: the second step came off in one click, wrong "current passcode" tries left no
trace, the slow-down spoke of "1 seconds", an out-of-range check-in day said nothing, two partners could share a
name, and the questionnaires were listed by their full paths on the server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyotp
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton

from mendwell import accounts, audit, security
from mendwell.config import builtin_assessments_dir
from mendwell.data import Database
from mendwell.data.audit import Entry
from mendwell.model import SAME_NAMES
from tests.support.apptest import app_store, elements, ok, open_page, shown, sign_in, start_app, unescape
from tests.support.auth import PASSCODE, partner_accounts, therapist
from tests.support.data import make_couple
from tests.support.ui import SETTINGS

WRONG = "not-my-passcode-9"


def press(at: AppTest, form: str, label: str, values: dict[str, str] | None = None) -> AppTest:
    """Fill a form's text fields by label and press its button; no exception, no error element."""
    fields = {t.label: t for t in at.text_input if t.form_id == form}
    for name, value in (values or {}).items():
        fields[name].input(value)
    [b] = [b for b in at.button if b.form_id == form and b.label == label]
    b.click().run()
    return ok(at)


def warnings(at: AppTest) -> list[str]:
    return [str(w.value) for w in at.warning]


def refusals(db: Database) -> list[Entry]:
    return [e for e in audit.entries(db) if e.action == audit.ACCOUNT_REFUSED]


# -- 1. the second step at sign-in -----------------------------------------------------------------------


def test_turning_the_second_step_off_asks_for_the_passcode_and_says_it_is_off(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: "Turn the second step off" took it off in one click, with no check, from anyone at a signed-in
    screen left alone; and "The second step is off." never showed (it was drawn only while the step was on)."""
    doctor = therapist(store, "Dr Two Steps")
    store.accounts.set_totp_secret(doctor.account_id, pyotp.random_base32())
    sign_in(monkeypatch, store, doctor)
    store.close()
    form = "second_step_off"
    at = open_page(start_app(), SETTINGS)
    assert [t.label for t in at.text_input if t.form_id == form] == ["Your passcode"]

    # a wrong passcode: nothing changes, said kindly, and the try is in the trail (never what was typed)
    press(at, form, "Turn the second step off", {"Your passcode": WRONG})
    assert warnings(at) == ["That passcode did not match, so the second step is still on."]
    assert not at.success
    assert app_store().accounts.totp_secret(doctor.account_id) is not None
    [refused] = refusals(app_store())
    assert (refused.actor, refused.couple_id) == (audit.actor(doctor), None)
    assert refused.detail == "second factor removal: wrong passcode" and WRONG not in refused.detail
    # nothing typed at all is a wrong passcode too
    press(at, form, "Turn the second step off")
    assert app_store().accounts.totp_secret(doctor.account_id) is not None

    app_store().settings.clear_failures(accounts.throttle_subject(doctor.name))
    press(at, form, "Turn the second step off", {"Your passcode": PASSCODE})
    assert [s.value for s in at.success] == ["The second step is off."]
    assert app_store().accounts.totp_secret(doctor.account_id) is None
    assert "second factor removed" in [e.detail for e in audit.entries(app_store()) if e.action == audit.ACCOUNT]
    assert "Set up the second step" in [b.label for b in at.button]


# -- 2. and 3. a wrong current passcode: in the trail, and said in words that are right ------------------------


def test_a_wrong_current_passcode_is_in_the_trail_and_the_wait_is_said_in_plain_words(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: wrong "current passcode" tries in "Your passcode" left no trace in the audit log (refused sign-ins
    do); the slow-down read "Please wait 1 seconds"; and a try refused by the slow-down said nothing of the
    passcode not being checked, so someone who typed the right one thought it was wrong."""
    couple = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    [ada, _] = partner_accounts(store, couple)
    sign_in(monkeypatch, store, ada)
    store.close()
    form = "own_passcode"
    fields = {
        "Current passcode": WRONG,
        "New passcode": "a-new-passcode-2",
        "The new passcode again": "a-new-passcode-2",
    }
    at = open_page(start_app(), SETTINGS)

    press(at, form, "Change passcode", fields)
    assert warnings(at) == ["Your current passcode did not match."]
    [refused] = refusals(app_store())
    assert (refused.actor, refused.couple_id) == (audit.actor(ada), couple.couple_id)  # about her couple
    assert refused.detail == "own passcode change: wrong current passcode"
    assert not [e for e in audit.entries(app_store()) if WRONG in e.detail or "a-new-passcode" in e.detail]

    press(at, form, "Change passcode", fields)
    press(at, form, "Change passcode", fields)  # the third wrong one in a row earns a wait of two seconds
    assert warnings(at) == ["Your current passcode did not match. Please wait 2 seconds before trying again."]
    assert len(refusals(app_store())) == 3

    # within the wait (a wrong try a minute from now, whatever the machine's pace), with the right one: not
    # checked at all, and said so
    app_store().settings.add_failure(accounts.throttle_subject("Ada"), dt.datetime.now() + dt.timedelta(minutes=1))
    press(at, form, "Change passcode", fields | {"Current passcode": PASSCODE})
    [said] = warnings(at)
    assert re.fullmatch(
        r"To keep guessing slow, your passcode was not checked yet\. Please wait 6\d seconds and try again\.", said
    ), said
    assert refusals(app_store())[-1].detail == "own passcode change: too soon after wrong tries, not checked"
    assert security.verify(app_store(), security.partner_subject(couple.partners[0].partner_id), PASSCODE).ok

    # one second left: "1 second"
    monkeypatch.setattr(security, "too_soon", lambda *_: security.Attempt(False, 1, 3, refused=True))
    press(at, form, "Change passcode", fields | {"Current passcode": PASSCODE})
    assert warnings(at) == [
        "To keep guessing slow, your passcode was not checked yet. Please wait 1 second and try again."
    ]


# -- 4. the monthly rhythm ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [31, 0, 29])
def test_a_check_in_day_out_of_range_is_refused_out_loud_and_the_rule_is_in_view(
    typed: int, store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: 31 (or 0, 29) and "Save day" showed nothing and kept the old day, the browser's field stopping at
    its bounds; the rule was only in a tooltip."""
    couple = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    [ada, _] = partner_accounts(store, couple)
    sign_in(monkeypatch, store, ada)
    store.close()
    at = open_page(start_app(), SETTINGS)
    [day] = [n for n in at.number_input if n.form_id == "rhythm"]
    # the browser's field has no bounds of its own, so any day typed reaches the page and gets an answer
    assert (day.min, day.max) == (None, None)
    assert "From 1 to 28, so the day exists in every month." in [c.value for c in at.caption]
    assert [h.value for h in at.header if h.value.startswith("Monthly rhythm")] == ["Monthly rhythm"]  # her own
    day.set_value(typed)
    [b] = [b for b in at.button if b.label == "Save day"]
    ok(b.click().run())
    assert warnings(at) == [
        "Nothing was saved: check-ins stay due by day 28. Please choose a day from 1 to 28, so it exists in "
        "every month."
    ]
    assert not at.success
    assert app_store().couples.checkin_day(couple.couple_id) == 28
    assert not [e for e in audit.entries(app_store()) if e.detail.startswith("check-in day")]


def test_the_monthly_rhythm_names_its_couple_to_a_therapist(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: an owner's "Monthly rhythm" did not say whose it was (the Names section said "Couple id 1")."""
    couple = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [couple.couple_id], owner=True))
    store.close()
    at = open_page(start_app(), SETTINGS)
    assert [h.value for h in at.header if h.value.startswith("Monthly rhythm")] == [r"Monthly rhythm of Ada \& Bo"]
    # and the reminder is theirs, not "your calendar"
    labels = [b.label for b in elements(at, "download_button", DownloadButton)]
    assert "A monthly reminder for their calendar (.ics)" in labels and not [x for x in labels if "your" in x]


# -- 5. names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["Aaron", " aaron ", "AARON"])
def test_two_partners_may_not_share_a_name(
    second: str, store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: Partner 1 = Partner 2 = "Aaron" was saved ("Names saved."), and Together, History and reports then
    read "Aaron: … / Aaron: …"."""
    couple = make_couple(store, "Ann & Bob", ("Ann", "Bob"))
    ann, bob = couple.partners
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [couple.couple_id], owner=True))
    store.close()
    at = open_page(start_app(), SETTINGS)
    at.text_input(key=f"pname_{ann.partner_id}").input("Aaron")
    at.text_input(key=f"pname_{bob.partner_id}").input(second)
    next(t for t in at.text_input if t.label == "Couple's name" and t.form_id == "names").input("The Aarons")
    ok(next(b for b in at.button if b.label == "Save names").click().run())
    assert warnings(at) == [SAME_NAMES]
    assert not at.success
    after = app_store().couples.get(couple.couple_id)
    assert after is not None and (after.name, [p.name for p in after.partners]) == ("Ann & Bob", ["Ann", "Bob"])


# -- 6. questionnaire files --------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", [False, True])
def test_questionnaire_files_are_named_without_the_servers_folders(
    owner: bool, store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: Settings listed each questionnaire by its full path on the server (/tmp/…/assessments/bids.toml)."""
    couple = make_couple(store)
    sign_in(monkeypatch, store, therapist(store, "Dr Files", [couple.couple_id], owner=owner))
    store.close()
    at = open_page(start_app(), SETTINGS)
    text = shown(at)
    folder = str(builtin_assessments_dir())
    assert "bids.toml" in [unescape(c.value) for c in at.caption]
    # the folder, only to the owner who looks after it, and once
    assert text.count(folder) == (1 if owner else 0)
    assert folder + "/bids.toml" not in text
