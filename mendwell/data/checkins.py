"""Check-ins, their answers and notes: open a draft, save as the partner goes, submit once.

One check-in per partner per month. Every change to a draft first touches
the check-in row, so two writers to the same check-in conflict and retry
rather than interleave, and nothing changes once it is submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mendwell.checkin import Answer, hidden_answered
from mendwell.data.definitions import Definitions
from mendwell.data.engine import Cursor, Engine
from mendwell.errors import AlreadySubmitted, InvalidInput, NotFound
from mendwell.instruments import Catalog, Instrument
from mendwell.limits import NOTE_MAX, stored_text_max
from mendwell.model import Checkin
from mendwell.periods import month_start

if TYPE_CHECKING:
    import pandas as pd

_COLS = "checkin_id, couple_id, partner_id, period, status, started_at, updated_at, submitted_at"
STATUS_WORDS = {None: "not started", "draft": "in progress", "submitted": "submitted"}


def _checkin(row: tuple[Any, ...] | None) -> Checkin | None:
    return Checkin(*row) if row else None  # columns in dataclass order


@dataclass(frozen=True)
class PrivateText:
    """A partner's private text as stored: a note or a private free-text answer, and its sealing context."""

    checkin_id: int
    instrument_id: str | None  # None for a note
    item_id: str | None
    text: str
    sealed_as: int  # the check-in id the text is bound to (its own, unless it came from an archive)

    @property
    def context(self) -> str:
        """What the sealed text is bound to (a note or one answer of one check-in)."""
        if self.instrument_id is None:
            return note_context(self.sealed_as)
        return answer_context(self.sealed_as, self.instrument_id, str(self.item_id))


def note_context(checkin_id: int) -> str:
    """The sealing context of a check-in's note (`checkin_id`: the id it is sealed as, see `seal_ref`)."""
    return f"note:{checkin_id}"


def answer_context(checkin_id: int, instrument_id: str, item_id: str) -> str:
    """The sealing context of one private text answer."""
    return f"answer:{checkin_id}:{instrument_id}:{item_id}"


def clean_note(body: str) -> str:
    """A note as it is stored: trimmed, no NUL; refused when longer than the limit."""
    body = body.replace("\x00", "").strip()
    if len(body) > stored_text_max(NOTE_MAX, body):
        raise InvalidInput(f"The note is {len(body)} characters long; the limit is {NOTE_MAX}.")
    return body


