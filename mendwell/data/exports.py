"""Export tables as files (CSV, Parquet or JSON), one per table, from one snapshot.

Answers to the private safety check are never exported.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mendwell.data.archive import SAFETY_INSTRUMENTS
from mendwell.data.engine import Cursor, Engine
from mendwell.data.sqlfiles import query
from mendwell.text import FORMULA_START

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Opener:
    """Opens one partner's own sealed text for their export: `answer(text, seal_ref, instrument_id, item_id)`
    and `note(text, seal_ref)` return the text opened (or as stored when it cannot be)."""

    answer: Callable[[str, int, str, str], str]
    note: Callable[[str, int], str]


FORMATS = {"csv": "(FORMAT csv, HEADER true)", "parquet": "(FORMAT parquet)", "json": "(FORMAT json, ARRAY true)"}

# Who may see a private item: everyone ($all_private), or only the partner $private_of (NULL: nobody).
_MAY_SEE_PRIVATE = "($all_private OR c.partner_id = $private_of)"
# Which check-ins an export holds (c): everyone's with $all_private; else a partner's own (drafts too), and of
# the others' only what was submitted and, for a partner ($private_of), from months they submitted too (a
# month is revealed once both have: `mendwell.reveal`).
_REVEALED_TO = (
    "($private_of IS NULL OR EXISTS (SELECT 1 FROM checkins mine WHERE mine.partner_id = $private_of "
    "AND mine.couple_id = c.couple_id AND mine.period = c.period AND mine.status = 'submitted'))"
)
_MAY_SEE_CHECKIN = (
    f"($all_private OR c.partner_id IS NOT DISTINCT FROM $private_of OR (c.status = 'submitted' AND {_REVEALED_TO}))"
)
_MAY_SEE_SCORE = f"($all_private OR c.partner_id IS NOT DISTINCT FROM $private_of OR {_REVEALED_TO})"  # submitted only

# A partner's own sealed text, opened for their export by the functions `copy_tables` is given (registered as
# mw_open_answer / mw_open_note for the export's cursor): the sealing id is the check-in's `seal_ref`.
_OWN = "c.partner_id IS NOT DISTINCT FROM $private_of AND {col} LIKE 'enc:%'"
# {answer_fn} and {note_fn}: the functions' names, made for each export (DuckDB registers a Python function for
# the whole connection, which every cursor shares: two exports at once must not meet)
_TEXT_OPENED = {
    "{answer_text}": f"CASE WHEN {_OWN.format(col='r.text')} THEN {{answer_fn}}(r.text, "
    "coalesce(c.sealed_as, c.checkin_id), r.instrument_id, r.item_id) ELSE r.text END",
    "{note_body}": f"CASE WHEN {_OWN.format(col='n.body')} THEN {{note_fn}}(n.body, "
    "coalesce(c.sealed_as, c.checkin_id)) ELSE n.body END",
}
_TEXT_AS_STORED = {"{answer_text}": "r.text", "{note_body}": "n.body"}

_ANSWERS = (
    "SELECT c.couple_id, c.partner_id, c.period, r.instrument_id, r.instrument_version, r.item_id, "
    "r.value, {answer_text} AS text, r.checkin_id FROM responses r JOIN checkins c USING (checkin_id) "
    "JOIN instrument_items i ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version "
    "AND i.item_id = r.item_id "
    "WHERE c.status = '%(status)s' AND ($couple IS NULL OR c.couple_id = $couple) "
    f"AND r.instrument_id NOT IN ({SAFETY_INSTRUMENTS}) AND (NOT i.private OR {_MAY_SEE_PRIVATE}) "
    f"AND {_MAY_SEE_CHECKIN} "
    "ORDER BY c.couple_id, c.partner_id, c.period, r.instrument_id, r.item_id"
)

TABLES = {
    "couples": "SELECT couple_id, name, created_at FROM couples WHERE ($couple IS NULL OR couple_id = $couple) "
    "ORDER BY couple_id",
    "partners": "SELECT partner_id, couple_id, slot, name FROM partners "
    "WHERE ($couple IS NULL OR couple_id = $couple) ORDER BY partner_id",
    "checkins": "SELECT checkin_id, couple_id, partner_id, period, status, started_at, updated_at, submitted_at "
    f"FROM checkins c WHERE ($couple IS NULL OR couple_id = $couple) AND {_MAY_SEE_CHECKIN} ORDER BY checkin_id",
    # Answers of submitted check-ins (what scores are computed from) ...
    "responses": _ANSWERS % {"status": "submitted"},
    # ... and of drafts still in progress, kept apart so nothing is lost.
    "draft_responses": _ANSWERS % {"status": "draft"},
    "notes": "SELECT c.couple_id, c.partner_id, c.period, {note_body} AS body, n.is_private, n.updated_at, "
    "n.checkin_id "
    "FROM notes n JOIN checkins c USING (checkin_id) WHERE ($couple IS NULL OR c.couple_id = $couple) "
    f"AND (NOT n.is_private OR {_MAY_SEE_PRIVATE}) AND {_MAY_SEE_CHECKIN} ORDER BY n.checkin_id",
    "instrument_versions": "SELECT instrument_id, version, content_hash, title, definition, recorded_at "
    "FROM instrument_versions ORDER BY instrument_id, version",
}
_SCORES = (
    "SELECT couple_id, partner_id, period, instrument_id, subscale_id, score, band, band_tone, "
    "instrument_version, n_items FROM ({scores}) c "
    f"WHERE (NOT c.private OR {_MAY_SEE_PRIVATE}) AND {_MAY_SEE_SCORE}"
)


def copy_tables(
    engine: Engine,
    outdir: Path,
    fmt: str,
    couple_id: int | None = None,
    *,
    all_private: bool = True,
    private_of: int | None = None,
    opener: Opener | None = None,
) -> dict[str, Path]:
    """Write each table (and the scores) to OUTDIR/<table>.<fmt> from one snapshot; returns {table: path}.

    Private answers, notes and scores are kept when `all_private`, else only those of partner `private_of`
    (None: none at all). With an `opener`, partner `private_of`'s own sealed text is written opened.
    """
    written: dict[str, Path] = {}
    text = dict(_TEXT_AS_STORED)
    functions: list[str] = []
    with engine.cursor() as cur:
        if opener is not None and private_of is not None:
            unique = uuid.uuid4().hex
            answer_fn, note_fn = f"mw_open_answer_{unique}", f"mw_open_note_{unique}"
            cur.create_function(answer_fn, opener.answer, ["VARCHAR", "BIGINT", "VARCHAR", "VARCHAR"], "VARCHAR")
            functions.append(answer_fn)
            cur.create_function(note_fn, opener.note, ["VARCHAR", "BIGINT"], "VARCHAR")
            functions.append(note_fn)
            text = {k: v.format(answer_fn=answer_fn, note_fn=note_fn) for k, v in _TEXT_OPENED.items()}
        cur.execute("BEGIN TRANSACTION")
        try:
            for table, template in TABLES.items():
                sql = template
                for placeholder, column in text.items():
                    sql = sql.replace(placeholder, column)
                params: dict[str, object] = {}
                if "$couple" in sql:
                    params["couple"] = couple_id
                if "$all_private" in sql:
                    params.update(all_private=all_private, private_of=private_of)
                written[table] = _copy(cur, sql, params, outdir / f"{table}.{fmt}", fmt)
            scores = _SCORES.format(scores=query("scores"))
            params = {"scores_couple": couple_id, "scores_couples": None, "scores_partner": None}
            params.update(all_private=all_private, private_of=private_of)
            written["scores"] = _copy(cur, scores, params, outdir / f"scores.{fmt}", fmt)
        finally:
            cur.execute("ROLLBACK")
            for name in functions:  # gone with the export: nothing of a partner's key outlives it
                cur.remove_function(name)
    return written


def _copy(cur: Cursor, sql: str, params: dict[str, object], path: Path, fmt: str) -> Path:
    """Write what `sql` selects to `path` in `fmt`; in CSV, a text a spreadsheet would run as a formula begins
    with an apostrophe (`text.as_cell`). Parquet and JSON, read by programs, carry every text as it is."""
    if fmt == "csv":
        columns = cur.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description or []
        texts = [f'"{name}"' for name, kind, *_ in columns if str(kind) == "VARCHAR"]
        if texts:
            as_text = "CASE WHEN regexp_matches({c}, $formula) THEN chr(39) || {c} ELSE {c} END AS {c}"
            sql = f"SELECT * REPLACE ({', '.join(as_text.format(c=c) for c in texts)}) FROM ({sql})"
            params = {**params, "formula": FORMULA_START}
    cur.execute(f"COPY ({sql}) TO $out {FORMATS[fmt]}", {**params, "out": str(path)})
    return path


def write_frame(engine: Engine, frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write a table computed outside SQL (e.g. the `changes` verdicts) to PATH in the same formats."""
    with engine.cursor() as cur:
        cur.register("export_frame", frame)
        try:
            return _copy(cur, "SELECT * FROM export_frame", {}, path, fmt)
        finally:
            cur.unregister("export_frame")
