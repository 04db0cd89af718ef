"""Writing a check-in: one answer at a time (sealed when private), and finishing it with its note.

These are the multi-step writes behind the check-in page, kept here so the
page only draws and the rules hold wherever a check-in is written.
"""

from __future__ import annotations

from mendwell import vault
from mendwell.checkin import Answer, make_answer
from mendwell.data import Database
from mendwell.data.checkins import answer_context, clean_note, note_context
from mendwell.instruments import Catalog, Instrument, Item


def record_answer(db: Database, checkin_id: int, inst: Instrument, item: Item, raw: object, key: bytes | None) -> None:
    """Check a widget's value and save it at once (None or blank clears it).

    A private free-text answer is sealed with the partner's key when they have one.
    Raises AnswerError for a value that does not fit, AlreadySubmitted once submitted.
    """
    answer = make_answer(inst, item, raw)
    if answer is not None and answer.text and item.private and item.kind == "text":
        ref = db.checkins.seal_ref(checkin_id)
        answer = Answer(text=vault.seal_if_key(key, answer.text, answer_context(ref, inst.id, item.id)))
    db.checkins.save_answers(checkin_id, inst, {item.id: answer})


def save_note(db: Database, checkin_id: int, text: str, private: bool, key: bytes | None) -> None:
    """Save the check-in's note; a private one is sealed with the partner's key when they have one."""
    db.checkins.save_note(checkin_id, _sealed_note(db.checkins.seal_ref(checkin_id), text, private, key), private)


def finish(db: Database, checkin_id: int, note: str, private: bool, key: bytes | None, catalog: Catalog) -> bool:
    """Save the note and submit, in one transaction; False when it was already submitted."""
    return db.checkins.finish(
        checkin_id, _sealed_note(db.checkins.seal_ref(checkin_id), note, private, key), private, catalog
    )


def readable_answers(db: Database, checkin_id: int, key: bytes | None) -> dict[str, dict[str, Answer]]:
    """A check-in's answers with its partner's sealed private text opened, for their own eyes only."""
    out: dict[str, dict[str, Answer]] = {}
    ref = db.checkins.seal_ref(checkin_id)
    for inst_id, items in db.checkins.answers(checkin_id).items():
        out[inst_id] = {
            item_id: Answer(a.value, vault.readable(key, a.text, answer_context(ref, inst_id, item_id)))
            if vault.is_encrypted(a.text)
            else a
            for item_id, a in items.items()
        }
    return out


def readable_note(db: Database, checkin_id: int, key: bytes | None) -> tuple[str, bool] | None:
    """The check-in's note as (text, is_private) for its own partner, opened with their key."""
    stored = db.checkins.note(checkin_id)
    if stored is None:
        return None
    return vault.readable(key, stored[0], note_context(db.checkins.seal_ref(checkin_id))), stored[1]


def _sealed_note(sealed_as: int, text: str, private: bool, key: bytes | None) -> str:
    text = text.replace("\x00", "").strip()
    if private and text:
        clean_note(text)  # the limit applies to what was written, before sealing lengthens it
        return vault.seal_if_key(key, text, note_context(sealed_as))
    return text
