"""Instrument definitions: each version recorded once, as a JSON snapshot and as rows that SQL can join.

Editing a questionnaire file never rewrites history: answers keep the
version they were given under, and scoring joins that version's rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from mendwell.data.engine import Cursor, Engine
from mendwell.instruments import Instrument


class Definitions:
    """Recorded instrument versions."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def register(self, instruments: Iterable[Instrument]) -> None:
        """Record each instrument version once (history is never rewritten)."""
        instruments = list(instruments)
        if not instruments:
            return
        known = {(r[0], r[1]) for r in self._engine.rows("SELECT instrument_id, version FROM instrument_versions")}
        fresh = [i for i in instruments if (i.id, i.version) not in known]
        if not fresh:
            return

        def write(cur: Cursor) -> None:
            for inst in fresh:
                cur.execute(
                    "INSERT INTO instrument_versions (instrument_id, version, content_hash, title, definition, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, current_timestamp) ON CONFLICT DO NOTHING",
                    [inst.id, inst.version, inst.content_hash(), inst.title, inst.model_dump_json()],
                )
                write_rows(cur, inst)

        self._engine.transaction(write)

    def changed_without_version_bump(self, instruments: Iterable[Instrument]) -> list[Instrument]:
        """Instruments whose file changed since their version was first recorded.

        Answers stay scored with the recorded definition; the fix is to bump `version`.
        """
        recorded = {
            (str(r[0]), int(r[1])): r[2]
            for r in self._engine.rows("SELECT instrument_id, version, content_hash FROM instrument_versions")
        }
        return [i for i in instruments if recorded.get((i.id, i.version), i.content_hash()) != i.content_hash()]

    def snapshot(self, instrument_id: str, version: int) -> Instrument | None:
        """The instrument exactly as it was when answers were given under `version`."""
        row = self._engine.one(
            "SELECT definition FROM instrument_versions WHERE instrument_id = ? AND version = ?",
            [instrument_id, version],
        )
        return Instrument.model_validate_json(str(row[0])) if row else None

    def backfill(self, rebuild: bool = False) -> None:
        """Write the definition rows from the JSON snapshots (after a migration added columns)."""
        if rebuild:
            rows = self._engine.rows("SELECT definition FROM instrument_versions")
        else:
            rows = self._engine.rows(
                "SELECT v.definition FROM instrument_versions v WHERE NOT EXISTS (SELECT 1 FROM "
                "instrument_subscales s WHERE s.instrument_id = v.instrument_id AND s.version = v.version) "
                "AND NOT EXISTS (SELECT 1 FROM instrument_items i WHERE i.instrument_id = v.instrument_id "
                "AND i.version = v.version)"
            )
        if not rows:
            return
        insts = [Instrument.model_validate_json(str(r[0])) for r in rows]

        def write(cur: Cursor) -> None:
            for inst in insts:
                write_rows(cur, inst)

        self._engine.transaction(write)


_DEFINITION_TABLES = ("instrument_items", "instrument_subscales", "instrument_bands", "instrument_options")


def write_rows(cur: Cursor, inst: Instrument) -> None:
    """Write one instrument version's structure into the definition tables (inside the caller's transaction)."""
    key = [inst.id, inst.version]
    for table in _DEFINITION_TABLES:
        cur.execute(f"DELETE FROM {table} WHERE instrument_id = ? AND version = ?", key)
    items = []
    options = []
    for pos, it in enumerate(inst.items):
        lo, hi = inst.scale(it)
        show_if = it.show_if.item if it.show_if else None
        themes = list(it.themes)
        items.append(
            (*key, it.id, pos, it.kind, it.subscale, it.reverse, lo, hi, it.private, themes, it.mirror, show_if)
        )
        for o in it.options or ():
            options.append((*key, it.id, o.value, o.label, o.theme))
    cur.executemany(
        "INSERT INTO instrument_items (instrument_id, version, item_id, position, kind, subscale_id, reverse, "
        "scale_min, scale_max, private, themes, mirror, show_if_item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        items,
    )
    if options:
        cur.executemany("INSERT INTO instrument_options VALUES (?, ?, ?, ?, ?, ?)", options)
    subs, bands = [], []
    for pos, sc in enumerate(inst.subscales):
        n = sc.norms
        norms = (n.clinical_mean, n.clinical_sd, n.community_mean, n.community_sd, n.source) if n else (None,) * 5
        subs.append(
            (*key, sc.id, pos, sc.title, sc.higher_is, sc.scoring, sc.reliability, inst.is_private_subscale(sc.id),
             *norms)
        )  # fmt: skip
        for bpos, b in enumerate(sc.bands):
            bands.append((*key, sc.id, bpos, b.below, b.label, b.tone))
    if subs:
        cur.executemany(
            "INSERT INTO instrument_subscales (instrument_id, version, subscale_id, position, title, higher_is, "
            "scoring, reliability, private, clinical_mean, clinical_sd, community_mean, community_sd, norms_source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            subs,
        )
    if bands:
        cur.executemany("INSERT INTO instrument_bands VALUES (?, ?, ?, ?, ?, ?, ?)", bands)
