"""Plotly figures from the analysis DataFrames, readable by a couple at a glance.

Partner colours come from the Okabe-Ito palette (safe for the common kinds of
colour blindness) and are fixed by partner slot, so a partner has the same
colour on every chart; lines also differ in dash and marker shape, so nothing
depends on colour alone. Band regions are shaded softly behind the lines.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

PARTNER_COLOURS = {1: "#0072B2", 2: "#D55E00"}  # blue, vermillion
PARTNER_DASH = {1: "solid", 2: "dash"}
PARTNER_SYMBOL = {1: "circle", 2: "square"}
TONE_FILL = {"concern": "rgba(213, 94, 0, 0.10)", "watch": "rgba(230, 159, 0, 0.10)", "ok": "rgba(0, 158, 115, 0.09)"}
KIND_COLOURS = ["#56B4E9", "#009E73", "#E69F00", "#CC79A7", "#0072B2", "#999999", "#F0E442", "#D55E00"]
FONT = {"family": "Source Sans Pro, Helvetica, Arial, sans-serif", "size": 14, "color": "#26323a"}


def plot_text(text: str) -> str:
    """Make text inert for Plotly, which reads <b>, <a href>, <br> and %{...} in labels and hovers."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("%", "&#37;")


@dataclass(frozen=True)
class PartnerStyle:
    """How one partner is drawn."""

    partner_id: int
    name: str
    slot: int

    @property
    def colour(self) -> str:
        return PARTNER_COLOURS.get(self.slot, "#555555")

    @property
    def label(self) -> str:
        """The name, safe to put in a figure."""
        return plot_text(self.name)


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

    @property
    def direction(self) -> str:
        return "Higher is better" if self.higher_is == "better" else "Higher is harder"


def _base_layout(fig: go.Figure, title: str, height: int, large: bool = False) -> go.Figure:
    font = {**FONT, "size": 18 if large else FONT["size"]}
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {**font, "size": font["size"] + 2}},
        template="plotly_white",
        font=font,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hoverlabel={"font": {**font, "size": font["size"]}},
        plot_bgcolor="white",
    )
    return fig


def trend_figure(
    df: pd.DataFrame,
    meta: SubscaleMeta,
    partners: Sequence[PartnerStyle],
    *,
    large: bool = False,
) -> go.Figure:
    """One subscale over months: a line per partner, bands behind, reliable-change marks.

    `df` has partner_id, period, score, band and verdict columns, with NaN
    scores for missed months (see analysis.with_gaps) so they show as gaps.
    """
    fig = go.Figure()
    for band in meta.bands:
        fig.add_hrect(
            y0=band.low,
            y1=band.high,
            fillcolor=TONE_FILL.get(band.tone, "rgba(0,0,0,0.04)"),
            line_width=0,
            layer="below",
            annotation_text=plot_text(band.label),
            annotation_position="top left",
            annotation_font={"size": 11, "color": "#5b6770"},
        )
    for p in partners:
        mine = df[df["partner_id"] == p.partner_id].sort_values("period")
        if mine.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=mine["period"],
                y=mine["score"],
                name=p.label,
                mode="lines+markers",
                connectgaps=False,
                line={"color": p.colour, "dash": PARTNER_DASH.get(p.slot, "solid"), "width": 3},
                marker={"symbol": PARTNER_SYMBOL.get(p.slot, "circle"), "size": 7, "color": p.colour},
                customdata=mine[["band"]].fillna("").to_numpy(),
                hovertemplate="%{x|%B %Y}<br>Score %{y:.2f}<br>%{customdata[0]}<extra>" + p.label + "</extra>",
                meta={"role": "partner", "partner_id": p.partner_id},
            )
        )
        for verdict, symbol, words in (
            ("improved", "triangle-up", "A reliable change for the better"),
            ("worsened", "triangle-down", "A reliable change for the harder"),
        ):
            marks = mine[mine.get("verdict", pd.Series(dtype=str)) == verdict]
            if marks.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=marks["period"],
                    y=marks["score"],
                    mode="markers",
                    name=f"{p.label}: {words.lower()}",
                    marker={"symbol": symbol, "size": 16, "color": p.colour, "line": {"color": "white", "width": 1.5}},
                    customdata=marks[["change", "threshold"]].to_numpy(),
                    hovertemplate=(
                        "%{x|%B %Y}<br>" + words + "<br>Change %{customdata[0]:+.2f} "
                        "(more than %{customdata[1]:.2f} needed)<extra>" + p.label + "</extra>"
                    ),
                    meta={"role": "reliable_change", "verdict": verdict, "partner_id": p.partner_id},
                    showlegend=False,
                )
            )
    pad = (meta.high - meta.low) * 0.05
    fig.update_yaxes(range=[meta.low - pad, meta.high + pad], title_text=meta.direction, zeroline=False)
    fig.update_xaxes(showgrid=False, tickformat="%b %Y")
    return _base_layout(fig, plot_text(meta.title), 380 if large else 300, large)


