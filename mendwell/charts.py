"""Plotly figures from the analysis DataFrames, readable by a couple at a glance.

Figures are built as plain specs and turned into a `go.Figure` once, without
plotly's per-property validation (which costs ~100 ms a chart on every
Streamlit rerun); the test suite re-validates every figure instead.

Partner colours come from the Okabe-Ito palette (safe for the common kinds of
colour blindness) and are fixed by partner slot, so a partner has the same
colour on every chart; lines also differ in dash and marker shape, so nothing
depends on colour alone. Band regions are shaded softly behind the lines.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from mendwell import stats
from mendwell.instruments import Instrument
from mendwell.text import counted, no_bidi_controls, possessive

PARTNER_COLOURS = {1: "#0072B2", 2: "#D55E00"}  # blue, vermillion
PARTNER_DASH = {1: "solid", 2: "dash"}
# The second partner's line is drawn over the first's: an open square, so that where both scored the same the
# first's dot shows inside it (a walk-through found a month that seemed to have one score). Both marks the same
# size: neither line looks heavier than the other.
PARTNER_SYMBOL = {1: "circle", 2: "square-open"}
PARTNER_MARK_SIZE = 9


def by_slot(partners: Sequence[PartnerStyle]) -> list[PartnerStyle]:
    """The partners in the order their lines are drawn: the first partner's first, under the other's."""
    return sorted(partners, key=lambda p: p.slot)


TONE_FILL = {"concern": "rgba(213, 94, 0, 0.10)", "watch": "rgba(230, 159, 0, 0.10)", "ok": "rgba(0, 158, 115, 0.09)"}
KIND_COLOURS = ["#56B4E9", "#009E73", "#E69F00", "#CC79A7", "#0072B2", "#F0E442", "#D55E00", "#000000"]
# the app's own font first: Streamlit loads it as "Source Sans" (the session report, offline, falls back)
FONT: dict[str, Any] = {"family": "Source Sans, Helvetica, Arial, sans-serif", "size": 14, "color": "#26323a"}


def plot_text(text: str) -> str:
    """Make text inert for Plotly, which reads <b>, <a href>, <br> and %{...} in labels and hovers."""
    return html.escape(" ".join(no_bidi_controls(text).split()), quote=False).replace("%", "&#37;")


# A hover label's longest line, in characters. Plotly never wraps a label and shows it beside the point, where
# it is clipped at the chart's edge if it does not fit: 24 characters (about 170 px at the charts' font) fit
# beside any point of a chart on a 360 px phone.
HOVER_CHARS = 24
LEGEND_BESIDE_TITLE = 20  # characters of both names together that fit beside a chart's title on a phone
NAME_IN_CHART = 24  # characters of a name a chart shows (a key's entry, a title): a phone's chart holds no more
TITLE_CHARS = 30  # characters of a chart's title a line holds on a phone (longer titles go on to another line)
TITLE_LINE = 22  # px: a title's line


def in_chart_name(name: str) -> str:
    """A name as a chart shows it: whole up to `NAME_IN_CHART` characters, else cut there with "…" (a name may
    be 80 long; in a chart's key it ran off a phone's screen, and Plotly wraps none of it)."""
    flat = " ".join(str(name).split())
    return flat if len(flat) <= NAME_IN_CHART else flat[: NAME_IN_CHART - 1].rstrip() + "…"


LEGEND_ROW = 22  # px: a row of the key, which gets rows of its own when the names are longer


def hover_text(text: str) -> str:
    """`text` (words from a questionnaire file: a band, a kind of small hurt) for a hover label: inert, and in
    lines of at most `HOVER_CHARS` characters."""
    lines = textwrap.wrap(" ".join(str(text).split()), HOVER_CHARS) or [""]
    return "<br>".join(plot_text(line) for line in lines)


@dataclass(frozen=True)
class PartnerStyle:
    """How one partner is drawn (and, for the sentences beside a chart, their months not shown yet)."""

    partner_id: int
    name: str
    slot: int
    kept_back: tuple[pd.Timestamp, ...] = ()

    @property
    def colour(self) -> str:
        """The partner's line colour (grey for an unknown slot)."""
        return PARTNER_COLOURS.get(self.slot, "#555555")

    @property
    def label(self) -> str:
        """The name as a figure shows it: cut to `NAME_IN_CHART` characters (`in_chart_name`), made inert."""
        return plot_text(in_chart_name(self.name))


