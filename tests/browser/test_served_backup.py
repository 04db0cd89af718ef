"""Backups, archives and erasure while the real app serves the database: the running app makes the copy
and the archive for the command line, and an erase is refused (the rest: tests/store/test_data_ownership.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mendwell.data import Database
from tests.support.auth import browser_sign_in, partner_accounts
from tests.support.cli import BUSY, run_cli
from tests.support.data import MAIN_TABLES, fingerprint, opened
from tests.support.server import ServerFactory

pytestmark = pytest.mark.browser


def test_backup_and_erase_while_the_app_serves(
    demo_store: Database, db_file: Path, tmp_path: Path, server_factory: ServerFactory, page: Page
) -> None:
    first_couple = demo_store.couples.all()[0]
    partner, _ = partner_accounts(demo_store, first_couple)
    counts = demo_store.engine.table_counts()
    before = {t: v for t, v in fingerprint(demo_store).items() if t in MAIN_TABLES}
    name = first_couple.name
    demo_store.close()
    srv = server_factory(db_file)
    browser_sign_in(page, srv.url, partner.name)  # the first script run opens the store (and its request watcher)
    try:
        expect(page.get_by_text(name).first).to_be_visible()
    except AssertionError as exc:
        raise AssertionError(f"the app did not show the couple; its log:\n{srv.log.read_text()[-3000:]}") from exc

    out = tmp_path / "served-backup.duckdb"
    done = run_cli(db_file, "backup", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Backed up to {out.resolve()} (made by the running app)." in done.stdout

    # an archive too (the Data page shows its command while the app runs): the app writes it
    archived = run_cli(db_file, "archive", str(tmp_path / "served.zip"))
    assert archived.returncode == 0, archived.stderr
    assert "made by the running app" in archived.stdout and (tmp_path / "served.zip").stat().st_size > 0

    erase = run_cli(db_file, "erase", "--couple", "1", "--yes")
    assert erase.returncode == 1
    assert BUSY in erase.stderr and "Traceback" not in erase.stderr

    with opened(out) as copy:
        assert copy.engine.table_counts() == counts
        assert {t: v for t, v in fingerprint(copy).items() if t in MAIN_TABLES} == before
    srv.stop()
    with opened(db_file) as served:
        assert served.engine.table_counts() == counts  # the refused erase changed nothing
