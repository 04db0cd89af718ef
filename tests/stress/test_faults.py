"""Fault injection on real DuckDB files with real processes.

- A writer process (tests/tools/writer.py) submits check-ins through the real
  Database and is killed with SIGKILL at a random moment after its first check-in
  (scaled to the pace of that check-in, not to the clock), 50 times on one file;
  after each kill the file is reopened (WAL replay) and checked whole.
- The same during a demo bulk load: all of its rows or none.
- A read-only database (file and/or folder) refuses with a plain MendwellError.
- A full disk (RLIMIT_FSIZE on the writer) fails with a plain MendwellError, and
  the file opens afterwards with every check-in complete or absent.

Figures go to the test output and to test-artifacts/faults.txt.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import os
import pwd
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mendwell.config import PROJECT_DIR
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.data import new_database, opened
from tests.support.figures import Figures
from tests.support.paths import WRITER
from tests.tools.writer import note_body

CRASH_ROUNDS = 50
DEMO_KILLS = 5


FIGURES = Figures("faults")


@pytest.fixture(scope="module", autouse=True)
def _fresh_figures() -> None:
    """test-artifacts/faults.txt holds the figures of the latest run of this file."""
    FIGURES.reset()


# -- a writer process ---------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    lines: list[str]
    stderr: str


def run_writer(
    *args: object, prefix: Sequence[str] = (), preexec_fn: Callable[[], None] | None = None, timeout: float = 120
) -> Run:
    """Run tests/tools/writer.py to its end (it bounds its own loops) and collect what it said."""
    done = subprocess.run(
        [*prefix, sys.executable, str(WRITER), *map(str, args)],
        cwd=PROJECT_DIR, capture_output=True, text=True, preexec_fn=preexec_fn, timeout=timeout,
    )  # fmt: skip
    return Run(done.returncode, done.stdout.splitlines(), done.stderr)


class Zygote:
    """`writer.py zygote`: forks writer processes with duckdb, pandas and numpy already imported.

    A fresh Python needs about a second to import them; 50 kill rounds would spend most of their
    time there. A forked child is still a process of its own with its own DuckDB instance, killed
    with SIGKILL like any other.
    """

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._stderr = (tmp / "zygote.err").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), "zygote"],
            cwd=PROJECT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},  # no threads to fork
        )
        self.count = 0
        assert self._ask(None) == ["zygote"], self.stderr()

    def _ask(self, command: str | None) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if command is not None:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, f"the zygote died: {self.stderr()}"
        return answer.split()

    def stderr(self) -> str:
        return (self.tmp / "zygote.err").read_text(errors="replace")

    def start(self, *args: object) -> Child:
        self.count += 1
        out = self.tmp / f"child-{self.count}.out"
        out.touch()
        word, pid = self._ask(" ".join(["run", str(out), *map(str, args)]))
        assert word == "pid", (word, pid)
        return Child(self, int(pid), out)

    def wait(self, pid: int) -> int:
        word, _, code = self._ask(f"wait {pid}")
        assert word == "exited", word
        return int(code)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


class Child:
    """One forked writer: its stdout lines are in a file (written line by line, so a kill loses none)."""

    def __init__(self, zygote: Zygote, pid: int, out: Path) -> None:
        self.zygote, self.pid, self.out = zygote, pid, out
        self.code: int | None = None

    @property
    def lines(self) -> list[str]:
        text = self.out.read_text(encoding="utf-8")
        whole, _, partial = text.rpartition("\n")
        assert not partial or self.code is None, f"a partial line: {partial!r}"
        return whole.split("\n") if whole else []

    def wait_for(self, prefix: str, timeout: float = 30) -> float:
        """Wait until a line starting with `prefix` was printed; returns the time it was seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.startswith(prefix) for line in self.lines):
                return time.monotonic()
            time.sleep(0.002)
        self.kill()
        raise AssertionError(f"the writer never printed {prefix!r}: {self.lines[-5:]}\n{self.zygote.stderr()}")

    def kill(self) -> int:
        """SIGKILL, then wait until the process is gone (so its lock on the file is released)."""
        if self.code is None:
            os.kill(self.pid, signal.SIGKILL)
            self.code = self.zygote.wait(self.pid)
        return self.code

    def finish(self) -> int:
        if self.code is None:
            self.code = self.zygote.wait(self.pid)
        return self.code


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    z = Zygote(tmp_path)
    yield z
    z.close()