class Checkins:
    """Check-ins, answers and notes."""

    def __init__(self, engine: Engine, definitions: Definitions) -> None:
        self._engine = engine
        self._definitions = definitions

    # -- reading ----------------------------------------------------------------------------
    def get(self, partner_id: int, period: dt.date) -> Checkin | None:
        """A partner's check-in for a month, or None."""
        return _checkin(
            self._engine.one(
                f"SELECT {_COLS} FROM checkins WHERE partner_id = ? AND period = ?", [partner_id, month_start(period)]
            )
        )

    def by_id(self, checkin_id: int) -> Checkin | None:
        """A check-in by id, or None."""
        return _checkin(self._engine.one(f"SELECT {_COLS} FROM checkins WHERE checkin_id = ?", [checkin_id]))

    def last_submitted(self, partner_id: int) -> Checkin | None:
        """The partner's most recent submitted check-in."""
        return _checkin(
            self._engine.one(
                f"SELECT {_COLS} FROM checkins WHERE partner_id = ? AND status = 'submitted' "
                "ORDER BY period DESC LIMIT 1",
                [partner_id],
            )
        )

    def seal_ref(self, checkin_id: int) -> int:
        """The check-in id its private text is sealed as: its own, or its id in the database it came from."""
        row = self._engine.one(
            "SELECT coalesce(sealed_as, checkin_id) FROM checkins WHERE checkin_id = ?", [checkin_id]
        )
        return int(row[0]) if row else checkin_id

    def answers(self, checkin_id: int) -> dict[str, dict[str, Answer]]:
        """A check-in's answers as {instrument_id: {item_id: Answer}}."""
        rows = self._engine.rows(
            "SELECT instrument_id, item_id, value, text FROM responses WHERE checkin_id = ?", [checkin_id]
        )
        out: dict[str, dict[str, Answer]] = {}
        for inst_id, item_id, value, text in rows:
            out.setdefault(str(inst_id), {})[str(item_id)] = Answer(value, text)
        return out

    def note(self, checkin_id: int) -> tuple[str, bool] | None:
        """The check-in's note as (text, is_private), or None."""
        row = self._engine.one("SELECT body, is_private FROM notes WHERE checkin_id = ?", [checkin_id])
        return (str(row[0]), bool(row[1])) if row else None

    def month_status(self, couple_id: int, period: dt.date) -> dict[int, str]:
        """{partner_id: 'not started' | 'in progress' | 'submitted'} for one month."""
        return self.month_statuses([couple_id], period).get(couple_id, {})

    def month_statuses(self, couple_ids: Sequence[int], period: dt.date) -> dict[int, dict[int, str]]:
        """`month_status` of several couples in one query: {couple_id: {partner_id: status}}."""
        rows = self._engine.rows(
            "SELECT p.couple_id, p.partner_id, c.status FROM partners p LEFT JOIN checkins c "
            "ON c.partner_id = p.partner_id AND c.period = ? WHERE list_contains(?, p.couple_id) "
            "ORDER BY p.couple_id, p.slot",
            [month_start(period), [int(c) for c in couple_ids]],
        )
        out: dict[int, dict[int, str]] = {}
        for cid, pid, status in rows:
            out.setdefault(int(cid), {})[int(pid)] = STATUS_WORDS[status if status is None else str(status)]
        return out

    def listing(self, couple_id: int, partner_id: int | None = None) -> pd.DataFrame:
        """A couple's check-ins (newest first), with answered-item counts."""
        return self._engine.read(
            "SELECT c.checkin_id, c.partner_id, p.name AS partner, c.period, c.status, c.started_at, "
            "c.submitted_at, (SELECT count(*) FROM responses r WHERE r.checkin_id = c.checkin_id) AS answers "
            "FROM checkins c JOIN partners p USING (partner_id) WHERE c.couple_id = $couple "
            "AND ($partner IS NULL OR c.partner_id = $partner) ORDER BY c.period DESC, p.slot",
            {"couple": couple_id, "partner": partner_id},
        )

    def first_month(self, couple_id: int) -> dt.date | None:
        """The month of the couple's first check-in, of either partner and in any state (None before any)."""
        found = self._engine.one("SELECT min(period) FROM checkins WHERE couple_id = $c", {"c": couple_id})
        return found[0] if found else None

    # -- writing ----------------------------------------------------------------------------
    def open(self, partner_id: int, period: dt.date) -> Checkin:
        """The partner's check-in for the month, starting a draft when there is none."""
        period = month_start(period)
        existing = self.get(partner_id, period)
        if existing is not None:
            return existing

        def write(cur: Cursor) -> None:
            row = cur.execute("SELECT couple_id FROM partners WHERE partner_id = ?", [partner_id]).fetchone()
            if row is None:
                raise NotFound("That partner no longer exists.")
            cur.execute(
                "INSERT INTO checkins (couple_id, partner_id, period, status, started_at, updated_at) "
                "VALUES (?, ?, ?, 'draft', current_timestamp, current_timestamp) ON CONFLICT DO NOTHING",
                [row[0], partner_id, period],
            )

        self._engine.transaction(write)
        found = self.get(partner_id, period)
        assert found is not None
        self._engine.bump(found.couple_id)
        return found

    def save_answers(self, checkin_id: int, inst: Instrument, answers: Mapping[str, Answer | None]) -> None:
        """Save (or clear, with None) answers of one instrument in a draft, in one transaction."""
        for item_id in answers:
            inst.item(item_id)  # KeyError for an unknown item: a programming error

        def write(cur: Cursor) -> int:
            couple_id = _lock_draft(cur, checkin_id)
            cur.execute(
                "DELETE FROM responses WHERE checkin_id = ? AND instrument_id = ? AND list_contains(?, item_id)",
                [checkin_id, inst.id, list(answers)],
            )
            rows = [
                (checkin_id, inst.id, inst.version, item_id, a.value, a.text)
                for item_id, a in answers.items()
                if a is not None
            ]
            if rows:
                cur.executemany("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?)", rows)
            return couple_id

        self._engine.bump(self._engine.transaction(write))

    def save_note(self, checkin_id: int, body: str, private: bool) -> None:
        """Save the check-in's free-text note (empty text removes it)."""
        body = clean_note(body)
        self._engine.bump(self._engine.transaction(lambda cur: _write_note(cur, checkin_id, body, private)))

    def submit(self, checkin_id: int, catalog: Catalog) -> bool:
        """Submit a draft in one transaction; False when it was already submitted.

        Answers that `show_if` now hides (e.g. a follow-up whose trigger was
        changed back to 'never') are dropped rather than scored.
        """
        couple_id = self._engine.transaction(lambda cur: self._submit(cur, checkin_id, catalog))
        if couple_id is None:
            return False
        self._engine.bump(couple_id)
        return True

    def finish(self, checkin_id: int, note: str | None, private: bool, catalog: Catalog) -> bool:
        """Save the note (when given) and submit, in one transaction; False when already submitted."""
        body = clean_note(note) if note is not None else None

        def work(cur: Cursor) -> int | None:
            row = cur.execute("SELECT status FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone()
            if row is None:
                raise NotFound("That check-in no longer exists.")
            if row[0] == "submitted":
                return None
            if body is not None:
                _write_note(cur, checkin_id, body, private)
            return self._submit(cur, checkin_id, catalog)

        couple_id = self._engine.transaction(work)
        if couple_id is None:
            return False
        self._engine.bump(couple_id)
        return True

    def _submit(self, cur: Cursor, checkin_id: int, catalog: Catalog) -> int | None:
        row = cur.execute(
            "UPDATE checkins SET status = 'submitted', submitted_at = current_timestamp, "
            "updated_at = current_timestamp WHERE checkin_id = ? AND status = 'draft' RETURNING couple_id",
            [checkin_id],
        ).fetchone()
        if row is None:
            if cur.execute("SELECT 1 FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone() is None:
                raise NotFound("That check-in no longer exists.")
            return None
        stored = cur.execute(
            "SELECT instrument_id, instrument_version, item_id, value, text FROM responses WHERE checkin_id = ?",
            [checkin_id],
        ).fetchall()
        by_inst: dict[tuple[str, int], dict[str, Answer]] = {}
        for inst_id, version, item_id, value, text in stored:
            by_inst.setdefault((inst_id, version), {})[item_id] = Answer(value, text)
        for (inst_id, version), answers in by_inst.items():
            inst = catalog.get(inst_id)
            if inst is None or inst.version != version:
                inst = self._definitions.snapshot(inst_id, version)
            if inst is None:
                continue
            drop = hidden_answered(inst, answers)
            if drop:
                cur.execute(
                    "DELETE FROM responses WHERE checkin_id = ? AND instrument_id = ? AND list_contains(?, item_id)",
                    [checkin_id, inst_id, drop],
                )
        return int(row[0])

    # -- a partner's private text (for re-sealing when their passcode changes) -------------------
    def private_texts(self, partner_id: int) -> list[PrivateText]:
        """Every private note and private free-text answer of a partner, as stored."""
        with self._engine.cursor() as cur:
            return _private_texts(cur, partner_id)

    def rewrite_private_texts(self, partner_id: int, convert: Callable[[PrivateText], str]) -> int:
        """Replace each of a partner's private texts by `convert(text)`, all in one transaction.

        Returns how many were rewritten; when `convert` raises, nothing changes.
        """

        def work(cur: Cursor) -> int:
            found = _private_texts(cur, partner_id)
            for t in found:
                if t.instrument_id is None:
                    cur.execute("UPDATE notes SET body = ? WHERE checkin_id = ?", [convert(t), t.checkin_id])
                else:
                    cur.execute(
                        "UPDATE responses SET text = ? WHERE checkin_id = ? AND instrument_id = ? AND item_id = ?",
                        [convert(t), t.checkin_id, t.instrument_id, t.item_id],
                    )
            return len(found)

        return self._engine.transaction(work)


def _private_texts(cur: Cursor, partner_id: int) -> list[PrivateText]:
    notes = cur.execute(
        "SELECT n.checkin_id, n.body, coalesce(c.sealed_as, c.checkin_id) FROM notes n "
        "JOIN checkins c USING (checkin_id) WHERE c.partner_id = ? AND n.is_private",
        [partner_id],
    ).fetchall()
    texts = cur.execute(
        "SELECT r.checkin_id, r.instrument_id, r.item_id, r.text, coalesce(c.sealed_as, c.checkin_id) FROM responses r "
        "JOIN checkins c USING (checkin_id) JOIN instrument_items i ON i.instrument_id = r.instrument_id "
        "AND i.version = r.instrument_version AND i.item_id = r.item_id "
        "WHERE c.partner_id = ? AND i.private AND i.kind = 'text' AND r.text IS NOT NULL",
        [partner_id],
    ).fetchall()
    return [PrivateText(int(c), None, None, str(b), int(ref)) for c, b, ref in notes] + [
        PrivateText(int(c), str(i), str(it), str(t), int(ref)) for c, i, it, t, ref in texts
    ]


def _lock_draft(cur: Cursor, checkin_id: int) -> int:
    """Touch the check-in row so concurrent writers to it conflict and retry.

    Returns the couple id; refuses when the check-in is already submitted.
    """
    row = cur.execute(
        "UPDATE checkins SET updated_at = current_timestamp WHERE checkin_id = ? AND status = 'draft' "
        "RETURNING couple_id",
        [checkin_id],
    ).fetchone()
    if row is None:
        found = cur.execute("SELECT status FROM checkins WHERE checkin_id = ?", [checkin_id]).fetchone()
        if found is None:
            raise NotFound("That check-in no longer exists.")
        raise AlreadySubmitted("This check-in was already submitted, so it can no longer change.")
    return int(row[0])


def _write_note(cur: Cursor, checkin_id: int, body: str, private: bool) -> int:
    couple_id = _lock_draft(cur, checkin_id)
    cur.execute("DELETE FROM notes WHERE checkin_id = ?", [checkin_id])
    if body:
        cur.execute("INSERT INTO notes VALUES (?, ?, ?, current_timestamp)", [checkin_id, body, bool(private)])
    return couple_id
