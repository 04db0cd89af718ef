"""Trends: each partner's line per subscale, at a glance, and two perspectives.

Everything drawn here is built once per couple, write and time span (`ui.resources.trends_view_for`), so
a visit only sends it. The parts are one per questionnaire, chosen by radio buttons (`ui.page.part_picker`), and only
the chosen part's charts are sent: a dozen charts at once kept a phone waiting for all of them. The parts are a
fragment: choosing one redraws only them. Each chart has a sentence under it that says what it shows; its
numbers are one click away, folded: a table is sent only once it is opened (`ui.page.numbers_box`).

The charts are drawn by the page with Plotly itself (`ui.chart_element`), not Streamlit's chart element:
every colour and font is set in `mendwell.charts`, and Plotly draws each chart once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from mendwell import periods, views
from mendwell.text import md_escape, md_label
from ui.page import (
    chart_numbers,
    kept_back_note,
    numbers_box,
    page_setup,
    part_picker,
    range_control,
    show_chart,
    still_allowed,
)
from ui.report_panel import report_panel
from ui.resources import trends_view_for

page = page_setup("Trends", page="trends")
db, catalog, couple = page.db, page.catalog, page.the_couple
kept_back_note(page)
PARTS = "trend_part"  # the parts' key: which questionnaire is shown
sharing = page.sharing  # larger charts, one per row, no downloads

SPAN = "trend_range"  # the time span control's key
# The span first, then the view for it (kept per couple, write and span): the control's value is what it shows,
# also when the address decides it (a reload, a link, the browser's Back). None until there are shared scores,
# and then the page says so without a time span to choose.
span_box = st.empty()
with span_box:
    months_back = range_control(SPAN)
found = trends_view_for(db, catalog, couple, page.lens, months_back, sharing)
if found is None:
    span_box.empty()
    st.info(
        (
            "Their trends appear here once they have checked in. Each part of the check-in gets a chart with a "
            "line for each partner; after a few months you can see which way things are moving."
            if page.to_therapist
            else "Your trends appear here once you have checked in. Each part of the check-in gets a chart with a "
            "line for each of you; after a few months you can see which way things are moving."
        ),
        icon=":material/show_chart:",
    )
    st.stop()
view: views.TrendsView = found


def draw(chart: views.ChartView) -> None:
    """A chart, the sentence that says what it shows, its notes, and its numbers a click away."""
    show_chart(chart, "Line chart")
    # one element: the sentence first, then any notes as paragraphs of their own (each markdown element
    # costs the browser a parse)
    st.caption("\n\n".join(md_escape(line) for line in (chart.sentence, *chart.notes)))
    chart_numbers(chart)


# -- this month at a glance ------------------------------------------------------------
st.header(f"At a glance: {periods.label(view.last_period.date())}")
st.markdown("\n".join(f"- {md_escape(line)}" for line in view.glance))


# words first, this month's numbers a click away: sent only when opened, rerunning only this part
@st.fragment
def glance_numbers() -> None:
    """This month's scores part by part, and how to read the marks, folded until opened."""
    still_allowed(page)
    box = numbers_box(f"{periods.label(view.last_period.date())}: the scores, part by part", "glance")
    if box is None:
        return
    glance = view.glance_table
    box.dataframe(glance, hide_index=True, width="stretch", height=35 * (len(glance) + 1) + 3)
    box.caption(
        "Each month is compared with "
        + ("each partner's starting point" if page.to_therapist else "each of your starting points")
        + (
            f" (from {periods.label(view.start_mark)}, marked as the start)"
            if view.start_mark
            else " (the first check-in)"
        )
        + ". ▲ and ▼ mark a reliable change since then (the Jacobson–Truax reliable change index, with the "
        "spread of everyone's first check-ins or a questionnaire's published norms): ▲ when the line went up, ▼ "
        "when it went down, and the words say whether that is better or harder for that part. Month-to-month ups "
        "and downs are never called a change. Until enough people have checked in to know how much a part usually "
        "varies, Mendwell says it can't tell yet rather than guess."
    )


glance_numbers()

# -- one chart per subscale, a questionnaire at a time ------------------------------------
st.header("Each part, month by month")
if view.single_month:
    who = "each partner" if page.to_therapist else "each of you"
    st.info(f"One month so far: a line needs two months, so {who} shows as a single point for now.")


TWO_SIDES = "Both sides"  # the last part: the two perspectives on each one's reaches


def unique(labels: list[str]) -> list[str]:
    """Part labels, each made different from those before it (the part shown is remembered by its label)."""
    out: list[str] = []
    for n, label in enumerate(labels, start=1):
        out.append(label if label not in out else f"{label} ({n})")
    return out


def two_sides() -> None:
    """The two perspectives: how each felt their reaches were met, and how the other saw meeting them."""
    if not view.mirrors:
        who = "they have" if page.to_therapist else "you have"
        st.caption(f"The two-perspectives chart appears once {who} both checked in for the same month.")
        return
    one, yours = ("one partner", "their") if page.to_therapist else ("one of you", "your")
    st.markdown(
        f"The same moments, seen from each side: how {one} felt {yours} reaches for connection were met, "
        "and how the other saw themselves meeting them. A space between the lines is not a verdict on who is "
        "right; it is something to be curious about together."
    )
    cols = st.columns(1 if sharing else 2)
    for i, mirror in enumerate(view.mirrors):
        with cols[i % len(cols)]:
            draw(mirror)


@st.fragment
def each_part() -> None:
    """A part per questionnaire, then the two perspectives. Only the chosen part's charts are sent, and choosing
    another reruns only this part of the page."""
    still_allowed(page)
    parts: list[tuple[str, Callable[[], None]]] = [
        (md_label(inst.title), partial(charts_of, inst)) for inst in view.instruments
    ]
    if view.mirrors or view.both_present:
        parts.append((TWO_SIDES, two_sides))
    labels = unique([label for label, _ in parts])
    chosen = part_picker("Part of the check-in", labels, PARTS)
    parts[labels.index(chosen)][1]()


def charts_of(inst: views.InstrumentCharts) -> None:
    """A questionnaire's charts, two to a row (one while the screen is shared)."""
    cols = st.columns(1 if sharing else 2)
    for i, chart in enumerate(inst.charts):
        with cols[i % len(cols)]:
            draw(chart)


each_part()


# -- session report ----------------------------------------------------------------------
@st.fragment
def session_report() -> None:
    """The report form, folded away until opened; opening it or preparing a report reruns only this part."""
    still_allowed(page)
    report_panel(db, catalog, couple, page.viewer.actor, view.first_period, view.last_period)


if not sharing:
    session_report()