# -- what the writers said, and what the file must hold ---------------------------------------------


@dataclass
class Ledger:
    """Everything writer processes reported, over all rounds on one file."""

    plans: dict[int, dict[str, int]] = field(default_factory=dict)  # checkin -> {instrument: answers}
    opened: set[int] = field(default_factory=set)
    saved: set[tuple[int, str]] = field(default_factory=set)
    noted: set[int] = field(default_factory=set)
    submitted: set[int] = field(default_factory=set)
    couples: dict[int, tuple[int, int]] = field(default_factory=dict)

    def read(self, lines: list[str]) -> None:
        for line in lines:
            word, *rest = line.split()
            if word == "couple":
                self.couples[int(rest[0])] = (int(rest[1]), int(rest[2]))
            elif word == "open":
                self.opened.add(int(rest[0]))
            elif word == "begin" and rest[0] == "answers":
                self.plans.setdefault(int(rest[1]), {})[rest[2]] = int(rest[3])
            elif word == "answers":
                self.saved.add((int(rest[0]), rest[1]))
            elif word == "note":
                self.noted.add(int(rest[0]))
            elif word == "submitted":
                self.submitted.add(int(rest[0]))


def check_file(path: Path, ledger: Ledger, in_flight: str = "") -> tuple[dict[str, int], bool | None]:
    """Reopen the file (WAL replay) and check every check-in is complete or absent.

    Returns the row counts, and whether the write in flight at the kill (a `begin ...` line)
    was found committed (None when it cannot be told).
    """
    s = Database(path)  # raises on a corrupt file or a failed replay
    try:
        with s.engine.cursor() as cur:
            assert cur.execute("PRAGMA database_size").fetchall()
            cur.execute("CHECKPOINT")  # the replayed data must also write back cleanly
        counts = s.engine.table_counts()
        dup = s.engine.read(
            "SELECT checkin_id, instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL HAVING n > 1"
        )
        assert dup.empty, f"duplicate answers:\n{dup}"
        twice = s.engine.read("SELECT partner_id, period, count(*) AS n FROM checkins GROUP BY ALL HAVING n > 1")
        assert twice.empty, f"two check-ins for one partner and month:\n{twice}"
        stray = s.engine.read(
            "SELECT 'response' AS what, checkin_id FROM responses WHERE checkin_id NOT IN (SELECT checkin_id FROM "
            "checkins) UNION ALL SELECT 'note', checkin_id FROM notes WHERE checkin_id NOT IN (SELECT checkin_id "
            "FROM checkins) UNION ALL SELECT 'checkin', checkin_id FROM checkins WHERE partner_id NOT IN "
            "(SELECT partner_id FROM partners)"
        )
        assert stray.empty, f"rows of nothing:\n{stray}"
        halves = s.engine.read("SELECT couple_id, count(p.partner_id) AS n FROM couples LEFT JOIN partners p USING "
                         "(couple_id) GROUP BY ALL HAVING n <> 2")  # fmt: skip
        assert halves.empty, f"couples without their two partners:\n{halves}"
        unknown = s.engine.read(
            "SELECT r.* FROM responses r ANTI JOIN instrument_items i ON i.instrument_id = r.instrument_id "
            "AND i.version = r.instrument_version AND i.item_id = r.item_id"
        )
        assert unknown.empty, f"answers to no known question:\n{unknown}"

        status = dict(s.engine.read("SELECT checkin_id, status FROM checkins").itertuples(index=False, name=None))
        held: dict[int, dict[str, int]] = collections.defaultdict(dict)
        for cid, inst, n in s.engine.read(
            "SELECT checkin_id, instrument_id, count(*) FROM responses GROUP BY ALL"
        ).itertuples(index=False, name=None):
            held[cid][inst] = n
        notes = dict(s.engine.read("SELECT checkin_id, body FROM notes").itertuples(index=False, name=None))

        for cid, st in status.items():
            plan = ledger.plans.get(cid, {})
            for inst, n in held.get(cid, {}).items():
                # one save_answers call is one transaction: all of its answers or none
                assert inst in plan and n == plan[inst], (cid, inst, n, plan)
            if cid in notes:
                assert notes[cid] == note_body(cid), cid
            if st == "submitted":
                assert cid in ledger.opened, cid
                assert held.get(cid, {}) == plan, (cid, held.get(cid), plan)
                assert cid in notes, f"check-in {cid} was submitted without its note"
            else:
                assert st == "draft", (cid, st)
        for cid in ledger.submitted:
            assert status.get(cid) == "submitted", f"check-in {cid} was reported submitted but is {status.get(cid)}"
        for cid, inst in ledger.saved:
            assert held.get(cid, {}).get(inst) == ledger.plans[cid][inst], f"committed answers lost: {cid} {inst}"
        for cid in ledger.noted:
            assert cid in notes, f"committed note of check-in {cid} lost"
        for couple_id in ledger.couples:
            assert s.couples.get(couple_id) is not None, f"committed couple {couple_id} lost"
        counts["submitted"] = sum(1 for v in status.values() if v == "submitted")
        counts["drafts"] = sum(1 for v in status.values() if v == "draft")
        step = in_flight.split()[1:] if in_flight.startswith("begin ") else []
        landed: bool | None = None
        if step[:1] == ["open"]:
            landed = s.checkins.get(int(step[1]), dt.date.fromisoformat(step[2])) is not None
        elif step[:1] == ["answers"]:
            landed = held.get(int(step[1]), {}).get(step[2]) == int(step[3])
        elif step[:1] == ["note"]:
            landed = int(step[1]) in notes
        elif step[:1] == ["submit"]:
            landed = status.get(int(step[1])) == "submitted"
        return counts, landed
    finally:
        s.close()


