"""Export the database as one file per table (CSV, Parquet or JSON).

Answers to the private safety check are never exported (see mendwell/safety.py).
"""

from __future__ import annotations

from pathlib import Path

from mendwell.safety import NOT_SAFETY
from mendwell.scoring import scores_sql
from mendwell.store import Store, StoreError

FORMATS = {"csv": "(FORMAT csv, HEADER true)", "parquet": "(FORMAT parquet)", "json": "(FORMAT json, ARRAY true)"}

_TABLES = {
    "couples": "SELECT couple_id, name, created_at FROM couples {couple} ORDER BY couple_id",
    "partners": "SELECT partner_id, couple_id, slot, name FROM partners {couple} ORDER BY partner_id",
    "checkins": (
        "SELECT checkin_id, couple_id, partner_id, period, status, started_at, updated_at, submitted_at "
        "FROM checkins {couple} ORDER BY checkin_id"
    ),
    # Answers of submitted check-ins (what scores are computed from) ...
    "responses": (
        "SELECT c.couple_id, c.partner_id, c.period, r.instrument_id, r.instrument_version, r.item_id, "
        "r.value, r.text, r.checkin_id FROM responses r JOIN checkins c USING (checkin_id) "
        "WHERE c.status = 'submitted' {and_couple_c} AND {not_safety} "
        "ORDER BY c.couple_id, c.partner_id, c.period, r.instrument_id, r.item_id"
    ),
    # ... and of drafts still in progress, kept apart so nothing is lost.
    "draft_responses": (
        "SELECT c.couple_id, c.partner_id, c.period, r.instrument_id, r.instrument_version, r.item_id, "
        "r.value, r.text, r.checkin_id FROM responses r JOIN checkins c USING (checkin_id) "
        "WHERE c.status = 'draft' {and_couple_c} AND {not_safety} "
        "ORDER BY c.couple_id, c.partner_id, c.period, r.instrument_id, r.item_id"
    ),
    "notes": (
        "SELECT c.couple_id, c.partner_id, c.period, n.body, n.is_private, n.updated_at, n.checkin_id "
        "FROM notes n JOIN checkins c USING (checkin_id) {couple_c} ORDER BY n.checkin_id"
    ),
    "instrument_versions": (
        "SELECT instrument_id, version, content_hash, title, definition, recorded_at FROM instrument_versions "
        "ORDER BY instrument_id, version"
    ),
}


def export(store: Store, outdir: Path, fmt: str = "csv", couple_id: int | None = None) -> dict[str, Path]:
    """Write each table to OUTDIR/<table>.<fmt>; returns {table: path}."""
    if fmt not in FORMATS:
        raise StoreError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    if couple_id is not None and store.couple(couple_id) is None:
        raise StoreError(f"There is no couple with id {couple_id}.")
    outdir.mkdir(parents=True, exist_ok=True)
    couple = "" if couple_id is None else f"WHERE couple_id = {int(couple_id)}"
    couple_c = "" if couple_id is None else f"WHERE c.couple_id = {int(couple_id)}"
    and_couple_c = "" if couple_id is None else f"AND c.couple_id = {int(couple_id)}"
    written: dict[str, Path] = {}
    with store.cursor() as cur:
        for table, sql in _TABLES.items():
            query = sql.format(couple=couple, couple_c=couple_c, and_couple_c=and_couple_c, not_safety=NOT_SAFETY)
            written[table] = _copy(cur, query, [], outdir / f"{table}.{fmt}", fmt)
        score_query, params = scores_sql(couple_id)
        wrapped = (
            "SELECT couple_id, partner_id, period, instrument_id, subscale_id, score, band, band_tone, "
            f"instrument_version, n_items FROM ({score_query})"
        )
        written["scores"] = _copy(cur, wrapped, params, outdir / f"scores.{fmt}", fmt)
    return written


def _copy(cur, query: str, params: list[object], path: Path, fmt: str) -> Path:  # type: ignore[no-untyped-def]
    # COPY cannot take bound parameters inside its query, so params are inlined
    # as integers only (couple ids); no text ever reaches this string.
    for p in params:
        query = query.replace("?", str(int(p)), 1)  # type: ignore[call-overload]
    target = str(path).replace("'", "''")
    cur.execute(f"COPY ({query}) TO '{target}' {FORMATS[fmt]}")
    return path
