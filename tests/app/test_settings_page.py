"""The Settings page as a therapist and as the practice owner: what is saved goes in the trail under the couple it
is about (or none), and a second step's key is shown only to the one who asked for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendwell import audit
from mendwell.data import Database
from tests.support.apptest import app_store, button, ok, open_page, shown, sign_in, start_app
from tests.support.auth import PASSCODE, therapist
from tests.support.data import make_couple
from tests.support.ui import HOME, SETTINGS


def test_practice_settings_and_a_therapists_own_are_about_no_couple_in_the_trail(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: saving the practice's safety settings, or one's own passcode, was logged under whichever couple the
    sidebar had chosen, so that couple's entries held changes that were not about them."""
    ada = make_couple(store, "Ada & Bo", ("Ada", "Bo"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [ada.couple_id], owner=True))
    store.close()
    at = open_page(start_app(), SETTINGS)
    ok(button(at, "Save safety settings").click().run())
    [old, new, again] = [t for t in at.text_input if t.form_id == "own_passcode"]
    old.input(PASSCODE)
    new.input("a-new-passcode-2")
    again.input("a-new-passcode-2")
    ok(button(at, "Change passcode").click().run())
    ok(button(at, "Save day").click().run())
    logged = {e.detail: e.couple_id for e in audit.entries(app_store()) if e.action in (audit.SETTING, audit.ACCOUNT)}
    assert logged["safety help text saved; therapist flag off"] is None
    assert logged["own passcode changed"] is None
    assert [c for d, c in logged.items() if d.startswith("check-in day")] == [ada.couple_id]  # the couple's own


def test_a_second_steps_key_is_shown_only_once_asked_for(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: the key (and its QR code) showed as soon as Settings opened, on a screen a therapist may be
    sharing. Now it is drawn only after "Set up the second step", and never sent before."""
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [], owner=True))
    store.close()
    at = open_page(start_app(), SETTINGS)

    def asked() -> list[object]:
        return [f for f in at.text_input if f.label == "The code the app shows now"]

    assert "type this key" not in shown(at) and not asked()
    ok(button(at, "Set up the second step").click().run())
    assert "type this key" in shown(at) and asked()
    ok(button(at, "Not now").click().run())
    assert "type this key" not in shown(at) and not asked()
    # asked for, then another page: back on Settings it is hidden again (found: it came back on its own)
    ok(button(at, "Set up the second step").click().run())
    open_page(at, HOME)
    open_page(at, SETTINGS)
    assert "type this key" not in shown(at) and not asked()