@pytest.fixture
def prepared_db(tmp_path: Path, catalog: Catalog) -> Path:
    """A database file with the schema and the instruments, closed."""
    return new_database(tmp_path / "faults.duckdb", catalog)


# -- kill -9 during submits -------------------------------------------------------------------------


def test_kill_during_submits_keeps_every_checkin_complete_or_absent(prepared_db: Path, zygote: Zygote) -> None:
    rng = random.Random(20240611)
    ledger = Ledger()
    last_steps: collections.Counter[str] = collections.Counter()
    delays: list[float] = []
    paces: list[float] = []
    started = time.monotonic()
    counts: dict[str, int] = {}
    in_flight: collections.Counter[str] = collections.Counter()
    for rnd in range(CRASH_ROUNDS):
        writer = zygote.start(prepared_db, 1000 + rnd, "checkins")
        # Progress, not the clock, decides when to kill: after the writer's first whole check-in,
        # at a random moment of the next two or so, scaled to how long that first one took here.
        ready = writer.wait_for("ready")
        first = writer.wait_for("submitted")  # a hang guard only: it waits as long as it must
        pace = first - ready
        delay = rng.uniform(0.0, 2.0) * pace
        time.sleep(max(0.0, first + delay - time.monotonic()))
        assert writer.kill() == -signal.SIGKILL, zygote.stderr()
        assert "Traceback" not in zygote.stderr(), zygote.stderr()
        delays.append(delay)
        paces.append(pace)
        lines = writer.lines
        ledger.read(lines)
        last = lines[-1].split()
        last_steps[" ".join(last[:2]) if last[0] == "begin" else "between transactions"] += 1
        try:
            counts, landed = check_file(prepared_db, ledger, lines[-1])
        except AssertionError as exc:
            raise AssertionError(f"round {rnd} (killed {delay * 1000:.0f} ms after the first submit, last line "
                                 f"{lines[-1]!r}): {exc}") from None  # fmt: skip
        in_flight[{True: "committed", False: "rolled back", None: "unknown"}[landed]] += 1
    seconds = time.monotonic() - started
    mid = sum(n for step, n in last_steps.items() if step.startswith("begin"))
    FIGURES.report(
        "kill -9 during submits",
        [
            f"{CRASH_ROUNDS} rounds on one file in {seconds:.1f} s ({CRASH_ROUNDS / seconds:.1f} rounds/s); "
            f"a first check-in took {min(paces) * 1000:.0f}-{max(paces) * 1000:.0f} ms; kill "
            f"{min(delays) * 1000:.0f}-{max(delays) * 1000:.0f} ms after it",
            f"kills that landed mid-transaction (last line 'begin ...'): {mid} of {CRASH_ROUNDS}: "
            + ", ".join(f"{step} {n}" for step, n in sorted(last_steps.items())),
            "the write in flight at the kill, found after reopening: "
            + ", ".join(f"{what} {n}" for what, n in sorted(in_flight.items())),
            f"reported committed: {len(ledger.submitted)} submits, {len(ledger.saved)} answer sets, "
            f"{len(ledger.noted)} notes; file now: {counts}",
        ],
    )
    # the test only means something if kills did land inside writes
    assert mid >= CRASH_ROUNDS // 2, last_steps
    assert len(ledger.submitted) >= CRASH_ROUNDS, "a round was killed before its first submit"
    assert counts["drafts"] >= 1, "no kill ever interrupted a check-in"


