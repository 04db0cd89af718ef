"""What the pages and the session report both show, computed once: spans, shared rows, answer words,
titles, and the figures of the trend, mending and two-perspectives charts.

Pure functions over query results and the catalog; the pages draw what these
return with Streamlit, the report with HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from mendwell import analysis, charts, summary
from mendwell.checkin import Answer
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.periods import label
from mendwell.text import as_cell, possessive

MonthsBack = int | None  # None: all months


def span_start(first: pd.Timestamp, last: pd.Timestamp, months_back: MonthsBack) -> pd.Timestamp:
    """The first month a time span of `months_back` months ending at `last` shows (never before `first`)."""
    if months_back is None:
        return pd.Timestamp(first)
    return max(pd.Timestamp(first), pd.Timestamp(last) - pd.DateOffset(months=months_back - 1))


def month_grid(start: pd.Timestamp | object, end: pd.Timestamp | object) -> pd.DataFrame:
    """One row per month from `start` to `end` (a `period` column of month starts)."""
    return pd.DataFrame({"period": pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")})


def question_words(inst: Instrument, it: Item) -> str:
    """A question as a table names it: its own words, and for a follow-up the question it follows (a chart's
    short label, "Forgotten (themes)", says little out of its chart)."""
    follows = next((o for o in inst.items if it.show_if is not None and o.id == it.show_if.item), None)
    return f"{it.text} (after “{inst.short(follows)}”)" if follows is not None else it.text


def shared_only(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that may be shown to both partners, a therapist and a shared screen (no private subscale)."""
    if df.empty or "private" not in df:
        return df
    return df[~df["private"].astype(bool)]


