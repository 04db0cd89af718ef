"""Honest statistics over a couple's scores: reliable change, clinical classes, trends and themes.

Reliable change follows Jacobson & Truax (1991), with the rules in `mendwell.stats`. A score is
compared with the partner's *baseline*, never with last month: their first check-in of that part,
or their first from the month a therapist marked as the start of therapy. The SD comes from a
reference population: the subscale's published `norms` (their clinical SD) when the file gives
them, else the first check-ins of every partner in the database once there are at least
`MIN_REFERENCE_PARTNERS`; otherwise the verdict is "can't tell". The reliability r is Cronbach's
alpha measured from those same first check-ins once there are enough complete ones, else the
figure declared in the file (provisional until measured). Every row says which SD and which r it
used. Month-to-month movement is kept (`previous_score`, `month_change`) only to be described in
words; it is never marked as reliable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mendwell import stats
from mendwell.data import Database
from mendwell.limits import MIN_REFERENCE_PARTNERS, MIN_TREND_POINTS
from mendwell.periods import label

CHANGES_COLUMNS = [
    "couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "reference_period",
    "reference_score", "sd", "sd_source", "reliability", "reliability_source", "threshold", "verdict",
    "clinical_class", "cutoff", "norms_source", "s_diff", "rc",
]  # fmt: skip
DECLARED = "declared in the questionnaire file (provisional until measured)"


def reliable_change(db: Database, couple_id: int, ref: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each score of a couple with its change since baseline and a verdict.

    `verdict` is "improved", "worsened", "no reliable change" or "can't tell"; `reason` says why a
    verdict can't be told; `clinical_class` is set where the subscale has norms. `ref` is the practice's
    reference figures (`reference(db)`), when the caller already has them.
    """
    return classify(db.analytics.changes(couple_id), reference(db) if ref is None else ref)


def all_changes(db: Database, couple_id: int | None = None) -> pd.DataFrame:
    """Every couple's (or one couple's) scores with their verdicts: the `changes` table of an export."""
    return classify(db.analytics.changes(couple_id), reference(db))


def reference(db: Database) -> pd.DataFrame:
    """Per subscale, from everyone's first check-in: partners, SD, Cronbach's alpha and its complete answers."""
    return reference_stats(db.analytics.reference_items())


