"""`make bench` keeps working: each benchmark that runs in this process is run on a tiny database (its figures
are not checked here, and no time is asserted: only that it still measures what it names). The Trends
benchmark had stopped at its first step once the charts were no longer Streamlit's chart element."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import bench_pages, caseload_board


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database of three couples with six months each, built as `make bench` builds its own."""
    db = tmp_path_factory.mktemp("bench") / "tiny.duckdb"
    bench_pages.build(db, 3, 6)
    return db


def test_the_dashboards_benchmark_runs(tiny: Path, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENDWELL_DB", str(tiny))  # the benchmark points the app at its database; restored after
    medians = bench_pages.warm_medians(tiny, 1)  # it checks itself that each page drew its charts
    assert set(medians) == {"Trends", "Themes"}


def test_the_caseload_benchmark_runs(tiny: Path) -> None:
    # each checks itself that it built what it names (only the couple written to, then every row); no time is read
    # (what this test checks is inside them: an exception fails it)
    caseload_board.board_seconds(tiny, 1, couples=2)
    caseload_board.owner_after_writes(tiny, 2)
