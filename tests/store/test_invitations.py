"""Invitations: a single-use link that lets one partner make their own account on their own phone.

Through the real routes (`/invite/<secret>`): a good link makes the account and signs it in; a used,
expired or altered link gets one kind answer that names no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mendwell import accounts, invitations
from mendwell.data import Database, release, shared
from mendwell.errors import InvalidInput
from mendwell.limits import FREE_ATTEMPTS
from tests.store.test_audit import Client, _token  # the small ASGI client for the real routes

PASSCODE = "phone-pass-1"


@pytest.fixture
def phone(db_file: Path) -> Iterator[Client]:
    """A partner's phone on the real routes (the process's shared Database is closed after)."""
    yield Client()
    release(shared(db_file))


@pytest.fixture
def invited(store: Database) -> tuple[str, str, int]:
    """A couple added without accounts, and an invitation for each partner: (Ana's, Ben's, couple id)."""
    couple_id = store.couples.create("Ana & Ben", ["Ana", "Ben"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    ana, ben = (invitations.invite(store, p.partner_id, "Dr Test") for p in couple.partners)
    return ana, ben, couple_id


def test_a_link_makes_the_account_once_and_signs_it_in(
    store: Database, invited: tuple[str, str, int], phone: Client
) -> None:
    ana, _, couple_id = invited
    page = phone.get(f"/invite/{ana}")
    assert page.status_code == 200 and 'value="Ana"' in page.text and "Ben" not in page.text
    made = phone.post(
        f"/invite/{ana}", {"name": "Ana", "passcode": PASSCODE, "again": PASSCODE, "form_token": _token(page.text)}
    )
    assert made.status_code == 303 and made.headers["location"] == "/checkin"
    assert "mendwell_sign_in" in phone.cookies  # signed in on this phone at once
    account = store.accounts.by_name("Ana")
    assert account is not None and account.is_partner and accounts.has_passcode(store, account)
    assert store.couples.of_partner(int(account.partner_id or 0)) == couple_id
    # the same link again, in any browser: one kind answer, nobody named
    again = Client().get(f"/invite/{ana}")
    assert again.status_code == 410 and invitations.UNUSABLE in again.text.replace("&#x27;", "'")
    assert "Ana" not in again.text and "Ben" not in again.text
    assert '<a href="/signin">Sign in</a>' in again.text  # whoever used it is the likeliest to open it again


def test_expired_and_altered_links_get_the_same_kind_answer(
    store: Database, invited: tuple[str, str, int], phone: Client
) -> None:
    ana, ben, _ = invited
    for token in (ana[:-1] + ("A" if ana[-1] != "A" else "B"), "x", ""):
        with pytest.raises(invitations.InvitationUnusable):
            invitations.partner_for(store, token)
    later = dt.datetime.now() + dt.timedelta(days=8)
    with pytest.raises(invitations.InvitationUnusable):
        invitations.partner_for(store, ben, later)
    altered = phone.get(f"/invite/{ben}tampered")
    assert altered.status_code == 410 and "Ben" not in altered.text


def test_a_new_link_stops_the_old_one_and_a_partner_with_an_account_gets_none(
    store: Database, invited: tuple[str, str, int]
) -> None:
    ana, _, couple_id = invited
    couple = store.couples.get(couple_id)
    assert couple is not None
    fresh = invitations.invite(store, couple.partners[0].partner_id, "Dr Test")
    with pytest.raises(invitations.InvitationUnusable):
        invitations.partner_for(store, ana)
    account = invitations.accept(store, fresh, "Ana", PASSCODE)
    assert account.name == "Ana"
    with pytest.raises(InvalidInput):
        invitations.invite(store, couple.partners[0].partner_id, "Dr Test")


def test_passcodes_that_differ_are_asked_again(store: Database, invited: tuple[str, str, int], phone: Client) -> None:
    ana, _, _ = invited
    page = phone.get(f"/invite/{ana}")
    answer = phone.post(
        f"/invite/{ana}", {"name": "Ana", "passcode": PASSCODE, "again": "other", "form_token": _token(page.text)}
    )
    assert answer.status_code == 200 and "not the same" in answer.text
    assert store.accounts.by_name("Ana") is None
    assert invitations.partner_for(store, ana).name == "Ana"  # still usable


def test_erasing_the_couple_removes_its_invitations(
    store: Database, invited: tuple[str, str, int], tmp_path: Path
) -> None:
    ana, _, couple_id = invited
    store.couples.erase(couple_id)
    assert store.engine.one("SELECT count(*) FROM invitations") == (0,)
    with pytest.raises(invitations.InvitationUnusable):
        invitations.partner_for(store, ana)


def _try_name(phone: Client, token: str, name: str) -> str:
    page = phone.get(f"/invite/{token}")
    answer = phone.post(
        f"/invite/{token}", {"name": name, "passcode": PASSCODE, "again": PASSCODE, "form_token": _token(page.text)}
    )
    assert answer.status_code == 200, answer.status_code  # refused: the form again, with why
    return answer.text.replace("&#x27;", "'").replace("&quot;", '"')


def test_a_taken_name_is_refused_without_saying_whose_and_asking_about_names_is_slowed(
    store: Database, invited: tuple[str, str, int], phone: Client
) -> None:
    """Found: the invitation page answered "There is already an account named 'Aaron'" as often and as fast as
    asked, so one link told whether anyone was a client of the practice. A taken name is refused in words that
    name no one else, and after a few refusals the link must wait, as a sign-in does."""
    ana, _, _ = invited
    accounts.create(store, "Dr Wren", accounts.THERAPIST, "therapist-pass")
    said = _try_name(phone, ana, "dr wren")
    assert "That name is already used for signing in here." in said and "an account named" not in said
    tries = [_try_name(phone, ana, "Dr Wren") for _ in range(FREE_ATTEMPTS + 1)]
    assert "To keep guessing slow, that name was not checked yet. Please wait" in tries[-1]
    assert store.accounts.by_name("Ana") is None and invitations.partner_for(store, ana).name == "Ana"


def test_the_other_partners_name_is_not_taken_from_them(
    store: Database, invited: tuple[str, str, int], phone: Client
) -> None:
    """Found: Ben's link made an account named "Ana", and Ana's own link then refused her name."""
    ana, ben, _ = invited
    said = _try_name(phone, ben, " ana ")
    assert "That is your partner's name here." in said
    assert store.accounts.by_name("Ana") is None
    made = invitations.accept(store, ana, "Ana", PASSCODE)
    assert made.name == "Ana"


def test_the_invitation_says_what_the_partner_will_and_will_not_see(
    invited: tuple[str, str, int], phone: Client
) -> None:
    """Found: "on this device" (an account is not tied to one) and "your partner sees only what you choose to
    share" (a month opens to both once both have checked in)."""
    ana, _, _ = invited
    page = phone.get(f"/invite/{ana}").text.replace("&#x27;", "'")
    assert "on this device" not in page and "only what you choose" not in page
    assert "only once you have both checked in for it" in page and "never your private answers" in page
