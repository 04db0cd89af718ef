"""The therapist's caseload: every couple's rhythm, and flags that matter clinically.

Flags (for the therapist only, never in share mode), most pressing first: the
private safety check raised a concern (only when the practice turned that flag
on), a reliable worsening in a partner's latest check-in since their starting
point (see mendwell/analysis.py), a subscale in a concern band two months
running, themes that keep coming back, and a check-in day gone by without both
check-ins. `board` gives one row per couple with a column per kind. Private
subscales and private items never raise a flag. The reliability figures behind
reliable change, declared and measured, are listed per subscale by
`reliability_table`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from mendwell import analysis, rhythm, safety, stats, views
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.limits import MIN_REFERENCE_PARTNERS
from mendwell.periods import month_start
from mendwell.text import listed

WORSENING = "reliable worsening since the start"
RUNNING = "concern two months running"


def overview(db: Database, couple_ids: Sequence[int], today: dt.date | None = None) -> pd.DataFrame:
    """One row per couple of `couple_ids` (those the therapist may see): last check-in, this month, check-in day."""
    return db.analytics.caseload_overview(month_start(today), list(couple_ids))


def flags(
    db: Database,
    couple_ids: Sequence[int] | None = None,
    ref: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flags per couple and partner, of `couple_ids` (every couple when None): `kind` is 'reliable worsening
    since the start' or 'concern two months running'. `ref` is the practice's reference figures
    (`analysis.reference(db)`), and `changes` those couples' `latest_changes`, when the caller already has them."""
    cols = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "kind"]
    ref = analysis.reference(db) if ref is None else ref
    # flags look at each partner's latest score of each part only (with its baseline and the month before)
    if changes is None:
        changes = db.analytics.changes(None) if couple_ids is None else latest_changes(db, couple_ids)
    judged = analysis.classify(changes, ref)
    if judged.empty:
        return pd.DataFrame(columns=cols)
    shared = judged[~judged["private"].astype(bool)]
    latest = shared.sort_values("period").groupby(["partner_id", "instrument_id", "subscale_id"]).tail(1)
    worse = latest[latest["verdict"] == stats.WORSENED].assign(kind=WORSENING)
    months_apart = pd.to_datetime(latest["period"]).dt.to_period("M").astype("int64") - pd.to_datetime(
        latest["previous_period"]
    ).dt.to_period("M").astype("int64")
    running = latest[
        latest["band_tone"].eq("concern") & latest["previous_tone"].eq("concern") & months_apart.eq(1)
    ].assign(kind=RUNNING)
    return pd.concat([worse[cols], running[cols]], ignore_index=True).sort_values(cols[:5], ignore_index=True)


def latest_changes(db: Database, couple_ids: Sequence[int]) -> pd.DataFrame:
    """Each partner's latest score of each part, of `couple_ids`, with its baseline and the score before (what
    the flags judge): one query for all of them."""
    return db.analytics.changes_of(couple_ids, latest_only=True)


@dataclass(frozen=True)
class FlagKind:
    """A kind of flag: its column on the caseload, a short name, and what it means, for the therapist."""

    column: str
    short: str
    help: str


SAFETY_CHECK = FlagKind(
    "Safety check",
    "safety check",
    "A partner's private safety check raised a concern in the last three months. It never says which question "
    "or how it was answered. You may want to find a moment to see them on their own.",
)
HARDER = FlagKind(
    "Reliably harder since the start",
    "reliably harder",
    "In a partner's latest check-in, a part has moved further toward the hard end than chance allows, since "
    "their starting point. Worth asking how the month was, not a finding.",
)
HARD_RUNNING = FlagKind(
    "Hard two months running",
    "hard two months running",
    "A part sat in its hardest range in a partner's last two months in a row.",
)
THEMES_BACK = FlagKind(
    "Themes coming back",
    "themes coming back",
    "Themes that came up in at least three of a partner's last six months, most persistent first.",
)
PAST_DAY = FlagKind(
    "This month",
    "past the check-in day",
    "Who has checked in this month. A flag only once the couple's check-in day has gone by.",
)
KINDS = (SAFETY_CHECK, HARDER, HARD_RUNNING, THEMES_BACK, PAST_DAY)  # most pressing first
NOTHING = "nothing flagged"
MOST_PRESSING = "Most pressing"
FLAG_COUNT = "Flags"
LAST = "Last check-in"


