"""The private safety check: help only for the partner who answered, a quick exit, and no trace elsewhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mendwell import neutral, periods, safety
from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Account
from tests.support.apptest import app_store, open_page, sign_in, sign_in_partner, start_app, texts
from tests.support.auth import therapist
from tests.support.data import answer_all_but_safety, instrument, make_couple, safety_concerns_last_month
from tests.support.ui import CASELOAD, CHECKIN, TOGETHER

HELP_START = "If you are in danger right now"


def _texts(at: AppTest) -> str:
    return "\n".join(texts(at))


def _ann_at_the_safety_check(
    store: Database, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> tuple[AppTest, int, Account]:
    """Ann (of "Safe Test") signed in on this month's check-in, answered but for its safety section: the app,
    the check-in's id and Ann's account."""
    couple = make_couple(store, "Safe Test", ("Ann", "Bob"))
    checkin_id = answer_all_but_safety(store, catalog, couple.partners[0].partner_id, periods.month_start())
    [ann_account, _] = sign_in_partner(monkeypatch, store, couple)
    store.close()
    return open_page(start_app(), CHECKIN), checkin_id, ann_account


def test_a_yes_shows_help_only_there_and_leave_now_goes_neutral(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, checkin_id, ann_account = _ann_at_the_safety_check(store, catalog, monkeypatch)
    assert "Feeling safe" in [s.value for s in at.header]
    assert HELP_START not in _texts(at)
    at.radio(key=f"a:{checkin_id}:safety:afraid").set_value(1).run()
    assert not at.exception, at.exception
    assert HELP_START in _texts(at)
    assert safety.DEVICE_NOTE in _texts(at)
    assert [b.label for b in at.button if b.label == "Leave now"] == ["Leave now"]
    # changing the answer back takes the message away
    at.radio(key=f"a:{checkin_id}:safety:afraid").set_value(0).run()
    assert HELP_START not in _texts(at)
    at.radio(key=f"a:{checkin_id}:safety:controlled").set_value(1).run()
    assert HELP_START in _texts(at)

    # one click: a neutral page, no Mendwell navigation, nothing of the check-in
    next(b for b in at.button if b.label == "Leave now").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Lentil soup"]
    shown = _texts(at) + "\n".join(str(e.value) for e in at.sidebar.markdown)
    for word in ("Mendwell", "Feeling safe", "check-in", HELP_START):
        assert word not in shown
    # it also signed Ann out: her sign-in has ended on the server
    ended = app_store().engine.read(
        "SELECT count(*) AS n FROM sign_ins WHERE account_id = ? AND ended_at IS NULL", [ann_account.account_id]
    )
    assert ended["n"].item() == 0
    # and back, deliberately: "Done" is the sign-in address's own way back, which forgets "Leave now" in this
    # browser (a button here led to a page whose link served the recipe again, found by a walk-through)
    [done] = [h.proto.body for h in at.get("html") if ">Done</a>" in h.proto.body]
    assert f'href="{neutral.DONE_URL}"' in done and 'target="_self"' in done


@pytest.mark.parametrize(("flag", "has_therapist"), [(False, True), (True, False), (True, True)])
def test_the_safety_check_says_when_a_yes_reaches_the_therapist(
    flag: bool, has_therapist: bool, store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Only for you" is never more than true: with the practice's flag on and a therapist for this couple, the
    section says a "yes" raises a flag (never which question); otherwise it says nothing of a therapist."""
    safety.set_therapist_sees_flag(store, flag)
    couple = make_couple(store, "Safe Test", ("Ann", "Bob"))
    if has_therapist:
        therapist(store, "Dr Safe", [couple.couple_id])
    answer_all_but_safety(store, catalog, couple.partners[0].partner_id, periods.month_start())
    sign_in_partner(monkeypatch, store, couple)
    store.close()
    at = open_page(start_app(), CHECKIN)
    assert "Feeling safe" in [s.value for s in at.header]
    assert (safety.THERAPIST_TOLD in _texts(at)) == (flag and has_therapist)
    # and again where the check-in is sent, whatever was answered: a "yes" given while the section said nothing of
    # a therapist (the flag turned on since) is sent only once this has been said; it tells nothing of the answer
    next(b for b in at.button if b.label == "Review my answers").click().run()  # the last section: never asks
    assert "Look it over" in [s.value for s in at.header]
    assert (safety.THERAPIST_TOLD in _texts(at)) == (flag and has_therapist)


