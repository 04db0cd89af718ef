"""The session report panel (ui/report_panel.py) in AppTest, on its own: the months, the paper, the HTML
download, and the PDF, printed by Chromium only when it is asked for; without Chromium, a caption says
why no PDF is offered.

The panel is run as a script of its own (`AppTest.from_function`) on the planted demo database, so it is
tested apart from the Trends page around it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.testing.v1.element_tree import DownloadButton

from mendwell import audit, pdf
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.periods import add_months
from tests.support.apptest import TIMEOUT, button, elements, ok, texts
from tests.support.data import opened
from tests.support.report import Planted, full_checkin
from ui.report_panel import REPORT_OPEN


class _KeptMediaFiles(MediaFileManager):
    """AppTest's media file manager, kept after the run so a deferred download can be made."""

    made: ClassVar[list[MediaFileManager]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _KeptMediaFiles.made.append(self)


ACTOR = "account 1"  # who prepares it, as the audit trail records them


def panel(*args: object) -> None:
    """The script AppTest runs (on its own: only builtins in its signature): the panel, given its arguments."""
    from ui.report_panel import report_panel

    report_panel(*args)  # type: ignore[arg-type]


def run_panel(db: Database, catalog: Catalog, planted: Planted) -> AppTest:
    couple = db.couples.get(planted.couple_id)
    assert couple is not None
    first, last = pd.Timestamp(planted.end) - pd.DateOffset(months=23), pd.Timestamp(planted.end)
    at = AppTest.from_function(panel, args=(db, catalog, couple, "account 1", first, last), default_timeout=TIMEOUT)
    ok(at.run())
    # folded away until opened: the form is not sent before
    assert [e.label for e in at.expander] == ["Prepare a session report"]
    assert not at.selectbox and not at.button
    at.session_state[REPORT_OPEN] = True
    return ok(at.run())


def downloads(at: AppTest) -> dict[str, DownloadButton]:
    return {b.label: b for b in elements(at, "download_button", DownloadButton)}


@pytest.mark.browser  # Chromium prints the PDF
def test_the_panel_offers_a_pdf_on_the_paper_chosen(
    planted: Planted, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(pdf.ENV, raising=False)
    monkeypatch.setattr(app_test_module, "MediaFileManager", _KeptMediaFiles)
    with opened(planted.db) as db:
        at = run_panel(db, catalog, planted)
        assert "It can also be downloaded as a PDF." in " ".join(texts(at))
        [paper] = [r for r in at.radio if r.label == "Paper for the PDF"]
        assert paper.options == ["A4", "Letter"] and paper.value == "a4"  # A4 unless Letter is chosen
        assert downloads(at) == {}  # nothing until the report is prepared
        paper.set_value("letter")
        button(at, "Prepare the report").click().run()
        ok(at)
        found = downloads(at)
        assert set(found) == {"Download the session report (HTML)", "Download as PDF (Letter)"}
        html_button, pdf_button = found["Download the session report (HTML)"], found["Download as PDF (Letter)"]
        assert html_button.proto.url  # the HTML is ready at once
        # the PDF is printed only when asked for: here, as the button's click would
        file_id = pdf_button.proto.deferred_file_id
        assert file_id and not pdf_button.proto.url
        manager = _KeptMediaFiles.made[-1]
        url = manager.execute_deferred(file_id)
        # both are in the audit trail: a session report goes into a clinic file
        said = [(e.actor, e.detail) for e in audit.entries(db) if e.action == audit.REPORT and e.actor == ACTOR]
        span = f"{planted.start:%Y-%m} to {planted.end:%Y-%m}"
        assert said == [(ACTOR, f"prepared, {span}"), (ACTOR, "printed to PDF (letter)")]
    content = manager._storage.get_file(url.rsplit("/", 1)[1])  # type: ignore[attr-defined]
    data: bytes = content.content
    assert data.startswith(b"%PDF") and content.mimetype == "application/pdf"
    assert content.filename == f"mendwell-session-report-{planted.start:%Y-%m}_{planted.end:%Y-%m}-letter.pdf"
    pages = re.findall(rb"/MediaBox \[0 0 (\d+) (\d+)\]", data)
    assert 3 <= len(pages) <= 10 and set(pages) == {(b"612", b"792")}  # Letter


def test_without_chromium_the_panel_says_why_there_is_no_pdf(
    planted: Planted, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pdf.ENV, str(tmp_path / "no-chromium-here"))
    with opened(planted.db) as db:
        at = run_panel(db, catalog, planted)
        assert not [r for r in at.radio if r.label == "Paper for the PDF"]
        button(at, "Prepare the report").click().run()
        ok(at)
    assert set(downloads(at)) == {"Download the session report (HTML)"}
    why = pdf.unavailable_reason()
    assert why is not None
    assert f"No PDF is offered here. {why}" in [c.value for c in at.caption]


def test_the_report_runs_to_the_latest_month_open_to_both(planted: Planted, catalog: Catalog, tmp_path: Path) -> None:
    """One partner has sent a later month: the page's months reach it, but the report would not show it (it waits
    for the other), so the form offers the year up to the month before, the latest open to both."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(planted.db, copy)
    later = add_months(planted.end, 1)
    with opened(copy) as db:
        full_checkin(db, catalog, planted.partner_ids[0], later, "Sent early", private=False)
        couple = db.couples.get(planted.couple_id)
        assert couple is not None
        first = pd.Timestamp(planted.end) - pd.DateOffset(months=23)
        at = AppTest.from_function(
            panel, args=(db, catalog, couple, ACTOR, first, pd.Timestamp(later)), default_timeout=TIMEOUT
        )
        ok(at.run())
        at.session_state[REPORT_OPEN] = True
        ok(at.run())
        start, end = (s.value for s in at.selectbox)
        assert end == pd.Timestamp(planted.end) and start == pd.Timestamp(add_months(planted.end, -11))
        assert at.selectbox[1].options[-1] == later.strftime("%B %Y")  # the later month can still be chosen
