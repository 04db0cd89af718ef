"""Issue 9, the audit trail: what is recorded (through the real /signin routes and the command line), that no
entry holds an answer or a note, `mendwell audit` and its filters, `audit verify` catching an altered or a
removed entry, and a whole chain under concurrent appends."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from mendwell import audit, periods, tokens
from mendwell.data import Database, release, shared
from mendwell.instruments import Catalog
from mendwell.limits import FREE_ATTEMPTS
from server.routes import routes
from tests.support.auth import PASSCODE, partner_accounts, therapist
from tests.support.cli import ok, run_cli
from tests.support.data import check_in, make_couple, opened, whole_plan

NOTE = "AUDIT-NOTE-CONTENT-MARKER"
PRIVATE_NOTE = "AUDIT-PRIVATE-NOTE-MARKER"
WRONG = "wrong-passcode-MARKER"


@pytest.fixture
def planted(db_file: Path, catalog: Catalog) -> tuple[int, int]:
    """Two couples with notes; the first couple's partners and a therapist have accounts. (couple ids)"""
    with opened(db_file) as store:
        store.definitions.register(catalog.instruments)
        couple = make_couple(store, "Audit Pair", ("Ava", "Ben"))
        a, b = (p.partner_id for p in couple.partners)
        check_in(store, catalog, a, periods.month_start(), whole_plan(catalog, 2), note=(NOTE, False))
        check_in(store, catalog, b, periods.month_start(), whole_plan(catalog, 3), note=(PRIVATE_NOTE, True))
        other = make_couple(store, "Other Pair", ("Cleo", "Dan")).couple_id
        partner_accounts(store, couple)
        therapist(store, "Dr Audit", [couple.couple_id])
    return couple.couple_id, other


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    text: str


class Client:
    """A small ASGI client for the real routes mounted in a Starlette app, with a cookie jar.

    (`starlette.testclient.TestClient` needs the `httpx2` package, which the project does not install.)"""

    def __init__(self) -> None:
        self.app = Starlette(routes=routes())
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, data: dict[str, str] | None = None) -> Response:
        path, _, query = url.partition("?")
        body = urlencode(data or {}).encode()
        headers = [(b"host", b"testserver"), (b"accept", b"text/html")]
        if self.cookies:
            headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()))
        if data is not None:
            headers.append((b"content-type", b"application/x-www-form-urlencoded"))
            headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "root_path": "",
        }  # fmt: skip
        sent: list[Message] = []
        fed = False

        async def receive() -> Message:
            nonlocal fed
            if not fed:
                fed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        # in a thread of its own: a browser test's event loop may be running in this one
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, self.app(scope, receive, send)).result()
        start = next(m for m in sent if m["type"] == "http.response.start")
        raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        cookies = [v for k, v in raw if k.lower() == "set-cookie"]
        for c in cookies:
            morsel = SimpleCookie(c)
            for key, m in morsel.items():
                if m.value and "max-age=0" not in c.lower() and "1970" not in c:
                    self.cookies[key] = m.value
                else:
                    self.cookies.pop(key, None)
        text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
        return Response(int(start["status"]), {k.lower(): v for k, v in raw}, cookies, text)

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(self, url: str, data: dict[str, str]) -> Response:
        return self.request("POST", url, data)


@pytest.fixture
def client(db_file: Path) -> Iterator[Client]:
    """The real sign-in routes, on the test's database (the process's shared Database, closed after)."""
    yield Client()
    release(shared(db_file))


def _token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: Client, name: str, passcode: str) -> str:
    """Post the real form; returns the page's text (the redirect is not followed)."""
    page = client.get("/signin")
    assert page.status_code == 200, page.text
    resp = client.post("/signin?next=/trends", {"name": name, "passcode": passcode, "form_token": _token(page.text)})
    return f"{resp.status_code} {resp.headers.get('location', '')} {resp.text}"


def entries_text(db: Database) -> str:
    return "\n".join(f"{e.actor}|{e.action}|{e.couple_id}|{e.detail}" for e in audit.readable(db, audit.entries(db)))


