"""The Data page's archive and the words around it, with AppTest on the real page and a real DuckDB file.

Found: the page showed `MENDWELL_DB=... mendwell archive ...` as the way to make an archive, a command that failed
while the app held the database (and the page is only seen while it runs): it now asks the app. It said the file
lives "on this computer" to a phone; and before anything was erased, "1 backup made here earlier still hold
everything they held then, erased couples included".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mendwell.backups import backups_folder
from mendwell.config import db_path
from mendwell.data import Database
from tests.support.apptest import button, ok, open_page, shown, sign_in, start_app
from tests.support.auth import therapist
from tests.support.data import make_couple
from tests.support.ui import DATA


def test_the_archive_is_made_at_the_command_line_and_the_page_says_it_works_while_the_app_runs(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything, private answers included, never goes through a browser: the page shows the command, which asks
    the running app to write the archive (tests/store/test_cli.py runs it against a serving app)."""
    make_couple(store, "Ada & Priya", ("Ada", "Priya"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [], owner=True))
    store.close()
    at = open_page(start_app(), DATA)
    words = shown(at)
    assert f"lives in one file on the computer that runs Mendwell: {db_path()}" in words
    assert "this computer" not in words
    assert "While Mendwell runs, the command asks it to write the archive" in words
    assert f"`MENDWELL_DB={db_path()} .venv/bin/mendwell archive mendwell-archive-" in words  # the command, as words
    assert not at.get("download_button")


def test_backups_made_earlier_are_counted_in_words_that_erase_nothing_yet(
    store: Database, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_couple(store, "Ada & Priya", ("Ada", "Priya"))
    sign_in(monkeypatch, store, therapist(store, "Dr Owner", [], owner=True))
    store.close()
    at = open_page(start_app(), DATA)
    assert not at.warning  # no backups: nothing to say

    folder = backups_folder(db_path())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mendwell-20260101-090000.duckdb").write_bytes(b"a backup")
    ok(at.run())
    [said] = [w.value for w in at.warning]
    assert said.startswith(
        "1 backup made here earlier still holds everything it held when it was made: any couple you erase now, "
        "or have erased since, stays in it."
    ), said
    ok(button(at, "Delete the backups made here").click().run())
    assert "Delete 1 backup for good? Whatever was erased since it was made is then gone everywhere." in shown(at)
    ok(button(at, "Keep them").click().run())

    (folder / "mendwell-20260102-090000.duckdb").write_bytes(b"another")
    ok(at.run())
    [said] = [w.value for w in at.warning]
    assert said.startswith(
        "2 backups made here earlier still hold everything they held when they were made: any couple you erase "
        "now, or have erased since, stays in them."
    ), said
    assert "erased couples included" not in shown(at)
