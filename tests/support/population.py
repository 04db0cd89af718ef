"""Simulated populations with a known truth, bulk-loaded into a real store.

Each partner has a true score per subscale and month; every item of the subscale is answered as
the true score plus independent item noise, rounded and kept on the item's scale. Reverse items
are answered the other way round, so scoring turns them back. Nothing here knows how the app
judges a change: the tests compare the app's verdicts with the truth they wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from mendwell.data import Database
from mendwell.data.bulk import BulkLoad, bulk_load
from mendwell.instruments import Instrument
from mendwell.periods import add_months

SIM_START = dt.date(2024, 1, 1)


def instrument_toml(
    inst_id: str = "sim",
    *,
    items: int = 6,
    higher_is: Mapping[str, str] | None = None,
    reliability: float | None = 0.5,
    norms: str = "",
) -> str:
    """A questionnaire with one subscale per entry of `higher_is` ({subscale id: "better"|"worse"}),
    `items` likert items (0..4) each; `norms` is a TOML inline table for every subscale, if given."""
    higher_is = higher_is or {"level": "better"}
    out = [
        f'id = "{inst_id}"', 'title = "Simulated"', "version = 1", 'summary = "A simulated questionnaire."',
        "order = 900", "", "[response]", "min = 0", "max = 4",
        'labels = ["Never", "Rarely", "Sometimes", "Often", "Always"]', "",
    ]  # fmt: skip
    for sub, way in higher_is.items():
        out += ["[[subscales]]", f'id = "{sub}"', f'title = "Simulated {sub}"', f'higher_is = "{way}"']
        if reliability is not None:
            out.append(f"reliability = {reliability}")
        if norms:
            out.append(f"norms = {norms}")
        out.append("")
    for sub in higher_is:
        for k in range(items):
            out += ["[[items]]", f'id = "{sub}_{k}"', 'kind = "likert"', f'text = "Item {k} of {sub}."']
            out += [f'subscale = "{sub}"', f"reverse = {'true' if k % 3 == 2 else 'false'}", ""]
    return "\n".join(out)


def load_population(
    db: Database,
    inst: Instrument,
    true_scores: Mapping[str, np.ndarray],
    noise_sd: float,
    rng: np.random.Generator,
    start: dt.date = SIM_START,
) -> list[int]:
    """Add couples whose partners answer `inst` every month; returns the partner ids in row order.

    `true_scores[subscale]` is a partners x months array of true scores (on the 0..4 item scale);
    partners are paired into couples in order (rows 0 and 1 are the first couple, and so on).
    """
    shapes = {a.shape for a in true_scores.values()}
    assert len(shapes) == 1, shapes
    n_partners, months = shapes.pop()
    assert n_partners % 2 == 0
    couples = n_partners // 2
    periods = np.array([add_months(start, m) for m in range(months)], dtype="datetime64[D]")

    def write(load: BulkLoad) -> list[int]:
        couple_ids = load.ids("couple_ids", couples)
        partner_ids = load.ids("partner_ids", n_partners)
        load.append("couples", pa.table({"couple_id": couple_ids, "name": [f"Sim {c}" for c in couple_ids]}))
        load.append(
            "partners",
            pa.table(
                {
                    "partner_id": partner_ids,
                    "couple_id": np.repeat(couple_ids, 2),
                    "slot": np.tile(np.array([1, 2], dtype=np.int16), couples),
                    "name": [f"P{p}" for p in partner_ids],
                }
            ),
        )
        p_idx, m_idx = np.divmod(np.arange(n_partners * months), months)
        k = len(p_idx)
        checkin_ids = load.ids("checkin_ids", k)
        stamp = periods[m_idx].astype("datetime64[s]") + np.timedelta64(86400 * 5, "s")
        load.append(
            "checkins",
            pa.table(
                {
                    "checkin_id": checkin_ids,
                    "couple_id": np.repeat(couple_ids, 2)[p_idx],
                    "partner_id": partner_ids[p_idx],
                    "period": periods[m_idx],
                    "status": pa.array(["submitted"] * k),
                    "started_at": stamp,
                    "updated_at": stamp,
                    "submitted_at": stamp,
                }
            ),
        )
        ids, items, values = [], [], []
        for it in inst.items:
            assert it.subscale is not None
            lo, hi = inst.scale(it)
            true = true_scores[it.subscale][p_idx, m_idx]
            answer = np.clip(np.round(true + rng.normal(0.0, noise_sd, k)), lo, hi)
            if it.reverse:
                answer = lo + hi - answer
            ids.append(checkin_ids)
            items.append(np.full(k, it.id, dtype=object))
            values.append(answer)
        n = k * len(inst.items)
        load.append(
            "responses",
            pa.table(
                {
                    "checkin_id": np.concatenate(ids),
                    "instrument_id": pa.array([inst.id] * n),
                    "instrument_version": np.full(n, inst.version, dtype=np.int32),
                    "item_id": pa.array(np.concatenate(items).tolist()),
                    "value": np.concatenate(values),
                    "text": pa.nulls(n, pa.string()),
                }
            ),
        )
        return [int(p) for p in partner_ids]

    partner_ids = bulk_load(db.engine, write)
    db.engine.bump_all()
    return partner_ids