@dataclass(frozen=True)
class BandRegion:
    """A band's span on the score axis."""

    low: float
    high: float
    label: str
    tone: str


@dataclass(frozen=True)
class SubscaleMeta:
    """What a trend chart needs to know about a subscale."""

    title: str
    higher_is: str
    low: float
    high: float
    bands: tuple[BandRegion, ...] = ()
    cutoff: float | None = None  # the clinical cut-off between the norms' populations, when the part has norms
    norms_source: str = ""

    @property
    def direction(self) -> str:
        """'Higher is better' or 'Higher is harder', for the axis caption."""
        return "Higher is better" if self.higher_is == "better" else "Higher is harder"


VALIDATE = False  # tests set this to True to check every spec against plotly's schema
GRID = "#e8e6e1"
MUTED = "#5b6770"  # words inside a chart (band names, the cut-off)
# a heatmap's shades: one answer already 3.1:1 on white, so a cell with anything in it is seen (WCAG 1.4.11; the
# old palest shade was 1.2:1), darkening to the most answers in a month
HEAT_LIGHTEST, HEAT_DARKEST = "#6e98ad", "#0b4f6c"
# Words inside the plot are drawn over the lines (Plotly's annotations lie above its traces); a white halo keeps
# them readable where a line or a mark crosses them, and a line under them still shows between the letters.
HALO = "0 0 2px white, 0 0 2px white, 0 0 3px white"
LABEL_SIZE = 11
LABEL_FONT = {"size": LABEL_SIZE, "color": MUTED, "shadow": HALO}
LABEL_SIZE_LARGE = 14  # on a shared screen, read across a video call: as much larger as the charts' other words

# The screen's charts and the session report are drawn with plotly.js's cartesian bundle (assets/plotly/, its
# README says why and how to upgrade it): the plotly.js version of the installed plotly package, with only the
# trace types of two-axis charts, a third of the full library to fetch and start. The screen loads it once per
# page, from an address that names its version, so a browser may keep it for good.
PLOTLY_BUNDLE_VERSION = "4.1.1"
PLOTLY_JS_FILE = Path(__file__).resolve().parents[1] / "assets" / "plotly" / "plotly-cartesian.min.js"
PLOTLY_JS_URL = f"/assets/plotly-cartesian-{PLOTLY_BUNDLE_VERSION}.min.js"
# the addresses of the pages that draw charts: they start loading plotly.js before anything else
CHART_PAGES = frozenset({"trends", "themes"})
# A page's script that loads plotly.js once: every chart and every early start waits on the same promise
# (forgotten if the file could not be fetched, so a later chart tries again). A JavaScript function of the url.
PLOTLY_LOADER = """url => window.__mwPlotly || (window.__mwPlotly = new Promise((done, failed) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = done;
    script.onerror = () => { window.__mwPlotly = undefined; script.remove(); failed(); };
    document.head.appendChild(script);
  }))"""
BUNDLE_TRACES = frozenset(
    {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
     "scatter", "scatterternary", "violin"}
)  # fmt: skip


def _figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    return go.Figure({"data": data, "layout": layout}, _validate=VALIDATE)


def _screen_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    revision = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
    # nothing to drag: a finger that lands on a chart scrolls the page (Plotly's zoom and pan held it), and a tap
    # still shows the point's words
    axes = {key: {**value, "fixedrange": True} for key, value in layout.items() if re.fullmatch(r"[xy]axis\d*", key)}
    screen = {**layout, **axes, "dragmode": False, "template": {}, "datarevision": revision}
    return go.Figure({"data": data, "layout": screen}, _validate=False)


def spec_json(fig: go.Figure) -> str:
    """A figure as the JSON the page's script hands to Plotly (not validated again: built as plain specs)."""
    out: str = pio.to_json(fig, validate=False)
    return out


