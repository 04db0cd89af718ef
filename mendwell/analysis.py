"""Honest statistics over a couple's scores: reliable change and recurring themes.

Reliable change follows Jacobson & Truax (1991): with a subscale's
reliability r and the spread SD of its scores, SEM = SD * sqrt(1 - r),
S_diff = sqrt(2) * SEM, and a change from a partner's previous score is
reliable when |change| > 1.96 * S_diff. SD comes from the couple's own
history when it holds at least `MIN_OWN_SCORES` scores of that subscale,
otherwise from every stored score of it; each row says which. Without a
reliability figure, or without a previous score, the verdict is "unknown".
"""

from __future__ import annotations

import pandas as pd

from mendwell.data import Database

MIN_OWN_SCORES = 10
Z = 1.96


def reliable_change(db: Database, couple_id: int) -> pd.DataFrame:
    """Each score of a couple with its change from the previous one and a verdict.

    `verdict` is "improved", "worsened", "no reliable change" or "unknown";
    `reason` says why a verdict is unknown.
    """
    return classify(db.analytics.changes(couple_id, MIN_OWN_SCORES))


def classify(df: pd.DataFrame) -> pd.DataFrame:
    """Add s_diff, threshold, verdict and reason columns (vectorised)."""
    out = df.copy()
    r = out["reliability"].astype("float64")
    sd = out["sd"].astype("float64")
    out["s_diff"] = (2.0**0.5) * sd * (1.0 - r) ** 0.5
    out["threshold"] = Z * out["s_diff"]
    change = out["change"].astype("float64")
    better = out["higher_is"].eq("better")
    reliable = change.abs() > out["threshold"]
    improved = reliable & ((change > 0) & better | (change < 0) & ~better)
    worsened = reliable & ~improved
    out["verdict"] = "no reliable change"
    out.loc[improved, "verdict"] = "improved"
    out.loc[worsened, "verdict"] = "worsened"
    reason = pd.Series("", index=out.index, dtype="object")
    reason[sd.isna() | sd.eq(0)] = "not enough scores yet to know how much this usually varies"
    reason[change.isna()] = "no earlier check-in to compare with"
    reason[r.isna()] = "this part has no reliability figure"
    unknown = reason.ne("")
    out.loc[unknown, "verdict"] = "unknown"
    out["reason"] = reason
    return out


# -- trends ----------------------------------------------------------------------------


def with_gaps(df: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per partner, subscale and month from `start` to `end`; missed months have NaN scores.

    Plotly then draws a gap there instead of a line across the missed month.
    """
    if df.empty:
        return df
    periods = pd.to_datetime(df["period"])
    first = start if start is not None else periods.min()
    last = end if end is not None else periods.max()
    months = pd.date_range(first, last, freq="MS")
    keys = df[["partner_id", "instrument_id", "subscale_id"]].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"period": months}), how="cross")
    data = df.assign(period=periods)
    return grid.merge(data, on=["partner_id", "instrument_id", "subscale_id", "period"], how="left").sort_values(
        ["partner_id", "instrument_id", "subscale_id", "period"], ignore_index=True
    )


# -- themes ----------------------------------------------------------------------------

# A theme shows up in a month when a partner chose it in a "what did it touch"
# question, or answered an item tagged with it at or past the middle of its
# scale toward the hard end (e.g. "a couple of times" or more for how often a
# hurt happened; "sometimes" or less for how often a reach was met). Private
# items never count (validation also keeps themes off private items).


def theme_signals(db: Database, couple_id: int) -> pd.DataFrame:
    """Every (partner, month, theme, source item) where a theme showed up."""
    return db.analytics.theme_signals(couple_id)


def theme_months(signals: pd.DataFrame) -> pd.DataFrame:
    """Per partner, month and theme: how many answers pointed to it."""
    if signals.empty:
        return pd.DataFrame(columns=["partner_id", "period", "theme_id", "signals"])
    return (
        signals.groupby(["partner_id", "period", "theme_id"], as_index=False).size().rename(columns={"size": "signals"})
    )


def recurring_themes(
    signals: pd.DataFrame, last_period: pd.Timestamp, window: int = 6, min_months: int = 3
) -> pd.DataFrame:
    """Themes present in at least `min_months` of the `window` months ending at `last_period`.

    Months without a check-in count as months without the theme. Ranked by
    how many months it appeared in, then by how many answers pointed to it.
    """
    cols = ["partner_id", "theme_id", "months", "signals", "last_seen"]
    if signals.empty:
        return pd.DataFrame(columns=cols)
    periods = pd.to_datetime(signals["period"])
    first = pd.Timestamp(last_period) - pd.DateOffset(months=window - 1)
    recent = signals[(periods >= first) & (periods <= pd.Timestamp(last_period))]
    if recent.empty:
        return pd.DataFrame(columns=cols)
    agg = recent.groupby(["partner_id", "theme_id"], as_index=False).agg(
        months=("period", "nunique"), signals=("period", "size"), last_seen=("period", "max")
    )
    agg = agg[agg["months"] >= min_months]
    return agg.sort_values(["partner_id", "months", "signals"], ascending=[True, False, False], ignore_index=True)[cols]


# -- micro-hurts: kinds and repair -------------------------------------------------------

MICRO_HURTS = "micro_hurts"
FREQUENCY = "frequency"
REPAIRED = "repaired"


def micro_hurt_kinds(db: Database, couple_id: int) -> pd.DataFrame:
    """Per partner and month, each kind of small hurt that happened and how often (scale value)."""
    return db.analytics.hurt_kinds(couple_id, MICRO_HURTS, FREQUENCY)


def repair_ratio(db: Database, couple_id: int) -> pd.DataFrame:
    """Per partner and month: named small hurts, how many were mended or partly mended, and the share."""
    return db.analytics.repair_ratio(couple_id, MICRO_HURTS, REPAIRED)


# -- two perspectives on the same moments --------------------------------------------------

# For an item that mirrors another (my view of how I met my partner's reaches
# vs. my partner's view of how I met them), pair each partner's answer with
# the other partner's answer to the mirrored item in the same month. Values
# are turned the same way round (reverse items reversed) before averaging.


def mirrored_views(db: Database, couple_id: int) -> pd.DataFrame:
    """Per month: how a partner saw their reaches met, and how the other saw themselves meeting them."""
    return db.analytics.mirrored_views(couple_id)