MAX_NAMED = 2  # a cell names at most this many parts per partner; the couple's details name them all


@dataclass
class _Flags:
    """One couple's flags being gathered: a short cell and the full sentences, per kind."""

    cells: dict[FlagKind, list[str]] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    count: dict[FlagKind, int] = field(default_factory=dict)

    def add(self, kind: FlagKind, cell: str, sentence: str, n: int = 1) -> None:
        self.cells.setdefault(kind, []).append(cell)
        self.sentences.append(sentence)
        self.count[kind] = self.count.get(kind, 0) + n


@dataclass(frozen=True)
class Board:
    """The caseload: `table` (one row per couple, most pressing first) and, per couple id, every flag as a
    sentence addressed to the therapist (`details`), most pressing first."""

    table: pd.DataFrame
    details: dict[int, list[str]]


# one partner's flags of one kind in one month: (partner id, month, the parts flagged as (instrument, subscale))
_Flagged = tuple[int, object, list[tuple[str, str]]]


def _flagged(found: pd.DataFrame) -> dict[tuple[int, str], list[_Flagged]]:
    """The flags of `flags(...)` by couple and kind, each kind's per partner and month in that order: split in one
    pass for every couple (searching the frame once per couple cost the owner's board of 500 couples 0.7 s)."""
    out: dict[tuple[int, str], list[_Flagged]] = {}
    if found.empty:
        return out
    for (cid, kind, pid, period), group in found.groupby(["couple_id", "kind", "partner_id", "period"], sort=True):
        parts = list(zip(group["instrument_id"], group["subscale_id"], strict=True))
        out.setdefault((int(cid), str(kind)), []).append((int(pid), period, parts))
    return out


def _parts(
    gathered: _Flags,
    kind: FlagKind,
    flagged: list[_Flagged],
    names: Mapping[int, str],
    titles: Mapping[tuple[str, str], str],
) -> None:
    """Flags of one kind for one couple, per partner and month."""
    for pid, period, keys in flagged:
        name, month = names.get(pid, "?"), f"{pd.Timestamp(str(period)):%b %Y}"
        parts = [titles.get(k, k[1]) for k in keys]
        shown = ", ".join(parts) if len(parts) <= MAX_NAMED else f"{len(parts)} parts"
        quoted = listed([f"\u201c{t}\u201d" for t in parts])
        if kind is HARDER:
            sentence = f"{name}'s check-in of {month} is reliably harder than at their start on {quoted}."
        else:
            sentence = f"{name}'s answers sat in the hardest range two months running, up to {month}, on {quoted}."
        gathered.add(kind, f"{name}: {shown} ({month})", sentence, len(parts))


def _this_month(status: Mapping[int, str], names: Mapping[int, str], due: rhythm.Due) -> str:
    """Who has checked in this month, and where the couple stands with the check-in day."""
    if due.done:
        return due.note
    done = [names[p] for p, s in status.items() if s == "submitted" and p in names]
    waiting = [names[p] for p, s in status.items() if s != "submitted" and p in names]
    if not done:
        return f"{'neither' if len(waiting) > 1 else 'not'} yet, {due.note}"
    return f"{listed(done)} checked in; {listed(waiting)} not yet, {due.note}"


@dataclass(frozen=True)
class Row:
    """One couple's line on the caseload: its cells (the table's columns, and `_order`: how pressing, for
    sorting) and every flag as a sentence addressed to the therapist, most pressing first."""

    couple_id: int
    cells: Mapping[str, object]
    sentences: tuple[str, ...]


def board(
    db: Database,
    couple_ids: Sequence[int],
    catalog: Catalog,
    today: dt.date | None = None,
    *,
    safety_flag: bool,
    ref: pd.DataFrame | None = None,
) -> Board:
    """The caseload of `couple_ids` (a therapist's own couples), most pressing first, then by how many flags.

    Table columns: `couple_id`, Couple, Most pressing ("1 · safety check", ... or "nothing flagged", so
    sorting the column by its words gives the same order), one column per kind of flag (`KINDS`; Safety
    check only when `safety_flag`), Flags (how many), Last check-in (the month, empty before the first).
    Each query covers all of `couple_ids` at once and nothing of other couples, so a therapist's board
    costs the same in a practice of any size; `ref` is the practice's reference figures, when the caller
    already has them.
    """
    return assemble(rows(db, couple_ids, catalog, today, safety_flag=safety_flag, ref=ref).values())


