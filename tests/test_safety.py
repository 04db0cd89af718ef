"""The private safety check: help only for the partner who answered, a quick exit, and no trace elsewhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from apptest_support import ServerLikePagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from mendwell import periods, safety
from mendwell.checkin import Answer
from mendwell.instruments import Catalog
from mendwell.store import Store

APP = "../app.py"
HELP_START = "If you are in danger right now"


@pytest.fixture(autouse=True)
def _run_app_py_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "PagesManager", ServerLikePagesManager)


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader, *at.info, *at.success)]
    parts += [e.value for e in at.warning]
    return "\n".join(str(p) for p in parts)


def _everything_but_safety(store: Store, catalog: Catalog, partner_id: int, month: dt.date) -> int:
    """A draft with every other section answered at its lowest value, so it resumes at the safety check."""
    checkin = store.open_checkin(partner_id, month)
    for inst in catalog.instruments:
        if inst.safety:
            continue
        answers = {
            it.id: Answer(value=float(inst.scale(it)[0]))
            for it in inst.items
            if it.kind in ("likert", "yesno", "count") and it.show_if is None
        }
        store.save_answers(checkin.checkin_id, inst, answers)
    return checkin.checkin_id


def _open_checkin(partner_id: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("app_pages/checkin.py").run()
    at.radio(key="checkin_partner").set_value(partner_id).run()
    assert not at.exception, at.exception
    return at


def test_a_yes_shows_help_only_there_and_leave_now_goes_neutral(store: Store, catalog: Catalog, app_env: Path) -> None:
    couple_id = store.create_couple("Safe Test", ["Ann", "Bob"])
    couple = store.couple(couple_id)
    assert couple is not None
    ann = couple.partners[0].partner_id
    checkin_id = _everything_but_safety(store, catalog, ann, periods.month_start())
    store.close()

    at = _open_checkin(ann)
    assert "Feeling safe" in [s.value for s in at.subheader]
    assert HELP_START not in _texts(at)
    at.radio(key=f"a:{checkin_id}:safety:afraid").set_value(1).run()
    assert not at.exception, at.exception
    assert HELP_START in _texts(at)
    assert safety.DEVICE_NOTE in _texts(at)
    assert [b.label for b in at.button if b.label == "Leave now"] == ["Leave now"]
    # changing the answer back takes the message away
    at.radio(key=f"a:{checkin_id}:safety:afraid").set_value(0).run()
    assert HELP_START not in _texts(at)
    at.radio(key=f"a:{checkin_id}:safety:controlled").set_value(1).run()
    assert HELP_START in _texts(at)

    # one click: a neutral page, no Mendwell navigation, nothing of the check-in
    next(b for b in at.button if b.label == "Leave now").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Lentil soup"]
    shown = _texts(at) + "\n".join(str(e.value) for e in at.sidebar.markdown)
    for word in ("Mendwell", "Feeling safe", "check-in", HELP_START):
        assert word not in shown
    # and back, deliberately
    next(b for b in at.button if b.label == "Done").click().run()
    assert "Lentil soup" not in [t.value for t in at.title]


def test_safety_answers_reach_no_shared_view(store: Store, catalog: Catalog, app_env: Path, tmp_path: Path) -> None:
    """Together, the caseload (unless the setting is on) and exports never show the safety check."""
    couple_id = store.create_couple("Safe Test", ["Ann", "Bob"])
    couple = store.couple(couple_id)
    assert couple is not None
    ann, bob = (p.partner_id for p in couple.partners)
    month = periods.add_months(periods.month_start(), -1)
    safety_inst = catalog.get("safety")
    assert safety_inst is not None and safety_inst.safety
    for pid in (ann, bob):
        checkin_id = _everything_but_safety(store, catalog, pid, month)
        store.save_answers(checkin_id, safety_inst, {"afraid": Answer(value=1.0), "hurt": Answer(value=1.0)})
        store.submit(checkin_id, catalog)
    from mendwell.export import export

    written = export(store, tmp_path / "out", "csv", couple_id)
    assert "safety" not in written["responses"].read_text()
    store.close()

    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("app_pages/together.py").run()
    assert not at.exception, at.exception
    text = _texts(at) + "\n".join(str(d.value) for d in at.dataframe)
    assert "side by side" in text  # the month is open
    for word in ("afraid of my partner", "controlled by my partner", "hurt me physically", HELP_START):
        assert word not in text

    at.switch_page("app_pages/caseload.py").run()
    flags = "\n".join(str(d.value) for d in at.dataframe)
    assert "safety" not in flags  # off by default

    from ui.resources import _store

    live = _store(str(app_env))
    safety.set_therapist_sees_flag(live, True)
    at.run()
    flags = "\n".join(d.value.to_string() for d in at.dataframe)
    assert "safety check raised a concern" in flags
    assert "afraid" not in flags and "hurt" not in flags  # never which question
