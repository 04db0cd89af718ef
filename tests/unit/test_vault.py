"""Private notes at rest: encrypted with the partner's passcode, re-keyed on change, gone from the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mendwell import security, vault
from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.errors import MendwellError
from mendwell.instruments import Catalog, load_instrument
from mendwell.together import shared_notes
from tests.support.data import make_couple_ids

MONTH = dt.date(2026, 3, 1)


def test_seal_and_open_round_trip_and_bind_context(store: Database) -> None:
    """A sealed note opens with its key and context only."""
    _, ann, _ = make_couple_ids(store, "Vault")
    key = vault.derive_key(store, ann, "a passcode")
    sealed = vault.seal(key, "Só para mim — <b>privado</b>", "note:1")
    assert vault.is_encrypted(sealed) and "privado" not in sealed
    assert vault.open_(key, sealed, "note:1") == "Só para mim — <b>privado</b>"
    with pytest.raises(MendwellError):
        vault.open_(key, sealed, "note:2")  # moved to another check-in: refused
    with pytest.raises(MendwellError):
        vault.open_(vault.derive_key(store, ann, "another"), sealed, "note:1")


def test_keys_differ_between_partners_with_the_same_passcode(store: Database) -> None:
    """Each partner has a salt of their own."""
    _, ann, bob = make_couple_ids(store, "Vault")
    assert vault.derive_key(store, ann, "same") != vault.derive_key(store, bob, "same")
    assert vault.derive_key(store, ann, "same") == vault.derive_key(store, ann, "same")


def test_set_change_remove_passcode_rekeys_private_notes_only(store: Database, catalog: Catalog, db_file: Path) -> None:
    """Private notes follow the passcode; shared notes and the other partner stay as they are."""
    couple_id, ann, bob = make_couple_ids(store, "Vault")
    ann_ck = store.checkins.open(ann, MONTH)
    bob_ck = store.checkins.open(bob, MONTH)
    store.checkins.save_note(ann_ck.checkin_id, "ANN-PRIVATE-MARKER", True)
    store.checkins.save_note(bob_ck.checkin_id, "BOB-SHARED-MARKER", False)
    ctx = f"note:{ann_ck.checkin_id}"

    k1 = vault.derive_key(store, ann, "first")
    assert vault.rekey(store, ann, None, k1) == 1
    security.set_passcode(store, security.partner_subject(ann), "first")
    store.engine.rewrite()
    stored = store.checkins.note(ann_ck.checkin_id)
    assert stored is not None and vault.is_encrypted(stored[0])
    assert vault.open_(k1, stored[0], ctx) == "ANN-PRIVATE-MARKER"
    assert store.checkins.note(bob_ck.checkin_id) == ("BOB-SHARED-MARKER", False)
    raw = db_file.read_bytes() + (
        Path(str(db_file) + ".wal").read_bytes() if Path(str(db_file) + ".wal").exists() else b""
    )
    assert b"ANN-PRIVATE-MARKER" not in raw  # gone from the file, not just from the table

    k2 = vault.derive_key(store, ann, "second")
    vault.rekey(store, ann, k1, k2)
    stored = store.checkins.note(ann_ck.checkin_id)
    assert stored is not None
    assert vault.open_(k2, stored[0], ctx) == "ANN-PRIVATE-MARKER"
    with pytest.raises(MendwellError):
        vault.open_(k1, stored[0], ctx)
    # text the old key cannot open (sealed before an owner's reset) stays sealed as it is: never lost
    vault.rekey(store, ann, k1, vault.derive_key(store, ann, "third"))
    assert store.checkins.note(ann_ck.checkin_id) == stored

    vault.rekey(store, ann, k2, None)  # passcode removed: plain text again
    assert store.checkins.note(ann_ck.checkin_id) == ("ANN-PRIVATE-MARKER", True)

    store.checkins.submit(ann_ck.checkin_id, catalog)
    store.checkins.submit(bob_ck.checkin_id, catalog)
    assert shared_notes(store, couple_id, MONTH)["body"].tolist() == ["BOB-SHARED-MARKER"]


def test_private_text_answers_are_rekeyed(store: Database, tmp_path: Path) -> None:
    """Answers to private text questions are encrypted like private notes."""
    path = tmp_path / "diary.toml"
    path.write_text(
        'id = "diary"\ntitle = "Diary"\nversion = 1\nsummary = "Just for me."\n\n'
        '[[items]]\nid = "diary"\nkind = "text"\ntext = "Anything on my mind?"\nprivate = true\n'
    )
    inst, problems = load_instrument(path)
    assert inst is not None, problems
    store.definitions.register([inst])
    _, ann, _ = make_couple_ids(store, "Vault")
    ck = store.checkins.open(ann, MONTH)
    store.checkins.save_answers(ck.checkin_id, inst, {"diary": Answer(text="DIARY-MARKER")})
    key = vault.derive_key(store, ann, "pass")
    assert vault.rekey(store, ann, None, key) == 1
    text = store.checkins.answers(ck.checkin_id)[inst.id]["diary"].text
    assert vault.is_encrypted(text)
    assert vault.open_(key, str(text), f"answer:{ck.checkin_id}:{inst.id}:diary") == "DIARY-MARKER"
