"""A month opens to the two of them only once both have submitted it (`mendwell.reveal`).

Bob has submitted April; Ann has not. Ann's Trends, Themes and History, and a shared screen, show none of
Bob's April (found before: his April scores were on her charts, glance and History the moment he submitted),
and say that it waits; a therapist sees it. Once Ann submits April, it is there for her too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mendwell import periods
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.apptest import (
    Figure,
    app_store,
    each_part,
    every_figure,
    ok,
    open_numbers,
    open_page,
    shown,
    sign_in,
    sign_in_partner,
    start_app,
)
from tests.support.auth import therapist
from tests.support.data import check_in, make_couple_ids, month, reference_population, whole_plan
from tests.support.ui import HISTORY, THEMES, TRENDS

APRIL = pd.Timestamp(month(3))  # Bob's month, not yet Ann's
WAITS = "Bob has checked in for April 2025. It shows here once that month opens on Together"


def partner_months(fig: Figure) -> dict[int, set[pd.Timestamp]]:
    """The months with a value on each partner's line or grid of a figure."""
    out: dict[int, set[pd.Timestamp]] = {}
    for trace in fig["data"]:
        meta: dict[str, Any] = trace.get("meta") or {}
        if meta.get("role") != "partner":
            continue
        ys = trace.get("y") or []
        xs = [pd.Timestamp(x) for x, y in zip(trace.get("x") or [], ys, strict=False) if y is not None]
        out.setdefault(int(meta["partner_id"]), set()).update(xs)
    return out


def months_on_screen(at: AppTest) -> set[pd.Timestamp]:
    """Every month a chart of the page (all its tabs) puts a value at, or lays a heatmap column on."""
    found: set[pd.Timestamp] = set()
    for fig in every_figure(at).values():
        for months in partner_months(fig).values():
            found |= months
        for trace in fig["data"]:
            if trace.get("type") == "heatmap":
                found |= {pd.Timestamp(x) for x in trace["x"]}
    return found


def numbers_on_screen(at: AppTest) -> str:
    """The tables behind the charts (each folded part opened), as text."""
    out = []
    for tab in each_part(at):
        out += [d.value.to_string() for d in open_numbers(tab).dataframe]
    return "\n".join(out)


@pytest.fixture
def april_waits(store: Database, catalog: Catalog, app_env: Path) -> tuple[int, int, int]:
    """Ann and Bob both submitted January to March; Bob also April (at the other end of the scales), Ann only
    began it."""
    couple_id, ann, bob = make_couple_ids(store, "Us")
    for i in range(3):
        check_in(store, catalog, ann, month(i), whole_plan(catalog, 1))
        check_in(store, catalog, bob, month(i), whole_plan(catalog, 2))
    check_in(store, catalog, bob, month(3), whole_plan(catalog, 4))
    check_in(store, catalog, ann, month(3), {}, submit=False)
    return couple_id, ann, bob


