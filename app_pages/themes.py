"""Recurring themes: what the small hurts keep touching, month after month.

The charts are built once per couple, write and time span (`ui.resources.themes_view_for`); the list of
themes that keep coming back, the charts' parts and "where a theme came from" are fragments, so choosing
how far back to look, a part or a theme to trace redraws only that part. Only the chosen part's charts are
sent (see app_pages/trends.py), and the answers behind a theme only once one is chosen: a table is much
for a phone to draw. Each chart has a sentence under it that says what it shows. Charts are drawn by
`ui.chart_element` (see app_pages/trends.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from mendwell import periods, summary, views
from mendwell.limits import THEMES_SHOWN
from mendwell.text import md_escape
from ui.page import (
    KEPT,
    chart_numbers,
    kept_back_note,
    month_column,
    page_setup,
    part_picker,
    range_control,
    show_chart,
    still_allowed,
)
from ui.resources import signals_for, submitted_for, themes_coming_back_for, themes_view_for

page = page_setup("Recurring themes", page="themes")
db, catalog, couple = page.db, page.catalog, page.the_couple
kept_styles = kept_back_note(page)  # each partner's months not open to this viewer yet
names = {p.partner_id: p.name for p in couple.partners}
sharing = page.sharing  # larger charts, one per row, no downloads

# How far back "keeps coming back" looks, and how often a theme must have come up, in plain words.
LOOK_BACK = {"3 months": 3, "6 months": 6, "1 year": 12, "2 years": 24}
OFTEN = "Half the months or more"  # the default: 3 of the last 6 months, as the Trends glance counts
HOW_OFTEN = {"Now and then": 1 / 3, "Half the months or more": 1 / 2, "Most months": 2 / 3, "Every month": 1.0}

st.markdown(
    "Small hurts often carry a theme: feeling unseen, unheard, alone. When the same theme keeps coming back "
    f"for {'one partner' if page.to_therapist else 'one of you'}, it may be worth tending to together, gently "
    "and without blame."
)
signals = signals_for(db, couple.couple_id, page.lens)
submitted = submitted_for(db, couple.couple_id, page.lens)

if submitted.empty:
    st.info(
        f"Themes appear here after {'their' if page.to_therapist else 'your'} first check-ins. A theme keeps "
        "coming back once it has come up in several of the recent months, so this page grows more useful with "
        "time.",
        icon=":material/category:",
    )
    st.stop()

theme_titles = views.theme_titles(catalog)
last_period = submitted["period"].max()
first_period = submitted["period"].min()
came_in = set(submitted["partner_id"])


def chart(view: views.ChartView, kind: str) -> None:
    """A chart, then the sentence that says what it shows, then its notes, each a line of its own."""
    show_chart(view, kind)
    st.caption(md_escape(view.sentence))
    for note in view.notes:
        st.caption(md_escape(note))


# -- themes that keep coming back -------------------------------------------------------------
@st.fragment
def coming_back() -> None:
    """The themes each partner keeps meeting; its two choices redraw only this part."""
    still_allowed(page)
    st.header("Themes that keep coming back")
    left, right = st.columns(2)
    with left:
        # pills, as beside it: on a phone a segmented control wrapped its last choice onto a row of its own
        back = st.pills(
            "Look back over", list(LOOK_BACK), default="6 months", required=True, wrap=True,
            key="themes_look_back", persist_state=KEPT,
        )  # fmt: skip
    with right:
        # in a column, choices stay on one row and are cut off on a phone unless told to wrap
        often = st.pills(
            "Show a theme when it came up", list(HOW_OFTEN), default=OFTEN, required=True, wrap=True,
            key="themes_often", persist_state=KEPT,
        )  # fmt: skip
    months = LOOK_BACK[back]
    least = max(1, math.ceil(HOW_OFTEN[often] * months - 1e-9))
    recurring, fresh = themes_coming_back_for(db, couple.couple_id, page.lens, last_period, months, least)
    since = views.span_start(first_period, last_period, months).date()
    how_many = f"all {months}" if least == months else f"at least {least} of the {months}"
    st.caption(
        f"Showing themes that came up in {how_many} months from {periods.label(since)} to "
        f"{periods.label(last_period.date())}."
    )
    cols = st.columns(len(couple.partners))
    for col, partner in zip(cols, couple.partners, strict=False):
        with col:
            st.markdown(f"**{md_escape(partner.name)}**")
            if partner.partner_id not in came_in:
                kept = next((p.kept_back for p in kept_styles if p.partner_id == partner.partner_id), ())
                st.caption(md_escape(summary.no_data_sentence(partner.name, kept)))
                continue
            mine = recurring[recurring["partner_id"] == partner.partner_id]
            if mine.empty:
                st.caption(f"No theme came up in {how_many} months.")
            lines = []
            for row in mine.head(THEMES_SHOWN).itertuples():
                run = f", in {periods.label(last_period.date())} too" if row.this_month else ""
                if row.streak > 1:
                    run = f", the last {row.streak} in a row"
                title = md_escape(theme_titles.get(row.theme_id, row.theme_id))
                lines.append(f"- **{title}**: {row.months} of {months} months{run}")
            if lines:
                st.markdown("\n".join(lines))
            rest = mine.iloc[THEMES_SHOWN:]
            if not rest.empty:
                with st.expander(f"{len(rest)} more that came up"):  # some as often as the last above
                    st.markdown(
                        "\n".join(
                            f"- {md_escape(theme_titles.get(r.theme_id, r.theme_id))}: {r.months} of {months}"
                            for r in rest.itertuples()
                        )
                    )
            new_here = fresh[fresh["partner_id"] == partner.partner_id]
            if not new_here.empty:
                # the latest month shown, by name: it is often last month (this one not open to both yet)
                st.caption(
                    f"New in {periods.label(last_period.date())}: "
                    + ", ".join(md_escape(theme_titles.get(t, t)) for t in new_here["theme_id"])
                    + "."
                )
    st.caption(
        f"Up to {THEMES_SHOWN} themes each, those that came up in the most months first; then those that came "
        f"up several months in a row up to {periods.label(last_period.date())}, then in that month. A theme new "
        "in that month is named on its own."
    )


coming_back()

# -- month by month -----------------------------------------------------------------------------
st.header("Month by month")
months_back = range_control("themes_range")
found = themes_view_for(db, catalog, couple, page.lens, months_back, sharing, dt.date.today())
assert found is not None  # there are submitted check-ins
view: views.ThemesView = found
start = view.start
BY_MONTH, KINDS, MENDED = "Themes by month", "Which small hurts happened", "How far small hurts were mended"
VIEWS = "themes_view"  # the parts' key: which of the three is shown


def by_month() -> None:
    """A heatmap per partner of the themes month by month, each with its numbers a click away; what the shades
    stand for first, as a chart's key is read before the chart (under both grids, a phone's reader met it two
    screens after the first)."""
    st.caption(summary.heatmap_key(view.darkest))
    for heat in view.heatmaps:
        chart(heat, "Heatmap")
        chart_numbers(heat)


def per_partner(charts_of: tuple[views.PartnerChart, ...]) -> None:
    """A chart per partner with its numbers, side by side (one under the other on a shared screen); a kind
    sentence instead of an empty chart."""
    cols = st.columns(1 if sharing else len(charts_of))
    for i, partner in enumerate(charts_of):
        with cols[i % len(cols)]:
            if partner.chart is None:
                st.caption(md_escape(partner.instead))
            else:
                chart(partner.chart, "Bar chart")
                chart_numbers(partner.chart)


def kinds() -> None:
    """Which kinds of small hurt each partner named."""
    per_partner(view.kinds)


def mended() -> None:
    """How far each partner's small hurts were mended, month by month."""
    st.caption(
        "Each small hurt named that month, by what “was it mended?” said of it: mended, partly, or not yet. A "
        "blank answer is shown as left blank, not as “not yet”."
    )
    per_partner(view.mending)