def test_sign_in_success_failure_and_sign_out_are_recorded(
    client: Client, planted: tuple[int, int], db_file: Path
) -> None:
    assert sign_in(client, "Dr Audit", WRONG).startswith("200")
    assert sign_in(client, "Nobody Here", WRONG).startswith("200")
    ok_resp = sign_in(client, "Dr Audit", PASSCODE)
    assert ok_resp.startswith("303 /trends"), ok_resp
    assert client.cookies.get(tokens.COOKIE)
    out = client.get("/signout")
    assert out.status_code == 303 and out.headers["location"].startswith("/signin")
    db = shared(db_file)
    actions = [(e.actor, e.action) for e in audit.readable(db, audit.entries(db))]
    # a known name's failure names the account; an unknown name is recorded as anonymous, never as typed
    assert actions.count(("Dr Audit", audit.SIGN_IN_FAILED)) == 1
    assert actions.count((audit.ANONYMOUS, audit.SIGN_IN_FAILED)) == 1
    assert "Nobody Here" not in entries_text(shared(db_file))
    assert ("Dr Audit", audit.SIGN_IN) in actions
    assert ("Dr Audit", audit.SIGN_OUT) in actions
    assert actions.index(("Dr Audit", audit.SIGN_IN)) < actions.index(("Dr Audit", audit.SIGN_OUT))
    text = entries_text(db)
    assert WRONG not in text and PASSCODE not in text, "a passcode typed was recorded"
    assert audit.verify(db).ok


def test_the_sign_in_page_says_a_wait_in_plain_words_and_when_a_passcode_was_not_checked(
    client: Client, planted: tuple[int, int]
) -> None:
    """Found: "please wait 1 seconds", and a try refused for coming too soon read like a wrong passcode (whoever
    typed the right one thought it wrong)."""
    said = [html.unescape(sign_in(client, "Dr Audit", WRONG)) for _ in range(FREE_ATTEMPTS)]
    assert "That name and passcode did not match. To keep guessing slow, please wait 2 seconds" in said[-1]
    too_soon = html.unescape(sign_in(client, "Dr Audit", PASSCODE))  # the right one, at once
    assert too_soon.startswith("200")
    assert re.search(
        r"that passcode was not checked yet\. Please wait (1 second|[2-9] seconds) and try again", too_soon
    )
    assert "did not match" not in too_soon


def test_leave_now_request_ends_only_the_sign_in_it_carries(
    client: Client, planted: tuple[int, int], db_file: Path
) -> None:
    """POST /signout (sent by "Leave now" at the tap): without the cookie (another site's page cannot send it,
    SameSite=Strict) it ends nothing; with it, the sign-in ends, the cookie is forgotten and the trail says so."""
    assert sign_in(client, "Ava", PASSCODE).startswith("303")
    held = dict(client.cookies)
    client.cookies.clear()
    assert client.request("POST", "/signout").status_code == 204
    db = shared(db_file)
    assert db.engine.read("SELECT count(*) AS n FROM sign_ins WHERE ended_at IS NULL")["n"].item() == 1
    client.cookies.update(held)
    out = client.request("POST", "/signout")
    assert out.status_code == 204 and out.headers["cache-control"] == "no-store"
    assert tokens.COOKIE not in client.cookies, out.set_cookies
    assert db.engine.read("SELECT count(*) AS n FROM sign_ins WHERE ended_at IS NULL")["n"].item() == 0
    assert [(e.actor, e.action, e.detail) for e in audit.readable(db, audit.entries(db))][-1] == (
        "Ava",
        audit.SIGN_OUT,
        "leave now",
    )