def test_kill_during_demo_bulk_load_keeps_all_or_nothing(prepared_db: Path, zygote: Zygote) -> None:
    couples, months = 150, 36

    def sizes() -> tuple[int, ...]:
        with opened(prepared_db) as s:
            return tuple(s.engine.table_counts().values())

    # one load that is not interrupted: how many rows a load adds, and how long it takes
    before = sizes()
    writer = zygote.start(prepared_db, 77, "demo", couples, months)
    writer.wait_for("begin demo")
    writer.wait_for("demo ", timeout=120)
    assert writer.finish() == 0, zygote.stderr()
    load_seconds = float(next(line for line in writer.lines if line.startswith("demo ")).split()[-1])
    whole = tuple(b - a for a, b in zip(before, sizes(), strict=True))
    assert whole[0] == couples and whole[3] > 10_000, whole

    rng = random.Random(5)
    fractions = [0.1 + 1.1 * i / (DEMO_KILLS - 1) for i in range(DEMO_KILLS)]
    rng.shuffle(fractions)
    outcomes: collections.Counter[str] = collections.Counter()
    mid_load = 0
    for fraction in fractions:
        before = sizes()
        writer = zygote.start(prepared_db, 77, "demo", couples, months)
        begun = writer.wait_for("begin demo")
        time.sleep(max(0.0, begun + fraction * load_seconds - time.monotonic()))
        assert writer.kill() in (0, -signal.SIGKILL), zygote.stderr()
        last = writer.lines[-1]
        mid_load += last == "begin demo"
        added = tuple(b - a for a, b in zip(before, sizes(), strict=True))
        assert added in (whole, (0,) * len(whole)), f"a partial demo load after a kill at {last!r}: {added}"
        outcomes["all rows" if added == whole else "no rows"] += 1
        if last.startswith("demo "):
            assert added == whole, "a load reported as committed is missing"
    FIGURES.report(
        "kill -9 during demo bulk loads",
        [
            f"load of {couples} couples x {months} months: {whole[2]:,} check-ins, {whole[3]:,} answers, "
            f"{load_seconds:.2f} s uninterrupted",
            f"{DEMO_KILLS} kills at {', '.join(f'{f:.2f}' for f in fractions)} of that time: "
            f"{mid_load} landed mid-load; outcomes: {dict(outcomes)}",
        ],
    )
    assert mid_load >= 1, "no kill landed during a load"
    assert outcomes["no rows"] >= 1