def assemble(found: Iterable[Row]) -> Board:
    """The board of these rows: most pressing first, then by how many flags, then by name."""
    found = list(found)
    table = pd.DataFrame([dict(r.cells) for r in found])
    if not table.empty:
        table = table.sort_values(["_order", FLAG_COUNT, "Couple", "couple_id"], ascending=[True, False, True, True])
        table = table.drop(columns="_order").reset_index(drop=True)
    return Board(table, {r.couple_id: list(r.sentences) for r in found})


def rows(
    db: Database,
    couple_ids: Sequence[int],
    catalog: Catalog,
    today: dt.date | None = None,
    *,
    safety_flag: bool,
    ref: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
) -> dict[int, Row]:
    """Each couple's row of the board (see `board`), by couple id; a row depends on nothing but its couple's
    own data, the practice's reference figures, the questionnaires, the day and the safety setting. `changes`:
    the couples' `latest_changes`, when the caller already has them."""
    today = today or dt.date.today()
    couples = overview(db, couple_ids, today)
    found = flags(db, couple_ids, ref, changes)
    raised = safety.recent_flags(db, couple_ids) if safety_flag else pd.DataFrame(columns=["couple_id", "partner_id"])
    titles = views.subscale_titles(catalog)
    theme_titles = views.theme_titles(catalog)
    this_month = month_start(today)
    partners = {c.couple_id: c.partners for c in db.couples.of(couple_ids)}
    statuses = db.checkins.month_statuses(couple_ids, this_month)
    lasts = {int(c.couple_id): pd.Timestamp(c.last_checkin) for c in couples.itertuples() if pd.notna(c.last_checkin)}
    recurring = analysis.recurring_themes_of(_recent_signals(db, couples), lasts)
    # each couple's share of the flags, safety flags and themes, split once (not searched for in every row)
    flagged = _flagged(found)
    raised_by: dict[int, list[int]] = {}
    for cid, pid in zip(raised["couple_id"], raised["partner_id"], strict=True):
        raised_by.setdefault(int(cid), []).append(int(pid))
    themes_by: dict[int, dict[int, list[str]]] = {}  # couple -> partner -> themes, most persistent first
    for cid, pid, theme in zip(recurring["couple_id"], recurring["partner_id"], recurring["theme_id"], strict=True):
        themes_by.setdefault(int(cid), {}).setdefault(int(pid), []).append(str(theme))
    out: dict[int, Row] = {}
    for c in couples.itertuples():
        cid = int(c.couple_id)
        names = {p.partner_id: p.name for p in partners.get(cid, ())}
        gathered = _Flags()
        for pid in sorted(raised_by.get(cid, [])):
            name = names.get(pid, "?")
            gathered.add(
                SAFETY_CHECK,
                f"{name}: safety check raised a concern",
                f"{name}'s private safety check raised a concern in the last three months (it never says which "
                "question). You may want to find a moment to see them on their own.",
            )
        for kind, which in ((HARDER, WORSENING), (HARD_RUNNING, RUNNING)):
            _parts(gathered, kind, flagged.get((cid, which), []), names, titles)
        if pd.notna(c.last_checkin):
            for pid, theme_ids in sorted(themes_by.get(cid, {}).items()):
                name, themes = names.get(pid, "?"), [theme_titles.get(t, t) for t in theme_ids]
                gathered.add(
                    THEMES_BACK,
                    f"{name}: " + ", ".join(themes[:MAX_NAMED]) + ("…" if len(themes) > MAX_NAMED else ""),
                    f"Themes that keep coming back for {name}, most persistent first: {listed(themes)}.",
                )
        due = rhythm.due(today, int(c.checkin_day), int(c.submitted_now) >= int(c.partners) > 0)
        month_words = _this_month(statuses.get(cid, {}), names, due)
        if due.past:
            gathered.add(PAST_DAY, month_words, f"This month so far: {month_words}.")
        shown = flag_columns(safety_flag)  # ranked among the kinds on the board: the first is always 1
        pressing = next((n for n, k in enumerate(shown) if gathered.count.get(k)), len(KINDS))
        cells = {k.column: "; ".join(gathered.cells.get(k, [])) for k in shown}
        cells[PAST_DAY.column] = month_words  # who has checked in shows even before it is a flag
        out[cid] = Row(
            cid,
            {
                "couple_id": cid,
                "Couple": str(c.name),
                MOST_PRESSING: f"{pressing + 1} · {shown[pressing].short}" if pressing < len(shown) else NOTHING,
                **cells,
                FLAG_COUNT: sum(gathered.count.values()),
                LAST: pd.Timestamp(c.last_checkin) if pd.notna(c.last_checkin) else pd.NaT,
                "_order": pressing,
            },
            tuple(gathered.sentences),
        )
    return out


