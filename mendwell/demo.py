"""Synthetic couples with realistic histories, written in bulk.

Each couple follows a course (improving, worsening or steady) with monthly
noise; each partner has one or two themes that keep coming back for them.
Every loaded instrument is answered, including a therapist's extra ones,
from its own structure: a subscale's direction tells which way a good month
moves an answer, and `show_if` is honoured. Months are sometimes missed.
Generation is vectorised per item over all check-ins, and the rows go to
DuckDB as Arrow tables inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mendwell.data import Database
from mendwell.data.bulk import BulkLoad, bulk_load
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.periods import add_months, month_start

FIRST_NAMES = [
    "Alex", "Sam", "Jordan", "Robin", "Maya", "Theo", "Noor", "Elias", "Priya", "Jonas",
    "Lena", "Omar", "Ines", "Kofi", "Hana", "Mateo", "Zoe", "Ravi", "Clara", "Yusuf",
    "Ada", "Felix", "Mina", "Leo", "Sofia", "Tariq", "Nina", "Aaron", "Lucia", "Kai",
]  # fmt: skip

SAMPLE_NOTES = [
    "We had a good talk on Sunday after a rough week.",
    "Work has been a lot; I have had less patience than I want.",
    "I want us to plan one evening a week that is just ours.",
    "The trip helped. I felt close again.",
    "I noticed I keep going quiet instead of saying what I need.",
    "I still think about the argument from last month.",
    "We repaired faster this time, which felt new.",
    "Tired, but we laughed more this month.",
]

COURSES = ("improving", "worsening", "steady")
SAFETY_YES_RATE = 0.004  # per safety question and check-in: about one couple in a demo of 16 says "yes" in a season


@dataclass(frozen=True)
class DemoResult:
    couples: int
    checkins: int
    responses: int
    seconds: float


def _course_curve(course: str, months: int, rng: np.random.Generator) -> np.ndarray:
    t = np.linspace(0.0, 1.0, months)
    if course == "improving":
        return -0.6 + 1.3 * t
    if course == "worsening":
        return 0.5 - 1.3 * t
    return np.full(months, rng.normal(0.15, 0.25))


def generate(
    db: Database,
    catalog: Catalog,
    couples: int = 3,
    months: int = 24,
    seed: int = 7,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DemoResult:
    """Add `couples` synthetic couples with `months` months of history ending this month (or `end`'s), none of it
    dated after `now` (local time, as the database's timestamps; the clock by default)."""
    import time

    start_time = time.perf_counter()
    rng = np.random.default_rng(seed)
    instruments = list(catalog.instruments)
    db.definitions.register(instruments)
    end = month_start(end)
    periods = np.array([add_months(end, i - months + 1) for i in range(months)], dtype="datetime64[D]")
    n_partners = couples * 2
    theme_ids = sorted(catalog.themes)

    # -- couples, partners, course per couple and core themes per partner
    courses = [COURSES[i % 3] if i < 3 else COURSES[rng.integers(0, 3)] for i in range(couples)]
    curves = np.stack([_course_curve(c, months, rng) for c in courses])  # couples x months
    partner_offset = rng.normal(0, 0.2, (couples, 2, 1))
    noise = np.zeros((couples, 2, months))
    shock = rng.normal(0, 0.2, (couples, 2, months))
    for m in range(months):  # AR(1) month to month: loops over months, not rows
        noise[:, :, m] = (0.55 * noise[:, :, m - 1] if m else 0) + shock[:, :, m]
    latent = np.clip(curves[:, None, :] + partner_offset + noise, -1.6, 1.6).reshape(n_partners, months)
    core_themes = [
        set(rng.choice(theme_ids, size=min(len(theme_ids), 1 + int(rng.integers(0, 2))), replace=False))
        if theme_ids
        else set()
        for _ in range(n_partners)
    ]

    # which partner-months have a check-in; the current month is open for some
    present = rng.random((n_partners, months)) > 0.07
    submitted_now = rng.random(n_partners) < 0.45
    if couples:
        submitted_now[0], submitted_now[1] = True, False  # the first couple: one done, one to go
    present[:, -1] &= submitted_now

    def write(load: BulkLoad) -> tuple[int, int, list[int]]:
        couple_ids = load.ids("couple_ids", couples)
        partner_ids = load.ids("partner_ids", n_partners)
        names = rng.choice(FIRST_NAMES, size=(couples, 2), replace=True)
        same = names[:, 0] == names[:, 1]
        names[same, 1] = np.roll(FIRST_NAMES, 7)[: same.sum()]
        began = np.full(couples, periods[0].astype("datetime64[s]"))  # a demo couple began with its history
        load.append(
            "couples",
            pa.table({"couple_id": couple_ids, "name": [f"{a} & {b}" for a, b in names], "created_at": began}),
        )
        load.append(
            "partners",
            pa.table(
                {
                    "partner_id": partner_ids,
                    "couple_id": np.repeat(couple_ids, 2),
                    "slot": np.tile(np.array([1, 2], dtype=np.int16), couples),
                    "name": names.reshape(-1),
                }
            ),
        )

        p_idx, m_idx = np.nonzero(present)
        k = len(p_idx)
        checkin_ids = load.ids("checkin_ids", k)
        started = periods[m_idx].astype("datetime64[s]") + rng.integers(3 * 86400, 27 * 86400, k).astype(
            "timedelta64[s]"
        )
        submitted = started + rng.integers(300, 1200, k).astype("timedelta64[s]")
        _not_after(now or dt.datetime.now(), periods[m_idx].astype("datetime64[s]"), started, submitted)
        load.append(
            "checkins",
            pa.table(
                {
                    "checkin_id": checkin_ids,
                    "couple_id": np.repeat(couple_ids, 2)[p_idx],
                    "partner_id": partner_ids[p_idx],
                    "period": periods[m_idx],
                    "status": pa.array(["submitted"] * k),
                    "started_at": started,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                }
            ),
        )

        z = latent[p_idx, m_idx]
        theme_pos = {t: i for i, t in enumerate(theme_ids)}
        core_matrix = np.zeros((n_partners, max(1, len(theme_ids))), dtype=bool)
        for partner, themes in enumerate(core_themes):
            core_matrix[partner, [theme_pos[t] for t in themes]] = True
        cores = core_matrix[p_idx]  # check-ins x themes
        total = 0
        for inst in instruments:
            table = _answer_instrument(inst, checkin_ids, z, cores, theme_pos, rng)
            total += table.num_rows
            load.append("responses", table)

        has_note = rng.random(k) < 0.15
        if has_note.any():
            load.append(
                "notes",
                pa.table(
                    {
                        "checkin_id": checkin_ids[has_note],
                        "body": rng.choice(SAMPLE_NOTES, size=int(has_note.sum())),
                        "is_private": rng.random(int(has_note.sum())) < 0.4,
                        "updated_at": submitted[has_note],
                    }
                ),
            )
        return k, total, [int(c) for c in couple_ids]

    k, total, couple_ids = bulk_load(db.engine, write)
    db.engine.bump(*couple_ids)
    return DemoResult(couples, k, total, time.perf_counter() - start_time)


def _not_after(now: dt.datetime, month_begins: np.ndarray, started: np.ndarray, submitted: np.ndarray) -> None:
    """Move, in place, each check-in that would start or finish after `now` into the part of its month already
    past: its start keeps its place in the month, scaled into the days gone by, and it ends by `now` at the
    latest. Done without drawing again, so every other number of the demo stays the same for a seed."""
    clock = int(np.datetime64(now.replace(microsecond=0), "s").astype(np.int64))
    begin, start, end = (a.astype("datetime64[s]").astype(np.int64) for a in (month_begins, started, submitted))
    late = end > clock
    if not late.any():
        return
    took = end[late] - start[late]
    gone = np.maximum(clock - begin[late] - took, 0)  # seconds of the month gone by, less the check-in's length
    moved = begin[late] + (start[late] - begin[late]) * gone // (28 * 86400)  # drawn 3 to 27 days in
    started[late] = moved.astype("datetime64[s]")
    submitted[late] = np.minimum(moved + took, clock).astype("datetime64[s]")


def _selection_json(picked: np.ndarray, option_values: list[int]) -> np.ndarray:
    """JSON lists of chosen option values, one per row, built once per distinct pattern."""
    codes = picked.astype(np.int64) @ (1 << np.arange(picked.shape[1], dtype=np.int64))
    uniq, inverse = np.unique(codes, return_inverse=True)
    texts = np.array(
        [json.dumps([v for b, v in enumerate(option_values) if code >> b & 1]) for code in uniq], dtype=object
    )
    return texts[inverse]


def _direction(inst: Instrument, it: Item) -> float:
    """+1 when a good month raises the raw answer, -1 when it lowers it, 0 if unknown."""
    if it.subscale is None:
        return 0.0
    d = 1.0 if inst.subscale(it.subscale).higher_is == "better" else -1.0
    return -d if it.reverse else d


def _answer_instrument(
    inst: Instrument,
    checkin_ids: np.ndarray,
    z: np.ndarray,
    cores: np.ndarray,
    theme_pos: dict[str, int],
    rng: np.random.Generator,
) -> pa.Table:
    k = len(checkin_ids)
    values: dict[str, np.ndarray] = {}
    shown: dict[str, np.ndarray] = {}
    cols_id: list[np.ndarray] = []
    cols_item: list[np.ndarray] = []
    cols_value: list[np.ndarray] = []
    cols_text: list[pa.Array] = []
    item_ids = [it.id for it in inst.items]

    for pos, it in enumerate(inst.items):
        visible = np.ones(k, dtype=bool)
        if it.show_if is not None:
            target = it.show_if.item
            tv = values[target]
            cond = it.show_if
            test = (
                tv > cond.above
                if cond.above is not None
                else tv < cond.below
                if cond.below is not None
                else tv == cond.equals
            )
            visible = shown[target] & np.nan_to_num(test, nan=0).astype(bool)
        lo, hi = inst.scale(it)
        cols = [theme_pos[t] for t in it.themes if t in theme_pos]
        themed = cores[:, cols].any(axis=1) if cols else np.zeros(k, bool)
        text = None
        if it.kind in ("likert", "choice", "count", "yesno"):
            d = _direction(inst, it)
            # answers about hard things sit lower on the scale than answers about good ones
            centre = 0.5 if d > 0 else 0.2
            p = centre + 0.4 * d * (z + rng.normal(0, 0.25, k)) if d else rng.random(k)
            # a partner's own recurring themes weigh on the items tagged with them
            p = p + np.where(themed, -0.18 * d if d else 0.0, 0.0)
            p = np.clip(p, 0.0, 1.0)
            if it.kind == "choice" and it.options:
                opts = np.array([o.value for o in it.options], dtype=float)
                val = opts[np.minimum((p * len(opts)).astype(int), len(opts) - 1)]
            elif it.kind == "count":
                val = np.clip(lo + rng.poisson(0.3 + 4 * (p if d >= 0 else 1 - p)), lo, hi).astype(float)
            else:
                val = np.round(lo + p * (hi - lo))
            if inst.safety:
                # a "yes" is rare, as in life (drawn as above was, then set aside, so every other answer of a
                # seed stays as it was): a caseload with every partner flagged shows nothing of how it triages
                val = np.where(rng.spawn(1)[0].random(k) < SAFETY_YES_RATE, hi, lo).astype(float)
        elif it.kind == "multi" and it.options:
            chosen = []
            for o in it.options:
                core = cores[:, theme_pos[o.theme]] if o.theme in theme_pos else np.zeros(k, bool)
                chosen.append(rng.random(k) < np.where(core, 0.6, 0.02))
            picked = np.stack(chosen, axis=1)
            val = picked.sum(axis=1).astype(float)
            text = _selection_json(picked, [o.value for o in it.options])
            visible = visible & (val > 0)
        elif it.kind == "text":
            val = np.full(k, np.nan)
            visible = visible & (rng.random(k) < 0.06)
            text = rng.choice(SAMPLE_NOTES, size=k).astype(object)
        else:
            val = np.full(k, np.nan)
        values[it.id] = np.where(visible, val, np.nan)
        shown[it.id] = visible
        idx = np.nonzero(visible)[0]
        if not len(idx):
            continue
        cols_id.append(checkin_ids[idx])
        cols_item.append(np.full(len(idx), pos, dtype=np.int32))
        cols_value.append(val[idx])
        cols_text.append(pa.array(text[idx], pa.string()) if text is not None else pa.nulls(len(idx), pa.string()))

    if not cols_id:
        return pa.table(
            {
                "checkin_id": pa.array([], pa.int64()),
                "instrument_id": pa.array([], pa.string()),
                "instrument_version": pa.array([], pa.int32()),
                "item_id": pa.array([], pa.string()),
                "value": pa.array([], pa.float64()),
                "text": pa.array([], pa.string()),
            }
        )
    n = sum(len(c) for c in cols_id)
    value = np.concatenate(cols_value)
    return pa.table(
        {
            "checkin_id": np.concatenate(cols_id),
            "instrument_id": pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), pa.array([inst.id])),
            "instrument_version": np.full(n, inst.version, dtype=np.int32),
            "item_id": pa.DictionaryArray.from_arrays(np.concatenate(cols_item), pa.array(item_ids)),
            "value": pa.array(value, mask=np.isnan(value)),
            "text": pa.concat_arrays(cols_text),
        }
    )