def for_screen(fig: go.Figure) -> go.Figure:
    """A figure as the app's screen draws it, with less to send and less for the browser to redo.

    Without Plotly's template (about a third of a chart's JSON; every colour and font is set here), and
    with a `datarevision` naming its data, so that when Streamlit hands the same chart to Plotly again (it
    does, with new copies of the arrays) Plotly knows the data did not change."""
    spec: dict[str, Any] = fig.to_plotly_json()
    return _screen_figure(spec["data"], spec["layout"])


def subscale_meta(inst: Instrument, subscale_id: str) -> SubscaleMeta:
    """What a trend chart needs about a subscale: its score range and band regions."""
    sc = inst.subscale(subscale_id)
    items = inst.items_of(subscale_id)
    lows = [inst.scale(it)[0] for it in items]
    highs = [inst.scale(it)[1] for it in items]
    low, high = (float(sum(lows)), float(sum(highs))) if sc.scoring == "sum" else (float(min(lows)), float(max(highs)))
    bands, prev = [], low
    for b in sc.bands:
        upper = high if b.below is None else b.below
        bands.append(BandRegion(prev, upper, b.label, b.tone))
        prev = upper
    cutoff = None
    if sc.norms is not None:
        n = sc.norms
        cutoff = stats.clinical_cutoff(n.clinical_mean, n.clinical_sd, n.community_mean, n.community_sd)
    return SubscaleMeta(sc.title, sc.higher_is, low, high, tuple(bands), cutoff, sc.norms.source if sc.norms else "")


def fixed_margin(large: bool = False, **sides: int) -> dict[str, int]:
    """Margins with room for a line chart's tick labels (months on two lines, never turned) and vertical-axis
    title, fixed in advance: Plotly's automatic margins redraw every chart once more."""
    scale = 18 / FONT["size"] if large else 1.0
    base = {"l": 64, "r": 12, "t": 60, "b": 46}
    return {k: round(v * scale) if k in ("l", "b") else v for k, v in {**base, **sides}.items()}


