"""A partner's own notes, sealed at rest, can be read again: on History (folded away until opened) and in
their export (found before: the export held them as `enc:v1:...` and no page showed a past month's note)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from mendwell import keyring, periods, recording, vault
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.apptest import button, ok, open_page, shown, sign_in, start_app
from tests.support.auth import PASSCODE, partner_accounts
from tests.support.data import check_in, make_couple, whole_plan
from tests.support.ui import DATA, HISTORY
from ui import state

THIS_MONTH = periods.month_start()
LAST_MONTH = periods.add_months(THIS_MONTH, -1)
PRIVATE, SHARED, HIS = "IVY-PRIVATE-NOTE-TEXT", "IVY-SHARED-NOTE-TEXT", "JON-PRIVATE-NOTE-TEXT"


@pytest.fixture
def ivy_signed_in(store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Ivy and Jon, with passcodes; Ivy's private note last month (sealed), her shared one this month, Jon's
    private one. Ivy is signed in; returns her sign-in id."""
    couple = make_couple(store, "Sealed Pair", ("Ivy", "Jon"))
    ivy, jon = (p.partner_id for p in couple.partners)
    accounts = partner_accounts(store, couple)
    for pid, period, body, private in ((ivy, LAST_MONTH, PRIVATE, True), (ivy, THIS_MONTH, SHARED, False),
                                       (jon, LAST_MONTH, HIS, True)):  # fmt: skip
        checkin_id = check_in(store, catalog, pid, period, whole_plan(catalog, 2), submit=False)
        recording.save_note(store, checkin_id, body, private, vault.derive_key(store, pid, PASSCODE))
        assert store.checkins.submit(checkin_id, catalog)
    assert vault.is_encrypted(store.engine.rows("SELECT body FROM notes WHERE is_private")[0][0])
    sign_in(monkeypatch, store, accounts[0])
    [sign_in_id] = [s for (s,) in store.engine.rows("SELECT sign_in_id FROM sign_ins")]
    store.close()
    return str(sign_in_id)


def test_history_shows_a_partner_their_own_notes_once_asked(ivy_signed_in: str) -> None:
    at = open_page(start_app(), HISTORY)
    whose = at.radio(key="history_partner")
    assert whose.options == ["Ivy", "Jon"] and whose.index == 0  # her own first
    assert PRIVATE not in shown(at) and SHARED not in shown(at)  # folded away: not sent
    at.session_state["history_notes"] = True
    ok(at.run())
    notes = [t.value for t in at.text]
    assert notes == [SHARED, PRIVATE]  # newest first
    assert "only you see this note" in shown(at)
    # her shared note's month is not open to Jon yet (he has not checked in for it): said so, not "shared"
    assert "shared with your partner once the month opens on Together" in shown(at)
    assert HIS not in shown(at)

    # the server restarted: her key is gone until she gives her passcode again
    keyring.forget(ivy_signed_in)
    ok(at.run())
    assert PRIVATE not in shown(at)
    assert "Your passcode opens your private notes again" in shown(at)


def test_a_partners_export_holds_her_own_notes_readable(ivy_signed_in: str) -> None:
    at = open_page(start_app(), DATA)
    ok(button(at, "Prepare the export").click().run())
    _, data = at.session_state[state.EXPORT_ZIP]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        notes = list(csv.DictReader(io.StringIO(zf.read("notes.csv").decode("utf-8"))))
        everything = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    assert sorted(r["body"] for r in notes) == sorted([PRIVATE, SHARED])
    assert HIS not in everything and "enc:" not in everything
