"""Trends: each partner's line per subscale, at a glance, and two perspectives."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mendwell import analysis, periods, summary, views
from mendwell.text import md_escape
from ui.page import page_setup, partner_styles, range_control
from ui.report_panel import report_panel
from ui.resources import analysis_for

page = page_setup("Trends", page="trends")
db, catalog, couple = page.db, page.catalog, page.the_couple
styles = partner_styles(couple)
names = {p.partner_id: p.name for p in couple.partners}
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
sharing = page.sharing  # larger charts, one per row, no downloads

data = analysis_for(db, couple.couple_id)
rc = data["reliable"]
shared = views.shared_only(rc)

if shared.empty:
    st.info(
        "Your trends appear here once you have checked in. Each part of the check-in gets a chart with a line "
        "for each of you; after a few months you can see which way things are moving.",
        icon=":material/show_chart:",
    )
    st.stop()

months_back = range_control("trend_range")
last_period = pd.to_datetime(shared["period"]).max()
first_period = pd.to_datetime(shared["period"]).min()
start = views.span_start(first_period, last_period, months_back)
titles = views.subscale_titles(catalog)
theme_titles = views.theme_titles(catalog)

present = set(shared["partner_id"].unique())

# -- this month at a glance ------------------------------------------------------------
st.subheader(f"At a glance: {periods.label(last_period.date())}")
window = 6
recurring = analysis.recurring_themes(data["signals"], last_period, window=window, min_months=3)
people = [summary.Person(p.partner_id, p.name) for p in couple.partners]
for line in summary.sentences(shared, recurring, people, titles, theme_titles, window):
    st.markdown(f"- {md_escape(line)}")
glance = summary.glance_table(shared, people, titles)
st.dataframe(glance, hide_index=True, width="stretch", height=35 * (len(glance) + 1) + 3)
start_mark = analysis.start_of_therapy(db, couple.couple_id)
st.caption(
    "Each month is compared with each of your starting points"
    + (f" (from {periods.label(start_mark)}, marked as the start)" if start_mark else " (your first check-in)")
    + ". ▲ and ▼ mark a reliable change since then (the Jacobson–Truax reliable change index, with the spread "
    "of everyone's first check-ins or a questionnaire's published norms): ▲ when the line went up, ▼ when it went "
    "down, and the words say whether that is better or harder for that part. Month-to-month ups and downs are "
    "never called a change. Until enough people have checked in to know how much a part usually varies, "
    "Mendwell says it can't tell yet rather than guess."
)


# -- one chart per subscale --------------------------------------------------------------
def numbers_table(df: pd.DataFrame) -> pd.DataFrame:
    """The scores behind a chart as a readable table, one row per partner-month."""
    rows = df.dropna(subset=["score"])
    return pd.DataFrame(
        {
            "Month": pd.to_datetime(rows["period"]).dt.strftime("%Y-%m"),
            "Partner": rows["partner_id"].map(names),
            "Score": rows["score"].round(3),
            "Band": rows["band"].fillna(""),
            "Since the start": summary.marks(rows),
            "Compared with": pd.to_datetime(rows["reference_period"]).dt.strftime("%Y-%m").fillna(""),
            "Since the month before": [
                analysis.movement_words(c, h, p)
                for c, h, p in zip(rows["month_change"], rows["higher_is"], rows["previous_period"], strict=True)
            ],
            "Needed for a reliable change": rows["threshold"].round(2),
            "Spread (SD) from": rows["sd_source"].fillna(""),
            "Reliability from": rows["reliability_source"].fillna(""),
            "Clinical class": [
                f"{c} (norms: {n})" if isinstance(c, str) and c else ""
                for c, n in zip(rows["clinical_class"], rows["norms_source"], strict=True)
            ],
        }
    )


in_range = shared[pd.to_datetime(shared["period"]) >= start]
if in_range.groupby("partner_id")["period"].nunique().max() < 2:
    st.info("One month so far: a line needs two months, so each of you shows as a single point for now.")
for inst, subscale_charts in views.trend_charts(shared, catalog, styles, start, last_period, large=sharing):
    st.subheader(inst.title)
    cols = st.columns(1 if sharing else 2)
    for i, chart in enumerate(subscale_charts):
        with cols[i % len(cols)]:
            key = f"{inst.id}_{chart.subscale_id}"
            st.plotly_chart(chart.figure, width="stretch", config=CHART_CONFIG, key=f"trend_{key}")
            for line in views.trend_lines(chart, styles):
                st.caption(md_escape(line))
            latest_rows = chart.gridded.dropna(subset=["score"])
            classes = latest_rows[latest_rows["clinical_class"].fillna("").ne("")]
            if not classes.empty:
                last_rows = classes.sort_values("period").groupby("partner_id").tail(1)
                st.caption(
                    md_escape(
                        "Since the start (Jacobson–Truax, norms: "
                        + str(last_rows["norms_source"].iloc[0])
                        + "): "
                        + "; ".join(f"{names[int(r.partner_id)]} {r.clinical_class}" for r in last_rows.itertuples())
                        + "."
                    )
                )
            numbers = numbers_table(chart.gridded)
            with st.expander("Show the numbers"):
                st.dataframe(numbers, hide_index=True, width="stretch")
                if not sharing:
                    st.download_button(
                        "Download these numbers (CSV)",
                        numbers.to_csv(index=False).encode("utf-8"),
                        file_name=f"mendwell-{inst.id}-{chart.subscale_id}.csv",
                        mime="text/csv",
                        on_click="ignore",
                        key=f"dl_{key}",
                    )

# -- two perspectives ------------------------------------------------------------------
mirrors = data["mirrors"]
if not mirrors.empty:
    st.subheader("How differently we see it")
    st.markdown(
        "The same moments, seen from each side: how one of you felt your reaches for connection were met, "
        "and how the other saw themselves meeting them. A space between the lines is not a verdict on who is "
        "right; it is something to be curious about together."
    )
    cols = st.columns(1 if sharing else 2)
    for i, mirror in enumerate(views.mirror_charts(mirrors, catalog, styles, start, last_period)):
        receiver_id, giver_id = mirror.receiver.partner_id, mirror.giver.partner_id
        with cols[i % len(cols)]:
            st.plotly_chart(mirror.figure, width="stretch", config=CHART_CONFIG, key=f"mirror_{receiver_id}")
            shown = mirror.gridded.dropna(subset=["receiver_view"])
            with st.expander("Show the numbers"):
                st.dataframe(
                    pd.DataFrame(
                        {
                            "Month": shown["period"].dt.strftime("%Y-%m"),
                            f"{names[int(receiver_id)]}'s view": shown["receiver_view"].round(2),
                            f"{names[giver_id]}'s view": shown["giver_view"].round(2),
                            "Space between": shown["gap"].round(2),
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
elif len(present) == 2:
    st.caption("The two-perspectives chart appears once you have both checked in for the same month.")

# -- session report ----------------------------------------------------------------------
if not sharing:
    report_panel(db, catalog, couple, first_period, last_period)