def theme_heatmap(
    months_df: pd.DataFrame, theme_titles: Mapping[str, str], months: Sequence[pd.Timestamp], title: str
) -> go.Figure:
    """Months across, themes down; each cell counts the answers that pointed to the theme."""
    themes = list(theme_titles)
    grid = (
        months_df.assign(period=pd.to_datetime(months_df["period"]))
        .pivot_table(index="theme_id", columns="period", values="signals", aggfunc="sum", fill_value=0)
        .reindex(index=themes, columns=pd.DatetimeIndex(months), fill_value=0)
    )
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=[plot_text(theme_titles[t]) for t in themes],
            colorscale=[[0, "#ffffff"], [0.01, "#e6f0f5"], [1, "#0b4f6c"]],
            zmin=0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "answers"}, "thickness": 12},
            hovertemplate="%{y}, %{x|%B %Y}<br>%{z} answer(s) pointed here<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%b %Y", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return _base_layout(fig, plot_text(title), 120 + 34 * len(themes))


def kinds_figure(
    kinds: pd.DataFrame, labels: Mapping[str, str], months: Sequence[pd.Timestamp], title: str
) -> go.Figure:
    """Stacked bars: which kinds of small hurt happened each month."""
    fig = go.Figure()
    for i, (item_id, label) in enumerate(labels.items()):
        rows = kinds[kinds["item_id"] == item_id]
        label = plot_text(label)
        fig.add_trace(
            go.Bar(
                x=pd.to_datetime(rows["period"]),
                y=[1] * len(rows),
                name=label,
                marker_color=KIND_COLOURS[i % len(KIND_COLOURS)],
                customdata=rows[["how_often"]].to_numpy() if "how_often" in rows else None,
                hovertemplate="%{x|%B %Y}<br>" + label + ": %{customdata[0]}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(title_text="Kinds that happened", dtick=1, rangemode="tozero")
    if len(months):
        fig.update_xaxes(range=[months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20)])
    fig.update_xaxes(tickformat="%b %Y", showgrid=False)
    return _base_layout(fig, plot_text(title), 340)


def repair_figure(ratio: pd.DataFrame, partners: Sequence[PartnerStyle]) -> go.Figure:
    """The share of named small hurts that were mended or partly mended, per partner over months."""
    fig = go.Figure()
    for p in partners:
        mine = ratio[ratio["partner_id"] == p.partner_id].sort_values("period")
        if mine.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=mine["period"],
                y=mine["ratio"] * 100,
                name=p.label,
                mode="lines+markers",
                connectgaps=False,
                line={"color": p.colour, "dash": PARTNER_DASH.get(p.slot, "solid"), "width": 3},
                marker={"symbol": PARTNER_SYMBOL.get(p.slot, "circle"), "size": 7},
                customdata=mine[["mended", "named"]].to_numpy(),
                hovertemplate="%{x|%B %Y}<br>%{customdata[0]:.0f} of %{customdata[1]:.0f} mended or partly"
                "<extra>" + p.label + "</extra>",
                meta={"role": "partner", "partner_id": p.partner_id},
            )
        )
    fig.update_yaxes(range=[-5, 105], title_text="Mended or partly mended (%)", ticksuffix="%")
    fig.update_xaxes(tickformat="%b %Y", showgrid=False)
    return _base_layout(fig, "How much of what hurt got mended", 320)


def mirror_figure(df: pd.DataFrame, receiver: PartnerStyle, giver: PartnerStyle, low: float, high: float) -> go.Figure:
    """Two perspectives on the same reaches: the receiver's and the giver's, and the space between."""
    fig = go.Figure()
    df = df.sort_values("period")
    fig.add_trace(
        go.Scatter(
            x=df["period"],
            y=df["receiver_view"],
            mode="lines+markers",
            connectgaps=False,
            name=f"How {receiver.label} felt their reaches were met",
            line={"color": receiver.colour, "dash": PARTNER_DASH.get(receiver.slot, "solid"), "width": 3},
            hovertemplate="%{x|%B %Y}<br>%{y:.2f}<extra>" + receiver.label + "'s view</extra>",
            meta={"role": "receiver_view"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df["period"],
            y=df["giver_view"],
            mode="lines+markers",
            connectgaps=False,
            name=f"How {giver.label} saw themselves meeting them",
            line={"color": giver.colour, "dash": PARTNER_DASH.get(giver.slot, "solid"), "width": 3},
            fill="tonexty",
            fillcolor="rgba(120, 120, 120, 0.12)",
            hovertemplate="%{x|%B %Y}<br>%{y:.2f}<extra>" + giver.label + "'s view</extra>",
            meta={"role": "giver_view"},
        )
    )
    pad = (high - low) * 0.05
    fig.update_yaxes(range=[low - pad, high + pad], title_text="Higher: reaches met more")
    fig.update_xaxes(tickformat="%b %Y", showgrid=False)
    _base_layout(fig, f"{receiver.label}'s reaches, seen by both of you", 380)
    # long legend entries go under the plot, clear of the title
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0})
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 90})
    return fig