@st.fragment
def month_by_month() -> None:
    """The themes by month, then (with a small-hurts questionnaire) which hurts happened and how much was
    mended, each a part chosen by radio buttons: only the chosen part's charts are sent, and choosing one reruns only
    this part."""
    still_allowed(page)
    if not view.kinds:  # no small-hurts questionnaire: the themes alone, nothing to choose
        by_month()
        return
    parts: dict[str, Callable[[], None]] = {BY_MONTH: by_month, KINDS: kinds, MENDED: mended}
    parts[part_picker("What to show", list(parts), VIEWS)]()


month_by_month()


# -- where a theme came from -------------------------------------------------------------------
@st.fragment
def where_from() -> None:
    """The answers behind one theme in the months shown, once one is chosen; choosing redraws only this part."""
    still_allowed(page)
    st.header("Where a theme came from")
    present = sorted(set(signals["theme_id"])) if not signals.empty else []
    if not present:
        st.caption("No theme has come up yet.")
        return
    choice = st.selectbox(
        "Which theme",
        present,
        index=None,
        placeholder="Choose a theme to see the answers behind it",
        format_func=lambda t: theme_titles.get(t, t),
        key="theme_detail",
    )
    if choice is None:
        return
    rows = signals[(signals["theme_id"] == choice) & (pd.to_datetime(signals["period"]) >= start)]
    item_labels = pd.DataFrame(
        [
            (inst.id, it.id, views.question_words(inst, it), inst.title)
            for inst in catalog.instruments
            for it in inst.items
        ],
        columns=["instrument_id", "item_id", "Question", "Part of the check-in"],
    )
    detail = (
        rows.merge(item_labels, on=["instrument_id", "item_id"], how="left")
        .assign(_when=lambda d: pd.to_datetime(d["period"]), Partner=lambda d: d["partner_id"].map(names))
        .sort_values(["_when", "Partner"], ascending=[False, True])
        .assign(Month=lambda d: d["_when"])  # a date shown as "March 2026": sorting by it keeps months in order
        .fillna({"Question": "", "Part of the check-in": ""})[["Month", "Partner", "Question", "Part of the check-in"]]
    )
    if detail.empty:
        st.caption("This theme did not come up in the months shown above.")
    else:
        st.caption(f"The answers that pointed to it, {summary.span_words(list(view.months))}.")
        st.dataframe(
            detail,
            hide_index=True,
            width="stretch",
            column_config={"Month": month_column()},
        )


where_from()