def from_month(df: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Rows from `start` on (by their `period`)."""
    if df.empty:
        return df
    return df[pd.to_datetime(df["period"]) >= pd.Timestamp(start)]


def subscale_titles(catalog: Catalog) -> dict[tuple[str, str], str]:
    """{(instrument id, subscale id): title} for every loaded subscale."""
    return {(i.id, s.id): s.title for i in catalog.instruments for s in i.subscales}


def theme_titles(catalog: Catalog) -> dict[str, str]:
    """{theme id: title}."""
    return {t.id: t.title for t in catalog.themes.values()}


def value_label(inst: Instrument | None, item: Item | None, value: object) -> str:
    """The words of a numeric answer (a scale label, Yes/No, an option), else the number; "" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    v = float(value)  # type: ignore[arg-type]  # a number once None/NaN are out
    number = f"{v:g}"
    if inst is None or item is None:
        return number
    if item.kind == "yesno":
        return "Yes" if v else "No"
    if item.kind == "choice" or (item.kind == "multi" and item.options):
        return next((o.label for o in item.options or () if o.value == int(v)), number)
    labels = inst.labels(item)
    index = int(v) - inst.scale(item)[0]
    if item.kind == "likert" and labels and 0 <= index < len(labels):
        return labels[index]
    return number


def answer_label(inst: Instrument, item: Item, answer: Answer) -> str:
    """The words of a stored answer of any kind (text as written, chosen options joined)."""
    if item.kind == "text":
        return answer.text or ""
    if item.kind == "multi":
        names = {o.value: o.label for o in item.options or ()}
        return ", ".join(names.get(v, str(v)) for v in answer.selected())
    return value_label(inst, item, answer.value)


# -- charts shared by Trends and the report -------------------------------------------------------


@dataclass(frozen=True)
class SubscaleChart:
    """One subscale's trend chart: its data on a monthly grid (gaps for missed months) and its figure."""

    instrument: Instrument
    subscale_id: str
    gridded: pd.DataFrame
    figure: Any  # a plotly Figure


def trend_charts(
    shared: pd.DataFrame,
    catalog: Catalog,
    styles: list[charts.PartnerStyle],
    start: pd.Timestamp,
    end: pd.Timestamp,
    large: bool = False,
    screen: bool = False,
) -> list[tuple[Instrument, list[SubscaleChart]]]:
    """Per instrument, in questionnaire order, a chart for each shared subscale with scores in the span
    (figures as the app's screen draws them with `screen`; see charts.for_screen)."""
    in_span = from_month(shared, start)
    out: list[tuple[Instrument, list[SubscaleChart]]] = []
    if in_span.empty:
        return out
    # every part on its monthly grid at once, then split: one merge instead of one per part
    gridded_all = analysis.with_gaps(in_span, start=start, end=end)
    parts = {
        (str(i), str(s)): g.reset_index(drop=True)
        for (i, s), g in gridded_all.groupby(["instrument_id", "subscale_id"], sort=False)
    }
    for inst in catalog.instruments:
        subs = [s for s in inst.subscales if not inst.is_private_subscale(s.id)]
        found = []
        for sc in subs:
            gridded = parts.get((inst.id, sc.id))
            if gridded is None:
                continue
            meta = charts.subscale_meta(inst, sc.id)
            fig = charts.trend_figure(gridded, meta, styles, large=large, screen=screen)
            found.append(SubscaleChart(inst, sc.id, gridded, fig))
        if found:
            out.append((inst, found))
    return out


def trend_lines(chart: SubscaleChart, styles: list[charts.PartnerStyle]) -> list[str]:
    """One line per partner under a trend chart: which way it moved over the months shown, in words.

    A direction is stated only from at least `MIN_TREND_POINTS` monthly points (Theil-Sen slope, exact
    Mann-Kendall test); a partner with no score in the span gets no line.
    """
    higher_is = chart.instrument.subscale(chart.subscale_id).higher_is
    who = chart.gridded["partner_id"].to_numpy()
    periods = pd.to_datetime(chart.gridded["period"]).to_numpy()
    scores = chart.gridded["score"].to_numpy(dtype=float)
    out = []
    for s in styles:
        mine = who == s.partner_id
        if np.isnan(scores[mine]).all():
            continue
        words = summary.trend_words(summary.trend_of(periods[mine], scores[mine], months=None), higher_is)
        out.append(f"{s.name}: {words}.")
    return out


def kinds_numbers(kinds: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The numbers behind a partner's small-hurts chart: each small hurt named, month by month, with how often it
    happened in that partner's words."""
    rows = kinds[kinds["item_id"].isin(list(labels))]
    table = pd.DataFrame(
        {
            "Month": pd.to_datetime(rows["period"]).dt.strftime("%Y-%m"),
            "Small hurt": rows["item_id"].map(labels),
            "How often": rows["how_often"].fillna("") if "how_often" in rows else "",
        }
    )
    order = {item: n for n, item in enumerate(labels)}
    table = table.assign(_order=rows["item_id"].map(order)).sort_values(["Month", "_order"])
    return table.drop(columns="_order").reset_index(drop=True)


def mending_numbers(counts: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a partner's mending chart: each month they named a small hurt, how many, and what "was
    it mended?" said of them (a blank answer is not known, never "not yet")."""
    rows = counts[counts["named"].fillna(0) > 0].sort_values("period")
    return pd.DataFrame(
        {
            "Month": pd.to_datetime(rows["period"]).dt.strftime("%Y-%m"),
            "Named": rows["named"].astype(int),
            **{words: rows[k].fillna(0).astype(int) for k, (words, _, _) in charts.MENDING.items()},
        }
    ).reset_index(drop=True)


def mirror_bounds(inst: Instrument | None, subscale_id: str) -> tuple[float, float]:
    """The answer scale of a mirrored subscale's items (the chart's vertical range)."""
    if inst is not None:
        items = inst.items_of(subscale_id)
        if items:
            low, high = inst.scale(items[0])
            return float(low), float(high)
    return 0.0, 4.0


@dataclass(frozen=True)
class MirrorChart:
    """Two perspectives on one partner's reaches: theirs and the other partner's, month by month."""

    receiver: charts.PartnerStyle
    giver: charts.PartnerStyle
    gridded: pd.DataFrame
    figure: Any  # a plotly Figure


def mirror_charts(
    mirrors: pd.DataFrame,
    catalog: Catalog,
    styles: list[charts.PartnerStyle],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[MirrorChart]:
    """A two-perspectives chart per partner whose reaches both partners answered about, in the span."""
    in_span = mirrors[(pd.to_datetime(mirrors["period"]) >= start) & (pd.to_datetime(mirrors["period"]) <= end)]
    by_id = {s.partner_id: s for s in styles}
    grid = month_grid(start, end)
    out = []
    for receiver_id, part in in_span.groupby("receiver_id"):
        giver_id = int(part["giver_id"].iloc[0])
        if int(receiver_id) not in by_id or giver_id not in by_id:
            continue
        inst = catalog.get(str(part["instrument_id"].iloc[0]))
        low, high = mirror_bounds(inst, str(part["receiver_subscale"].iloc[0]))
        gridded = grid.merge(part.assign(period=pd.to_datetime(part["period"])), on="period", how="left")
        receiver, giver = by_id[int(receiver_id)], by_id[giver_id]
        out.append(MirrorChart(receiver, giver, gridded, charts.mirror_figure(gridded, receiver, giver, low, high)))
    return out


# -- Trends as the page draws it, built once per couple, write and time span -------------------------


@dataclass(frozen=True)
class ChartView:
    """One chart as a page draws it: its figure for the screen, the sentence that says what it shows (its
    text alternative), more lines under it, and the numbers behind it."""

    key: str  # the chart's element key, e.g. "trend_bids_my_bids_met"
    title: str  # what it is, for the chart's accessible name
    figure: Any  # a plotly Figure as the screen draws it (charts.for_screen); never changed once built
    sentence: str
    notes: tuple[str, ...] = ()
    numbers: pd.DataFrame | None = None
    csv: bytes = b""  # the numbers as a CSV file to download, when they may be downloaded
    file_name: str = ""

    @cached_property
    def spec(self) -> str:
        """The figure as the JSON Plotly is handed (`charts.spec_json`), made once: a view is kept per write and
        drawn on every visit."""
        return charts.spec_json(self.figure)

    @property
    def height(self) -> int | None:
        """The figure's height in pixels, if it sets one."""
        height = self.figure.layout.height
        return None if height is None else int(height)


@dataclass(frozen=True)
class InstrumentCharts:
    """A questionnaire's charts, in the order of its parts."""

    instrument_id: str
    title: str
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class TrendsView:
    """Everything the Trends page shows for one couple and time span, computed once per write."""

    last_period: pd.Timestamp
    first_period: pd.Timestamp  # the first month with shared scores, whatever the span (the report's choices)
    glance: tuple[str, ...]  # at most a few sentences about the latest month
    glance_table: pd.DataFrame
    start_mark: dt.date | None  # the start of therapy, when a therapist marked one
    single_month: bool  # nobody has two months in the span yet
    instruments: tuple[InstrumentCharts, ...]
    mirrors: tuple[ChartView, ...]
    both_present: bool  # both partners have scores (the two-perspectives chart can appear)


GLANCE_WINDOW = analysis.RECURRING_WINDOW  # months "at a glance" looks back over for a recurring theme
GLANCE_MIN_MONTHS = analysis.RECURRING_MIN_MONTHS


def trend_numbers(gridded: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """The scores behind a trend chart as a readable table, one row per partner-month (with a clinical class
    only where the part has published norms)."""
    rows = gridded.dropna(subset=["score"])
    table = pd.DataFrame(
        {
            "Month": pd.to_datetime(rows["period"]).dt.strftime("%Y-%m"),
            "Partner": rows["partner_id"].map(names),
            "Score": rows["score"].round(3),
            "Band": rows["band"].fillna(""),
            "Since the start": summary.marks(rows),
            "Compared with": pd.to_datetime(rows["reference_period"]).dt.strftime("%Y-%m").fillna(""),
            "Since the check-in before": [  # the words name the month: a missed one is skipped
                analysis.movement_words(c, h, p)
                for c, h, p in zip(rows["month_change"], rows["higher_is"], rows["previous_period"], strict=True)
            ],
            "Needed for a reliable change": rows["threshold"].round(2),
            "Spread (SD) from": rows["sd_source"].fillna(""),
            "Reliability from": rows["reliability_source"].fillna(""),
        }
    )
    clinical = [
        f"{c} (norms: {n})" if isinstance(c, str) and c else ""
        for c, n in zip(rows["clinical_class"], rows["norms_source"], strict=True)
    ]
    if any(clinical):  # a part with published norms: a column always blank was one more to scroll past on a phone
        table["Clinical class"] = clinical
    return table


def clinical_note(gridded: pd.DataFrame, names: dict[int, str]) -> str:
    """Each partner's latest clinical class in the span (parts with norms only), or ""."""
    named = gridded["clinical_class"].fillna("").ne("") & gridded["score"].notna()
    if not named.any():
        return ""
    classes = gridded[named]
    last = classes.sort_values("period").groupby("partner_id").tail(1)
    return (
        f"Since the start (Jacobson–Truax, norms: {last['norms_source'].iloc[0]}): "
        + "; ".join(f"{names[int(r.partner_id)]} {r.clinical_class}" for r in last.itertuples())
        + "."
    )


def mirror_numbers(gridded: pd.DataFrame, receiver: str, giver: str) -> pd.DataFrame:
    """The two views behind a two-perspectives chart, one row per month either answered."""
    shown = gridded.dropna(subset=["receiver_view"])
    return pd.DataFrame(
        {
            "Month": pd.to_datetime(shown["period"]).dt.strftime("%Y-%m"),
            f"{receiver}'s view": shown["receiver_view"].round(2),
            f"{giver}'s view": shown["giver_view"].round(2),
            "Space between": shown["gap"].round(2),
        }
    )


def trends_view(
    data: dict[str, pd.DataFrame],
    catalog: Catalog,
    styles: list[charts.PartnerStyle],
    months_back: MonthsBack,
    *,
    large: bool = False,
    start_mark: dt.date | None = None,
) -> TrendsView | None:
    """The Trends page of one couple over a time span (None before anyone's first scores): the glance, a chart
    per shared subscale with its sentence, notes and numbers, and the two perspectives. `large` is for a
    shared screen: larger charts, and nothing to download."""
    shared = shared_only(data["reliable"])
    if shared.empty:
        return None
    people = [summary.Person(s.partner_id, s.name, s.kept_back) for s in styles]
    names = {s.partner_id: s.name for s in styles}
    periods = pd.to_datetime(shared["period"])
    last, first = periods.max(), periods.min()
    start = span_start(first, last, months_back)
    titles = subscale_titles(catalog)
    recurring = analysis.recurring_themes(data["signals"], last, window=GLANCE_WINDOW, min_months=GLANCE_MIN_MONTHS)
    tabs = {inst.id: inst.title for inst in catalog.instruments}  # Trends has a tab per questionnaire
    glance = summary.sentences(shared, recurring, people, titles, theme_titles(catalog), GLANCE_WINDOW, tabs)
    in_range = shared[periods >= start]
    instruments = []
    for inst, found in trend_charts(shared, catalog, styles, start, last, large=large, screen=True):
        views_ = []
        for chart in found:
            meta = charts.subscale_meta(inst, chart.subscale_id)
            clinical = clinical_note(chart.gridded, names)
            numbers = trend_numbers(chart.gridded, names)
            views_.append(
                ChartView(
                    key=f"trend_{inst.id}_{chart.subscale_id}",
                    title=meta.title,
                    figure=chart.figure,
                    sentence=summary.trend_sentence(
                        chart.gridded, people, meta.title, meta.higher_is, meta.low, meta.high
                    ),
                    notes=tuple(trend_lines(chart, styles)) + ((clinical,) if clinical else ()),
                    numbers=numbers,
                    csv=b"" if large else spreadsheet_csv(numbers),
                    file_name=f"mendwell-{inst.id}-{chart.subscale_id}.csv",
                )
            )
        instruments.append(InstrumentCharts(inst.id, inst.title, tuple(views_)))
    mirrors = []
    if not data["mirrors"].empty:
        for m in mirror_charts(data["mirrors"], catalog, styles, start, last):
            mirrored = catalog.get(str(m.gridded["instrument_id"].dropna().iloc[0]))
            low, high = mirror_bounds(mirrored, str(m.gridded["receiver_subscale"].dropna().iloc[0]))
            mirrors.append(
                ChartView(
                    key=f"mirror_{m.receiver.partner_id}",
                    title=f"{possessive(m.receiver.name)} reaches, seen by both of you",
                    figure=charts.for_screen(m.figure),
                    sentence=summary.mirror_sentence(m.gridded, m.receiver.name, m.giver.name, low, high),
                    numbers=mirror_numbers(m.gridded, m.receiver.name, m.giver.name),
                )
            )
    return TrendsView(
        last_period=last,
        first_period=first,
        glance=tuple(glance),
        glance_table=summary.glance_table(shared, people, titles),
        start_mark=start_mark,
        single_month=bool(in_range.groupby("partner_id")["period"].nunique().max() < 2),
        instruments=tuple(instruments),
        mirrors=tuple(mirrors),
        both_present=shared["partner_id"].nunique() == 2,
    )


# -- Themes as the page draws it ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerChart:
    """A partner's chart on Themes, or (before their first check-in) a kind sentence instead."""

    partner_id: int
    name: str
    chart: ChartView | None
    instead: str = ""


@dataclass(frozen=True)
class ThemesView:
    """The charts of the Themes page for one couple and time span, computed once per write."""

    start: pd.Timestamp  # the first month the charts show
    months: tuple[pd.Timestamp, ...]
    heatmaps: tuple[ChartView, ...]  # one per partner who has checked in
    kinds: tuple[PartnerChart, ...]  # empty when there is no small-hurts questionnaire
    mending: tuple[PartnerChart, ...]  # how far each one's small hurts were mended; empty as `kinds`
    darkest: int  # the count the heatmaps' darkest shade stands for, on both (summary.heatmap_key says it)


def submitted_months(checkins: pd.DataFrame) -> pd.DataFrame:
    """The submitted check-ins of a couple's listing: partner_id and period (a Timestamp)."""
    done = checkins[checkins["status"] == "submitted"]
    return pd.DataFrame({"partner_id": done["partner_id"].astype(int), "period": pd.to_datetime(done["period"])})


def months_without_checkin(
    months: Sequence[pd.Timestamp],
    came: Collection[pd.Timestamp],
    kept_back: Collection[pd.Timestamp],
    this_month: dt.date,
) -> list[str]:
    """The months (in words) a partner sent no check-in for: not those waiting to open, and not this month, which
    is still theirs to answer."""
    now = pd.Timestamp(this_month)
    return [label(m.date()) for m in months if m not in came and m not in kept_back and m < now]


def themes_view(
    data: dict[str, pd.DataFrame],
    submitted: pd.DataFrame,
    catalog: Catalog,
    styles: list[charts.PartnerStyle],
    months_back: MonthsBack,
    this_month: dt.date,
    *,
    large: bool = False,
) -> ThemesView | None:
    """The Themes page's charts of one couple over a time span (None before the first submitted check-in):
    a heatmap of themes, a chart of the kinds of small hurt and one of how far they were mended per partner,
    each with the sentence that says what it shows. `submitted` is `submitted_months` of the couple's check-ins;
    `this_month` is never called a month without a check-in (it is still open)."""
    if submitted.empty:
        return None
    last, first = submitted["period"].max(), submitted["period"].min()
    start = span_start(first, last, months_back)
    months = list(pd.date_range(start, last, freq="MS"))
    titles = theme_titles(catalog)
    came_in = set(submitted["partner_id"])
    monthly = from_month(analysis.theme_months(data["signals"]), start)

    def checked_in(partner_id: int) -> set[pd.Timestamp]:
        return set(submitted.loc[submitted["partner_id"] == partner_id, "period"])

    heatmaps = []
    # one scale for both grids: a shade means as many answers on each (one's went to 4, the other's to 7)
    in_span = monthly[pd.to_datetime(monthly["period"]) <= last] if not monthly.empty else monthly
    top = int(in_span.groupby(["partner_id", "theme_id", "period"])["signals"].sum().max()) if not in_span.empty else 0
    for s in styles:
        if s.partner_id not in came_in:
            continue  # a kind sentence on the page, not an empty heatmap
        mine = monthly[monthly["partner_id"] == s.partner_id]
        fig = charts.theme_heatmap(
            mine, titles, months, f"{charts.in_chart_name(s.name)}: themes by month", large=large, top=top
        )
        table = mine.assign(
            Month=pd.to_datetime(mine["period"]).dt.strftime("%Y-%m"), Theme=mine["theme_id"].map(titles)
        )[["Month", "Theme", "signals"]].rename(columns={"signals": "Answers"})
        came = checked_in(s.partner_id)
        missed = months_without_checkin(months, came, s.kept_back, this_month)
        waiting = [m for m in months if m in s.kept_back]  # blank columns that are not "nothing came up"
        notes = [f"Months without a check-in from {s.name}: {', '.join(missed)}."] if missed else []
        notes += [summary.waiting_sentence(s.name, waiting)] if waiting else []
        heatmaps.append(
            ChartView(
                key=f"heat_{s.partner_id}",
                title=f"{s.name}: themes by month",
                figure=charts.for_screen(fig),
                sentence=summary.heatmap_sentence(mine, s.name, titles, months, came),
                notes=tuple(notes),
                numbers=table,
                csv=b"" if large else spreadsheet_csv(table),
                file_name=f"mendwell-themes-partner{s.slot}.csv",
            )
        )
    micro = catalog.get(analysis.MICRO_HURTS)
    kinds: list[PartnerChart] = []
    mending: list[PartnerChart] = []
    if micro is not None:
        kind_items = micro.items_of(analysis.FREQUENCY)
        labels = {it.id: micro.short(it) for it in kind_items}
        how_often = pd.DataFrame(
            [
                (it.id, float(v), words)
                for it in kind_items
                for v, words in zip(range(micro.scale(it)[0], micro.scale(it)[1] + 1), micro.labels(it), strict=False)
            ],
            columns=["item_id", "value", "how_often"],
        )
        in_span = from_month(data["kinds"], start).merge(how_often, on=["item_id", "value"], how="left")
        for s in styles:
            if s.partner_id not in came_in:
                kinds.append(PartnerChart(s.partner_id, s.name, None, summary.no_data_sentence(s.name, s.kept_back)))
                continue
            mine = in_span[in_span["partner_id"] == s.partner_id]
            table = kinds_numbers(mine, labels)
            kinds.append(
                PartnerChart(
                    s.partner_id,
                    s.name,
                    ChartView(
                        key=f"kinds_{s.partner_id}",
                        title=f"{s.name}: small hurts by month",
                        figure=charts.for_screen(
                            charts.kinds_figure(mine, labels, months, charts.in_chart_name(s.name), large=large)
                        ),
                        sentence=summary.kinds_sentence(mine, s.name, labels, months, checked_in(s.partner_id)),
                        numbers=table,
                        csv=b"" if large else spreadsheet_csv(table),
                        file_name=f"mendwell-small-hurts-partner{s.slot}.csv",
                    ),
                )
            )
        mending = mending_charts(data["repair"], styles, came_in, months, large=large)
    return ThemesView(start, tuple(months), tuple(heatmaps), tuple(kinds), tuple(mending), max(1, top))


def mending_charts(
    counts: pd.DataFrame,
    styles: list[charts.PartnerStyle],
    came_in: Collection[int],
    months: Sequence[pd.Timestamp],
    *,
    large: bool = False,
) -> list[PartnerChart]:
    """Each partner's chart of how far their small hurts in `months` were mended (`counts`: `analysis.repair_counts`
    as the viewer may see it), or a kind sentence instead: before their first check-in, or when they named none."""
    span = counts[pd.to_datetime(counts["period"]).isin(list(months))] if not counts.empty else counts
    out = []
    for s in styles:
        if s.partner_id not in came_in:
            out.append(PartnerChart(s.partner_id, s.name, None, summary.no_data_sentence(s.name, s.kept_back)))
            continue
        mine = span[span["partner_id"] == s.partner_id]
        sentence = summary.mending_sentence(mine, s.name, months)
        if mine.empty or not mine["named"].fillna(0).any():
            out.append(PartnerChart(s.partner_id, s.name, None, sentence))
            continue
        table = mending_numbers(mine)
        chart = ChartView(
            key=f"mending_{s.partner_id}",
            title=f"{s.name}: how far small hurts were mended",
            figure=charts.for_screen(charts.mending_figure(mine, months, charts.in_chart_name(s.name), large=large)),
            sentence=sentence,
            numbers=table,
            csv=b"" if large else spreadsheet_csv(table),
            file_name=f"mendwell-small-hurts-mended-partner{s.slot}.csv",
        )
        out.append(PartnerChart(s.partner_id, s.name, chart))
    return out


def spreadsheet_csv(table: pd.DataFrame) -> bytes:
    """`table` as a CSV file's bytes, its names and texts as a spreadsheet shows them (`text.as_cell`): a partner
    named "=HYPERLINK(...)" is a column's name in the numbers of every chart."""
    safe = table.rename(columns=lambda c: as_cell(str(c))).map(lambda v: as_cell(v) if isinstance(v, str) else v)
    return bytes(safe.to_csv(index=False).encode("utf-8"))
