"""Trends: each partner's line per subscale, at a glance, and two perspectives.

Everything drawn here is built once per couple, write and time span (`ui.resources.trends_view_for`), so
a visit only sends it, the first questionnaire's charts first. Each chart has a sentence under it that
says what it shows; its numbers are one click away, in a popover the browser builds only when opened
(a dozen hidden tables used to cost the browser about a third of its work on this page).

Charts are sent with `theme=None`: every colour and font is set in `mendwell.charts`, which spares the
browser Streamlit's restyling of each figure (Streamlit 1.67 applies its theme twice on mount, and the
second pass wraps the title in a second `<b>`).
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from mendwell import periods, views
from mendwell.text import md_escape
from ui.page import page_setup, range_control, show_chart
from ui.report_panel import report_panel
from ui.resources import analysis_for, trends_view_for

page = page_setup("Trends", page="trends")
db, catalog, couple = page.db, page.catalog, page.the_couple
# Streamlit's browser side makes the charts that arrive together visible together, once the last of them is
# drawn (twice each: hidden, then at its column's width). Held back this long, the rest arrive after the
# first questionnaire's charts are on screen: those appear in a third of the time, the rest as before
# (measured with tests/bench/charts_browser.py: 0.15 s was too short about half the time on 2 busy cores).
FIRST_DRAW_PAUSE = 0.25
sharing = page.sharing  # larger charts, one per row, no downloads

shared = views.shared_only(analysis_for(db, couple.couple_id)["reliable"])
if shared.empty:
    st.info(
        "Your trends appear here once you have checked in. Each part of the check-in gets a chart with a line "
        "for each of you; after a few months you can see which way things are moving.",
        icon=":material/show_chart:",
    )
    st.stop()

months_back = range_control("trend_range")
view = trends_view_for(db, catalog, couple, months_back, sharing)
assert view is not None  # there are shared scores


def draw(chart: views.ChartView) -> None:
    """A chart, the sentence that says what it shows, its notes, and its numbers a click away."""
    show_chart(chart, "Line chart")
    # one element: the sentence first, then any notes as paragraphs of their own (each markdown element
    # costs the browser a parse)
    st.caption("\n\n".join(md_escape(line) for line in (chart.sentence, *chart.notes)))
    if chart.numbers is None:
        return
    with st.popover("Show the numbers", icon=":material/table:", width="stretch"):
        st.dataframe(chart.numbers, hide_index=True, width="stretch")
        if chart.csv:
            st.download_button(
                "Download these numbers (CSV)",
                chart.csv,
                file_name=chart.file_name,
                mime="text/csv",
                on_click="ignore",
                key=f"dl_{chart.key.removeprefix('trend_')}",
            )


# -- this month at a glance ------------------------------------------------------------
st.header(f"At a glance: {periods.label(view.last_period.date())}")
st.markdown("\n".join(f"- {md_escape(line)}" for line in view.glance))
# words first, this month's numbers a click away (and one table fewer for the browser to build)
with st.popover("This month's scores, part by part", icon=":material/table:", width="stretch"):
    glance = view.glance_table
    st.dataframe(glance, hide_index=True, width="stretch", height=35 * (len(glance) + 1) + 3)
    st.caption(
        "Each month is compared with each of your starting points"
        + (
            f" (from {periods.label(view.start_mark)}, marked as the start)"
            if view.start_mark
            else " (your first check-in)"
        )
        + ". ▲ and ▼ mark a reliable change since then (the Jacobson–Truax reliable change index, with the "
        "spread of everyone's first check-ins or a questionnaire's published norms): ▲ when the line went up, ▼ "
        "when it went down, and the words say whether that is better or harder for that part. Month-to-month ups "
        "and downs are never called a change. Until enough people have checked in to know how much a part usually "
        "varies, Mendwell says it can't tell yet rather than guess."
    )

# -- one chart per subscale, a questionnaire at a time ------------------------------------
st.header("Each part, month by month")
if view.single_month:
    st.info("One month so far: a line needs two months, so each of you shows as a single point for now.")
for n, inst in enumerate(view.instruments):
    if n == 1:
        time.sleep(FIRST_DRAW_PAUSE)  # let the browser draw the first questionnaire's charts on their own
    st.subheader(inst.title)
    cols = st.columns(1 if sharing else 2)
    for i, chart in enumerate(inst.charts):
        with cols[i % len(cols)]:
            draw(chart)

# -- two perspectives ------------------------------------------------------------------
if view.mirrors:
    st.header("How differently we see it")
    st.markdown(
        "The same moments, seen from each side: how one of you felt your reaches for connection were met, "
        "and how the other saw themselves meeting them. A space between the lines is not a verdict on who is "
        "right; it is something to be curious about together."
    )
    cols = st.columns(1 if sharing else 2)
    for i, mirror in enumerate(view.mirrors):
        with cols[i % len(cols)]:
            draw(mirror)
elif view.both_present:
    st.caption("The two-perspectives chart appears once you have both checked in for the same month.")

# -- session report ----------------------------------------------------------------------
if not sharing:
    months = pd.to_datetime(shared["period"])
    report_panel(db, catalog, couple, months.min(), months.max())