def _cli_run(planted: tuple[int, int], db_file: Path, tmp_path: Path) -> tuple[list[tuple[str, int | None]], str]:
    """Export, archive, erase, import and account changes from the command line; the entries after."""
    couple_id, other = planted
    ok(run_cli(db_file, "export", str(tmp_path / "out"), "--couple", str(couple_id)))
    ok(run_cli(db_file, "export", str(tmp_path / "shared"), "--shared-only"))
    ok(run_cli(db_file, "archive", str(tmp_path / "a.zip"), "--couple", str(other)))
    ok(run_cli(db_file, "erase", "--couple", str(other), "--yes"))
    ok(run_cli(db_file, "import", str(tmp_path / "a.zip")))
    add = subprocess.run(
        [*_cli_prefix(), "account", "add", "Dr New", "--therapist"], input="new-pass-1\n", capture_output=True,
        text=True, env=_env(db_file), cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    ok(run_cli(db_file, "account", "grant", "Dr New", "--couple", str(couple_id)))
    with opened(db_file) as db:
        found = [(e.action, e.couple_id) for e in audit.entries(db)]
        text = entries_text(db)
        assert audit.verify(db).ok
    return found, text


def test_the_cli_records_exports_and_account_changes(planted: tuple[int, int], db_file: Path, tmp_path: Path) -> None:
    couple_id, _ = planted
    found, text = _cli_run(planted, db_file, tmp_path)
    for action, cid in ((audit.EXPORT, couple_id), (audit.EXPORT, None), (audit.ACCOUNT, couple_id)):
        assert (action, cid) in found, (action, cid, found)
    lines = [line.split("|") for line in text.splitlines()]
    assert any(a == audit.ACCOUNT and "Dr New" in d for _, a, _, d in lines), text
    assert any(a == audit.EXPORT and "everything" in d for _, a, _, d in lines), text
    for marker in (NOTE, PRIVATE_NOTE, "new-pass-1"):
        assert marker not in text, marker


def test_the_cli_records_archives_imports_and_erasures(planted: tuple[int, int], db_file: Path, tmp_path: Path) -> None:
    _, other = planted
    found, _ = _cli_run(planted, db_file, tmp_path)
    assert (audit.ARCHIVE, other) in found, found
    assert (audit.ERASE, other) in found, found
    assert any(a == audit.IMPORT for a, _ in found), found


def _cli_prefix() -> list[str]:
    import sys

    return [sys.executable, "-m", "mendwell.cli"]


def _env(db: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MENDWELL_")}
    env["MENDWELL_DB"] = str(db)
    return env


def test_no_entry_holds_answer_or_note_content(planted: tuple[int, int], db_file: Path, catalog: Catalog) -> None:
    """Entries say who did what to which couple; the log's whole table never holds a note or an answer text."""
    couple_id, _ = planted
    with opened(db_file) as db:
        for action in (audit.VIEW, audit.SHARE_START, audit.SHARE_STOP, audit.SETTING):
            audit.record(db, "Dr Audit", action, couple_id, "Together")
        rows = db.engine.rows("SELECT * FROM audit_log")
    dump = repr(rows)
    assert NOTE not in dump and PRIVATE_NOTE not in dump
    answer_texts = [it.text for i in catalog.instruments for it in i.items]
    assert not [t for t in answer_texts if t in dump]


def test_audit_prints_and_filters(planted: tuple[int, int], db_file: Path) -> None:
    couple_id, other = planted
    with opened(db_file) as db:
        audit.record(db, "Dr Audit", audit.VIEW, couple_id, "Trends", at=dt.datetime(2020, 1, 2, 3, 4, 5))
        audit.record(db, "Dr Audit", audit.VIEW, other, "Home", at=dt.datetime(2021, 6, 1, 9, 0, 0))
        audit.record(db, "Dr Audit", audit.VIEW, couple_id, "Themes", at=dt.datetime(2022, 6, 1, 9, 0, 0))
    everything = ok(run_cli(db_file, "audit")).stdout.splitlines()
    assert everything[0].split("\t") == ["seq", "at", "actor", "action", "couple", "detail"]
    assert len(everything) == 4
    assert "2020-01-02 03:04:05\tDr Audit\tview\t" + str(couple_id) + "\tTrends" in everything[1]
    mine = ok(run_cli(db_file, "audit", "--couple", str(couple_id))).stdout.splitlines()[1:]
    assert [line.split("\t")[-1] for line in mine] == ["Trends", "Themes"]
    since = ok(run_cli(db_file, "audit", "--since", "2021-01-01")).stdout.splitlines()[1:]
    assert [line.split("\t")[-1] for line in since] == ["Home", "Themes"]
    both = ok(run_cli(db_file, "audit", "--couple", str(couple_id), "--since", "2021-01-01")).stdout.splitlines()[1:]
    assert [line.split("\t")[-1] for line in both] == ["Themes"]
    bad = run_cli(db_file, "audit", "--since", "yesterday")
    assert bad.returncode == 1 and "YYYY-MM-DD" in (bad.stdout + bad.stderr)


def _three_entries(db_file: Path) -> None:
    with opened(db_file) as db:
        for detail in ("one", "two", "three"):
            audit.record(db, "Dr Audit", audit.VIEW, None, detail)


def test_verify_notices_an_altered_entry(planted: tuple[int, int], db_file: Path) -> None:
    _three_entries(db_file)
    whole = run_cli(db_file, "audit", "verify")
    assert whole.returncode == 0 and "3 entries" in whole.stdout, whole.stdout + whole.stderr
    con = duckdb.connect(str(db_file))
    try:
        con.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2")
    finally:
        con.close()
    broken = run_cli(db_file, "audit", "verify")
    assert broken.returncode != 0
    assert "entry 2" in broken.stderr, broken.stderr


def test_verify_notices_a_removed_last_entry(planted: tuple[int, int], db_file: Path) -> None:
    _three_entries(db_file)
    con = duckdb.connect(str(db_file))
    try:
        con.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    finally:
        con.close()
    broken = run_cli(db_file, "audit", "verify")
    assert broken.returncode != 0
    assert "entry 3" in broken.stderr, broken.stderr


def test_verify_notices_a_removed_middle_entry(planted: tuple[int, int], db_file: Path) -> None:
    _three_entries(db_file)
    con = duckdb.connect(str(db_file))
    try:
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    finally:
        con.close()
    broken = run_cli(db_file, "audit", "verify")
    assert broken.returncode != 0 and "entry 2" in broken.stderr, broken.stderr


def test_concurrent_appends_keep_the_chain_whole(store: Database) -> None:
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(15):
                audit.record(store, f"worker {worker}", audit.VIEW, None, f"entry {i}")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    verdict = audit.verify(store)
    assert verdict.ok, verdict.problems
    assert verdict.entries == 8 * 15
    assert [e.seq for e in audit.entries(store)] == list(range(1, 8 * 15 + 1))


def test_an_erased_couples_names_do_not_outlive_them_in_the_trail(
    db_file: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """Partners sign in, look at pages and sign out; their couple is imported again and erased. The trail (append
    only, hash-chained) still reads whole, names the accounts as erased, and nothing in the database file holds
    their names (found before: every entry recorded the partner's name, and an import its couple's)."""
    with opened(db_file) as db:
        couple = make_couple(db, "Kofi & Mina", ("Kofi", "Mina"))
        made = partner_accounts(db, couple)
        check_in(db, catalog, couple.partners[0].partner_id, periods.month_start(), whole_plan(catalog, 2))
        for account in made:
            audit.record(db, audit.actor(account), audit.SIGN_IN)
            audit.record(db, audit.actor(account), audit.VIEW, couple.couple_id, "Trends")
        assert [e.actor for e in audit.readable(db, audit.entries(db))][:2] == ["Kofi", "Kofi"]
    ok(run_cli(db_file, "archive", str(tmp_path / "a.zip"), "--couple", str(couple.couple_id)))
    ok(run_cli(db_file, "erase", "--couple", str(couple.couple_id), "--yes"))
    ok(run_cli(db_file, "import", str(tmp_path / "a.zip")))
    with opened(db_file) as db:
        imported = max(c.couple_id for c in db.couples.all())
        db.couples.erase(imported)
        shown = audit.table(db)
        assert audit.verify(db).ok
    who = set(shown["Who"])
    assert {f"{audit.actor(a)} (erased)" for a in made} <= who
    assert not [n for n in ("Kofi", "Mina") if n in " ".join(shown.astype(str).to_numpy().ravel())]
    raw = db_file.read_bytes()
    assert b"Kofi" not in raw and b"Mina" not in raw