def test_a_partner_sees_the_others_month_only_once_both_have_submitted(
    april_waits: tuple[int, int, int], store: Database, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple_id, ann, bob = april_waits
    couple = store.couples.get(couple_id)
    assert couple is not None
    sign_in_partner(monkeypatch, store, couple, slot=1)  # Ann
    store.close()

    at = open_page(start_app(), TRENDS)
    assert APRIL not in months_on_screen(at)
    assert WAITS in shown(at)
    assert "2025-04" not in numbers_on_screen(at) and "Apr 2025" not in numbers_on_screen(at)
    assert "April 2025" not in shown(at).replace(WAITS, "")

    open_page(at, THEMES)
    assert WAITS in shown(at)
    assert APRIL not in months_on_screen(at)
    assert "Months without a check-in from Bob" not in "\n".join(shown(tab) for tab in each_part(at))

    open_page(at, HISTORY)
    at.radio(key="history_partner").set_value(bob).run()
    ok(at)
    assert WAITS in shown(at)
    [listed, scores] = [d.value for d in at.dataframe]
    assert periods.label(APRIL.date()) not in set(scores.columns) and APRIL not in set(listed["Month"])
    # each score with two decimals, as in Together: "3.00 · Often met", never "3 · Often met"
    cells = scores.stack()
    assert len(cells) and cells.str.fullmatch(r"\d+\.\d\d( · .+)?").all(), cells.tolist()
    # months as dates, not words, so that sorting by the column puts them in order; the latest first
    assert pd.api.types.is_datetime64_any_dtype(listed["Month"]) and listed["Month"].is_monotonic_decreasing
    assert pd.api.types.is_datetime64_any_dtype(listed["Checked in on"]) and listed["Checked in on"].notna().all()
    # how many questions his check-ins hold is his alone (the follow-ups asked would tell his answers)
    assert "Answers" not in listed.columns and set(listed["Status"]) == {"Checked in"}

    # Ann submits April: it opens, on her charts too
    db = app_store()
    check_in(db, catalog, ann, month(3), whole_plan(catalog, 1))
    open_page(at, TRENDS)
    assert WAITS not in shown(at)
    assert APRIL in months_on_screen(at)


def test_a_therapist_sees_every_submitted_month_and_a_shared_screen_only_open_ones(
    april_waits: tuple[int, int, int], store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple_id, _, bob = april_waits
    sign_in(monkeypatch, store, therapist(store, couple_ids=[couple_id]))
    store.close()

    at = open_page(start_app(), TRENDS)
    assert WAITS not in shown(at)
    bobs = set().union(*(partner_months(f).get(bob, set()) for f in every_figure(at).values()))
    assert APRIL in bobs

    # the couple watching together: a month opens to them on the shared screen as it would on their phones
    shared = open_page(start_app(share="1", couple=str(couple_id)), TRENDS)
    assert WAITS in shown(shared)
    assert APRIL not in months_on_screen(shared)
    open_page(shared, THEMES)
    assert APRIL not in months_on_screen(shared)


def test_a_starting_point_not_open_to_both_is_not_told_by_the_changes_since(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bob began a month before Ann (his starting point, never open to her). Every later month of his compares
    with it: Ann's charts carry no change of his since then (its score was the score minus the change) and no
    verdict; his line is there."""
    reference_population(store, catalog)
    couple_id, ann, bob = make_couple_ids(store, "Late Start")
    check_in(store, catalog, bob, month(0), whole_plan(catalog, 0))  # alone: his start
    for i in range(1, 5):
        check_in(store, catalog, ann, month(i), whole_plan(catalog, 2))
        check_in(store, catalog, bob, month(i), whole_plan(catalog, 4))  # far from his start: reliably changed
    couple = store.couples.get(couple_id)
    assert couple is not None
    accounts = sign_in_partner(monkeypatch, store, couple, slot=1)  # Ann
    store.close()

    def bobs_words(at: AppTest) -> list[str]:
        return [
            str(words)
            for fig in every_figure(at).values()
            for trace in fig["data"]
            if (trace.get("meta") or {}).get("role") == "partner" and trace["meta"]["partner_id"] == bob
            for _, words in trace.get("customdata") or []
            if words
        ]

    at = open_page(start_app(), TRENDS)
    assert bob in set().union(*(partner_months(f).keys() for f in every_figure(at).values()))  # his line is drawn
    assert bobs_words(at) == []
    # a therapist sees his reliable changes since his start, with the numbers
    from tests.support.auth import as_signed_in, cookie_for

    assert accounts
    db = app_store()
    as_signed_in(monkeypatch, cookie_for(db, therapist(db, "Dr Start", [couple_id])))
    told = bobs_words(open_page(start_app(), TRENDS))
    assert told and all("since Jan 2025" in w for w in told)


def test_the_report_never_calls_a_waiting_month_a_missed_one(
    april_waits: tuple[int, int, int], store: Database, catalog: Catalog
) -> None:
    """Found: Ann's report listed Bob's April under "Months without a check-in from Bob"; he checked in, and the
    month waits for her."""
    from mendwell.report import build_report

    couple_id, _, _ = april_waits
    doc = build_report(store, catalog, couple_id, month(0), month(3))
    assert "Months without a check-in from Bob" not in doc
    assert WAITS in doc
