"""Export the database as one file per table (CSV, Parquet or JSON).

Answers to the private safety check are never exported (see mendwell/safety.py).
Beside the tables, `changes` holds every score's verdict: its baseline, the SD and reliability it
was judged by (and where each came from), the threshold, the verdict and, where a part has norms,
the clinical class (see mendwell/analysis.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mendwell import analysis, reveal, vault
from mendwell.access import Viewer
from mendwell.data import Database
from mendwell.data.checkins import answer_context, note_context
from mendwell.data.exports import FORMATS, Opener, copy_tables, write_frame
from mendwell.errors import InvalidInput, NotFound
from mendwell.reveal import Lens

__all__ = ["EVERYTHING", "FORMATS", "SHARED_ONLY", "Scope", "export", "scope_for"]


@dataclass(frozen=True)
class Scope:
    """Whose private items an export holds: everyone's (the machine's operator), one partner's, or none. Without
    `all_private`, drafts are only ever the partner's own, and a partner gets the other's answers, notes and
    scores only from months both have submitted (`mendwell.reveal`)."""

    all_private: bool = False
    private_of: int | None = None


EVERYTHING = Scope(all_private=True)
SHARED_ONLY = Scope()


def scope_for(viewer: Viewer) -> Scope:
    """What a signed-in person's export holds: a partner's own private items and drafts, and the other's answers
    from months both submitted; a therapist's, submitted check-ins and no private item."""
    return Scope(private_of=viewer.partner_id) if viewer.partner_id is not None else SHARED_ONLY


def _opener(key: bytes) -> Opener:
    return Opener(
        answer=lambda text, ref, inst, item: vault.opened_or_kept(key, text, answer_context(ref, inst, item)),
        note=lambda text, ref: vault.opened_or_kept(key, text, note_context(ref)),
    )


def export(
    db: Database,
    outdir: Path,
    fmt: str = "csv",
    couple_id: int | None = None,
    scope: Scope = SHARED_ONLY,
    key: bytes | None = None,
) -> dict[str, Path]:
    """Write each table to OUTDIR/<table>.<fmt>; returns {table: path}.

    Private answers, private notes and private scores are left out except as `scope` allows; the
    private safety check is never exported. With the partner's `key` (a partner's scope), their own sealed
    private text is written opened: the export is for their eyes.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    if couple_id is not None and db.couples.get(couple_id) is None:
        raise NotFound(f"There is no couple with id {couple_id}.")
    outdir.mkdir(parents=True, exist_ok=True)
    opener = _opener(key) if key is not None and scope.private_of is not None else None
    written = copy_tables(
        db.engine, outdir, fmt, couple_id, all_private=scope.all_private, private_of=scope.private_of, opener=opener
    )
    judged = analysis.all_changes(db, couple_id)
    if not scope.all_private and not judged.empty:  # private parts as the scope allows, like the scores
        judged = judged[~judged["private"].astype(bool) | judged["partner_id"].eq(scope.private_of)]
    if not scope.all_private and scope.private_of is not None and not judged.empty:
        # a partner's: the other's verdicts only from months they both submitted, as the scores
        own_couple = db.couples.of_partner(scope.private_of)
        mine = db.checkins.listing(own_couple, scope.private_of) if own_couple is not None else None
        both = [] if mine is None else mine.loc[mine["status"] == "submitted", "period"].tolist()
        lens = Lens.of(int(p) for p in judged["partner_id"].unique() if p != scope.private_of)
        judged = reveal.seen_frame(judged, lens, both)
    written["changes"] = write_frame(db.engine, analysis.changes_table(judged), outdir / f"changes.{fmt}", fmt)
    return written
