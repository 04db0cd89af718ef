"""A Mendwell writer process for the fault-injection tests (tests/test_faults.py).

    python tests/tools/writer.py DB SEED checkins     check-ins until killed (or a bound is reached)
    python tests/tools/writer.py DB SEED fill         check-ins until a write fails, then report it
    python tests/tools/writer.py DB SEED demo COUPLES MONTHS   one demo bulk load (`mendwell demo`'s code)
    python tests/tools/writer.py DB SEED probe        open the store and try one write, then report
    python tests/tools/writer.py zygote               read `run OUT DB SEED MODE...` lines on stdin and
                                                      fork a child for each, its stdout going to OUT

A writer uses the real Database on the real file and says what it does on
stdout, one line per step, flushed at once: `begin <step> ...` before a
transaction and `<step> ...` after its commit. A test that kills it with
SIGKILL still reads every line written before the kill, so it knows which
writes were committed and which one was in flight. Every loop is bounded, so
a writer stops by itself.

The zygote spares each round of a kill test the second a fresh Python needs
to import duckdb, pandas and numpy: its children are forked with all that
loaded, each a process of its own with its own DuckDB instance. It answers
`run` with `pid PID` and `wait PID` with `exited PID CODE`.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback

from mendwell import periods
from mendwell.checkin import Answer, hidden_answered, make_answer, visible_items
from mendwell.config import builtin_assessments_dir
from mendwell.data import Database
from mendwell.errors import MendwellError
from mendwell.instruments import Catalog, Instrument, Item, load_catalog

MAX_CHECKINS = 400  # a bound: ~200 months of one couple, far more than a run reaches before its kill
MAX_SECONDS = 60


def say(*parts: object) -> None:
    print(*parts, flush=True)


def note_body(checkin_id: int) -> str:
    """The note the writer saves for a check-in (the test checks it back)."""
    return f"note of check-in {checkin_id}." + " We talked it through." * 80


def _raw(inst: Instrument, it: Item, rng: random.Random) -> object:
    lo, hi = inst.scale(it)
    if it.kind == "multi":
        return [rng.choice([o.value for o in it.options or ()])]
    if it.kind == "choice":
        return rng.choice([o.value for o in it.options or ()])
    if it.kind == "text":
        return "a few words " * rng.randint(1, 20)
    return rng.randint(int(lo), int(hi))


def full_answers(inst: Instrument, rng: random.Random) -> dict[str, Answer | None]:
    """An answer for every question the partner is asked, follow-ups included (nothing for submit to drop)."""
    answers: dict[str, Answer] = {}
    while True:
        new = [it for it in visible_items(inst, answers) if it.id not in answers]
        if not new:
            break
        for it in new:
            ans = make_answer(inst, it, _raw(inst, it, rng))
            assert ans is not None
            answers[it.id] = ans
    assert not hidden_answered(inst, answers)
    return dict(answers)


def checkins(store: Database, catalog: Catalog, rng: random.Random) -> None:
    instruments = list(catalog.instruments)
    deadline = time.monotonic() + MAX_SECONDS
    say("begin couple")
    couple_id = store.couples.create(f"Writer {rng.randrange(10**6)}", ["Ann", "Bob"])
    couple = store.couples.get(couple_id)
    assert couple is not None
    say("couple", couple_id, *(p.partner_id for p in couple.partners))
    this_month = periods.month_start()
    for i in range(MAX_CHECKINS):
        if time.monotonic() > deadline:
            break
        partner = couple.partners[i % 2]
        period = periods.add_months(this_month, -(i // 2))
        say("begin open", partner.partner_id, period.isoformat())
        draft = store.checkins.open(partner.partner_id, period)
        cid = draft.checkin_id
        say("open", cid, partner.partner_id, period.isoformat())
        for inst in rng.sample(instruments, rng.randint(1, len(instruments))):
            answers = full_answers(inst, rng)
            say("begin answers", cid, inst.id, len(answers))
            store.checkins.save_answers(cid, inst, answers)  # all of them in one transaction
            say("answers", cid, inst.id, len(answers))
        say("begin note", cid)
        store.checkins.save_note(cid, note_body(cid), private=bool(i % 2))
        say("note", cid)
        say("begin submit", cid)
        if not store.checkins.submit(cid, catalog):
            raise AssertionError(f"check-in {cid} was already submitted")
        say("submitted", cid)
    say("bound reached")


def report_failure(store: Database, exc: BaseException) -> None:
    say("error " + json.dumps({"type": type(exc).__name__, "store_error": isinstance(exc, MendwellError),
                               "message": str(exc)}))  # fmt: skip
    try:  # the process goes on serving reads after a failed write
        say("after " + json.dumps({"read": store.engine.table_counts()}))
    except Exception as after:  # noqa: BLE001 - reported to the test, which judges it
        say("after " + json.dumps({"read_error": f"{type(after).__name__}: {after}"}))


def main(argv: list[str]) -> int:
    db, seed, mode, *rest = argv
    rng = random.Random(int(seed))
    catalog = load_catalog([builtin_assessments_dir()])
    assert not catalog.problems, catalog.problems
    if mode == "probe":
        try:
            store = Database(db)
        except MendwellError as exc:
            say("refused " + json.dumps({"stage": "open", "type": type(exc).__name__, "message": str(exc)}))
            return 0
        try:
            couple = store.couples.all()[0]
            draft = store.checkins.open(couple.partners[1].partner_id, periods.month_start())
            inst = catalog.instruments[0]
            store.checkins.save_answers(draft.checkin_id, inst, full_answers(inst, rng))
            store.checkins.submit(draft.checkin_id, catalog)
        except Exception as exc:  # noqa: BLE001 - the type is what the test checks
            say("refused " + json.dumps({"stage": "write", "type": type(exc).__name__, "message": str(exc)}))
        else:
            say("written")
        store.close()
        return 0

    store = Database(db)
    store.definitions.register(catalog.instruments)
    say("ready")
    if mode == "checkins":
        checkins(store, catalog, rng)
    elif mode == "fill":
        try:
            checkins(store, catalog, rng)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which judges it
            report_failure(store, exc)
    elif mode == "demo":
        from mendwell.demo import generate  # what `mendwell demo` runs

        couples, months = int(rest[0]), int(rest[1])
        say("begin demo")
        result = generate(store, catalog, couples=couples, months=months, seed=int(seed))
        say("demo", result.couples, result.checkins, result.responses, f"{result.seconds:.3f}")
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    try:
        store.close()
    except Exception as exc:  # noqa: BLE001 - e.g. the final checkpoint on a full disk
        say("close " + json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    else:
        say("closed")
    return 0


def zygote() -> int:
    """Fork a writer per `run` command, with everything imported already."""
    import mendwell.demo  # noqa: F401 - loaded once here, for the demo children

    say("zygote")
    for line in sys.stdin:  # ends when the test closes our stdin
        cmd, *args = line.split()
        if cmd == "run":
            out, *child_args = args
            pid = os.fork()
            if pid == 0:  # the child: a writer process of its own, reporting to OUT
                code = 1
                try:
                    sys.stdout = open(out, "w", buffering=1, encoding="utf-8")  # noqa: SIM115 - until os._exit
                    code = main(child_args)
                except BaseException:  # noqa: BLE001 - shown on stderr, then the child exits
                    traceback.print_exc()
                finally:
                    sys.stderr.flush()
                    os._exit(code)
            say("pid", pid)
        elif cmd == "wait":
            pid = int(args[0])
            _, status = os.waitpid(pid, 0)
            say("exited", pid, os.waitstatus_to_exitcode(status))
    return 0


if __name__ == "__main__":
    raise SystemExit(zygote() if sys.argv[1:] == ["zygote"] else main(sys.argv[1:]))
