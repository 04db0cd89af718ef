"""Reliable change measured on simulated populations with a known truth (seeded, a few seconds each).

Partners have constant true scores plus item noise; the app's reliability and SD come from the
simulated data itself (the file's declared reliability, 0.5, is deliberately wrong and must not be
used once 30 partners have checked in). Under no true change the share of comparisons called
reliable stays at or below 5 % (a little tolerance for discrete scores); a true change of
4 x SEM x sqrt(2) is caught at least 80 % of the time, in the right direction, for a part where
higher is better and for one where higher is worse. Both figures are printed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mendwell import analysis, stats
from mendwell.data import Database
from mendwell.instruments import load_catalog
from tests.support.population import instrument_toml, load_population

MONTHS = 8
DROP_FROM = 3  # the known change starts in the fourth month
NOISE = 0.8  # item noise SD, on the 0..4 item scale
FP_TOLERANCE = 0.005  # discreteness: a little slack over 5 %


def _catalog(tmp_path: Path, **kw: object):  # type: ignore[no-untyped-def]
    folder = tmp_path / "sim"
    folder.mkdir()
    (folder / "sim.toml").write_text(instrument_toml(**kw), encoding="utf-8")  # type: ignore[arg-type]
    catalog = load_catalog([folder])
    assert not catalog.problems, catalog.problems
    return catalog


def _judged(db: Database, partner_ids: list[int]) -> pd.DataFrame:
    rows = analysis.all_changes(db)
    return rows[rows["partner_id"].isin(partner_ids) & (rows["period"] != rows["reference_period"])]


def test_no_change_is_called_reliable_at_most_5_percent_and_a_4_sem_change_is_found(
    store: Database, tmp_path: Path
) -> None:
    catalog = _catalog(tmp_path, items=6, higher_is={"level": "better", "strain": "worse"})
    store.definitions.register(catalog.instruments)
    inst = catalog.instruments[0]
    rng = np.random.default_rng(20261)

    # 1. a steady population: true scores never move
    steady_n = 240
    level = np.repeat(rng.normal(2.3, 0.5, (steady_n, 1)), MONTHS, axis=1)
    strain = np.repeat(rng.normal(1.7, 0.5, (steady_n, 1)), MONTHS, axis=1)
    steady = load_population(store, inst, {"level": level, "strain": strain}, NOISE, rng)

    ref = analysis.reference(store).set_index("subscale_id")
    sems = {}
    for sub in ("level", "strain"):
        r = ref.loc[sub]
        assert r["partners"] == steady_n and r["alpha_partners"] == steady_n
        sems[sub] = stats.sem(float(r["ref_sd"]), float(r["alpha"]))

    judged = _judged(store, steady)
    assert set(judged["reliability_source"]) == {
        f"measured: Cronbach's alpha from first check-ins of {steady_n} partners"
    }
    assert set(judged["sd_source"]) == {f"first check-ins of {steady_n} partners"}
    called = judged["verdict"].isin([stats.IMPROVED, stats.WORSENED])
    fp = float(called.mean())
    alpha_used = judged.groupby("subscale_id")["reliability"].first().round(3).to_dict()
    print(
        f"\nno true change: {int(called.sum())} of {len(judged)} comparisons called reliable = {fp:.1%} "
        f"(alpha measured {alpha_used}, declared 0.5 unused)"
    )
    assert len(judged) == steady_n * (MONTHS - 1) * 2
    assert fp <= 0.05 + FP_TOLERANCE
    for sub in ("level", "strain"):
        part = called[judged["subscale_id"] == sub]
        assert part.mean() <= 0.05 + FP_TOLERANCE, (sub, part.mean())

    # 2. a known change of 4 x SEM x sqrt(2) from the fourth month: down where higher is better,
    #    up where higher is worse; both are worsenings
    moved_n = 120
    shift = {sub: 4 * sems[sub] * math.sqrt(2) for sub in sems}
    after = (np.arange(MONTHS) >= DROP_FROM).astype(float)
    level = rng.normal(2.3, 0.5, (moved_n, 1)) - shift["level"] * after
    strain = rng.normal(1.7, 0.5, (moved_n, 1)) + shift["strain"] * after
    moved = load_population(store, inst, {"level": level, "strain": strain}, NOISE, rng)
    rows = _judged(store, moved)
    later = rows[
        pd.to_datetime(rows["period"]) >= pd.to_datetime(rows["reference_period"]) + pd.DateOffset(months=DROP_FROM)
    ]
    for sub in ("level", "strain"):
        mine = later[later["subscale_id"] == sub]
        found = float(mine["verdict"].eq(stats.WORSENED).mean())
        wrong_way = int(mine["verdict"].eq(stats.IMPROVED).sum())
        print(
            f"known change of {shift[sub]:.2f} ({sub}, higher is {'better' if sub == 'level' else 'worse'}): "
            f"detected {found:.1%} of {len(mine)} comparisons, {wrong_way} in the wrong direction"
        )
        assert found >= 0.80
        assert wrong_way == 0


def test_a_quiet_history_moving_by_the_smallest_step_is_not_a_change(store: Database, tmp_path: Path) -> None:
    """Twelve months of the same answers, then one answer one notch lower: no reliable change."""
    catalog = _catalog(tmp_path, items=8, higher_is={"level": "better"})
    store.definitions.register(catalog.instruments)
    inst = catalog.instruments[0]
    rng = np.random.default_rng(7)
    load_population(store, inst, {"level": np.repeat(rng.normal(2.0, 0.6, (60, 1)), 12, axis=1)}, 0.8, rng)
    quiet = np.full((2, 13), 3.0)
    ids = load_population(store, inst, {"level": quiet}, 0.0, rng)
    # the quiet partner's last month: one of eight answers one notch lower
    store.engine.transaction(
        lambda cur: cur.execute(
            "UPDATE responses SET value = value - 1 WHERE item_id = 'level_0' AND checkin_id = "
            "(SELECT max(checkin_id) FROM checkins WHERE partner_id = ?)",
            [ids[0]],
        )
    )
    rows = analysis.all_changes(store)
    mine = rows[rows["partner_id"] == ids[0]].sort_values("period")
    last = mine.iloc[-1]
    assert last["score"] == 3.0 - 1 / 8 and last["reference_score"] == 3.0
    assert last["verdict"] == stats.NO_CHANGE
    assert set(mine["verdict"].iloc[1:]) == {stats.NO_CHANGE}