# -- a read-only database --------------------------------------------------------------------------


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply to the child: as root, become `nobody`.

    The child keeps only CAP_DAC_READ_SEARCH (as an ambient capability), so it can still read the
    Python installation under /root and reach pytest's private tmp_path, but every write is checked
    against the permissions like anyone else's.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to drop privileges, so permissions do not apply")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no 'nobody' user to drop to, so permissions do not apply")
    return [
        setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
        "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search",
    ]  # fmt: skip


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("file_writable", [False, True], ids=["file-and-folder-read-only", "folder-read-only"])
def test_read_only_database_is_refused_plainly(tmp_path: Path, catalog: Catalog, file_writable: bool) -> None:
    run_as = _unprivileged()
    folder = tmp_path / "readonly"
    db = folder / "mendwell.duckdb"
    s = Database(db)
    s.definitions.register(catalog.instruments)
    s.couples.create("Ann & Bob", ["Ann", "Bob"])
    counts = s.engine.table_counts()
    s.close()
    db.chmod(0o666 if file_writable else 0o444)
    folder.chmod(0o555)
    try:
        before = _digest(folder)
        probe = subprocess.run(
            [*run_as, sys.executable, "-c", "import os, sys; print(os.access(sys.argv[1], os.W_OK))", str(folder)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        if probe.stdout.strip() != "False":
            pytest.skip("permissions do not apply to this user, so a read-only file cannot be made")

        # the Database itself
        writer = run_writer(db, 1, "probe", prefix=run_as)
        assert writer.code == 0, writer.stderr
        assert "Traceback" not in writer.stderr, writer.stderr
        word, _, payload = writer.lines[-1].partition(" ")
        assert word == "refused", writer.lines
        outcome = json.loads(payload)
        assert outcome["type"] == "DatabaseError", outcome
        assert outcome["stage"] == ("write" if file_writable else "open"), outcome
        assert str(db) in outcome["message"] and "Permission denied" in outcome["message"], outcome
        if file_writable:
            assert "could not be written" in outcome["message"], outcome

        # the command line: one plain line, exit code 1, no traceback
        cli = subprocess.run(
            [*run_as, sys.executable, "-m", "mendwell.cli", "demo", "--couples", "1", "--months", "2"],
            cwd=PROJECT_DIR, env={**os.environ, "MENDWELL_DB": str(db)}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert cli.returncode == 1, (cli.stdout, cli.stderr)
        assert "Traceback" not in cli.stderr and cli.stderr.startswith("mendwell: The database"), cli.stderr
        assert len(cli.stderr.strip().splitlines()) == 1, cli.stderr

        # nothing changed: same bytes, no WAL left behind, same rows
        assert _digest(folder) == before
    finally:
        folder.chmod(0o755)
    with opened(db) as s:
        assert s.engine.table_counts() == counts
    FIGURES.report(
        f"read-only database ({'folder' if file_writable else 'file and folder'})",
        [f"refused at {outcome['stage']}: {outcome['message']}", f"CLI: {cli.stderr.strip()}"],
    )


# -- a full disk -------------------------------------------------------------------------------------


def test_full_disk_fails_plainly_and_the_file_reopens_whole(prepared_db: Path) -> None:
    limit = 128 * 1024  # no file of the writer may grow past this (the WAL starts empty)

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    writer = run_writer(prepared_db, 9, "fill", preexec_fn=small_disk)
    assert writer.code == 0, writer.stderr
    assert "Traceback" not in writer.stderr, writer.stderr
    errors = [json.loads(line.partition(" ")[2]) for line in writer.lines if line.startswith("error ")]
    assert len(errors) == 1, writer.lines[-10:]
    error = errors[0]
    # the app shows a MendwellError's text as it is; anything else becomes "Something went wrong"
    assert error["store_error"], error
    assert error["message"].startswith("The database") and "disk may be full" in error["message"], error
    after = json.loads(next(line for line in writer.lines if line.startswith("after ")).partition(" ")[2])
    assert "read" in after, f"reads fail after the failed write: {after}"
    failed_step = [line for line in writer.lines if line.startswith("begin ")][-1]

    ledger = Ledger()
    ledger.read(writer.lines)
    assert len(ledger.submitted) >= 3, "the disk was full before anything was written"
    counts, _ = check_file(prepared_db, ledger)  # without the limit: WAL replay, nothing half-written
    with opened(prepared_db) as s:
        s.couples.create("After & Full", ["After", "Full"])  # and it takes writes again
    FIGURES.report(
        "disk full (RLIMIT_FSIZE 128 KiB)",
        [
            f"{len(ledger.submitted)} check-ins submitted, then {failed_step!r} failed: {error['message']}",
            f"reopened without the limit: {counts}",
        ],
    )