def _layout(
    title: str, height: int, large: bool = False, margin: dict[str, int] | None = None, **extra: Any
) -> dict[str, Any]:
    """The common layout; with `margin` the margins are fixed (no automatic margins), else automatic."""
    font = {**FONT, "size": 18 if large else FONT["size"]}
    axis = {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": margin is None}
    # with fixed margins a turned label would be cut off on a phone: the month and year on two lines instead
    months = {"tickformat": "%b<br>%Y", "tickangle": 0} if margin is not None else {"tickformat": "%b %Y"}
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {**font, "size": font["size"] + 2, "weight": 600}},
        "font": font,
        "height": height,
        "margin": margin or {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        # dark words on white in a frame (a partner's line: their colour); on the line's own colour they were 2.5:1
        "hoverlabel": {"bgcolor": "white", "bordercolor": MUTED, "font": {**font, "size": font["size"]}},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "xaxis": {**axis, "showgrid": False, **months},
        "yaxis": dict(axis),
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _dates(series: pd.Series) -> list[str]:
    dates: list[str] = pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist()
    return dates


def compact(v: float) -> float:
    """A number with 7 significant digits: far finer than any chart or hover shows, and about half the JSON
    of a full float (3.666667 rather than 3.6666666666666665)."""
    return float(f"{v:.7g}")


def _numbers(series: pd.Series) -> list[float | None]:
    # NaN becomes None (JSON null), which Plotly draws as a gap
    return [None if pd.isna(v) else compact(float(v)) for v in series.tolist()]


def _partner_line(
    p: PartnerStyle,
    x: pd.Series | list[str],
    y: pd.Series | list[float | None],
    name: str,
    hover: str,
    meta: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """A partner's line: their colour, dash and marker on every chart; gaps where y is missing."""
    return {
        "type": "scatter", "x": x if isinstance(x, list) else _dates(x),
        "y": y if isinstance(y, list) else _numbers(y), "name": name,
        "mode": "lines+markers", "connectgaps": False,
        "line": {"color": p.colour, "dash": PARTNER_DASH.get(p.slot, "solid"), "width": 3},
        "marker": {
            "symbol": PARTNER_SYMBOL.get(p.slot, "circle"), "size": PARTNER_MARK_SIZE, "color": p.colour,
            "line": {"color": p.colour, "width": 2},
        },
        "hovertemplate": hover, "hoverlabel": {"bordercolor": p.colour}, "meta": meta, **extra,
    }  # fmt: skip


MONTH_PAD = pd.Timedelta(days=20)  # room beside the first and last month's point, less than half a month


def month_ticks(periods: pd.Series) -> dict[str, Any]:
    """One tick a month for short spans (Plotly would otherwise repeat month labels), fewer for long ones; the
    axis from just before the first month to just after the last (Plotly's own padding ran a year's chart on to a
    tick of the next January, a month the chart does not hold)."""
    when = pd.to_datetime(periods)
    n = when.dt.to_period("M").nunique()
    span = [(when.min() - MONTH_PAD).strftime("%Y-%m-%d"), (when.max() + MONTH_PAD).strftime("%Y-%m-%d")]
    return {"dtick": "M1" if n <= 9 else "M3" if n <= 36 else "M12", "range": span}


def trend_figure(
    df: pd.DataFrame,
    meta: SubscaleMeta,
    partners: Sequence[PartnerStyle],
    *,
    large: bool = False,
    screen: bool = False,
) -> go.Figure:
    """One subscale over months: a line per partner, bands behind, reliable-change marks, and the clinical
    cut-off as a dotted line when the part has norms; with `screen`, as `for_screen` makes it.

    `df` has partner_id, period, score, band and verdict columns (and change, threshold, reference_period
    for the marks), with NaN scores for missed months (see analysis.with_gaps) so they show as gaps. A mark
    points the way the line moved since the partner's starting point: ▲ up, ▼ down; its words say whether
    that is better or harder for this part.
    """
    shapes, annotations, data = [], [], []
    label_font = {**LABEL_FONT, **({"size": LABEL_SIZE_LARGE} if large else {})}
    if meta.cutoff is not None:
        shapes.append(
            {
                "type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": meta.cutoff,
                "y1": meta.cutoff, "line": {"color": MUTED, "width": 1.5, "dash": "dot"}, "layer": "above",
            }
        )  # fmt: skip
        annotations.append(
            {
                "xref": "x domain", "x": 0.995, "yref": "y", "y": meta.cutoff, "showarrow": False,
                "xanchor": "right", "yanchor": "bottom", "font": label_font,
                "text": plot_text(f"Clinical cut-off {meta.cutoff:.2f} (norms: {meta.norms_source})"),
            }
        )  # fmt: skip
    for band in meta.bands:
        shapes.append(
            {
                "type": "rect",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": band.low,
                "y1": band.high,
                "fillcolor": TONE_FILL.get(band.tone, "rgba(0,0,0,0.04)"),
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "xref": "x domain",
                "x": 0.005,
                "yref": "y",
                "y": band.high,
                "text": plot_text(band.label),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": label_font,
            }
        )
    # one pass per partner over plain arrays: this runs for every chart of every couple after each write
    by_partner = dict(tuple(df.groupby("partner_id", sort=False))) if not df.empty else {}
    for p in by_slot(partners):  # the first partner under the second: its dot shows in an equal open square
        mine = by_partner.get(p.partner_id)
        if mine is None or mine.empty:
            continue
        mine = mine.sort_values("period")
        x = np.asarray(_dates(mine["period"]), dtype=object)
        y = np.asarray(_numbers(mine["score"]), dtype=object)
        marks = _reliable_marks(mine, p) if "verdict" in mine and "change" in mine else []
        # a month's reliable change is said in the label of the partner's own point: the mark drawn over it
        # takes no hover of its own, so a tap on the point (on a phone, right on it) shows everything at once
        said = [""] * len(mine)
        for mark in marks:
            for row, words in mark.pop("_said"):
                said[row] = words
        data.append(
            _partner_line(
                p,
                x.tolist(),
                y.tolist(),
                p.label,
                "%{x|%B %Y}<br>Score %{y:.2f}%{customdata[0]}%{customdata[1]}<extra>" + p.label + "</extra>",
                {"role": "partner", "partner_id": p.partner_id},
                # each line brings its own break, so a month with no band has no empty line
                customdata=[
                    ["<br>" + hover_text(b) if b else "", w]
                    for b, w in zip(mine["band"].fillna("").tolist(), said, strict=True)
                ],
            )
        )
        data += marks
    pad = (meta.high - meta.low) * 0.05
    # long names: the key on a row of its own under the title (beside it, it wrapped over the title on a phone)
    own_rows = sum(len(p.label) for p in partners) > LEGEND_BESIDE_TITLE
    layout = _layout(
        plot_text(meta.title),
        (380 if large else 300) + (2 * LEGEND_ROW if own_rows else 0),
        large,
        fixed_margin(large, **({"t": 60 + 2 * LEGEND_ROW} if own_rows else {})),
        shapes=shapes,
        annotations=annotations,
        yaxis={"range": [meta.low - pad, meta.high + pad], "title": {"text": meta.direction}},
        xaxis=month_ticks(df["period"]) if not df.empty else {},
    )
    if own_rows:  # the title at the very top, the key under it from the left edge, with room for two rows of it
        layout["title"] |= {"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}}
        layout["legend"] |= {"x": 0, "xanchor": "left"}
    return _screen_figure(data, layout) if screen else _figure(data, layout)


def _reliable_marks(mine: pd.DataFrame, p: PartnerStyle) -> list[dict[str, Any]]:
    """A partner's reliable-change marks (a triangle up or down over the month's point), each with `_said`: the
    (row, words) its months add to the hover label of the partner's line."""
    x = np.asarray(_dates(mine["period"]), dtype=object)
    y = np.asarray(_numbers(mine["score"]), dtype=object)
    verdicts = mine["verdict"].to_numpy(dtype=object)
    change = mine["change"].to_numpy(dtype=float)
    out: list[dict[str, Any]] = []
    for verdict, better in ((stats.IMPROVED, "better"), (stats.WORSENED, "harder")):
        for up, symbol in ((True, "triangle-up"), (False, "triangle-down")):
            rows = np.flatnonzero((verdicts == verdict) & ((change > 0) if up else (change < 0)))
            if not len(rows):
                continue
            direction = "higher" if up else "lower"
            needed = mine["threshold"].to_numpy(dtype=float)[rows]
            since = pd.to_datetime(mine["reference_period"].iloc[rows]).dt.strftime("%b %Y").tolist()
            words = f"<br>Reliably {direction} than<br>at the start<br>({better} for this part)"
            said = [
                f"{words}<br>{c:+.2f} since {plot_text(w)}<br>(more than {t:.2f} needed)"
                for c, t, w in zip(change[rows], needed, since, strict=True)
            ]
            out.append(
                {
                    "type": "scatter",
                    "x": x[rows].tolist(),
                    "y": y[rows].tolist(),
                    "mode": "markers",
                    "name": f"{p.label}: reliably {direction} than at the start ({better} for this part)",
                    "showlegend": False,
                    "hoverinfo": "skip",
                    "marker": {"symbol": symbol, "size": 16, "color": p.colour,
                               "line": {"color": "white", "width": 1.5}},
                    "meta": {"role": "reliable_change", "verdict": verdict, "partner_id": p.partner_id,
                             "direction": "up" if up else "down"},
                    "_said": list(zip(rows.tolist(), said, strict=True)),
                }
            )  # fmt: skip
    return out


def answers_pointing(n: int) -> str:
    """How many answers pointed to a theme in a month, in words ("No answers", "1 answer", "3 answers")."""
    return "No answers" if n == 0 else counted(n, "answer")


def heat_scale(darkest: int) -> list[list[Any]]:
    """A heatmap's colour scale for counts 0 to `darkest`: a blank cell white, one answer `HEAT_LIGHTEST`,
    darkening to `HEAT_DARKEST` at `darkest` (a step, not a blend, between none and one)."""
    if darkest <= 1:
        return [[0, "#ffffff"], [0.5, "#ffffff"], [0.5, HEAT_DARKEST], [1, HEAT_DARKEST]]
    one = 1 / darkest
    return [[0, "#ffffff"], [one / 2, "#ffffff"], [one / 2, HEAT_LIGHTEST], [one, HEAT_LIGHTEST], [1, HEAT_DARKEST]]


def theme_heatmap(
    months_df: pd.DataFrame,
    theme_titles: Mapping[str, str],
    months: Sequence[pd.Timestamp],
    title: str,
    *,
    large: bool = False,
    top: int | None = None,
) -> go.Figure:
    """Months across, themes down; each cell counts the answers that pointed to the theme (`large`: for a
    shared screen, in larger type with taller rows). `top`: the count the darkest shade stands for, the same
    for both partners' grids so that a shade means the same on each (else this grid's own highest). No colour
    bar: the words beside the grid say what the shades stand for (`summary.heatmap_key`), and a phone's grid
    keeps the bar's width (the bar also took half the time Plotly spends drawing the grid)."""
    themes = list(theme_titles)
    grid = (
        months_df.assign(period=pd.to_datetime(months_df["period"]))
        .pivot_table(index="theme_id", columns="period", values="signals", aggfunc="sum", fill_value=0)
        .reindex(index=themes, columns=pd.DatetimeIndex(months), fill_value=0)
    )
    darkest = max(1, int(grid.to_numpy().max(initial=0)), top or 0)
    data = [
        {
            "type": "heatmap",
            "z": grid.to_numpy().tolist(),
            "x": [d.strftime("%Y-%m-%d") for d in grid.columns],
            # a theme's name on the axis and in the hover label, in lines of at most HOVER_CHARS (a questionnaire
            # file may name a theme at length): the label fits beside a cell, the axis leaves the grid its width
            "y": [hover_text(theme_titles[t]) for t in themes],
            "colorscale": heat_scale(darkest),
            "zmin": 0,
            "zmax": darkest,
            "showscale": False,
            "xgap": 2,
            "ygap": 2,
            "customdata": [[answers_pointing(int(v)) for v in row] for row in grid.to_numpy().tolist()],
            "hovertemplate": "%{x|%B %Y}<br>%{y}<br>%{customdata} pointing here<extra></extra>",
            "meta": {"role": "themes"},
        }
    ]
    # fixed margins (see fixed_margin): room for the longest theme's name on the left, half a month's label right
    lines = [line for t in themes for line in textwrap.wrap(" ".join(theme_titles[t].split()), HOVER_CHARS)]
    widest = max(map(len, lines), default=0)
    # the title (a name and "themes by month") in lines a phone's chart holds, the top margin a line taller for each
    heading = textwrap.wrap(" ".join(title.split()), TITLE_CHARS) or [""]
    extra = TITLE_LINE * (len(heading) - 1)
    scale = 18 / FONT["size"] if large else 1.0
    margin = fixed_margin(l=round(scale * min(240, max(60, 16 + round(7.5 * widest)))), r=28, t=60 + extra)
    rows = max((len(textwrap.wrap(" ".join(theme_titles[t].split()), HOVER_CHARS)) for t in themes), default=1)
    n = len(months)  # the grid can be narrow on a phone: fewer month labels than on a line chart
    ticks = {"dtick": "M1" if n <= 6 else "M3" if n <= 12 else "M6" if n <= 24 else "M12"}
    layout = _layout(
        "<br>".join(plot_text(line) for line in heading),
        # a row is tall enough for its name's lines
        120 + extra + round(scale * (34 if rows <= 2 else 17 * rows)) * len(themes),
        large,
        margin=margin,
        yaxis={"autorange": "reversed", "showgrid": False},
        xaxis=ticks,
    )
    return _figure(data, layout)


def kinds_figure(
    kinds: pd.DataFrame, labels: Mapping[str, str], months: Sequence[pd.Timestamp], title: str, *, large: bool = False
) -> go.Figure:
    """Stacked bars: which kinds of small hurt happened each month (`large`: for a shared screen)."""
    data = []
    for i, (item_id, raw) in enumerate(labels.items()):
        rows = kinds[kinds["item_id"] == item_id]
        label = plot_text(raw)
        how = rows["how_often"].fillna("").map(hover_text).tolist() if "how_often" in rows else [""] * len(rows)
        data.append(
            {
                "type": "bar",
                "x": _dates(rows["period"]),
                "y": [1] * len(rows),
                "name": label,
                "marker": {"color": KIND_COLOURS[i % len(KIND_COLOURS)]},
                "customdata": [[h] for h in how],
                "hovertemplate": "%{x|%B %Y}<br>" + hover_text(raw) + "<br>%{customdata[0]}<extra></extra>",
            }
        )
    xaxis: dict[str, Any] = {}
    if len(months):
        xaxis["range"] = [(months[0] - MONTH_PAD).strftime("%Y-%m-%d"), (months[-1] + MONTH_PAD).strftime("%Y-%m-%d")]
    layout = _layout(
        plot_text(title),
        420 if large else 340,
        large,
        barmode="stack",
        bargap=0.25,
        xaxis=xaxis,
        yaxis={"title": {"text": "Kinds that happened"}, "dtick": 1, "rangemode": "tozero"},
    )
    return _figure(data, layout)


REPAIR_TITLE = "How much of what hurt got mended"
# What "was it mended?" said of a small hurt, from the bottom of a month's bar up: one blue, darker the more it was
# mended (no colour grades a partner), each bar outlined so the palest still shows on white; a blank answer is
# hatched, not known rather than "not yet".
MENDING = {
    "mended": ("Mended", HEAT_DARKEST, ""),
    "partly": ("Partly", HEAT_LIGHTEST, ""),
    "not_yet": ("Not yet", "#dbe7ee", ""),
    "unanswered": ("Left blank", "#ffffff", "/"),
}


def mending_figure(
    counts: pd.DataFrame, months: Sequence[pd.Timestamp], title: str, *, large: bool = False
) -> go.Figure:
    """Stacked bars of one partner's small hurts each month, by how far "was it mended?" said each was mended
    (`counts`: their rows of `analysis.repair_counts`; `large`: for a shared screen)."""
    rows = counts[counts["named"].fillna(0) > 0].sort_values("period")
    data = []
    for column, (words, colour, hatch) in MENDING.items():
        if not rows[column].fillna(0).any():
            continue  # no empty key entry ("Left blank" when every follow-up was answered)
        data.append(
            {
                "type": "bar",
                "x": _dates(rows["period"]),
                "y": [int(n) or None for n in rows[column].fillna(0)],  # a zero draws no sliver of outline
                "name": words,
                "marker": {"color": colour, "line": {"color": HEAT_DARKEST, "width": 1},
                           "pattern": {"shape": hatch, "fgcolor": MUTED}},
                "customdata": rows[["named"]].astype(int).to_numpy().tolist(),
                "hovertemplate": f"%{{x|%B %Y}}<br>{words}: %{{y}} of %{{customdata[0]}}<extra></extra>",
                "meta": {"role": "mending", "answer": column},
            }
        )  # fmt: skip
    xaxis: dict[str, Any] = {}
    if len(months):
        xaxis["range"] = [(months[0] - MONTH_PAD).strftime("%Y-%m-%d"), (months[-1] + MONTH_PAD).strftime("%Y-%m-%d")]
    layout = _layout(
        plot_text(title),
        420 if large else 340,
        large,
        barmode="stack",
        bargap=0.25,
        xaxis=xaxis,
        yaxis={"title": {"text": "Small hurts named"}, "dtick": 1, "rangemode": "tozero"},
    )
    return _figure(data, layout)


def mirror_figure(df: pd.DataFrame, receiver: PartnerStyle, giver: PartnerStyle, low: float, high: float) -> go.Figure:
    """Two perspectives on the same reaches: the receiver's and the giver's."""
    df = df.sort_values("period")
    data = [
        _partner_line(
            receiver, df["period"], df["receiver_view"], f"How {receiver.label} felt their reaches were met",
            "%{x|%B %Y}<br>%{y:.2f}<extra>" + receiver.label + "'s view</extra>", {"role": "receiver_view"},
        ),
        _partner_line(
            giver, df["period"], df["giver_view"], f"How {giver.label} saw themselves meeting them",
            "%{x|%B %Y}<br>%{y:.2f}<extra>" + giver.label + "'s view</extra>", {"role": "giver_view"},
        ),
    ]  # fmt: skip
    pad = (high - low) * 0.05
    layout = _layout(
        f"{possessive(receiver.label)} reaches, seen by both of you",
        380,
        yaxis={"range": [low - pad, high + pad], "title": {"text": "Higher: reaches met more"}},
        xaxis=month_ticks(df["period"]) if not df.empty else {},
        # long legend entries go under the plot, clear of the title
        legend={"orientation": "v", "yanchor": "top", "y": -0.26, "xanchor": "left", "x": 0},
        margin=fixed_margin(t=50, b=112),
    )
    return _figure(data, layout)
