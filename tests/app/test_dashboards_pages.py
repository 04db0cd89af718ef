"""Trends and Themes with AppTest: the real app.py and pages on a real DuckDB file.

Plotly charts come back from AppTest as unknown elements; `json.loads(el.proto.spec)`
is the figure and the element id ends with the chart's key (e.g. `trend_bids_my_bids_met`).
Each test prepares the database with its own `Database`, closes it, then runs the app.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from streamlit.testing.v1 import AppTest

from mendwell import analysis
from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.instruments import Catalog, Subscale
from mendwell.model import Couple
from mendwell.scoring import scores
from mendwell.text import md_label
from tests.support.apptest import (
    THEME_VIEWS,
    TREND_PARTS,
    Figure,
    app_store,
    each_part,
    every_figure,
    figures,
    json_strings,
    ok,
    open_numbers,
    open_page,
    part_labels,
    shown,
    sign_in,
    sign_in_partner,
    start_app,
    texts,
    unescape,
    widget_keys,
)
from tests.support.auth import therapist
from tests.support.data import (
    UNSEEN,
    check_in,
    extra_catalog,
    instrument,
    make_couple_ids,
    month,
    reference_population,
    whole_plan,
)
from tests.support.ui import HISTORY, SETTINGS, THEME_TABS, THEMES, TOGETHER, TRENDS, TWO_SIDES
from ui.page import NUMBERS_PREFIX


def first_partner_signed_in(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    """Accounts for the partners of the first couple; its first partner is signed in (a partner sees
    their own couple's Trends and Themes, both partners' lines)."""
    sign_in_partner(monkeypatch, db, db.couples.all()[0])


def visit(page: str) -> AppTest:
    """A fresh session on the app, then on `page`; no exception, no error element."""
    return open_page(start_app(), page)


def text_of(at: AppTest) -> str:
    return "\n".join(unescape(t) for t in texts(at)).replace("\\", "")


def values(v: Any) -> NDArray[np.float64]:
    """A Plotly array as numbers (None -> NaN); Plotly 7 may send {"dtype", "bdata"}."""
    if isinstance(v, dict) and "bdata" in v:
        # flat, in row order; callers reshape 2-D data (heatmap z) themselves
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float)
    if v and isinstance(v[0], list):
        return np.array([np.nan if x is None else x for row in v for x in row], dtype=float)
    return np.array([np.nan if x is None else x for x in v], dtype=float)


def months(v: Any) -> list[pd.Timestamp]:
    return [pd.Timestamp(x) for x in v]


def traces(fig: Figure, role: str) -> list[dict[str, Any]]:
    return [t for t in fig["data"] if (t.get("meta") or {}).get("role") == role]


def trend_figures(figs: dict[str, Figure]) -> dict[str, Figure]:
    return {k: f for k, f in figs.items() if k.startswith("trend_")}


def non_private_subscales(catalog: Catalog) -> dict[str, tuple[str, Subscale]]:
    """{chart key: (instrument id, subscale)} of every shared subscale."""
    return {
        f"trend_{inst.id}_{sc.id}": (inst.id, sc)
        for inst in catalog.instruments
        for sc in inst.subscales
        if not inst.is_private_subscale(sc.id)
    }


# -- empty and thin data ---------------------------------------------------------------------


@pytest.mark.parametrize("page", [TRENDS, THEMES])
def test_the_numbers_behind_the_charts_are_sent_only_once_asked_for(page: str, demo: Demo, app_env: Path) -> None:
    """A visit carries the charts and their sentences; each table of numbers only once it is opened
    (and then that one alone), and it goes again when it is folded again."""
    at = visit(page)
    popovers = sorted(k for k in at.session_state if k.startswith(NUMBERS_PREFIX))
    assert popovers and not at.dataframe
    shown = len(figures(at))
    one = popovers[-1]
    at.session_state[one] = True
    ok(at.run())
    assert len(at.dataframe) == 1 and len(figures(at)) == shown
    assert not [k for k in popovers if k != one and at.session_state[k]]
    at.session_state[one] = False
    ok(at.run())
    assert not at.dataframe
    opened = open_numbers(at).dataframe
    assert len(opened) == len(popovers)
    by_month = [d for d in opened if "Month" in d.value]  # Trends' glance is one month, part by part
    assert by_month
    for d in by_month:
        # months as dates shown as "March 2026", so that sorting by the column keeps them in order; every
        # fractional number with two decimals ("3.00" above "3.67", not "3")
        assert pd.api.types.is_datetime64_any_dtype(d.value["Month"]), d.value["Month"].head()
        config = json.loads(d.proto.columns)
        assert config["Month"]["type_config"]["format"] == "MMMM YYYY"
        for column in d.value.select_dtypes("float").columns:
            assert config[column]["type_config"]["format"] == "%.2f", column


@pytest.mark.parametrize("page", [TRENDS, THEMES])
@pytest.mark.parametrize("history", ["nothing", "a draft only"])
@pytest.mark.parametrize("reader", ["partner", "therapist"])
def test_no_checkins_yet_is_a_kind_empty_state(
    reader: str,
    history: str,
    page: str,
    store: Database,
    catalog: Catalog,
    app_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    couple_id, ann, _ = make_couple_ids(store, "Us")
    if history == "a draft only":  # started but never submitted: nothing to show yet
        draft = store.checkins.open(ann, month(0))
        bids = instrument(catalog, "bids")
        store.checkins.save_answers(draft.checkin_id, bids, {"toward_me": make_answer(bids, bids.item("toward_me"), 1)})
    if reader == "therapist":  # reading on their own: the words are about the couple, not to them
        sign_in(monkeypatch, store, therapist(store, couple_ids=[couple_id]))
    else:
        first_partner_signed_in(monkeypatch, store)
    store.close()
    at = visit(page)
    assert not figures(at)
    [info] = [i.value for i in at.info]
    assert "appear here" in info
    to_couple = reader == "partner"
    if page == TRENDS:
        assert info.startswith(
            "Your trends appear here once you have checked in."
            if to_couple
            else "Their trends appear here once they have checked in."
        )
        assert "trend_range" not in widget_keys(at)  # no time span to choose while there is nothing to show
    else:
        assert info.startswith(f"Themes appear here after {'your' if to_couple else 'their'} first check-ins.")
    intro = "\n".join(unescape(m.value) for m in at.markdown)
    if page == THEMES:
        assert f"keeps coming back for {'one of you' if to_couple else 'one partner'}, it may be" in intro


@pytest.mark.parametrize("page", [TRENDS, THEMES])
@pytest.mark.parametrize("history", ["one check-in", "one partner only", "never the same month"])
def test_thin_data_renders_and_explains(
    history: str, page: str, store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ann, bob = make_couple_ids(store, "Us")
    if history == "one check-in":
        check_in(store, catalog, ann, month(0), whole_plan(catalog, 2))
    elif history == "one partner only":
        for i in range(3):
            check_in(store, catalog, ann, month(i), whole_plan(catalog, 1 + i))
    else:
        check_in(store, catalog, ann, month(0), whole_plan(catalog, 2))
        check_in(store, catalog, bob, month(1), whole_plan(catalog, 3))
    if history == "never the same month":  # neither month is open to both: a therapist sees both lines
        sign_in(monkeypatch, store, therapist(store, couple_ids=[store.couples.all()[0].couple_id]))
    else:
        first_partner_signed_in(monkeypatch, store)
    store.close()
    at = visit(page)
    text = "\n".join(text_of(tab) for tab in each_part(at))
    figs = every_figure(at)
    assert figs

    if page == THEMES:
        heat = [f for f in figs.values() if f["data"][0]["type"] == "heatmap"]
        if history == "never the same month":
            assert [f["layout"]["title"]["text"] for f in heat] == ["Ann: themes by month", "Bob: themes by month"]
        else:  # Bob has not checked in: a kind sentence, not an empty chart
            assert [f["layout"]["title"]["text"] for f in heat] == ["Ann: themes by month"]
            assert "Bob hasn't checked in yet" in unescape(text)
        if history == "one partner only":  # unseen in all 3 months for Ann
            assert "Unseen**: 3 of 6 months" in text
            assert "Months without a check-in from Ann" not in text
        return

    trend = trend_figures(figs)
    assert set(trend) == set(non_private_subscales(catalog))
    partners_drawn = {t["meta"]["partner_id"] for f in trend.values() for t in traces(f, "partner")}
    if history == "one check-in":
        assert "Bob hasn't checked in yet" in unescape(text)
        assert "One month so far: a line needs two months, so each of you shows as a single point for now." in text
        assert "The January 2025 check-in is the starting point" in unescape(text)
        # the at-a-glance table has Ann's columns only: Bob has nothing to show yet
        [glance] = [d.value for d in open_numbers(at).dataframe if "Part" in d.value.columns]
        assert [c for c in glance.columns if c != "Part"] == ["Ann (Jan 2025)", "Ann: since the start"]
        assert partners_drawn == {ann}
        assert all(len(traces(f, "partner")[0]["x"]) == 1 for f in trend.values())
    elif history == "one partner only":
        assert "Bob hasn't checked in yet" in unescape(text)
        assert "One month so far" not in text
        assert partners_drawn == {ann}
    else:
        # read by their therapist: about the couple, not to them
        assert "The two-perspectives chart appears once they have both checked in for the same month." in text
        assert partners_drawn == {ann, bob}
        # each line spans both months with a gap where that partner did not check in
        for f in trend.values():
            for t in traces(f, "partner"):
                gap = [False, True] if t["meta"]["partner_id"] == ann else [True, False]
                assert list(np.isnan(values(t["y"]))) == gap
    assert not [k for k in figs if k.startswith("mirror_")]


# -- the demo database -------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    couple: Couple  # the first demo couple
    scores: pd.DataFrame  # its scores
    checkins: pd.DataFrame  # its submitted check-ins: partner_id, period
    last: pd.Timestamp  # its latest month


@pytest.fixture
def demo(demo_store: Database, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """The demo database (closed), with what the tests need to know about its first couple."""
    couple = demo_store.couples.all()[0]
    sc = scores(demo_store, couple.couple_id)
    checkins = demo_store.engine.read(
        "SELECT partner_id, period FROM checkins WHERE couple_id = ? AND status = 'submitted'", [couple.couple_id]
    )
    first_partner_signed_in(monkeypatch, demo_store)
    demo_store.close()
    last = pd.Timestamp(checkins["period"].max())
    return Demo(couple, sc, checkins, last)


def test_demo_trends_one_chart_per_shared_subscale_with_bands_direction_and_gaps(
    demo: Demo, catalog: Catalog, app_env: Path
) -> None:
    at = visit(TRENDS)
    # one tab per questionnaire, the first open; each tab's charts are sent only while it is open
    shared = [i for i in catalog.instruments if any(not i.is_private_subscale(sc.id) for sc in i.subscales)]
    assert part_labels(at) == [*(md_label(inst.title) for inst in shared), TWO_SIDES]
    assert set(trend_figures(figures(at))) == {k for k in non_private_subscales(catalog) if k.startswith("trend_bids_")}
    figs = every_figure(at)
    trend = trend_figures(figs)
    expected = non_private_subscales(catalog)
    assert len(expected) == 11  # 2 + 2 + 2 (of 3; one is private) + 2 + 2 + 1 (of 2)
    assert set(trend) == set(expected)
    # one mirror chart per partner: the two perspectives on each one's reaches
    assert sorted(k for k in figs if k.startswith("mirror_")) == sorted(
        f"mirror_{p.partner_id}" for p in demo.couple.partners
    )

    last: pd.Timestamp = demo.last
    window = [last - pd.DateOffset(months=n) for n in range(11, -1, -1)]  # "1 year", the default
    checkins = demo.checkins
    present = {(int(r.partner_id), pd.Timestamp(r.period)) for r in checkins.itertuples()}
    partners = [p.partner_id for p in demo.couple.partners]
    missed = [(p, m) for p in partners for m in window if (p, m) not in present]
    assert missed, "the demo has no missed month in the last year to check"
    sc = demo.scores
    score_of = {
        (int(r.partner_id), r.instrument_id, r.subscale_id, pd.Timestamp(r.period)): r.score for r in sc.itertuples()
    }

    for key, (inst_id, sub) in expected.items():
        fig = trend[key]
        layout = fig["layout"]
        assert layout["title"]["text"] == sub.title
        assert len(layout["shapes"]) == len(sub.bands) == 3
        direction = "Higher is better" if sub.higher_is == "better" else "Higher is harder"
        assert layout["yaxis"]["title"]["text"] == direction
        lines = traces(fig, "partner")
        with_data = {k[0] for k in score_of if k[1:3] == (inst_id, sub.id) and k[3] in window}
        assert sorted(t["meta"]["partner_id"] for t in lines) == sorted(with_data) == sorted(partners)
        for t in lines:
            pid = t["meta"]["partner_id"]
            assert t["connectgaps"] is False  # Plotly breaks the line at a null
            assert months(t["x"]) == window
            y = values(t["y"])
            for m, got in zip(window, y, strict=True):
                want = score_of.get((pid, inst_id, sub.id, m))
                if (pid, m) in missed or want is None:
                    assert math.isnan(got), (key, pid, m)  # a gap, not a line across the month
                else:
                    assert got == pytest.approx(want), (key, pid, m)


def test_demo_themes_has_a_heatmap_per_partner(demo: Demo, catalog: Catalog, app_env: Path) -> None:
    from mendwell import analysis

    at = visit(THEMES)
    # three tabs, the first open: only its heatmaps are sent until another is opened
    assert part_labels(at) == list(THEME_TABS)
    assert set(figures(at)) == {f"heat_{p.partner_id}" for p in demo.couple.partners}
    figs = every_figure(at)
    couple = demo.couple
    signals = analysis.theme_signals(app_store(), couple.couple_id)
    last: pd.Timestamp = demo.last
    window = [last - pd.DateOffset(months=n) for n in range(11, -1, -1)]
    theme_titles = [t.title for t in catalog.themes.values()]
    tops = []
    for p in couple.partners:
        fig = figs[f"heat_{p.partner_id}"]
        assert fig["layout"]["title"]["text"] == f"{p.name}: themes by month"
        [heat] = fig["data"]
        assert heat["type"] == "heatmap"
        assert heat["y"] == theme_titles
        assert months(heat["x"]) == window
        z = values(heat["z"]).reshape(len(theme_titles), len(window))
        mine = signals[(signals["partner_id"] == p.partner_id) & (pd.to_datetime(signals["period"]) >= window[0])]
        assert z.sum() == len(mine) > 0  # every answer that pointed to a theme, counted once
        tops.append(int(z.max()))
    # one scale for both grids, its darkest shade said in words under them (there is no colour bar)
    assert {heat["zmax"] for fig in figs.values() for heat in fig["data"] if heat["type"] == "heatmap"} == {max(tops)}
    assert any(f"the darkest {max(tops)} answers)" in c.value for c in at.caption), [c.value for c in at.caption]
    assert {k for k in figs if k.startswith("kinds_")} == {f"kinds_{p.partner_id}" for p in couple.partners}
    assert {k for k in figs if k.startswith("mending_")} == {f"mending_{p.partner_id}" for p in couple.partners}


@pytest.mark.parametrize("page", [TRENDS, THEMES])
def test_every_chart_is_of_a_trace_type_the_pages_plotly_bundle_holds(
    demo: Demo, catalog: Catalog, app_env: Path, page: str
) -> None:
    from mendwell.charts import BUNDLE_TRACES

    figs = every_figure(visit(page))
    kinds = {trace.get("type", "scatter") for fig in figs.values() for trace in fig["data"]}
    assert figs and kinds <= BUNDLE_TRACES, kinds - BUNDLE_TRACES


def test_the_open_tab_stays_open_when_the_time_span_changes(demo: Demo, catalog: Catalog, app_env: Path) -> None:
    at = visit(TRENDS)
    mending = instrument(catalog, "repair").title
    at.session_state[TREND_PARTS] = mending
    ok(at.run())
    assert set(trend_figures(figures(at))) == {"trend_repair_practice", "trend_repair_fruits"}
    at.button_group(key="trend_range").set_value("6 months").run()
    ok(at)
    assert at.session_state[TREND_PARTS] == mending
    assert set(trend_figures(figures(at))) == {"trend_repair_practice", "trend_repair_fruits"}


def test_the_choices_on_the_dashboards_are_kept_while_other_pages_are_visited(
    demo: Demo, catalog: Catalog, app_env: Path
) -> None:
    """A therapist on a call sets Trends to six months and a part, looks at Together, comes back: Trends is as
    they left it (Streamlit forgets a widget's value once a run does not draw it, unless told to keep it), and
    so are Themes' choices and whose History is open. Together itself opens on the newest open month (Home's
    link says so)."""
    at = visit(TRENDS)
    mending = instrument(catalog, "repair").title
    at.session_state[TREND_PARTS] = mending
    ok(at.run())
    at.button_group(key="trend_range").set_value("6 months").run()
    ok(at)
    open_page(at, THEMES)
    at.button_group(key="themes_range").set_value("2 years").run()
    at.button_group(key="themes_look_back").set_value("3 months").run()
    at.button_group(key="themes_often").set_value("Every month").run()
    at.session_state[THEME_VIEWS] = THEME_TABS[1]
    ok(at.run())
    open_page(at, HISTORY)
    other = demo.couple.partners[1].partner_id  # the first partner is signed in: their own history opens first
    assert at.radio(key="history_partner").value != other
    at.session_state["history_partner"] = other
    ok(at.run())
    open_page(at, TOGETHER)
    newest = at.selectbox(key="together_month").value
    at.selectbox(key="together_month").select_index(len(at.selectbox(key="together_month").options) - 1).run()
    ok(at)
    open_page(at, SETTINGS)
    open_page(at, TRENDS)
    assert at.button_group(key="trend_range").value == "6 months"
    assert at.radio(key=TREND_PARTS).value == mending
    assert set(trend_figures(figures(at))) == {"trend_repair_practice", "trend_repair_fruits"}
    open_page(at, THEMES)
    assert at.button_group(key="themes_range").value == "2 years"
    assert at.button_group(key="themes_look_back").value == "3 months"
    assert at.button_group(key="themes_often").value == "Every month"
    assert at.radio(key=THEME_VIEWS).value == THEME_TABS[1]
    open_page(at, HISTORY)
    assert at.radio(key="history_partner").value == other
    open_page(at, TOGETHER)
    assert at.selectbox(key="together_month").value == newest


def test_range_control_shrinks_the_charts_to_six_months(demo: Demo, app_env: Path) -> None:
    at = visit(TRENDS)
    control = at.button_group(key="trend_range")
    assert control.value == "1 year"
    last: pd.Timestamp = demo.last
    before = figures(at)
    for fig in before.values():
        for t in fig["data"]:
            if (t.get("meta") or {}).get("role") in ("partner", "receiver_view", "giver_view"):
                assert len(set(months(t["x"]))) == 12

    control.set_value("6 months").run()
    assert not at.exception, at.exception
    assert at.button_group(key="trend_range").value == "6 months"
    after = figures(at)
    assert set(after) == set(before)
    six_back = last - pd.DateOffset(months=5)
    for key, fig in after.items():
        xs = [x for t in fig["data"] for x in months(t["x"])]
        assert xs, key
        assert min(xs) >= six_back and max(xs) <= last, key
        assert len(set(xs)) <= 6, key


# -- reliable-change marks -------------------------------------------------------------------------


def test_reliable_change_marks_the_drop_for_that_partner_only(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ann answers `toward_me` 3 for twelve months, then 0; Bob answers 3 all thirteen months.
    "How my reaches were met" is exactly that answer. Each month is compared with the first (3);
    the SD is the spread of everyone's first check-in (a reference population of demo partners),
    never the couple's own history. Only Ann's fall of 3 since her start is reliable; every other
    change is 0. The mark points down, the way the line went."""
    _, ann, bob = make_couple_ids(store, "Us")
    for i in range(13):
        check_in(store, catalog, ann, month(i), {"bids": {"toward_me": 0 if i == 12 else 3}})
        check_in(store, catalog, bob, month(i), {"bids": {"toward_me": 3}})
    reference_population(store, catalog)
    [last] = [
        r
        for r in analysis.reliable_change(store, 1).itertuples()
        if r.partner_id == ann and pd.Timestamp(r.period).date() == month(12)
    ]
    assert last.sd_source.startswith("first check-ins of") and 0 < last.threshold < 3
    first_partner_signed_in(monkeypatch, store)
    store.close()

    figs = figures(visit(TRENDS))
    assert set(trend_figures(figs)) == {"trend_bids_my_bids_met"}
    fig = figs["trend_bids_my_bids_met"]
    assert sorted(t["meta"]["partner_id"] for t in traces(fig, "partner")) == sorted([ann, bob])
    [mark] = traces(fig, "reliable_change")
    assert mark["meta"] == {"role": "reliable_change", "verdict": "worsened", "partner_id": ann, "direction": "down"}
    assert months(mark["x"]) == [pd.Timestamp(month(12))]
    assert list(values(mark["y"])) == [0.0]
    assert mark["marker"]["symbol"] == "triangle-down"
    assert not [t for t in traces(fig, "reliable_change") if t["meta"]["partner_id"] == bob]
    # a tap on Ann's point of that month says it (the mark over it takes no hover), and only that month
    [line] = [t for t in traces(fig, "partner") if t["meta"]["partner_id"] == ann]
    said = {m: extra for m, (_, extra) in zip(months(line["x"]), line["customdata"], strict=True) if extra}
    assert (
        list(said) == [pd.Timestamp(month(12))]
        and "Reliably lower than<br>at the start" in said[pd.Timestamp(month(12))]
    )
    assert mark.get("hoverinfo") == "skip"


