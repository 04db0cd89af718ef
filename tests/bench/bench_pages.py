"""Benchmark: do the dashboards stay fast when the database holds 500 couples x 10 years?

Builds a 500-couple x 120-month database and a 1-couple x 12-month one with
`mendwell demo`, then times the server-side run of the Trends and Themes
pages for one couple with AppTest (median of warm runs), and the first render
in a fresh process, signed in as a partner of the first demo couple (the demo's own
account). Prints both medians and their ratio. Run: `make bench`.
Targets: ratio <= 1.5, Trends median <= 0.5 s, first render <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"Trends": "app_pages/trends.py", "Themes": "app_pages/themes.py"}


def build(db: Path, couples: int, months: int) -> float:
    """Create a demo database (skipped when it already exists); returns seconds."""
    if db.exists():
        return 0.0
    db.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MENDWELL_DB": str(db)}
    start = time.perf_counter()
    command = ["demo", "--couples", str(couples), "--months", str(months), "--seed", "1"]
    subprocess.run(
        [sys.executable, "-m", "mendwell.cli", *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def demo_partner_cookie(db: Path) -> str:
    """A sign-in cookie for the first demo couple's first partner (a real sign-in in `db`, which is closed again)."""
    from mendwell.data import Database
    from mendwell.demo import DEMO_PASSCODE
    from tests.support.auth import cookie_for

    store = Database(db)
    try:
        first = store.couples.all()[0]
        account = store.accounts.for_partner(first.partners[0].partner_id)
        assert account is not None, "not a demo database with accounts (`mendwell demo` adds them)"
        return cookie_for(store, account, DEMO_PASSCODE)
    finally:
        store.close()


def warm_medians(db: Path, runs: int) -> dict[str, float]:
    """Median seconds of `runs` warm AppTest runs of each page (the first couple's first partner signed in)."""
    import pytest
    import streamlit as st

    from tests.support.auth import as_signed_in

    os.environ["MENDWELL_DB"] = str(db)
    st.cache_data.clear()
    st.cache_resource.clear()
    cookie = demo_partner_cookie(db)
    with pytest.MonkeyPatch.context() as mp:
        as_signed_in(mp, cookie)
        return _medians(runs)


def _medians(runs: int) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.support.apptest import figures

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert [t.value for t in at.title] != ["Sign in"], "not signed in"
    out = {}
    for name, page in PAGES.items():
        at.switch_page(page).run()  # the cold run fills the caches
        assert not at.exception, at.exception
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        assert figures(at), f"{name} drew no chart"  # each a text element holding its message (ui.chart_element)
        out[name] = statistics.median(times)
    st.cache_resource.clear()
    return out


def first_render(db: Path, page: str) -> float:
    """Seconds for the first render of `page` in a fresh process (cold caches, cold DuckDB)."""
    cookie = demo_partner_cookie(db)
    code = (
        "import os, sys, time, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import ui.auth\n"
        f"ui.auth.raw_cookie = lambda: {cookie!r}\n"
        "from streamlit.testing.v1 import AppTest\n"
        "t = time.perf_counter()\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=120)\n"
        "at.run()\n"
        f"at.switch_page({page!r}).run()\n"
        "assert not at.exception, at.exception\n"
        "print(json.dumps(time.perf_counter() - t))\n"
    )
    env = {**os.environ, "MENDWELL_DB": str(db)}
    done = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(ROOT / "bench-data"), help="where the databases are kept")
    parser.add_argument("--runs", type=int, default=7, help="warm runs per page (median taken)")
    parser.add_argument("--couples", type=int, default=500)
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()

    big = Path(args.dir) / f"big-{args.couples}x{args.months}.duckdb"
    small = Path(args.dir) / "small-1x12.duckdb"
    print(f"building {big.name}: {build(big, args.couples, args.months):.1f} s (0 = already there)")
    print(f"building {small.name}: {build(small, 1, 12):.1f} s (0 = already there)")

    small_t = warm_medians(small, args.runs)
    big_t = warm_medians(big, args.runs)
    cold = {name: first_render(big, page) for name, page in PAGES.items()}

    print(f"\nserver-side page run, median of {args.runs} warm runs (AppTest), one couple:")
    print(f"{'page':<8} {'1x12':>9} {f'{args.couples}x{args.months}':>10} {'ratio':>7}   first render (fresh process)")
    for name in PAGES:
        ratio = big_t[name] / small_t[name]
        print(f"{name:<8} {small_t[name]:>8.3f}s {big_t[name]:>9.3f}s {ratio:>7.2f}   {cold[name]:.2f} s")
    verdicts = {
        "ratio <= 1.5": all(big_t[n] / small_t[n] <= 1.5 for n in PAGES),
        "Trends median <= 0.5 s": big_t["Trends"] <= 0.5,
        "first render <= 3 s": all(v <= 3.0 for v in cold.values()),
    }
    print()
    for target, ok in verdicts.items():
        print(f"  {'met ' if ok else 'MISSED'}  {target}")
    print(json.dumps({"small": small_t, "big": big_t, "first_render": cold}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
