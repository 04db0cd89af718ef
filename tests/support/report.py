"""The session report's planted demo database: three demo couples, with unique marker strings
planted for couple 1 (a private and a shared note in a month both partners submitted, answers to
private questions) and for the other couples (their names, a note), and couple 1's report.

Shared by the report's store tests and its Chromium test (the `planted` fixture in conftest).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.periods import month_start
from mendwell.report import build_report, default_range
from tests.support.data import opened

PRIVATE_NOTE = "PRIVATE-NOTE-MARKER-1"
SHARED_NOTE = "SHARED-NOTE-MARKER-2"
OTHER_NOTE = "OTHER-COUPLE-NOTE-MARKER-3"
OTHER_NAMES = (
    "OTHERCOUPLE-B",
    "OTHERPARTNER-B1",
    "OTHERPARTNER-B2",
    "OTHERCOUPLE-C",
    "OTHERPARTNER-C1",
    "OTHERPARTNER-C2",
)


def raw_for(inst: Instrument, it: Item) -> object:
    """An answer a partner could give to any item (middle of the scale; every small hurt happened)."""
    lo, hi = inst.scale(it)
    if it.kind == "text":
        return "A private thought" if it.private else "A shared thought"
    if it.kind in ("choice", "multi"):
        first = (it.options or ())[0].value
        return [first] if it.kind == "multi" else first
    if it.kind == "yesno":
        return 1
    if it.id.endswith("_often"):
        return 2
    return (lo + hi) // 2 if it.kind == "likert" else lo


def full_checkin(store: Database, catalog: Catalog, partner_id: int, period: dt.date, note: str, private: bool) -> None:
    """A check-in through the real store, every item answered (private ones too), with a note."""
    checkin = store.checkins.open(partner_id, period)
    for inst in catalog.instruments:
        answers = {it.id: make_answer(inst, it, raw_for(inst, it)) for it in inst.items}
        store.checkins.save_answers(checkin.checkin_id, inst, answers)
    store.checkins.save_note(checkin.checkin_id, note, private=private)
    assert store.checkins.submit(checkin.checkin_id, catalog)


def plant_note(store: Database, partner_id: int, period: dt.date, body: str, private: bool) -> None:
    """A note written straight into the notes table for an already submitted check-in."""
    checkin = store.checkins.get(partner_id, period)
    assert checkin is not None and checkin.submitted
    store.engine.transaction(
        lambda cur: (
            cur.execute("DELETE FROM notes WHERE checkin_id = ?", [checkin.checkin_id]),
            cur.execute("INSERT INTO notes VALUES (?, ?, ?, current_timestamp)", [checkin.checkin_id, body, private]),
        )
    )


@dataclass(frozen=True)
class Chart:
    kind: str
    attrs: dict[str, str]
    data: list[dict[str, Any]]
    layout: dict[str, Any]


def charts_in(doc: str) -> list[Chart]:
    """Every chart block with the figure JSON its Plotly.newPlot call draws."""
    decoder = json.JSONDecoder()
    out: list[Chart] = []
    for m in re.finditer(r'<div class="chart" data-kind="(\w+)"([^>]*)>', doc):
        attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', m.group(2)))
        pos = doc.index("Plotly.newPlot(", m.end()) + len("Plotly.newPlot(")
        values: list[Any] = []
        for _ in range(3):  # the div id, the data, the layout
            while doc[pos] in " \n\t,":
                pos += 1
            value, pos = decoder.raw_decode(doc, pos)
            values.append(value)
        out.append(Chart(m.group(1), attrs, values[1], values[2]))
    return out


@dataclass(frozen=True)
class Planted:
    db: Path
    couple_id: int
    partner_ids: tuple[int, int]
    names: tuple[str, str, str]  # couple, partner 1, partner 2
    note_month: dt.date
    start: dt.date
    end: dt.date
    html: str
    seconds: float


def plant(db: Path, catalog: Catalog) -> Planted:
    """Three demo couples in `db` with the markers planted, and the first couple's default report."""
    with opened(db) as store:
        store.definitions.register(catalog.instruments)
        generate(store, catalog, couples=3, months=24, seed=11)
        first, *others = store.couples.all()
        a, b = first.partners
        # the demo's latest month: the first partner has submitted, the second not yet
        now = month_start()
        assert store.checkins.get(b.partner_id, now) is None
        if store.checkins.get(a.partner_id, now) is None:
            full_checkin(store, catalog, a.partner_id, now, SHARED_NOTE, private=False)
        else:
            plant_note(store, a.partner_id, now, SHARED_NOTE, private=False)
        full_checkin(store, catalog, b.partner_id, now, PRIVATE_NOTE, private=True)
        # the other couples get unmistakable names, and a shared note of their own in the same month
        markers = iter(OTHER_NAMES)
        for other in others:
            store.couples.rename(other.couple_id, next(markers))
            for p in other.partners:
                store.couples.rename_partner(p.partner_id, next(markers))
            who = other.partners[0].partner_id
            if store.checkins.get(who, now) is not None:
                plant_note(store, who, now, OTHER_NOTE, private=False)
            else:
                full_checkin(store, catalog, who, now, OTHER_NOTE, private=False)
        start, end = default_range(store, first.couple_id)
        began = time.perf_counter()
        doc = build_report(store, catalog, first.couple_id, start, end, today=dt.date(2030, 1, 15))
        seconds = time.perf_counter() - began
    return Planted(
        db, first.couple_id, (a.partner_id, b.partner_id), (first.name, a.name, b.name), now, start, end, doc, seconds
    )


# -- printed reports (Debian's poppler-utils reads them) -------------------------------------------------

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Word:
    text: str
    y_min: float
    y_max: float


@dataclass(frozen=True)
class Printed:
    """A printed report: its pages' size (points), each page's text (pdftotext's reading order) and words."""

    path: Path
    size: tuple[float, float]
    pages: list[str]
    words: list[list[Word]]


def need_poppler() -> None:
    """Skip (fail in CI, where .ci/run installs it) when poppler-utils is not here."""
    if POPPLER:
        return
    message = "poppler-utils is not installed (apt-get install poppler-utils): the printed report is not read"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def read_pdf(path: Path) -> Printed:
    """Read a PDF with pdfinfo and pdftotext."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    w, h = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups()  # type: ignore[union-attr]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:count]
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = [
        [
            Word(html.unescape(t), float(y0), float(y1))
            for y0, y1, t in re.findall(
                r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page
            )
        ]
        for page in bbox.split("<page ")[1:]
    ]
    assert len(pages) == len(words) == count, (len(pages), len(words), count)
    return Printed(path, (float(w), float(h)), pages, words)


def headings(doc: str) -> set[str]:
    """The text of every section and subsection heading (h2, h3) of a report, as a reader sees it (the h4s
    are partners' names, which a chart's legend may also end with)."""
    found = re.findall(r"<h([23])[^>]*>(.*?)</h\1>", doc, re.S)
    return {html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for _, h in found}