def reference_token(ref: pd.DataFrame) -> str:
    """A short name for the content of the practice's reference figures (`reference`): equal figures, equal
    names. Results judged by them are kept under it, so they follow a change of the figures at once."""
    digest = hashlib.sha256(",".join(map(str, ref.columns)).encode())
    digest.update(pd.util.hash_pandas_object(ref, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


REFERENCE_COLUMNS = ["instrument_id", "subscale_id", "partners", "ref_sd", "alpha", "alpha_partners", "alpha_items"]


def reference_stats(items: pd.DataFrame) -> pd.DataFrame:
    """The reference figures of each subscale from first-check-in answers (one row per partner and item).

    Alpha uses the items most partners answered (an item asked only sometimes, via show_if, is left
    out when fewer than half answered it) and only partners who answered all of those.
    """
    rows = []
    if items.empty:
        return pd.DataFrame(columns=REFERENCE_COLUMNS)
    for (inst, sub), part in items.groupby(["instrument_id", "subscale_id"], sort=True):
        firsts = part.drop_duplicates("partner_id")["score"].astype(float)
        wide = part.pivot_table(index="partner_id", columns="item_id", values="value", aggfunc="first")
        wide = wide.loc[:, wide.notna().mean() >= 0.5].dropna()
        alpha = stats.cronbach_alpha(wide.to_numpy(dtype=float)) if wide.shape[1] >= 2 else float("nan")
        rows.append(
            (inst, sub, len(firsts), float(firsts.std(ddof=1)) if len(firsts) > 1 else float("nan"),
             alpha, len(wide), int(wide.shape[1]))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def _figures(df: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """Choose each row's SD and reliability, and say where each came from."""
    out = (
        df.merge(ref, on=["instrument_id", "subscale_id"], how="left")
        if not df.empty
        else df.assign(**{c: pd.Series(dtype="float64") for c in REFERENCE_COLUMNS[2:]})
    )
    n = len(out)
    partners = out["partners"].fillna(0).astype("int64").to_numpy()
    clinical_sd = out["clinical_sd"].astype("float64").to_numpy()
    has_norms = ~np.isnan(clinical_sd)
    enough = partners >= MIN_REFERENCE_PARTNERS
    ref_sd = out["ref_sd"].astype("float64").to_numpy()
    sd = np.where(has_norms, clinical_sd, np.where(enough, ref_sd, np.nan))
    norms_src = out["norms_source"].fillna("").astype(str).to_numpy()
    sd_source = np.full(n, "", dtype=object)
    sd_source[has_norms] = [f"norms (clinical SD): {s}" for s in norms_src[has_norms]]
    from_data = ~has_norms & enough
    sd_source[from_data] = [f"first check-ins of {int(p)} partners" for p in partners[from_data]]

    alpha = out["alpha"].astype("float64").to_numpy()
    alpha_n = out["alpha_partners"].fillna(0).astype("int64").to_numpy()
    measured = (alpha_n >= MIN_REFERENCE_PARTNERS) & ~np.isnan(alpha)
    declared = out["declared_reliability"].astype("float64").to_numpy()
    usable = measured & (alpha > 0) & (alpha < 1)
    r = np.where(measured, np.where(usable, alpha, np.nan), declared)
    r_source = np.full(n, "", dtype=object)
    r_source[usable] = [
        f"measured: Cronbach's alpha from first check-ins of {int(k)} partners" for k in alpha_n[usable]
    ]
    r_source[~measured & ~np.isnan(declared)] = DECLARED
    out["sd"], out["sd_source"], out["reliability"], out["reliability_source"] = sd, sd_source, r, r_source
    out["measured_unusable"] = measured & ~usable
    return out


def classify(df: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """Add sd, reliability (and where each came from), sem, s_diff, threshold, rc, verdict, reason and the
    clinical class (vectorised)."""
    out = _figures(df, ref)
    sd = out["sd"].astype("float64")
    r = out["reliability"].astype("float64")
    out["sem"] = sd * np.sqrt(1.0 - r)
    out["s_diff"] = np.sqrt(2.0) * out["sem"]
    change = out["change"].astype("float64")
    out["rc"] = change / out["s_diff"].where(out["s_diff"] > 0)
    # scores move in steps of one answer notch: the threshold adds half a step (a continuity
    # correction) and is never less than one step (see stats.threshold)
    n_items = out["n_items"].astype("float64").clip(lower=1)
    out["step"] = np.where(out["scoring"].eq("sum"), 1.0, 1.0 / n_items)
    out["threshold"] = np.maximum(stats.Z * out["s_diff"] + out["step"] / 2.0, out["step"])
    better = out["higher_is"].eq("better")
    reliable = change.abs() > out["threshold"].fillna(np.inf)
    improved = reliable & ((change > 0) & better | (change < 0) & ~better)
    out["verdict"] = stats.NO_CHANGE
    out.loc[reliable & improved, "verdict"] = stats.IMPROVED
    out.loc[reliable & ~improved, "verdict"] = stats.WORSENED

    period = pd.to_datetime(out["period"])
    ref_period = pd.to_datetime(out["reference_period"])
    reason = pd.Series("", index=out.index, dtype="object")
    reason[r.isna()] = "this part has no reliability figure yet"
    reason[out["measured_unusable"].astype(bool)] = (
        "its questions did not move together in everyone's first check-ins, so no change can be called reliable"
    )
    reason[sd.isna()] = (
        f"Mendwell needs the first check-ins of at least {MIN_REFERENCE_PARTNERS} people to know how much "
        "this part usually varies"
    )
    reason[period.eq(ref_period)] = "this is the starting point later months are compared with"
    reason[ref_period.isna() | (period < ref_period)] = "before the starting point"
    unknown = reason.ne("")
    out.loc[unknown, "verdict"] = stats.CANT_TELL
    out["reason"] = reason

    has_norms = out["clinical_sd"].notna()
    cutoff = pd.Series(np.nan, index=out.index)
    if has_norms.any():
        n = out[has_norms]
        cutoff[has_norms] = [
            stats.clinical_cutoff(a, b, c, d)
            for a, b, c, d in zip(n["clinical_mean"], n["clinical_sd"], n["community_mean"], n["community_sd"],
                                  strict=True)
        ]  # fmt: skip
    out["cutoff"] = cutoff
    out["clinical_class"] = [
        stats.clinical_class(b, a, v, c, cm, km) if h else ""
        for b, a, v, c, cm, km, h in zip(
            out["reference_score"], out["score"], out["verdict"], cutoff, out["community_mean"],
            out["clinical_mean"], has_norms, strict=True,
        )
    ]  # fmt: skip
    return out.drop(columns=["measured_unusable"])


def changes_table(judged: pd.DataFrame) -> pd.DataFrame:
    """The exported `changes` table: one row per score with its baseline, figures and verdict."""
    out = judged.reindex(columns=CHANGES_COLUMNS).copy()
    out["norms_source"] = out["norms_source"].where(out["clinical_class"].ne(""), None)
    out["clinical_class"] = out["clinical_class"].replace("", None)
    out["sd_source"] = out["sd_source"].replace("", None)
    out["reliability_source"] = out["reliability_source"].replace("", None)
    return out.reset_index(drop=True)


# -- baselines ------------------------------------------------------------------------------


def start_of_therapy(db: Database, couple_id: int) -> dt.date | None:
    """The month a therapist marked as the start of therapy for a couple, or None."""
    return db.baselines.get(couple_id)


def mark_start_of_therapy(db: Database, couple_id: int, period: dt.date | None) -> None:
    """Mark (or, with None, clear) the month each partner's baseline is taken from."""
    if period is None:
        db.baselines.clear(couple_id)
    else:
        db.baselines.mark(couple_id, period)


# -- trends over months ------------------------------------------------------------------------


def partner_trend(rows: pd.DataFrame, months: int | None = None) -> stats.Trend | None:
    """A Theil-Sen slope and exact Mann-Kendall test over one partner's scores of one part.

    Uses the scores of the last `months` calendar months (all when None); None with fewer than
    `MIN_TREND_POINTS` scores.
    """
    rows = rows.dropna(subset=["score"])
    if rows.empty:
        return None
    p = pd.to_datetime(rows["period"]).dt.to_period("M").astype("int64")
    if months is not None:
        keep = p > p.max() - months
        rows, p = rows[keep], p[keep]
    return stats.trend(p.astype(float).tolist(), rows["score"].astype(float).tolist(), MIN_TREND_POINTS)


def movement_words(row_change: float, higher_is: str, previous: object) -> str:
    """Month-to-month movement in plain words (never a verdict): 'higher than in March 2026 (easier)'."""
    if pd.isna(row_change) or previous is None or pd.isna(previous):
        return ""
    when = label(pd.Timestamp(previous).date())
    if row_change == 0:
        return f"the same as in {when}"
    up = row_change > 0
    easier = up == (higher_is == "better")
    return f"{'higher' if up else 'lower'} than in {when} ({'easier' if easier else 'harder'})"


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


RECURRING_WINDOW = 6  # months a theme "keeps coming back" is looked for in, up to the latest
RECURRING_MIN_MONTHS = 3  # of those, how many it must have come up in


def recurring_themes(
    signals: pd.DataFrame,
    last_period: pd.Timestamp,
    window: int = RECURRING_WINDOW,
    min_months: int = RECURRING_MIN_MONTHS,
) -> pd.DataFrame:
    """Themes present in at least `min_months` of the `window` months ending at `last_period`, ranked.

    Months without a check-in count as months without the theme. Ranked per partner by persistence
    (months in the window, then the unbroken run of months up to the latest), then by whether it came
    up in the latest month, then by how many answers pointed to it; `rank` is 1 for the first.
    """
    cols = ["partner_id", "theme_id", "months", "streak", "this_month", "signals", "last_seen", "rank"]
    if signals.empty:
        return pd.DataFrame(columns=cols)
    last = _month_index(pd.Series(pd.Timestamp(last_period), index=signals.index))
    return _recurring(signals.assign(_last=last), ["partner_id"], window, min_months)[cols]


def recurring_themes_of(
    signals: pd.DataFrame,
    last_periods: Mapping[int, pd.Timestamp],
    window: int = RECURRING_WINDOW,
    min_months: int = RECURRING_MIN_MONTHS,
) -> pd.DataFrame:
    """`recurring_themes` of several couples at once: `signals` has a `couple_id`, and each couple's window
    ends at its own month in `last_periods` (a couple missing from it has none). Adds `couple_id`."""
    cols = ["couple_id", "partner_id", "theme_id", "months", "streak", "this_month", "signals", "last_seen", "rank"]
    last = signals["couple_id"].map({int(c): pd.Timestamp(p) for c, p in last_periods.items()})
    mine = signals[last.notna()]
    if mine.empty:
        return pd.DataFrame(columns=cols)
    ends = _month_index(last[last.notna()])
    return _recurring(mine.assign(_last=ends), ["couple_id", "partner_id"], window, min_months)[cols]


def new_themes(signals: pd.DataFrame, last_period: pd.Timestamp, window: int = RECURRING_WINDOW) -> pd.DataFrame:
    """Themes that came up in the latest month but in none of the `window - 1` months before it."""
    cols = ["partner_id", "theme_id", "signals"]
    if signals.empty:
        return pd.DataFrame(columns=cols)
    last = _month_index(pd.Series(pd.Timestamp(last_period), index=signals.index))
    table = _theme_table(signals.assign(_last=last), ["partner_id"], window)
    return table[table["this_month"] & table["months"].eq(1)].reset_index(drop=True)[cols]


def _month_index(periods: pd.Series) -> pd.Series:
    """Months as whole numbers (year * 12 + month), so that a month and the next differ by one."""
    when = pd.to_datetime(periods)
    return when.dt.year * 12 + when.dt.month


def _recurring(signals: pd.DataFrame, by: list[str], window: int, min_months: int) -> pd.DataFrame:
    """The theme table of `signals` (with `_last`, the month index its window ends at), kept to themes that
    came up in at least `min_months`, ranked within `by`."""
    ranked = _theme_table(signals, by, window)
    ranked = ranked[ranked["months"] >= min_months].copy()
    ranked["rank"] = ranked.groupby(by).cumcount() + 1
    return ranked.reset_index(drop=True)


def _theme_table(signals: pd.DataFrame, by: list[str], window: int) -> pd.DataFrame:
    """Per `by` and theme, within the `window` months up to each row's `_last`: in how many months it came up,
    how many answers pointed to it, when last, the unbroken run of months up to `_last` (`streak`) and
    whether it came up that month; sorted most persistent first within `by`."""
    keys = [*by, "theme_id"]
    cols = [*keys, "months", "signals", "last_seen", "streak", "this_month"]
    month = _month_index(signals["period"])
    back = signals["_last"] - month  # 0 for the latest month of the window
    recent = signals[(back >= 0) & (back < window)].assign(period=lambda d: pd.to_datetime(d["period"]), _back=back)
    if recent.empty:
        return pd.DataFrame(columns=cols)
    agg = recent.groupby(keys, as_index=False).agg(
        months=("period", "nunique"), signals=("period", "size"), last_seen=("period", "max")
    )
    # the unbroken run up to the latest month: with each theme's months back from it, distinct and in order,
    # the run is as long as the prefix 0, 1, 2, ... (the n-th month back equals n only until the first gap)
    seen = recent[[*keys, "_back"]].drop_duplicates().sort_values([*keys, "_back"])
    seen["_in_run"] = seen["_back"].eq(seen.groupby(keys).cumcount())
    streak = seen.groupby(keys, as_index=False)["_in_run"].sum().rename(columns={"_in_run": "streak"})
    agg = agg.merge(streak, on=keys, how="left")
    agg["streak"] = agg["streak"].astype(int)
    agg["this_month"] = agg["streak"] > 0
    return agg.sort_values(
        [*by, "months", "streak", "this_month", "signals", "theme_id"],
        ascending=[*([True] * len(by)), False, False, False, False, True],
        ignore_index=True,
    )[cols]


# -- micro-hurts: kinds and repair -------------------------------------------------------

MICRO_HURTS = "micro_hurts"
FREQUENCY = "frequency"
REPAIRED = "repaired"


def micro_hurt_kinds(db: Database, couple_id: int) -> pd.DataFrame:
    """Per partner and month, each kind of small hurt that happened and how often (scale value)."""
    return db.analytics.hurt_kinds(couple_id, MICRO_HURTS, FREQUENCY)


def repair_counts(db: Database, couple_id: int) -> pd.DataFrame:
    """Per partner and month: small hurts named, and how many of them "was it mended?" answered mended (the top
    of its scale), partly, not yet (its bottom) or left blank (not known): `named`, `mended`, `partly`,
    `not_yet`, `unanswered`."""
    return db.analytics.repair_counts(couple_id, MICRO_HURTS, FREQUENCY, REPAIRED)


# -- two perspectives on the same moments --------------------------------------------------

# For an item that mirrors another (my view of how I met my partner's reaches
# vs. my partner's view of how I met them), pair each partner's answer with
# the other partner's answer to the mirrored item in the same month. Values
# are turned the same way round (reverse items reversed) before averaging.


def mirrored_views(db: Database, couple_id: int) -> pd.DataFrame:
    """Per month: how a partner saw their reaches met, and how the other saw themselves meeting them."""
    return db.analytics.mirrored_views(couple_id)
