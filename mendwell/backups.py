"""Where the app keeps its backups (beside the database file), so erasing can say they exist and delete them."""

from __future__ import annotations

from pathlib import Path


def backups_folder(db: Path) -> Path:
    """The folder the Data page writes backups to."""
    return db.resolve().parent / "backups"


def list_backups(db: Path) -> list[Path]:
    """The backup files made by the app."""
    folder = backups_folder(db)
    return sorted(folder.glob("*.duckdb")) if folder.is_dir() else []


def delete_backups(db: Path) -> int:
    """Delete the app's backup files (and their write-ahead logs); returns how many were deleted."""
    found = list_backups(db)
    for path in found:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
    return len(found)
