"""Accounts and sign-ins for tests: made with the app's own code, used the way a browser would.

AppTest cannot send cookies, so `as_signed_in` makes the app read a real signed cookie value
(made by `cookie_for`, naming a real sign-in in the database) where it would read the browser's;
everything after that (signature, sign-in record, idle time, role, couples) is the app's own check.
In Chromium, `browser_sign_in` fills in the real sign-in form.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from playwright.sync_api import Page

from mendwell import accounts, keyring, tokens, vault
from mendwell.data import Database
from mendwell.model import Account, Couple

PASSCODE = "test-pass-1234"


def partner_accounts(db: Database, couple: Couple, passcode: str | None = PASSCODE) -> list[Account]:
    """An account for each partner of the couple (named as the partner), in slot order."""
    return [accounts.create(db, p.name, accounts.PARTNER, passcode, partner_id=p.partner_id) for p in couple.partners]


def therapist(
    db: Database,
    name: str = "Dr Test",
    couple_ids: Sequence[int] = (),
    *,
    owner: bool = False,
    passcode: str = PASSCODE,
) -> Account:
    """A therapist account granted these couples."""
    account = accounts.create(db, name, accounts.THERAPIST, passcode, is_owner=owner)
    for couple_id in couple_ids:
        db.accounts.grant(account.account_id, couple_id)
    return account


def cookie_for(db: Database, account: Account, passcode: str | None = PASSCODE) -> str:
    """Sign `account` in (a real sign-in record, and a partner's sealing key held as at the sign-in page);
    returns the cookie value a browser would hold."""
    sign_in_id = accounts.start(db, account)
    if account.partner_id is not None and passcode is not None and accounts.has_passcode(db, account):
        keyring.put(sign_in_id, vault.derive_key(db, account.partner_id, passcode))
    return tokens.sign(db, sign_in_id)


def as_signed_in(monkeypatch: pytest.MonkeyPatch, cookie: str | None) -> None:
    """From now on, AppTest sessions in this test send this sign-in cookie (None: no cookie at all)."""
    monkeypatch.setattr("ui.auth.raw_cookie", lambda: cookie)


def browser_sign_in(page: Page, base_url: str, name: str, passcode: str = PASSCODE, path: str = "/") -> None:
    """Open `path` in Chromium: the app sends the browser to sign in first; sign in with the real form."""
    page.goto(base_url + path)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passcode").fill(passcode)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("h1", timeout=30_000)