@dataclass(frozen=True)
class Built:
    """A board, the couples whose rows were built for it (the others were kept), and those of them whose scores
    were asked from the database (the others' were kept too: only the reference figures had changed)."""

    board: Board
    built: list[int]
    asked: list[int]


class BoardCache:
    """Caseload rows kept between builds of a board, so a board is rebuilt only for the couples whose row can
    have changed: their own data (a write of theirs bumps `Database.revision`), the practice's reference
    figures (their content, which a check-in changes only when it is someone's first), the questionnaires
    (`catalog_version`), the day or the safety setting. The practice owner's board of every couple then costs
    the couples that changed, not the whole practice.

    One row is kept per couple, the newest, and a couple asked for that no longer exists (erased) is forgotten
    then: a row holds names and flags (a safety check's, too). Thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Hashable, Row]] = {}
        # each couple's `latest_changes`, by its revision and the questionnaires: they do not depend on the
        # reference figures, so a change of those (someone's first check-in) judges them again without asking
        # the database for every couple's scores (most of the time of building every row)
        self._changes: dict[int, tuple[Hashable, pd.DataFrame]] = {}
        self._lock = threading.Lock()
        # counts `forget` calls: a build that read the database before an erasure keeps nothing it read then
        self._generation = 0

    def build(
        self,
        db: Database,
        couple_ids: Sequence[int],
        catalog: Catalog,
        today: dt.date,
        *,
        safety_flag: bool,
        ref: pd.DataFrame,
        catalog_version: Hashable,
    ) -> Built:
        """The same board as `board(...)` gives, from kept rows where nothing they depend on has changed; with the
        couples whose rows were built for it and those whose scores were asked for."""
        # the flag's moment too: turned off and on again, it counts from the new moment
        flag = safety.flag_counts_from(db) if safety_flag else None
        common = (today, safety_flag, flag, analysis.reference_token(ref), catalog_version)
        keys = {int(c): (db.revision(int(c)), *common) for c in dict.fromkeys(couple_ids)}
        with self._lock:
            generation = self._generation
            kept = {c: entry[1] for c, key in keys.items() if (entry := self._rows.get(c)) and entry[0] == key}
        missing = [c for c in keys if c not in kept]
        built: dict[int, Row] = {}
        asked: list[int] = []
        if missing:
            changes, asked = self._latest(db, missing, keys, generation)
            built = rows(db, missing, catalog, today, safety_flag=safety_flag, ref=ref, changes=changes)
        with self._lock:
            for c in missing if generation == self._generation else ():
                if c in built:
                    self._rows[c] = (keys[c], built[c])
                else:  # asked for, and not there: erased
                    self._rows.pop(c, None)
                    self._changes.pop(c, None)
        return Built(assemble([*kept.values(), *built.values()]), sorted(built), sorted(asked))

    def _latest(
        self, db: Database, couple_ids: list[int], keys: Mapping[int, tuple[Hashable, ...]], generation: int
    ) -> tuple[pd.DataFrame, list[int]]:
        """The couples' `latest_changes` in the query's order, kept ones where the couple and the questionnaires
        are as they were, the rest asked for in one query; and the couples asked for."""
        version = {c: (keys[c][0], keys[c][-1]) for c in couple_ids}  # the couple's revision, the questionnaires'
        with self._lock:
            kept = {c: entry[1] for c in couple_ids if (entry := self._changes.get(c)) and entry[0] == version[c]}
        need = [c for c in couple_ids if c not in kept]
        fresh = latest_changes(db, need) if need else None
        if fresh is not None:
            by_couple = {int(c): part for c, part in fresh.groupby("couple_id", sort=False)}
            with self._lock:
                for c in need if generation == self._generation else ():
                    self._changes[c] = (version[c], by_couple.get(c, fresh.iloc[0:0]))
            kept |= {c: by_couple.get(c, fresh.iloc[0:0]) for c in need}
        parts = [kept[c] for c in couple_ids]
        found = [p for p in parts if len(p)]
        if not found:
            return parts[0], need  # no scores at all: an empty frame with the query's columns
        order = ["couple_id", "partner_id", "instrument_id", "subscale_id", "period"]
        return pd.concat(found, ignore_index=True).sort_values(order, ignore_index=True), need

    def forget(self) -> None:
        """Forget every kept row (after an erasure: nothing of an erased couple stays in memory)."""
        with self._lock:
            self._generation += 1
            self._rows.clear()
            self._changes.clear()

    def __contains__(self, couple_id: object) -> bool:
        with self._lock:
            return couple_id in self._rows

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)


def _recent_signals(db: Database, couples: pd.DataFrame) -> pd.DataFrame:
    """The theme signals of the couples on the board, from the earliest month their "coming back" looks at."""
    last = pd.to_datetime(couples["last_checkin"]).dropna()
    if last.empty:
        return pd.DataFrame(columns=["couple_id", "partner_id", "period", "theme_id", "instrument_id", "item_id"])
    since = (last.min() - pd.DateOffset(months=analysis.RECURRING_WINDOW - 1)).date()
    return db.analytics.theme_signals_of([int(c) for c in couples["couple_id"]], since)


def flag_columns(safety_flag: bool) -> list[FlagKind]:
    """The kinds with a column on the board, most pressing first."""
    return [k for k in KINDS if k is not SAFETY_CHECK or safety_flag]


def reliability_table(db: Database, catalog: Catalog) -> pd.DataFrame:
    """Per subscale: the declared reliability, the one measured from everyone's first check-ins, which is used,
    and where the SD of reliable change comes from."""
    ref = analysis.reference(db).set_index(["instrument_id", "subscale_id"])
    return reliability_rows(ref, catalog)


def reliability_rows(ref: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """`reliability_table` from reference figures already computed (indexed by instrument and subscale).

    Private parts are left out: `mendwell check-assessments --stats` shows them at the machine."""
    rows = []
    for inst in catalog.instruments:
        for sc in inst.subscales:
            if inst.is_private_subscale(sc.id):
                continue  # a therapist's page: private parts are never named there
            key = (inst.id, sc.id)
            partners = int(ref.loc[key, "partners"]) if key in ref.index else 0
            alpha = float(ref.loc[key, "alpha"]) if key in ref.index else float("nan")
            complete = int(ref.loc[key, "alpha_partners"]) if key in ref.index else 0
            measured = complete >= MIN_REFERENCE_PARTNERS and alpha == alpha
            if measured and 0 < alpha < 1:
                used = f"measured ({alpha:.2f})"
            elif measured:
                used = "none: the measured figure is too low to judge a change"
            elif sc.reliability is not None:
                used = f"declared ({sc.reliability:.2f}), provisional until measured"
            else:
                used = "none yet"
            if sc.norms is not None:
                sd = f"norms: clinical SD {sc.norms.clinical_sd:g} ({sc.norms.source})"
            elif partners >= MIN_REFERENCE_PARTNERS:
                sd = f"first check-ins of {partners} partners ({float(ref.loc[key, 'ref_sd']):.2f})"
            else:
                sd = f"can't tell yet: {partners} of {MIN_REFERENCE_PARTNERS} partners"
            rows.append(
                {
                    "instrument_id": inst.id,
                    "subscale_id": sc.id,
                    "part": f"{inst.title}: {sc.title}",
                    "declared": sc.reliability,
                    "measured_alpha": alpha if complete >= 2 else None,
                    "complete_first_checkins": complete,
                    "used": used,
                    "sd_from": sd,
                }
            )
    return pd.DataFrame(rows)
