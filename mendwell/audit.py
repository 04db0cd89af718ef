"""The audit trail (HIPAA 164.312(b)): who did what, when, to which couple; never what anyone answered.

Entries are appended one at a time onto a hash chain: each entry's hash
covers its own fields and the previous entry's hash, and the chain's head is
kept apart. Changing or removing any entry breaks the chain from there on,
which `verify` reports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mendwell.data import Database
from mendwell.data.audit import Entry
from mendwell.model import Account

if TYPE_CHECKING:
    import pandas as pd

OPERATOR = "operator"  # the person at the machine's command line
ANONYMOUS = "anonymous"
# An account is recorded by its number, never its name: the trail is append-only, and an erased couple's names
# must not outlive them in it. Its name is looked up when the trail is read (`named`).
_ACCOUNT = re.compile(r"\baccount (\d+)\b")


def actor(account: Account) -> str:
    """How an account is recorded as the one who acted (or is acted on, in a detail): by its number."""
    return f"account {account.account_id}"


# What is recorded (the `action` of an entry).
SIGN_IN = "sign-in"
SIGN_IN_FAILED = "sign-in refused"
SIGN_OUT = "sign-out"
VIEW = "view"
EXPORT = "export"
ARCHIVE = "archive"
IMPORT = "import"
ERASE = "erase"
SHARE_START = "share start"
SHARE_STOP = "share stop"
ACCOUNT = "account change"
ACCOUNT_REFUSED = "account change refused"  # one's own passcode or second step: the passcode did not match
SETTING = "setting change"
BACKUP = "backup"
REFUSED = "refused"  # asked for something not theirs (a couple not granted)
REPORT = "session report"


def _digest(
    seq: int, at: dt.datetime, actor: str, action: str, couple_id: int | None, detail: str, prev_hash: str
) -> str:
    fields = [seq, at.isoformat(timespec="microseconds"), actor, action, couple_id, detail, prev_hash]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def record(
    db: Database, actor: str, action: str, couple_id: int | None = None, detail: str = "", at: dt.datetime | None = None
) -> int:
    """Append one entry; returns its sequence number. `detail` says what, never any answer or note."""
    return db.audit.append(at or dt.datetime.now(), actor, action, couple_id, detail, _digest)


def entries(db: Database, couple_id: int | None = None, since: dt.date | None = None) -> list[Entry]:
    """Entries in order, optionally for one couple and from a day on."""
    start = dt.datetime.combine(since, dt.time()) if since else None
    return db.audit.entries(couple_id, start)


# the owner's table of the log: its columns as a person reads them
TABLE_COLUMNS = {"seq": "#", "at": "When", "actor": "Who", "action": "What", "couple": "Couple", "detail": "Details"}


def couples_named(db: Database) -> dict[int, str]:
    """Every couple the log can be about, by id: those here by name, then those it names that were since erased,
    by number (their names went with them)."""
    here = {c.couple_id: c.name for c in db.couples.all()}
    return here | {c: f"couple {c} (erased)" for c in db.audit.couple_ids() if c not in here}


def named(db: Database) -> Callable[[str], str]:
    """A function that writes an entry's text for a reader: each account by its name now, or as erased."""
    here = {a.account_id: a.name for a in db.accounts.all()}

    def name(match: re.Match[str]) -> str:
        found = here.get(int(match.group(1)))
        return found if found is not None else f"{match.group(0)} (erased)"

    return lambda text: _ACCOUNT.sub(name, text)


def readable(db: Database, found: list[Entry]) -> list[Entry]:
    """Entries with their accounts named (`named`), for the command line and tests; the chain stays as stored."""
    say = named(db)
    return [dataclasses.replace(e, actor=say(e.actor), detail=say(e.detail)) for e in found]


def table(db: Database, couple_id: int | None = None, since: dt.date | None = None) -> pd.DataFrame:
    """The log as the owner's page shows it, newest first (`TABLE_COLUMNS`): the couple by name (`couples_named`),
    nothing for an entry about no couple; accounts by name (`named`)."""
    start = dt.datetime.combine(since, dt.time()) if since else None
    frame = db.audit.frame(couple_id, start)
    names, say = couples_named(db), named(db)
    ids = frame["couple_id"]
    couples = ["" if none else names.get(int(c), f"couple {int(c)}") for c, none in zip(ids, ids.isna(), strict=True)]
    frame = frame.assign(couple=couples, actor=frame["actor"].map(say), detail=frame["detail"].map(say))
    return frame[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking the chain."""

    ok: bool
    entries: int
    problems: list[str]


def verify(db: Database) -> Verdict:
    """Recompute the chain: every entry's hash, every link, no gap, and the head at the last entry."""
    found = db.audit.entries()
    problems: list[str] = []
    prev = ""
    for expected_seq, e in enumerate(found, start=1):
        if e.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (the next one found is {e.seq})")
            break
        if e.prev_hash != prev:
            problems.append(f"entry {e.seq} does not follow entry {e.seq - 1} (an entry was changed or removed)")
        at = e.at if isinstance(e.at, dt.datetime) else dt.datetime.fromisoformat(str(e.at))
        if _digest(e.seq, at, e.actor, e.action, e.couple_id, e.detail, e.prev_hash) != e.hash:
            problems.append(f"entry {e.seq} was altered after it was written")
        prev = e.hash
    head_seq, head_hash = db.audit.head()
    if not problems and (head_seq != len(found) or head_hash != prev):
        problems.append(f"the log should end at entry {head_seq}, but ends at entry {len(found)}")
    return Verdict(not problems, len(found), problems)
