"""Benchmark: does a therapist's caseload cost the same in a practice of any size?

The Caseload page is built once per day and write (`ui.resources.board_for`), so its first build after any
check-in of the therapist's couples is what a therapist waits for. This times that build
(`mendwell.caseload.board`, the practice's reference figures already at hand as the app caches them) for
the first 16 couples of two demo practices with 120 months each: 16 couples, and 500 couples (the database
`make bench` builds for the dashboards). Prints both medians and their ratio, and the time for the owner of
the big practice, who sees every couple: built whole, and after one couple's write (a partner's answers saved:
the app keeps each couple's row, `mendwell.caseload.BoardCache`, and builds again only the rows that can have
changed). Run: `make bench`.
Target: ratio <= 1.5 (the board asks only about the therapist's own couples).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tests.bench.bench_pages import build

if TYPE_CHECKING:
    from mendwell.data import Database

ROOT = Path(__file__).resolve().parents[2]
CASELOAD = 16  # couples a therapist sees


@contextmanager
def copy_of(db_file: Path) -> Iterator[Database]:
    """A copy of the database file, open (so a run's writes never reach the kept file), removed after."""
    from mendwell.data import Database

    with tempfile.TemporaryDirectory(prefix="mendwell-caseload-") as tmp:
        copy = Path(tmp) / "mendwell.duckdb"
        shutil.copyfile(db_file, copy)
        db = Database(copy)
        try:
            yield db
        finally:
            db.close()


def board_seconds(db_file: Path, runs: int, couples: int = CASELOAD) -> float:
    """Median seconds to build the board of the first `couples` couples (a copy of the file is used)."""
    from mendwell import analysis, caseload
    from mendwell.instruments import assessment_dirs, load_catalog

    catalog = load_catalog(assessment_dirs())
    with copy_of(db_file) as db:
        ids = [c.couple_id for c in db.couples.all()][:couples]
        ref = analysis.reference(db)
        today = dt.date.today()
        caseload.board(db, ids, catalog, today, safety_flag=True, ref=ref)  # warm DuckDB and the imports
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            caseload.board(db, ids, catalog, today, safety_flag=True, ref=ref)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def owner_after_writes(db_file: Path, runs: int) -> tuple[float, float, float]:
    """Seconds for the owner's board of every couple: built whole (no rows kept), the median after one
    couple's write (a partner of a different couple each time saves an answer of next month's check-in), and
    after someone's first check-in (a new couple's: the reference figures change, every row is judged again)."""
    from mendwell import analysis, caseload, periods
    from mendwell.instruments import assessment_dirs, load_catalog
    from tests.support.data import check_in, make_couple, whole_plan

    catalog = load_catalog(assessment_dirs())
    with copy_of(db_file) as db:
        couples = db.couples.all()
        ids = [c.couple_id for c in couples]
        ref = analysis.reference(db)
        today = dt.date.today()
        cache = caseload.BoardCache()
        start = time.perf_counter()
        cache.build(db, ids, catalog, today, safety_flag=True, ref=ref, catalog_version=1)
        whole = time.perf_counter() - start
        plan = {"bids": whole_plan(catalog, 1)["bids"]}
        times = []
        for couple in couples[:runs]:
            check_in(db, catalog, couple.partners[0].partner_id, periods.add_months(today, 1), plan, submit=False)
            start = time.perf_counter()
            built = cache.build(db, ids, catalog, today, safety_flag=True, ref=ref, catalog_version=1)
            times.append(time.perf_counter() - start)
            assert built.built == [couple.couple_id]
        newcomers = make_couple(db, "Bench Newcomers", ("New", "Comer"))
        check_in(db, catalog, newcomers.partners[0].partner_id, today, whole_plan(catalog, 4))
        changed = analysis.reference(db)
        start = time.perf_counter()
        built = cache.build(db, ids, catalog, today, safety_flag=True, ref=changed, catalog_version=1)
        judged_again = time.perf_counter() - start
        assert built.built == sorted(ids) and built.asked == []
    return whole, statistics.median(times), judged_again


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(ROOT / "bench-data"), help="where the databases are kept")
    parser.add_argument("--runs", type=int, default=5, help="builds of each board (median taken)")
    parser.add_argument("--couples", type=int, default=500)
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()

    big = Path(args.dir) / f"big-{args.couples}x{args.months}.duckdb"
    small = Path(args.dir) / f"caseload-{CASELOAD}x{args.months}.duckdb"
    print(f"building {big.name}: {build(big, args.couples, args.months):.1f} s (0 = already there)")
    print(f"building {small.name}: {build(small, CASELOAD, args.months):.1f} s (0 = already there)")
    small_t, big_t = board_seconds(small, args.runs), board_seconds(big, args.runs)
    ratio = big_t / small_t
    print(f"\nthe caseload of {CASELOAD} couples, built (median of {args.runs}):")
    print(f"  in a practice of {CASELOAD} couples {small_t:.3f} s, of {args.couples} couples {big_t:.3f} s")
    print(f"  ratio {ratio:.2f}")
    print(f"  {'met ' if ratio <= 1.5 else 'MISSED'}  ratio <= 1.5")
    whole, after_write, judged_again = owner_after_writes(big, args.runs)
    print(
        f"the owner's caseload, every one of the {args.couples} couples: built whole {whole:.2f} s, after one "
        f"couple's write {after_write:.3f} s (median of {args.runs}; ratio {after_write / whole:.3f}), after "
        f"someone's first check-in {judged_again:.2f} s (ratio {judged_again / whole:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