def test_leave_now_after_the_tap_ended_the_sign_in_still_goes_neutral(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tap's own request (POST /signout) usually ends the sign-in before the app's run hears of the
    click: that run finds nobody signed in, and must still draw the neutral page, not the sign-in page."""
    at, checkin_id, ann_account = _ann_at_the_safety_check(store, catalog, monkeypatch)
    at.radio(key=f"a:{checkin_id}:safety:afraid").set_value(1).run()
    db = app_store()
    [live] = db.engine.read("SELECT sign_in_id FROM sign_ins WHERE account_id = ?", [ann_account.account_id])[
        "sign_in_id"
    ]
    db.sign_ins.end(str(live), dt.datetime.now())  # what the tap's request did

    next(b for b in at.button if b.label == "Leave now").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Lentil soup"]
    shown = _texts(at) + "\n".join(str(e.value) for e in at.sidebar.markdown)
    for word in ("Mendwell", "Sign in", "Feeling safe", HELP_START):
        assert word not in shown
    # a later run (any click) stays on the neutral page until "Done"
    at.run()
    assert [t.value for t in at.title] == ["Lentil soup"]


def test_safety_answers_reach_no_shared_view(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Together and the caseload (unless the setting is on) never show the safety check to the therapist
    (exports: tests/store/test_safety_export.py)."""
    doctor = therapist(store, "Dr Safe")
    safety_concerns_last_month(store, catalog, told_by=doctor.account_id)
    safety.set_therapist_sees_flag(store, False)  # the practice turns it off again: off, nothing shows
    sign_in(monkeypatch, store, doctor)
    store.close()

    at = open_page(start_app(), TOGETHER)
    text = _texts(at) + "\n".join(str(d.value) for d in at.dataframe)
    assert "side by side" in text  # the month is open
    for word in ("afraid of my partner", "controlled by my partner", "hurt me physically", HELP_START):
        assert word not in text

    at.switch_page(CASELOAD).run()
    assert not at.exception, at.exception
    caseload_text = _texts(at) + "\n".join(d.value.to_string() for d in at.dataframe)
    assert "safety check raised a concern" not in caseload_text  # off

    # on again: their check-ins were sent while it was on, so the flag shows (the moment it was first turned on,
    # as the earlier run kept it: turned on again it counts from now, see the test below)
    db = app_store()
    safety.set_therapist_sees_flag(db, True)
    db.settings.set(safety.FLAG_SINCE_KEY, safety.EVERY_CHECKIN)
    at.run()
    board = at.dataframe[0].value  # the couples table (the next one is about reliability)
    flags = board["Safety check"].to_string() + board["Most pressing"].to_string()
    assert "safety check raised a concern" in flags and "1 · safety check" in flags
    assert "afraid" not in flags and "hurt" not in flags  # never which question
    caseload_text = _texts(at) + "\n".join(d.value.to_string() for d in at.dataframe)
    for word in ("afraid of my partner", "controlled by my partner", "hurt me physically", HELP_START):
        assert word not in caseload_text


def test_an_answer_given_while_it_was_only_for_them_never_raises_the_flag_later(
    store: Database, catalog: Catalog
) -> None:
    """A partner answers "yes" while the check-in says the safety check is only for them (the practice's flag is
    off, or the couple has no therapist yet). Turning the flag on, or granting a therapist, afterwards must not
    show their therapist that answer; a "yes" sent once they were told does raise it, and only for them."""
    doctor = therapist(store, "Dr Later")
    couple_id = safety_concerns_last_month(store, catalog)  # the flag off: "only for you"
    store.accounts.grant(doctor.account_id, couple_id)
    safety.set_therapist_sees_flag(store, True)
    assert safety.recent_flags(store, [couple_id]).empty

    unseen = make_couple(store, "Not Yet Granted", ("Cy", "Di"))  # the flag on, but no therapist: not told
    checkin_id = answer_all_but_safety(store, catalog, unseen.partners[0].partner_id, periods.month_start())
    check = instrument(catalog, "safety")
    store.checkins.save_answers(checkin_id, check, {"afraid": Answer(value=1.0)})
    store.checkins.submit(checkin_id, catalog)
    store.accounts.grant(doctor.account_id, unseen.couple_id)
    assert safety.recent_flags(store, [unseen.couple_id]).empty

    # now told (the flag on, a therapist granted): Bob's "yes" this month raises it, and only his
    couple = store.couples.get(couple_id)
    assert couple is not None
    bob = next(p for p in couple.partners if p.name == "Bob")
    checkin_id = answer_all_but_safety(store, catalog, bob.partner_id, periods.month_start())
    store.checkins.save_answers(checkin_id, check, {"hurt": Answer(value=1.0)})
    store.checkins.submit(checkin_id, catalog)
    flags = safety.recent_flags(store, [couple_id, unseen.couple_id])
    assert [(int(r.couple_id), int(r.partner_id)) for r in flags.itertuples()] == [(couple_id, bob.partner_id)]

    # turned off and on again: what was sent while it was off may have been read as "only for you"
    safety.set_therapist_sees_flag(store, False)
    safety.set_therapist_sees_flag(store, True)
    assert safety.recent_flags(store, [couple_id]).empty
