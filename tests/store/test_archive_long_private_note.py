"""A long sealed private note survives an archive round trip (export, erase, import), and the
note limit holds the same way for `save_note` and for the importer.

A sealed note is longer than what was written (prefix + base64 of nonce, UTF-8 and tag), and
non-ASCII text takes up to 4 bytes a character: these tests put that arithmetic under strain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mendwell import periods, recording, vault
from mendwell.archive import export_archive, import_archive
from mendwell.data import Database
from mendwell.data.settings import vault_salt_key
from mendwell.errors import InvalidInput
from mendwell.instruments import Catalog
from mendwell.limits import NOTE_MAX, SEALED_PREFIX, sealed_length

PASSCODE = "code1234"
THIS_MONTH: dt.date = periods.month_start()
# 3,000 characters (5,400 bytes in UTF-8): ASCII, 2-byte "é", 3-byte variation selectors and 4-byte emoji.
LONG_NOTE = ("Café été 🌧️ déjà 💔🙂 " * 200)[:2999] + "."  # no edge whitespace: notes are stored trimmed
EMOJI_NOTE = "😀" * NOTE_MAX  # exactly the limit, every character 4 bytes in UTF-8


def _database(path: Path, catalog: Catalog) -> Database:
    db = Database(path)
    db.definitions.register(catalog.instruments)
    return db


def _couple_with_passcode(db: Database) -> tuple[int, int, bytes]:
    """A couple whose first partner has a passcode: (couple_id, partner_id, their sealing key)."""
    couple_id = db.couples.create("Ann & Bob", ["Ann", "Bob"])
    couple = db.couples.get(couple_id)
    assert couple is not None
    partner_id = couple.partners[0].partner_id
    vault.change_partner_passcode(db, partner_id, None, PASSCODE)
    return couple_id, partner_id, vault.derive_key(db, partner_id, PASSCODE)


def _after_import(db: Database) -> tuple[int, int]:
    """(partner id, check-in id) of Ann's check-in this month, as the import made them (ids are this database's)."""
    couple = next(c for c in db.couples.all() if c.name == "Ann & Bob")
    ann = couple.partners[0].partner_id
    found = db.checkins.get(ann, THIS_MONTH)
    assert found is not None
    return ann, found.checkin_id


def _export_erase_import(db: Database, couple_id: int, archive: Path) -> dict[str, int]:
    export_archive(db, archive, couple_id)
    db.couples.erase(couple_id)
    assert db.couples.get(couple_id) is None
    return import_archive(db, archive)


@pytest.fixture
def db(db_file: Path, catalog: Catalog) -> Iterator[Database]:
    database = _database(db_file, catalog)
    yield database
    database.close()


def test_long_sealed_note_round_trips_through_archive(db: Database, catalog: Catalog, tmp_path: Path) -> None:
    assert len(LONG_NOTE) == 3000 and len(LONG_NOTE.encode("utf-8")) == 5400  # 1.8 bytes a character
    couple_id, partner_id, key = _couple_with_passcode(db)
    checkin = db.checkins.open(partner_id, THIS_MONTH)
    recording.save_note(db, checkin.checkin_id, LONG_NOTE, True, key)
    assert db.checkins.submit(checkin.checkin_id, catalog)
    stored = db.checkins.note(checkin.checkin_id)
    assert stored is not None
    sealed, private = stored
    assert private and sealed.startswith(SEALED_PREFIX) and LONG_NOTE not in sealed
    assert len(sealed) > len(LONG_NOTE)  # longer than written: the importer must allow for it

    added = _export_erase_import(db, couple_id, tmp_path / "couple.zip")

    assert added["couples"] == 1 and added["partners"] == 2 and added["checkins"] == 1 and added["notes"] == 1
    ann, new_id = _after_import(db)
    back = db.checkins.note(new_id)
    assert back is not None
    assert back[0] == sealed  # byte for byte
    assert back[0].encode("utf-8") == sealed.encode("utf-8")
    assert back[1] is True
    again = db.checkins.by_id(new_id)
    assert again is not None and again.submitted and again.partner_id == ann
    # the key derived before the erase still opens it: the check-in keeps the id its note was sealed as
    assert db.checkins.seal_ref(new_id) == checkin.checkin_id
    assert vault.open_(key, back[0], f"note:{db.checkins.seal_ref(new_id)}") == LONG_NOTE


def test_same_passcode_opens_the_note_after_reimport(db: Database, catalog: Catalog, tmp_path: Path) -> None:
    couple_id, partner_id, key = _couple_with_passcode(db)
    checkin = db.checkins.open(partner_id, THIS_MONTH)
    recording.save_note(db, checkin.checkin_id, LONG_NOTE, True, key)
    assert db.checkins.submit(checkin.checkin_id, catalog)
    salt = db.settings.get(vault_salt_key(partner_id))
    assert salt is not None

    _export_erase_import(db, couple_id, tmp_path / "couple.zip")

    ann, new_id = _after_import(db)
    assert db.settings.get(vault_salt_key(ann)) == salt, "the vault salt did not travel with the archive"
    rederived = vault.derive_key(db, ann, PASSCODE)
    back = recording.readable_note(db, new_id, rederived)
    assert back == (LONG_NOTE, True)
    # and Ann can change her passcode afterwards: her notes are re-sealed, none is lost
    vault.change_partner_passcode(db, ann, PASSCODE, "a-new-passcode")
    assert recording.readable_note(db, new_id, vault.derive_key(db, ann, "a-new-passcode")) == (LONG_NOTE, True)


def test_sealed_note_of_note_max_emoji_is_accepted_by_save_and_import(
    db: Database, catalog: Catalog, tmp_path: Path
) -> None:
    assert len(EMOJI_NOTE) == NOTE_MAX and len(EMOJI_NOTE.encode("utf-8")) == 4 * NOTE_MAX
    couple_id, partner_id, key = _couple_with_passcode(db)
    checkin = db.checkins.open(partner_id, THIS_MONTH)
    context = f"note:{checkin.checkin_id}"
    sealed = vault.seal(key, EMOJI_NOTE, context)
    assert len(sealed) == sealed_length(NOTE_MAX)  # the longest a sealed note can be

    db.checkins.save_note(checkin.checkin_id, sealed, True)
    assert db.checkins.note(checkin.checkin_id) == (sealed, True)
    assert db.checkins.submit(checkin.checkin_id, catalog)

    # into the same database after an erase …
    added = _export_erase_import(db, couple_id, tmp_path / "couple.zip")
    assert added["notes"] == 1
    assert db.checkins.note(_after_import(db)[1]) == (sealed, True)
    assert vault.open_(key, sealed, context) == EMOJI_NOTE

    # … and into a database of its own
    other = _database(tmp_path / "other.duckdb", catalog)
    try:
        assert import_archive(other, tmp_path / "couple.zip")["notes"] == 1
        assert other.checkins.note(_after_import(other)[1]) == (sealed, True)
    finally:
        other.close()


def test_note_over_the_limit_is_refused(db: Database) -> None:
    couple_id = db.couples.create("Ann & Bob", ["Ann", "Bob"])
    couple = db.couples.get(couple_id)
    assert couple is not None
    checkin = db.checkins.open(couple.partners[0].partner_id, THIS_MONTH)

    db.checkins.save_note(checkin.checkin_id, "a" * NOTE_MAX, False)  # exactly the limit is fine
    for private in (False, True):
        with pytest.raises(InvalidInput):
            db.checkins.save_note(checkin.checkin_id, "a" * (NOTE_MAX + 1), private)
    assert db.checkins.note(checkin.checkin_id) == ("a" * NOTE_MAX, False)  # the refused note changed nothing
