"""Asking the running app to do what only the process holding the database can.

DuckDB lets one process open the file. While the app serves, `mendwell backup`
and `mendwell archive` drop a request file next to the database; a watcher
thread in the app picks it up within a second, makes the backup or archive on
its own connection, and writes the result back. Only these two can be requested
this way, by whoever may write in the database's folder (as the commands need).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

from mendwell import audit
from mendwell.archive import export_archive
from mendwell.data import Database
from mendwell.errors import DatabaseError, MendwellError

POLL_SECONDS = 0.5


def request_dir(db: Path) -> Path:
    """Where requests for the app holding `db` are dropped."""
    return db.with_name(db.name + ".requests")


def ask_app_for_backup(db: Path, out: Path, timeout: float = 60.0) -> Path:
    """Ask the serving app to back up `db` to `out`; waits for its answer."""
    return _ask(db, {"kind": BACKUP, "out": str(Path(out).resolve())}, timeout)


def ask_app_for_archive(db: Path, out: Path, couple_id: int | None, timeout: float = 600.0) -> Path:
    """Ask the serving app to write an archive of `db` (of one couple, or of everything) to `out`, logged as the
    operator's, as the command line's own is; waits for its answer."""
    return _ask(db, {"kind": ARCHIVE, "out": str(Path(out).resolve()), "couple": couple_id}, timeout)


BACKUP, ARCHIVE = "backup", "archive"


def _ask(db: Path, request: dict[str, object], timeout: float) -> Path:
    what = str(request["kind"])
    folder = request_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    rid = uuid.uuid4().hex
    tmp = folder / f"{rid}.tmp"
    tmp.write_text(json.dumps(request))
    tmp.replace(folder / f"{rid}.request")
    answer = folder / f"{rid}.answer"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answer.exists():
            result = json.loads(answer.read_text())
            answer.unlink(missing_ok=True)
            if result.get("ok"):
                return Path(result["out"])
            raise DatabaseError(f"The app could not make the {what}: {result.get('message')}")
        time.sleep(0.2)
    (folder / f"{rid}.request").unlink(missing_ok=True)
    raise DatabaseError(
        f"The database {db} is held by another process that did not answer within {timeout:.0f} s. "
        "If Mendwell is running, is it an older version? Otherwise stop that process and run this again."
    )


def _serve_once(db: Database, folder: Path) -> None:
    for req in sorted(folder.glob("*.request")):
        answer = req.with_suffix(".answer")
        try:
            data = json.loads(req.read_text())
            if data.get("kind") == BACKUP:
                out = db.backup(Path(str(data["out"])))
            elif data.get("kind") == ARCHIVE:
                couple = data.get("couple")
                out = export_archive(db, Path(str(data["out"])), None if couple is None else int(couple))
                audit.record(db, audit.OPERATOR, audit.ARCHIVE, None if couple is None else int(couple))
            else:
                raise MendwellError("only a backup or an archive can be requested")
            result = {"ok": True, "out": str(out)}
        except (MendwellError, OSError, ValueError, KeyError) as exc:
            result = {"ok": False, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - report any failure to the waiting command
            result = {"ok": False, "message": f"{type(exc).__name__}: {exc}"}
        tmp = answer.with_suffix(".answer-tmp")
        tmp.write_text(json.dumps(result))
        tmp.replace(answer)
        req.unlink(missing_ok=True)


def start_watcher(db: Database) -> threading.Event:
    """Serve backup and archive requests for `db` in a daemon thread; set the returned event to stop."""
    stop = threading.Event()
    folder = request_dir(db.path)

    def loop() -> None:
        while not stop.wait(POLL_SECONDS):
            if folder.is_dir():
                try:
                    _serve_once(db, folder)
                except Exception:  # noqa: BLE001 - the watcher must outlive one bad request
                    time.sleep(POLL_SECONDS)

    threading.Thread(target=loop, name="mendwell-requests", daemon=True).start()
    return stop
