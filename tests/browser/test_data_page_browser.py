"""The Data page's erasure in Chromium, as the owner uses it: what was typed to erase one couple is never sent
again for the next one (found: two couples with the same name; after the first was erased the box still held the
name, and one more click with nothing typed erased the second)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell.instruments import Catalog
from tests.support.auth import PASSCODE, browser_sign_in, therapist
from tests.support.browser import wait_for_calm
from tests.support.data import make_couple, new_database, opened
from tests.support.server import ServerFactory

pytestmark = pytest.mark.browser
SAME = "Sam & Alex"


def test_what_was_typed_to_erase_one_couple_is_not_sent_for_the_next(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, page: Page
) -> None:
    new_database(db_file, catalog)
    with opened(db_file) as db:
        first = make_couple(db, SAME, ("Sam", "Alex"))
        second = make_couple(db, SAME, ("Sam", "Alex"))
        therapist(db, "Dr Owner", [first.couple_id, second.couple_id], owner=True)
    srv = server_factory(db_file)
    browser_sign_in(page, srv.url, "Dr Owner", PASSCODE, "/data")
    expect(page.get_by_text(f"(#{first.couple_id}) and everything they answered")).to_be_visible()
    box = page.get_by_label("Type the couple's name to confirm")
    box.fill(SAME)
    page.get_by_role("button", name="Erase this couple").click()
    expect(page.get_by_text(f"Erased {SAME}. Nothing of them is left")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"(#{second.couple_id}) and everything they answered")).to_be_visible()
    wait_for_calm(page)
    expect(page.get_by_label("Type the couple's name to confirm")).to_have_value("")
    page.get_by_role("button", name="Erase this couple").click()  # nothing typed
    expect(page.get_by_text("The name does not match, so nothing was erased.")).to_be_visible()
    srv.stop()  # the file is the server's while it runs
    with opened(db_file) as db:
        assert [c.couple_id for c in db.couples.all()] == [second.couple_id]
