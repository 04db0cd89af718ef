"""The private safety check leaves no trace in exports (the pages: tests/app/test_safety.py)."""

from __future__ import annotations

from pathlib import Path

from mendwell.data import Database
from mendwell.export import export
from mendwell.instruments import Catalog
from tests.support.data import safety_concerns_last_month


def test_safety_answers_are_never_exported(store: Database, catalog: Catalog, tmp_path: Path) -> None:
    couple_id = safety_concerns_last_month(store, catalog)
    written = export(store, tmp_path / "out", "csv", couple_id)
    assert "safety" not in written["responses"].read_text()