EXTRA_TOML = """
id = "extra"
title = "A therapist's extra questions"
version = 1
summary = "Two parts with the same answers: one has a reliability figure, one has none."
order = 95

[response]
min = 0
max = 4
labels = ["Not at all", "A little", "Sometimes", "Often", "Very often"]

[[subscales]]
id = "with_rel"
title = "With a reliability figure"
higher_is = "better"
reliability = 0.80

[[subscales]]
id = "no_rel"
title = "Without a reliability figure"
higher_is = "better"

[[items]]
id = "a1"
kind = "likert"
text = "First question."
subscale = "with_rel"

[[items]]
id = "b1"
kind = "likert"
text = "Second question."
subscale = "no_rel"
"""


def test_a_subscale_without_reliability_never_gets_a_mark(
    store: Database, tmp_path: Path, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six months at 0, six at 4, both parts alike, against a reference population of demo partners
    (who answer the extra questions too). From the seventh month the score is 4 above the start:
    reliable in the part with r = 0.80, and never marked in the part without r."""
    extra = tmp_path / "extra"
    cat = extra_catalog(extra, {"extra.toml": EXTRA_TOML})
    monkeypatch.setenv("MENDWELL_ASSESSMENTS", str(extra))
    store.definitions.register(cat.instruments)
    _, ann, _ = make_couple_ids(store, "Us")
    for i in range(12):
        v = 0 if i < 6 else 4
        check_in(store, cat, ann, month(i), {"extra": {"a1": v, "b1": v}})
    reference_population(store, cat)
    first_partner_signed_in(monkeypatch, store)
    store.close()

    at = visit(TRENDS)
    figs = figures(at)
    assert set(trend_figures(figs)) == {"trend_extra_with_rel", "trend_extra_no_rel"}
    # the numbers under each chart say the same: a change in one part, "can't tell yet" in the other
    assert not at.dataframe  # the numbers are sent once they are unfolded
    numbers = [d.value for d in open_numbers(at).dataframe if "Spread (SD) from" in d.value.columns]
    assert len(numbers) == 2
    with_rel, no_rel_numbers = numbers
    assert with_rel["Since the start"].tolist() == ["can't tell yet"] + ["no reliable change"] * 5 + ["▲ better"] * 6
    assert no_rel_numbers["Since the start"].tolist() == ["can't tell yet"] * 12
    assert "Clinical class" not in with_rel.columns  # no published norms: no column that is always blank
    [glance] = [d.value for d in at.dataframe if "Part" in d.value.columns]
    assert dict(zip(glance["Part"], glance["Ann: since the start"], strict=True)) == {
        "With a reliability figure": "▲ better",
        "Without a reliability figure": "can't tell yet",
    }
    [mark] = traces(figs["trend_extra_with_rel"], "reliable_change")
    assert mark["meta"]["verdict"] == "improved" and months(mark["x"]) == [pd.Timestamp(month(i)) for i in range(6, 12)]
    no_rel = figs["trend_extra_no_rel"]
    assert len(traces(no_rel, "partner")) == 1
    assert traces(no_rel, "reliable_change") == []
    assert not no_rel["layout"].get("shapes")  # this part has no bands


# -- hostile names ---------------------------------------------------------------------------------

HOSTILE_ANN = "<b>x</b> %{y} <a href='javascript:alert(1)'>go</a>"
HOSTILE_BOB = "**Bo** [x](javascript:alert(1)) <i>i</i> %{x|%B}"
# by hand: < and > become entities, % becomes &#37; so Plotly reads no tag and no template (a chart shows a name
# cut to charts.NAME_IN_CHART characters, "…" at its end)
SAFE_ANN = "&lt;b&gt;x&lt;/b&gt; &#37;{y} &lt;a href='…"
SAFE_BOB = "**Bo** [x](javascript:a…"


@pytest.mark.parametrize("page", [TRENDS, THEMES])
def test_hostile_names_are_inert_in_figures(
    page: str, store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ann, bob = make_couple_ids(store, "Us", (HOSTILE_ANN, HOSTILE_BOB))
    for i in range(3):
        check_in(store, catalog, ann, month(i), whole_plan(catalog, 1 + i))
        check_in(store, catalog, bob, month(i), whole_plan(catalog, 3 - i))
    first_partner_signed_in(monkeypatch, store)
    store.close()
    at = visit(page)
    figs = every_figure(at)
    safe = {ann: SAFE_ANN, bob: SAFE_BOB}
    for key, fig in figs.items():
        strings = list(json_strings(fig))
        for raw in ("<b>x</b>", "<a href", "<i>i</i>", "%{y} <a", "%{x|%B}"):
            assert not [s for s in strings if raw in s], (key, raw)
        for t in traces(fig, "partner"):
            assert t["name"] == safe[t["meta"]["partner_id"]], key
            assert t["hovertemplate"].endswith(f"<extra>{safe[t['meta']['partner_id']]}</extra>"), key
    if page == TRENDS:
        trend = trend_figures(figs)
        assert len(trend) == 11
        assert {t["name"] for f in trend.values() for t in traces(f, "partner")} == {SAFE_ANN, SAFE_BOB}
        mirror = figs[f"mirror_{ann}"]
        assert mirror["layout"]["title"]["text"] == f"{SAFE_ANN}'s reaches, seen by both of you"
        assert [t["name"] for t in mirror["data"]] == [
            f"How {SAFE_ANN} felt their reaches were met",
            f"How {SAFE_BOB} saw themselves meeting them",
        ]
    else:
        assert figs[f"heat_{ann}"]["layout"]["title"]["text"].replace("<br>", " ") == f"{SAFE_ANN}: themes by month"
        assert figs[f"kinds_{bob}"]["layout"]["title"]["text"] == SAFE_BOB
        assert figs[f"mending_{bob}"]["layout"]["title"]["text"] == SAFE_BOB


# -- the Themes page tells a quiet month from a missed one -------------------------------------------


def test_themes_page_tells_a_month_without_themes_from_a_missed_month(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ann: "unseen" in January and April, a check-in without any theme in February, no
    check-in in March. Both February and March are blank columns in her heatmap, so the page
    must not say a blank column is a missed month; it names the missed month instead."""
    _, ann, bob = make_couple_ids(store, "Us")
    for i in (0, 3):
        check_in(store, catalog, ann, month(i), {"micro_hurts": {"unheard_often": 1, "unheard_themes": [UNSEEN]}})
    check_in(store, catalog, ann, month(1), {"micro_hurts": {"unheard_often": 0}})
    check_in(store, catalog, bob, month(1), {"micro_hurts": {"unheard_often": 0}})
    first_partner_signed_in(monkeypatch, store)
    store.close()
    at = visit(THEMES)
    heat = figures(at)[f"heat_{ann}"]["data"][0]
    z = values(heat["z"]).reshape(len(heat["y"]), 4)
    assert list(z.sum(axis=0)) == [1, 0, 0, 1]  # February and March look the same
    captions = [str(c.value).replace("\\", "") for c in at.caption]
    assert not [c for c in captions if "A blank column is a month without a check-in" in c]
    assert "Months without a check-in from Ann: March 2025." in captions
    assert "Months without a check-in from Bob: January 2025, March 2025, April 2025." in captions
    # the caption quotes the question as the check-in asks it
    assert any("“What did it stir in me?”" in c for c in captions)


def test_where_a_theme_came_from_shows_its_answers_once_a_theme_is_chosen(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ann, bob = make_couple_ids(store, "Us")
    for i in (0, 2):
        check_in(store, catalog, ann, month(i), {"micro_hurts": {"unheard_often": 1, "unheard_themes": [UNSEEN]}})
    check_in(store, catalog, bob, month(1), {"micro_hurts": {"unheard_often": 0}})
    first_partner_signed_in(monkeypatch, store)
    store.close()
    [unseen] = [theme_id for theme_id, theme in catalog.themes.items() if theme.title == "Unseen"]
    at = visit(THEMES)
    chooser = at.selectbox(key="theme_detail")
    assert chooser.value is None and "Unseen" in chooser.options
    assert not [d for d in at.dataframe if "Question" in d.value.columns]  # no table until a theme is chosen
    chooser.set_value(unseen).run()
    ok(at)
    [table] = [d.value for d in at.dataframe if "Question" in d.value.columns]
    # months as dates (shown as "March 2026"), so sorting by the column keeps them in order; the latest first
    assert table["Month"].tolist() == [pd.Timestamp(month(2)), pd.Timestamp(month(0))]
    assert set(table["Partner"]) == {"Ann"}
    assert set(table["Part of the check-in"]) == {instrument(catalog, "micro_hurts").title}
    # the question in its own words, and the hurt it followed (a chart's short label said "Unheard (themes)")
    micro = instrument(catalog, "micro_hurts")
    asked = micro.item("unheard_themes").text
    assert set(table["Question"]) == {f"{asked} (after “{micro.short(micro.item('unheard_often'))}”)"}
    assert "The answers that pointed to it, " in shown(at)


@pytest.mark.parametrize("reader", ["partner", "therapist"])
def test_trends_speaks_to_the_couple_and_about_them_to_their_therapist(
    reader: str, store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The words around Trends' numbers and its two perspectives say "you" to a partner, and "each partner" and
    "their" to a therapist reading on their own."""
    couple_id, ann, bob = make_couple_ids(store, "Us")
    for i in range(2):
        check_in(store, catalog, ann, month(i), whole_plan(catalog, 2))
        check_in(store, catalog, bob, month(i), whole_plan(catalog, 3))
    if reader == "therapist":
        sign_in(monkeypatch, store, therapist(store, couple_ids=[couple_id]))
    else:
        first_partner_signed_in(monkeypatch, store)
    store.close()
    words = "\n".join(text_of(part) for part in each_part(visit(TRENDS)))
    to_couple = reader == "partner"
    said = {
        "Each month is compared with each of your starting points": to_couple,
        "how one of you felt your reaches for connection were met": to_couple,
        "Each month is compared with each partner's starting point": not to_couple,
        "how one partner felt their reaches for connection were met": not to_couple,
    }
    assert {line: line in words for line in said} == said