DEMO_PASSCODE = "demo-1234"  # printed for newcomers; a demo database holds no one's real answers
DEMO_THERAPIST = "Demo Therapist"
_DEMO_MARK = "demo_sign_ins"


def add_demo_accounts(db: Database) -> list[str]:
    """Sign-ins for a fresh demo: a therapist (the practice owner) who sees every couple, and both partners
    of the first couple. Nothing is added when the database already has accounts. Returns what to print."""
    from mendwell import accounts

    if db.accounts.count() == 0:
        couples = db.couples.all()
        therapist = accounts.create(db, DEMO_THERAPIST, accounts.THERAPIST, DEMO_PASSCODE, is_owner=True)
        for c in couples:
            db.accounts.grant(therapist.account_id, c.couple_id)
        if couples:
            for p in couples[0].partners:
                accounts.create(db, p.name, accounts.PARTNER, DEMO_PASSCODE, partner_id=p.partner_id)
            db.settings.set(_DEMO_MARK, couples[0].name)
    return demo_sign_ins(db)


def demo_sign_ins(db: Database) -> list[str]:
    """The demo's sign-ins, as lines to print (empty when this is not a demo database)."""
    first = db.settings.get(_DEMO_MARK)
    if first is None or db.accounts.by_name(DEMO_THERAPIST) is None:
        return []
    partners = [a.name for a in db.accounts.all() if a.is_partner]
    return [
        f"Demo sign-ins (the passcode of each is {DEMO_PASSCODE}):",
        f"  {DEMO_THERAPIST}: a therapist and the practice owner, who sees every demo couple",
        f"  {' and '.join(partners)}: the two partners of {first}",
    ]
