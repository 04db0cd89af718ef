"""Recurring themes: what the small hurts keep touching, month after month."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mendwell import analysis, charts, periods, summary, views
from mendwell.limits import THEMES_SHOWN
from mendwell.text import md_escape
from ui.page import page_setup, partner_styles, range_control
from ui.resources import analysis_for

page = page_setup("Recurring themes", page="themes")
db, catalog, couple = page.db, page.catalog, page.the_couple
styles = partner_styles(couple)
names = {p.partner_id: p.name for p in couple.partners}
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
sharing = page.sharing  # larger charts, one per row, no downloads

st.markdown(
    "Small hurts often carry a theme: feeling unseen, unheard, alone. When the same theme keeps coming back "
    "for one of you, it may be worth tending to together, gently and without blame."
)
data = analysis_for(db, couple.couple_id)
signals, kinds, repair = data["signals"], data["kinds"], data["repair"]
checked_in = db.checkins.listing(couple.couple_id)
checked_in = checked_in[checked_in["status"] == "submitted"]

if checked_in.empty:
    st.info(
        "Themes appear here after your first check-ins. A theme counts as recurring once it has come up in "
        "several of the recent months, so this page grows more useful with time.",
        icon=":material/category:",
    )
    st.stop()

theme_titles = views.theme_titles(catalog)
last_period = pd.to_datetime(checked_in["period"]).max()
first_period = pd.to_datetime(checked_in["period"]).min()

# -- recurring --------------------------------------------------------------------------
st.subheader("Themes that keep coming back")
left, right = st.columns(2)
window = left.number_input("Look back over this many months", min_value=3, max_value=36, value=6, step=1)
min_months = right.number_input(
    "Count a theme as recurring when it came up in at least", min_value=1, max_value=int(window),
    value=min(3, int(window)), step=1, help="months of that span",
)  # fmt: skip
recurring = analysis.recurring_themes(signals, last_period, window=int(window), min_months=int(min_months))
window_start = views.span_start(first_period, last_period, int(window)).date()
months_span = f"{periods.label(window_start)} to {periods.label(last_period.date())}"
st.caption(f"Looking at {months_span}.")
fresh = analysis.new_themes(signals, last_period, window=int(window))
came_in = set(checked_in["partner_id"].astype(int))
cols = st.columns(len(couple.partners))
for col, partner in zip(cols, couple.partners, strict=False):
    with col:
        st.markdown(f"**{md_escape(partner.name)}**")
        if partner.partner_id not in came_in:
            st.caption(md_escape(summary.no_data_sentence(partner.name)))
            continue
        mine = recurring[recurring["partner_id"] == partner.partner_id]
        if mine.empty:
            st.caption(f"No theme came up in {int(min_months)} or more of these {int(window)} months.")
        for row in mine.head(THEMES_SHOWN).itertuples():
            run = ", this month too" if row.this_month else ""
            if row.streak > 1:
                run = f", the last {row.streak} in a row"
            st.markdown(
                f"- **{md_escape(theme_titles.get(row.theme_id, row.theme_id))}**: "
                f"{row.months} of {int(window)} months{run}"
            )
        rest = mine.iloc[THEMES_SHOWN:]
        if not rest.empty:
            with st.expander(f"{len(rest)} more that came up less steadily"):
                for row in rest.itertuples():
                    st.markdown(
                        f"- {md_escape(theme_titles.get(row.theme_id, row.theme_id))}: {row.months} of {int(window)}"
                    )
        new_here = fresh[fresh["partner_id"] == partner.partner_id]
        if not new_here.empty:
            st.caption(
                "New this month: " + ", ".join(md_escape(theme_titles.get(t, t)) for t in new_here["theme_id"]) + "."
            )
st.caption(
    f"The {THEMES_SHOWN} themes that came up most steadily are first: in the most of these months, then in an "
    "unbroken run up to the latest, then this month. A theme that is new this month is named on its own."
)

# -- heatmap ------------------------------------------------------------------------------
st.subheader("Month by month")
months_back = range_control("themes_range")
start = views.span_start(first_period, last_period, months_back)
months = list(pd.date_range(start, last_period, freq="MS"))
monthly = analysis.theme_months(signals)
monthly = monthly[pd.to_datetime(monthly["period"]) >= start] if not monthly.empty else monthly
for style in styles:
    if style.partner_id not in came_in:
        continue  # a kind sentence above, not an empty heatmap
    mine = monthly[monthly["partner_id"] == style.partner_id]
    fig = charts.theme_heatmap(mine, theme_titles, months, f"{style.name}: themes by month")
    st.plotly_chart(fig, width="stretch", config=CHART_CONFIG, key=f"heat_{style.partner_id}")
    # a month with a check-in but no theme is blank too: name the missed months in words
    came = set(pd.to_datetime(checked_in.loc[checked_in["partner_id"] == style.partner_id, "period"]))
    missed = [periods.label(m.date()) for m in months if m not in came]
    if missed:
        st.caption(f"Months without a check-in from {md_escape(style.name)}: {', '.join(missed)}.")
    with st.expander("Show the numbers"):
        table = mine.assign(
            Month=pd.to_datetime(mine["period"]).dt.strftime("%Y-%m"), Theme=mine["theme_id"].map(theme_titles)
        )[["Month", "Theme", "signals"]].rename(columns={"signals": "Answers"})
        st.dataframe(table, hide_index=True, width="stretch")
        if not sharing:
            st.download_button(
                "Download (CSV)", table.to_csv(index=False).encode("utf-8"),
                file_name=f"mendwell-themes-partner{style.slot}.csv", mime="text/csv", on_click="ignore",
                key=f"dl_heat_{style.partner_id}",
            )  # fmt: skip
st.caption(
    "A cell darkens with the number of answers that pointed to a theme that month: a theme chosen in "
    "“What did it stir in me?”, or a question tied to the theme answered toward its harder end. "
    "A blank cell means nothing pointed to that theme that month."
)

# -- kinds of small hurt -----------------------------------------------------------------------
micro = catalog.get(analysis.MICRO_HURTS)
if micro is not None:
    st.subheader("Which small hurts happened")
    kind_items = micro.items_of(analysis.FREQUENCY)
    labels = {it.id: micro.short(it) for it in kind_items}
    how_often = pd.DataFrame(
        [
            (it.id, float(v), label)
            for it in kind_items
            for v, label in zip(range(micro.scale(it)[0], micro.scale(it)[1] + 1), micro.labels(it), strict=False)
        ],
        columns=["item_id", "value", "how_often"],
    )
    in_range = kinds[pd.to_datetime(kinds["period"]) >= start] if not kinds.empty else kinds
    in_range = in_range.merge(how_often, on=["item_id", "value"], how="left")
    cols = st.columns(len(styles))
    for col, style in zip(cols, styles, strict=False):
        mine = in_range[in_range["partner_id"] == style.partner_id] if not in_range.empty else in_range
        with col:
            if style.partner_id not in came_in:
                st.caption(md_escape(summary.no_data_sentence(style.name)))
                continue
            fig = charts.kinds_figure(mine, labels, months, f"{style.name}")
            st.plotly_chart(fig, width="stretch", config=CHART_CONFIG, key=f"kinds_{style.partner_id}")

    st.subheader("Share of small hurts mended")
    gapped = views.repair_series(repair, styles, start, last_period) if not repair.empty else repair
    if gapped.empty:
        st.caption("Once a small hurt has been named, this shows how much of it was mended.")
    else:
        st.plotly_chart(charts.repair_figure(gapped, styles), width="stretch", config=CHART_CONFIG, key="repair")
        st.caption(
            "Of the small hurts each of you named that month and answered “was it mended?” for, the share that "
            "were mended or partly mended. A blank answer counts as not known, so it is left out of the share "
            "(hover a point to see how many were not answered)."
        )

# -- where a theme came from -------------------------------------------------------------------
st.subheader("Where a theme came from")
present = sorted(set(signals["theme_id"])) if not signals.empty else []
if not present:
    st.caption("No theme has come up yet.")
else:
    choice = st.selectbox("Theme", present, format_func=lambda t: theme_titles.get(t, t), key="theme_detail")
    rows = signals[(signals["theme_id"] == choice) & (pd.to_datetime(signals["period"]) >= start)]
    item_labels = pd.DataFrame(
        [(inst.id, it.id, inst.short(it), inst.title) for inst in catalog.instruments for it in inst.items],
        columns=["instrument_id", "item_id", "From", "Part"],
    )
    detail = (
        rows.merge(item_labels, on=["instrument_id", "item_id"], how="left")
        .assign(
            Month=lambda d: pd.to_datetime(d["period"]).dt.strftime("%Y-%m"),
            Partner=lambda d: d["partner_id"].map(names),
        )
        .fillna({"From": "", "Part": ""})[["Month", "Partner", "From", "Part"]]
        .sort_values(["Month", "Partner"], ascending=[False, True])
    )
    if detail.empty:
        st.caption("This theme did not come up in the chosen time span.")
    else:
        st.dataframe(detail, hide_index=True, width="stretch")
