"""What the pages and the session report both show, computed once: spans, shared rows, answer words,
titles, and the figures of the trend, repair and two-perspectives charts.

Pure functions over query results and the catalog; the pages draw what these
return with Streamlit, the report with HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mendwell import analysis, charts, summary
from mendwell.checkin import Answer
from mendwell.instruments import Catalog, Instrument, Item

MonthsBack = int | None  # None: all months


def span_start(first: pd.Timestamp, last: pd.Timestamp, months_back: MonthsBack) -> pd.Timestamp:
    """The first month a time span of `months_back` months ending at `last` shows (never before `first`)."""
    if months_back is None:
        return pd.Timestamp(first)
    return max(pd.Timestamp(first), pd.Timestamp(last) - pd.DateOffset(months=months_back - 1))


def month_grid(start: pd.Timestamp | object, end: pd.Timestamp | object) -> pd.DataFrame:
    """One row per month from `start` to `end` (a `period` column of month starts)."""
    return pd.DataFrame({"period": pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")})


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
) -> list[tuple[Instrument, list[SubscaleChart]]]:
    """Per instrument, in questionnaire order, a chart for each shared subscale with scores in the span."""
    in_span = from_month(shared, start)
    out: list[tuple[Instrument, list[SubscaleChart]]] = []
    for inst in catalog.instruments:
        subs = [s for s in inst.subscales if not inst.is_private_subscale(s.id)]
        mine = in_span[in_span["instrument_id"] == inst.id] if not in_span.empty else in_span
        if not subs or mine.empty:
            continue
        found = []
        for sc in subs:
            part = mine[mine["subscale_id"] == sc.id]
            if part.empty:
                continue
            gridded = analysis.with_gaps(part, start=start, end=end)
            fig = charts.trend_figure(gridded, charts.subscale_meta(inst, sc.id), styles, large=large)
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
    out = []
    for s in styles:
        mine = chart.gridded[chart.gridded["partner_id"] == s.partner_id].dropna(subset=["score"])
        if mine.empty:
            continue
        words = summary.trend_words(summary.series_trend(mine, months=None), higher_is)
        out.append(f"{s.name}: {words}.")
    return out


def repair_series(
    repair: pd.DataFrame, styles: list[charts.PartnerStyle], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The repair share per partner on a monthly grid from `start` to `end` (empty when nothing was named).

    A partner who named no small hurt in the span gets no line (and no empty legend entry).
    """
    rep = repair[(pd.to_datetime(repair["period"]) >= start) & (pd.to_datetime(repair["period"]) <= end)]
    if rep.empty:
        return rep
    grid = month_grid(start, end)
    return pd.concat(
        [
            grid.merge(
                rep[rep["partner_id"] == s.partner_id].assign(period=lambda x: pd.to_datetime(x["period"])),
                on="period",
                how="left",
            ).assign(partner_id=s.partner_id)
            for s in styles
            if (rep["partner_id"] == s.partner_id).any()
        ],
        ignore_index=True,
    )


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
