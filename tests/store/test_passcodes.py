"""Passcodes in the database: the slow-down after wrong tries survives a restart, and only salted
scrypt digests are stored (the gates on the pages: tests/app/test_privacy_pages.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from mendwell import limits, security
from mendwell.data import Database
from tests.support.data import PASSCODE, make_couple, opened


def test_slow_down_after_wrong_passcodes_is_persisted(store: Database, db_file: Path) -> None:
    couple = make_couple(store, "Kai & Lux", ("Kai", "Lux"))
    subject = security.partner_subject(couple.partners[0].partner_id)
    security.set_passcode(store, subject, PASSCODE)
    t0 = dt.datetime(2026, 3, 1, 20, 0, 0)

    # three free tries; the third wrong one starts the wait (2 s, then doubling)
    assert security.verify(store, subject, "wrong-1", now=t0) == security.Attempt(False, 0, 1)
    assert security.verify(store, subject, "wrong-2", now=t0) == security.Attempt(False, 0, 2)
    third = security.verify(store, subject, "wrong-3", now=t0)
    assert (third.ok, third.wait_seconds, third.failures, third.refused) == (False, 2, 3, False)
    # the right passcode, too soon: refused without being checked (and not counted)
    early = security.verify(store, subject, PASSCODE, now=t0 + dt.timedelta(seconds=1))
    assert (early.ok, early.wait_seconds, early.failures, early.refused) == (False, 1, 3, True)

    # the count survives closing the database (a reload, a restart)
    store.close()
    with opened(db_file) as again:
        still = security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=1.5))
        assert (still.ok, still.refused, still.wait_seconds) == (False, True, 1)
        # once the wait is over, a fourth wrong one doubles it ...
        fourth = security.verify(again, subject, "wrong-4", now=t0 + dt.timedelta(seconds=2))
        assert (fourth.ok, fourth.wait_seconds, fourth.failures) == (False, 4, 4)
        assert security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=5)).refused
        # ... and the right one after it opens and clears the count
        assert security.verify(again, subject, PASSCODE, now=t0 + dt.timedelta(seconds=6)).ok
        assert again.engine.read("SELECT * FROM auth_failures").empty
        assert security.verify(again, subject, "wrong-5", now=t0 + dt.timedelta(seconds=6)).wait_seconds == 0
    assert security.wait_for(20) == limits.MAX_WAIT_SECONDS


def test_passcodes_are_stored_only_as_salted_digests(store: Database, db_file: Path) -> None:
    couple = make_couple(store, "Oren & Pia", ("Oren", "Pia"))
    subjects = [security.partner_subject(p.partner_id) for p in couple.partners]
    for subject in subjects:
        security.set_passcode(store, subject, PASSCODE)  # the same passcode for both
    rows = store.engine.read("SELECT * FROM secrets ORDER BY subject")
    assert rows["subject"].tolist() == sorted(subjects)
    for row in rows.itertuples():
        assert PASSCODE not in " ".join(str(v) for v in row)
        salt, digest = bytes(row.salt), bytes(row.digest)
        assert PASSCODE.encode() not in salt + digest
        assert len(salt) == 16 and len(digest) == 32 and row.kdf == security.KDF
        # a real scrypt digest of the passcode with this row's own salt
        assert digest == hashlib.scrypt(PASSCODE.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=2**26, dklen=32)
    first, second = rows.itertuples()
    assert bytes(first.salt) != bytes(second.salt) and bytes(first.digest) != bytes(second.digest)
    assert security.verify(store, subjects[0], PASSCODE).ok and security.verify(store, subjects[1], PASSCODE).ok
    store.engine.transaction(lambda cur: cur.execute("CHECKPOINT"))
    store.close()
    for path in db_file.parent.glob(db_file.name + "*"):  # the file and any WAL
        assert PASSCODE.encode() not in path.read_bytes(), path
