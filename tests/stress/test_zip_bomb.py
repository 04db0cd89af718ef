"""A zip bomb is refused before it is inflated: memory stays small, nothing is written, no temporary path is shown."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from mendwell.archive import import_archive
from mendwell.data import Database
from mendwell.data.archive import TABLES
from mendwell.errors import ArchiveError
from mendwell.limits import ARCHIVE_MAX_RATIO

UNPACKED_MB = 1500


def _bomb(path: Path, member: str = "responses.parquet", lie: bool = False) -> Path:
    manifest = {
        "format": "mendwell-archive",
        "format_version": 1,
        "schema_version": 1,
        "mendwell_version": "0.1.0",
        "created_at": "2026-01-01T00:00:00+00:00",
        "tables": {t: {"file": f"{t}.parquet", "rows": 0} for t in TABLES},
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        with zf.open(member, "w", force_zip64=True) as out:
            chunk = b"\0" * (1 << 20)
            for _ in range(UNPACKED_MB):
                out.write(chunk)
    return path


def test_a_zip_bomb_is_refused_before_it_is_inflated(store: Database, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.zip")
    assert bomb.stat().st_size < UNPACKED_MB * 1024**2 / ARCHIVE_MAX_RATIO  # far past the ratio limit
    before = store.engine.table_counts()
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveError) as refused:
            import_archive(store, bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert "times its packed size" in message
    assert "/tmp" not in message and str(tmp_path) not in message  # no internal path shown
    assert store.engine.table_counts() == before
    print(
        f"\nzip bomb of {bomb.stat().st_size / 1024**2:.1f} MB declaring {UNPACKED_MB} MB: peak {peak / 1024**2:.1f} MB"
    )
    assert peak < 64 * 1024**2  # never inflated into memory
