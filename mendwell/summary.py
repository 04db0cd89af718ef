"""'This month at a glance': each partner's latest scores and a few plain sentences.

The sentences describe what the data shows about each partner's own experience, in warm words;
they never grade a partner, never compare who is "better", and say plainly when nothing changed
reliably or there is not enough data to tell. Every sentence and mark follows the part's
direction: ▲ and ▼ point the way the line moved, and the words say whether that way is better or
harder for this part ("for this part, lower is better").

"At a glance" leads with at most `GLANCE_MAX` things: reliable changes since each partner's
starting point first, then directions over the recent months (an exact Mann-Kendall test over at
least `MIN_TREND_POINTS` months), then the theme that kept coming back most.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mendwell import stats
from mendwell.limits import GLANCE_MAX, MIN_TREND_POINTS, TREND_MONTHS
from mendwell.periods import add_months, label
from mendwell.text import counted, listed, possessive, rounded

CANT_TELL_MARK = "can't tell yet"
NO_CHANGE_MARK = "no reliable change"


@dataclass(frozen=True)
class Person:
    """A partner as the sentences name them; `kept_back`: their submitted months not shown yet (`mendwell.reveal`)."""

    partner_id: int
    name: str
    kept_back: tuple[pd.Timestamp, ...] = ()


def arrow(change: float) -> str:
    """▲ when the score went up, ▼ when it went down (the way the line moves on the chart)."""
    return "▲" if change > 0 else "▼"


def way_words(higher_is: str, up: bool) -> str:
    """'for this part, lower is better' and the like: what the line's direction means here."""
    better = up == (higher_is == "better")
    return f"for this part, {'higher' if up else 'lower'} is {'better' if better else 'harder'}"


def mark(verdict: str, change: float, higher_is: str) -> str:
    """The mark of a verdict: '▼ better' for a reliable fall on a part where lower is better, and so on."""
    if verdict in (stats.IMPROVED, stats.WORSENED) and not (isinstance(change, float) and math.isnan(change)):
        return f"{arrow(change)} {'better' if verdict == stats.IMPROVED else 'harder'}"
    if verdict == stats.NO_CHANGE:
        return NO_CHANGE_MARK
    return CANT_TELL_MARK


def marks(df: pd.DataFrame) -> pd.Series:
    """`mark` for every row of a reliable-change frame."""
    if df.empty:
        return pd.Series(dtype="object")
    return pd.Series(
        [
            mark(str(v), float(c), str(h)) if isinstance(v, str) else ""
            for v, c, h in zip(df["verdict"], df["change"], df["higher_is"], strict=True)
        ],
        index=df.index,
        dtype="object",
    )


def series_trend(rows: pd.DataFrame, months: int | None = TREND_MONTHS) -> stats.Trend | None:
    """A Theil-Sen slope and an exact Mann-Kendall test over one partner's scores of one part.

    The scores of the last `months` calendar months (all when None); None with fewer than
    `MIN_TREND_POINTS` of them ("not enough months yet").
    """
    return trend_of(pd.to_datetime(rows["period"]).to_numpy(), rows["score"].to_numpy(dtype=float), months)


def month_numbers(periods: np.ndarray) -> np.ndarray:
    """Months as whole numbers (year x 12 + month), from datetime64 values: one apart a month apart."""
    months = periods.astype("datetime64[M]").astype("int64")
    return np.asarray(months, dtype=np.int64)


def trend_of(periods: np.ndarray, scores: np.ndarray, months: int | None = TREND_MONTHS) -> stats.Trend | None:
    """`series_trend` over plain arrays (datetime64 months, scores with NaN for a missed month)."""
    keep = ~np.isnan(scores)
    if not keep.any():
        return None
    p, v = month_numbers(periods[keep]), scores[keep]
    if months is not None:
        recent = p > p.max() - months
        p, v = p[recent], v[recent]
    return stats.trend(p.astype(float).tolist(), v.astype(float).tolist(), MIN_TREND_POINTS)


def trend_months(t: stats.Trend) -> str:
    """The months a trend (of `trend_of`: t in month numbers) was read over, by name: "from May 2026 to October
    2026". Named, not counted back from now: two partners' last check-ins, or the first in the window, may differ
    (a month missed or kept back), and "the last 11 months" beside "the last 12" said nothing of why."""
    first = round(t.start)
    return f"from {label(month_date(first))} to {label(month_date(first + t.span - 1))}"


def month_date(number: int) -> dt.date:
    """The first day of a month given as a month number (`month_numbers`)."""
    return add_months(dt.date(1970, 1, 1), number)  # month numbers count from January 1970 (numpy's epoch)


def trend_words(t: stats.Trend | None, higher_is: str) -> str:
    """A chart's direction in words: moving up or down over the months, no clear direction, or too few months."""
    if t is None:
        return f"not enough months yet to say which way this is moving ({MIN_TREND_POINTS} check-ins are needed)"
    if not t.direction:
        return f"no clear direction {trend_months(t)} ({t.n} check-ins)"
    up = t.direction == "up"
    # in words only, for the couple too: ▲ and ▼ mark a reliable change on the charts, and a p-value is the
    # test's business (how the direction is decided is said in the README and in `stats.trend`)
    return (
        f"moving {'up' if up else 'down'} {trend_months(t)} ({way_words(higher_is, up)}): "
        f"about {abs(t.slope):.2f} a month over {t.n} check-ins"
    )


def latest_table(rc: pd.DataFrame, partner_id: int, titles: Mapping[tuple[str, str], str]) -> pd.DataFrame:
    """A partner's most recent score per subscale, with band and the mark of its change since baseline."""
    mine = rc[(rc["partner_id"] == partner_id) & ~rc["private"].astype(bool)]
    if mine.empty:
        return pd.DataFrame(columns=["Part", "Score", "Band", "Change"])
    # only the partner's latest check-in, so every row speaks about the same month
    latest = pd.to_datetime(mine["period"]).max()
    last = mine[pd.to_datetime(mine["period"]) == latest]
    keys = list(zip(last["instrument_id"], last["subscale_id"], strict=True))
    order = {k: i for i, k in enumerate(titles)}
    last = last.assign(_order=[order.get(k, len(order)) for k in keys]).sort_values("_order")
    return pd.DataFrame(
        {
            "Part": [
                titles.get(k, f"{k[0]} / {k[1]}") for k in zip(last["instrument_id"], last["subscale_id"], strict=True)
            ],
            "Score": last["score"].round(2),
            "Band": last["band"].fillna(""),
            "Change": marks(last).fillna(""),
        }
    )


def _who(rows: pd.DataFrame, names: Mapping[int, str], newest: pd.Timestamp) -> str:
    """Whom a glance sentence is about: "both of you" only when both latest months are the newest (the month
    the glance is headed with); a partner alone at the newest month by name; otherwise each named with their own
    month, so no month reads as the other's."""
    when = {int(p): pd.Timestamp(m) for p, m in zip(rows["partner_id"], rows["period"], strict=True)}
    if all(m == newest for m in when.values()):
        return "both of you" if len(when) == 2 else names.get(next(iter(when)), "one of you")
    return " and ".join(f"{names.get(p, 'one of you')} (in {label(m.date())})" for p, m in when.items())


def months_words(months: Sequence[pd.Timestamp]) -> str:
    """Months in words: "October 2026", "October and November 2026", "September, October and November 2026"."""
    labels = [label(pd.Timestamp(m).date()) for m in sorted(months)]
    if len({m[-4:] for m in labels}) == 1 and len(labels) > 1:
        labels = [m[:-5] for m in labels[:-1]] + labels[-1:]
    return listed(labels)


WAITING_LISTED = 3  # months a "waiting" sentence names one by one; more are counted


def waiting_sentence(name: str, kept_back: Sequence[pd.Timestamp]) -> str:
    """What a page keeps back of a partner's answers, and when it shows them (never before both have answered)."""
    one = len(kept_back) == 1
    if len(kept_back) > WAITING_LISTED:  # a long list reads as a ledger: how many, and the latest
        latest = label(pd.Timestamp(max(kept_back)).date())
        return (
            f"{name} has checked in for {len(kept_back)} months not open to you both (the latest, {latest}). "
            "A month shows here once it opens on Together, when you have both checked in."
        )
    return (
        f"{name} has checked in for {months_words(kept_back)}. {'It shows' if one else 'They show'} here once "
        f"{'that month opens' if one else 'those months open'} on Together, when you have both checked in."
    )


def waiting_note(people: Sequence[Person]) -> str:
    """One sentence for everyone whose months are kept back (`Person.kept_back`): a partner's own, or on a shared
    screen both partners' together ("" when none is)."""
    waiting = [p for p in people if p.kept_back]
    if len(waiting) == 1:
        return waiting_sentence(waiting[0].name, waiting[0].kept_back)
    if not waiting:
        return ""
    each = [
        f"{p.name} for {months_words(p.kept_back)}"
        if len(p.kept_back) <= WAITING_LISTED
        else f"{p.name} for {len(p.kept_back)} months (the latest, {label(pd.Timestamp(max(p.kept_back)).date())})"
        for p in waiting
    ]
    return (
        f"Each of you has checked in for months the other has not yet: {'; '.join(each)}. A month shows here once "
        "it opens on Together, when you have both checked in."
    )


def no_data_sentence(name: str, kept_back: Sequence[pd.Timestamp] = ()) -> str:
    """A kind sentence for a partner who has not checked in yet, or whose check-ins are not shown yet (instead
    of an empty chart)."""
    if kept_back:
        return waiting_sentence(name, kept_back)
    return (
        f"{name} hasn't checked in yet, and that's fine: their line joins the charts with their first check-in, "
        "whenever they are ready."
    )


# a part's reason for "can't tell yet", said of the parts at large in the glance
GLANCE_REASONS = {
    "this part has": "some parts have",
    "its questions did not move together": "some parts' questions did not move together",
    "this part usually varies": "a part usually varies",
}


def each_in_turn(
    ranked: Sequence[tuple[float, int, str]], told: Mapping[int, int] | None = None
) -> list[tuple[float, int, str]]:
    """(rank, partner, sentence) in rank order, but each partner's best before anyone's second, and so on,
    counting the lines already said about each partner (`told`)."""
    turn: dict[int, int] = {pid: n - 1 for pid, n in (told or {}).items()}
    keyed = []
    for n, item in enumerate(ranked):
        turn[item[1]] = turn.get(item[1], -1) + 1
        keyed.append((turn[item[1]], n, item))
    return [item for _, _, item in sorted(keyed)]


def sentences(
    rc: pd.DataFrame,
    recurring: pd.DataFrame,
    people: Sequence[Person],
    titles: Mapping[tuple[str, str], str],
    theme_titles: Mapping[str, str],
    window: int,
    where: Mapping[str, str] | None = None,
) -> list[str]:
    """At most `GLANCE_MAX` plain sentences about each partner's latest month, reliable changes first.

    With `where` (questionnaire id -> the name of the place its charts are, e.g. a tab), each part named
    says where to find it."""

    def part(inst: str, sub: str) -> str:
        named = f"“{titles.get((inst, sub), sub)}”"
        return f"{named} (in {where[inst]})" if where and inst in where else named

    shared = rc[~rc["private"].astype(bool)] if not rc.empty else rc
    names = {p.partner_id: p.name for p in people}
    present = set(shared["partner_id"].astype(int)) if not shared.empty else set()
    absent = [no_data_sentence(p.name, p.kept_back) for p in people if p.partner_id not in present]
    if shared.empty:
        return ["Nothing to say yet: the first check-in starts the story.", *absent]
    periods = pd.to_datetime(shared["period"])
    latest = shared[periods == periods.groupby(shared["partner_id"]).transform("max")]

    # 1. reliable changes since each partner's starting point, biggest first
    found: list[tuple[float, list[int], str]] = []
    said: set[tuple[int, str, str]] = set()
    reliable = latest[latest["verdict"].isin([stats.IMPROVED, stats.WORSENED])]
    for (inst, sub, _verdict, up), rows in reliable.groupby(
        ["instrument_id", "subscale_id", "verdict", reliable["change"] > 0], sort=False
    ):
        ids = [int(p) for p in rows["partner_id"]]
        since = sorted({label(pd.Timestamp(p).date()) for p in rows["reference_period"]})
        when = f"than in {since[0]}" if len(since) == 1 else "than at your starting points"
        who = _who(rows, names, periods.max())
        found.append(
            (
                float(rows["rc"].abs().max()),
                ids,
                f"For {who}, {part(inst, sub)} is reliably {'higher' if up else 'lower'} {when} "
                f"({arrow(1.0 if up else -1.0)}): {way_words(str(rows['higher_is'].iloc[0]), bool(up))}.",
            )
        )
        said |= {(i, inst, sub) for i in ids}
    kept = sorted(found, key=lambda f: -f[0])[:GLANCE_MAX]
    lead = [text for _, _, text in kept]
    already = Counter(i for _, ids, _ in kept for i in ids)  # lines so far about each partner

    if not lead:
        judged = latest[~latest["reason"].isin(["this is the starting point later months are compared with"])]
        told = judged[judged["verdict"] != stats.CANT_TELL]
        if not told.empty:
            starts = sorted({label(pd.Timestamp(p).date()) for p in told["reference_period"]})
            since_when = starts[0] if len(starts) == 1 else "your starting points"
            lead.append(
                f"Nothing has changed reliably since {since_when}: the ups and downs so far are within what these "
                "questions usually vary by."
            )
        elif not judged.empty:
            # a part's reason, said here of the parts at large ("this part" named none)
            reason = str(judged["reason"].mode().iloc[0])
            for one, many in GLANCE_REASONS.items():
                reason = reason.replace(one, many)
            lead.append(f"Mendwell can't tell yet whether anything changed reliably: {reason}.")
        else:
            lead.append(
                f"The {label(periods.max().date())} check-in is the starting point: later months will be compared "
                "with it, and a change is called a change only when it is reliable."
            )

    # 2. directions over the recent months (not already said as a reliable change). No ▲ or ▼: on this page they
    # mark a reliable change, and a direction is not one. Each partner's clearest first, so that the few lines
    # there is room for are not all about one of them (on a shared screen that read as praising one).
    trends: list[tuple[float, int, str]] = []
    for (pid, inst, sub), rows in shared.groupby(["partner_id", "instrument_id", "subscale_id"], sort=False):
        if (int(pid), inst, sub) in said:
            continue
        t = series_trend(rows)
        if t is None or not t.direction:
            continue
        up = t.direction == "up"
        trends.append(
            (
                t.p,
                int(pid),
                f"{part(inst, sub)} has been moving {'up' if up else 'down'} for {names.get(int(pid), 'one of you')} "
                f"{trend_months(t)}: {way_words(str(rows['higher_is'].iloc[0]), up)}.",
            )
        )
    lead += [text for _, _, text in each_in_turn(sorted(trends), already)][: GLANCE_MAX - len(lead)]

    # 3. the theme that kept coming back most
    if len(lead) < GLANCE_MAX and not recurring.empty:
        top = recurring.sort_values(["months", "signals"], ascending=False).iloc[0]
        theme = theme_titles.get(str(top["theme_id"]), str(top["theme_id"]))
        who = names.get(int(top["partner_id"]), "one of you")
        lead.append(f"The theme “{theme}” came up for {who} in {int(top['months'])} of the last {window} months.")
    return lead + absent


def glance_table(rc: pd.DataFrame, people: Sequence[Person], titles: Mapping[tuple[str, str], str]) -> pd.DataFrame:
    """Parts down, each partner's latest score (with band) and change across, for reading together."""
    out: pd.DataFrame | None = None
    for person in people:
        mine = latest_table(rc, person.partner_id, titles)
        if mine.empty:
            continue
        periods_ = pd.to_datetime(rc.loc[rc["partner_id"] == person.partner_id, "period"])
        when = periods_.max().strftime("%b %Y")
        cols = pd.DataFrame(
            {
                "Part": mine["Part"],
                f"{person.name} ({when})": mine["Score"].map("{:.2f}".format) + " · " + mine["Band"],
                f"{person.name}: since the start": mine["Change"],
            }
        )
        out = cols if out is None else out.merge(cols, on="Part", how="outer", sort=False)
    if out is None:
        return pd.DataFrame(columns=["Part"])
    order = {t: i for i, t in enumerate(titles.values())}
    return out.sort_values("Part", key=lambda c: c.map(order)).fillna("").reset_index(drop=True)


# -- what each chart shows, in one sentence (its text alternative) -----------------------------------
# Each chart on Trends and Themes gets a sentence from the same data, right beside it: what the lines,
# cells or bars show, in the part's own direction, about each partner's own line; never who is ahead.

SAME_SHARE = 0.05  # a line that moved less than this share of its scale "stayed about the same"


def span_words(periods: pd.Series | Sequence[object] | np.ndarray) -> str:
    """'December 2025 to November 2026' (or one month's name) for the months a chart covers."""
    p = pd.to_datetime(pd.Series(np.asarray(periods))).dropna()
    if p.empty:
        return "no months yet"
    first, last = label(p.min().date()), label(p.max().date())
    return first if first == last else f"{first} to {last}"


def _line_words(periods: np.ndarray, values: np.ndarray, tolerance: float, fmt: str) -> str:
    keep = ~np.isnan(values)
    periods, values = periods[keep], values[keep]
    if not len(values):
        return "has no points here"
    order = np.argsort(periods, kind="stable")
    periods, values = periods[order], values[order]
    if len(values) == 1:
        return f"has one point, {rounded(fmt, float(values[0]))} in {label(pd.Timestamp(periods[0]).date())}"
    first, last = float(values[0]), float(values[-1])
    low, high = float(values.min()), float(values.max())
    ends = f"from {rounded(fmt, first)} to {rounded(fmt, last)}"
    if abs(last - first) < tolerance:
        same = rounded(fmt, first) == rounded(fmt, last)
        words = f"stayed about the same, {f'at {rounded(fmt, first)}' if same else ends}"
    else:
        words = f"{'rose' if last > first else 'fell'} {ends}"
    if low < min(first, last) - tolerance or high > max(first, last) + tolerance:
        words += f", ranging from {rounded(fmt, low)} to {rounded(fmt, high)} on the way"
    return words


def line_words(points: pd.DataFrame, value: str, tolerance: float, fmt: str = "{:.1f}") -> str:
    """How one line moved between its first and last points, in words: 'rose from 3.1 to 3.8', 'fell from ...',
    'stayed about the same, at 3.4' (a move smaller than `tolerance`), with 'ranging from ... to ...'
    when it went well beyond its ends on the way; 'has one point, 3.7 in March 2026' for a single point.

    `points` has `period` and the `value` column; missing values (missed months) are left out."""
    periods = pd.to_datetime(points["period"]).to_numpy()
    return _line_words(periods, points[value].to_numpy(dtype=float), tolerance, fmt)


def _start_month(gridded: pd.DataFrame, mine: np.ndarray) -> str:
    """ "January 2025 ": the month a partner's changes in `gridded` are measured from, when it names one."""
    if "reference_period" not in gridded:
        return ""
    found = pd.to_datetime(gridded.loc[mine, "reference_period"]).dropna()
    return f"{label(found.iloc[-1].date())} " if not found.empty else ""


def trend_sentence(
    gridded: pd.DataFrame, people: Sequence[Person], title: str, higher_is: str, low: float, high: float
) -> str:
    """What a trend chart shows: each partner's line over the months shown, which way it moved, and in
    brackets how many of those months are marked as a reliable change since their start and how many have
    no check-in.

    '“Closeness”, June 2026 to November 2026 (for this part, higher is better): Alex's line rose from 3.1
    to 3.8 (reliably higher than their start in 4 of these months ▲); Sam's line stayed about the same, at
    3.4 (no check-in in 1 of them).'"""
    tolerance = SAME_SHARE * (high - low)
    better = "better" if higher_is == "better" else "harder"
    who = gridded["partner_id"].to_numpy()
    periods = pd.to_datetime(gridded["period"]).to_numpy()
    scores = gridded["score"].to_numpy(dtype=float)
    marked = "verdict" in gridded and "change" in gridded
    reliable = gridded["verdict"].isin([stats.IMPROVED, stats.WORSENED]).to_numpy() if marked else None
    change = gridded["change"].to_numpy(dtype=float) if marked else None
    head = f"“{title}”, {span_words(periods)} (for this part, higher is {better})"
    parts = []
    for person in people:
        mine = who == person.partner_id
        if np.isnan(scores[mine]).all():
            continue
        words = f"{possessive(person.name)} line {_line_words(periods[mine], scores[mine], tolerance, '{:.1f}')}"
        more = []
        if reliable is not None and change is not None:
            # their start by name: often a month before the chart's first ("start" read as its left end)
            began = _start_month(gridded, mine)
            for up in (True, False):
                n = int((mine & reliable & ((change > 0) if up else (change < 0))).sum())
                if n:
                    more.append(
                        f"reliably {'higher' if up else 'lower'} than their {began}start in {n} of these months "
                        f"{'▲' if up else '▼'}"
                    )
        gaps = [pd.Timestamp(m) for m in periods[mine][np.isnan(scores[mine])]]
        waiting = sum(m in set(person.kept_back) for m in gaps)  # checked in, not open to you both yet
        if len(gaps) - waiting:  # no check-in, or none of this part's questions asked (a follow-up)
            more.append(f"no score in {len(gaps) - waiting} of {'them' if more else 'these months'}")
        if waiting:
            more.append(f"{waiting} not open to you both yet")
        parts.append(words + (f" ({'; '.join(more)})" if more else ""))
    if not parts:
        return f"{head}: no scores in these months."
    return f"{head}: {'; '.join(parts)}."


def mirror_sentence(gridded: pd.DataFrame, receiver: str, giver: str, low: float, high: float) -> str:
    """What a two-perspectives chart shows: how each side's view of the same reaches moved, and how far apart
    the two views were on average (a space to be curious about, not a verdict)."""
    tolerance = SAME_SHARE * (high - low)
    head = f"{possessive(receiver)} reaches, seen by both, {span_words(gridded['period'])}"
    felt = line_words(gridded.rename(columns={"receiver_view": "v"}), "v", tolerance)
    saw = line_words(gridded.rename(columns={"giver_view": "v"}), "v", tolerance)
    text = f"{head}: how {receiver} felt they were met {felt}; how {giver} saw themselves meeting them {saw}"
    both = gridded.dropna(subset=["receiver_view", "giver_view"])
    if not both.empty:
        gap = float((both["receiver_view"] - both["giver_view"]).abs().mean())
        text += f". In the months both answered, the two views were on average {rounded('{:.1f}', gap)} apart"
    return text + "."


def _months_list(counts: list[tuple[str, int]], of: int, shown: int = 3, unit: str = "month") -> str:
    said = [f"{name} in {n} of {of} {unit}{'s' if of > 1 else ''}" for name, n in counts[:1]]
    said += [f"{name} in {n}" for name, n in counts[1:shown]]
    rest = counts[shown:]
    if not rest:
        return ", ".join(said)
    # those left unnamed that came up as often as the last named are not "less often"
    same = sum(n == counts[shown - 1][1] for _, n in rest)
    less = len(rest) - same

    def others(n: int) -> str:
        return f"{n} other{'s' if n > 1 else ''}"

    if not same:
        return ", ".join(said) + f", and {others(less)} less often"
    if not less:
        return ", ".join(said) + f", and {others(same)} as often"
    return ", ".join(said) + f", {others(same)} as often, and {others(less)} less often"


def _by_months(counts: pd.Series, titles: Mapping[str, str]) -> list[tuple[str, int]]:
    """(“title”, months) of each id counted, most months first; ties in the order of `titles`."""
    order = {k: i for i, k in enumerate(titles)}
    ranked = sorted(counts.items(), key=lambda kn: (-int(kn[1]), order.get(str(kn[0]), len(order))))
    return [(f"“{titles.get(str(k), str(k))}”", int(n)) for k, n in ranked]


def _out_of(months: Sequence[pd.Timestamp], checked_in: Collection[pd.Timestamp] | None) -> tuple[int, str]:
    """What "in N of ..." counts: every month of the span, or (given `checked_in`) the partner's check-ins in it,
    so a month they did not check in is never counted as a month nothing came up."""
    if checked_in is None:
        return len(months), "month"
    came = {pd.Timestamp(m) for m in checked_in}
    return sum(pd.Timestamp(m) in came for m in months), "check-in"


def heatmap_sentence(
    months_df: pd.DataFrame,
    name: str,
    theme_titles: Mapping[str, str],
    months: Sequence[pd.Timestamp],
    checked_in: Collection[pd.Timestamp] | None = None,
) -> str:
    """What a partner's themes heatmap of `months` shows: the themes that came up in the most of those months
    (of their check-ins in them, given `checked_in`)."""
    span = span_words(months)
    if months_df.empty or months_df["signals"].sum() == 0:
        return f"{possessive(name)} themes by month, {span}: no theme came up in these months."
    # ties in the heatmap's own order, top to bottom
    listed = _by_months(months_df[months_df["signals"] > 0].groupby("theme_id")["period"].nunique(), theme_titles)
    of, unit = _out_of(months, checked_in)
    return f"{possessive(name)} themes by month, {span}: {_months_list(listed, of, unit=unit)}."


def heatmap_key(darkest: int) -> str:
    """What a themes heatmap's shades stand for, `darkest` being the count of its darkest shade (the same on
    both partners' grids): said in words, as the grid has no colour bar."""
    shades = (
        "each shaded cell is 1 answer"
        if darkest <= 1
        else f"the palest shade is 1 answer, the darkest {counted(darkest, 'answer')}"
    )
    return (
        "A cell darkens with the number of answers that pointed to a theme that month: a theme chosen in "
        f"“What did it stir in me?”, or a question tied to the theme answered toward its harder end ({shades}). "
        "A blank cell means nothing pointed to that theme that month."
    )


def kinds_sentence(
    kinds: pd.DataFrame,
    name: str,
    labels: Mapping[str, str],
    months: Sequence[pd.Timestamp],
    checked_in: Collection[pd.Timestamp] | None = None,
) -> str:
    """What a partner's small-hurts chart of `months` shows: which kinds happened in how many of those months
    (of their check-ins in them, given `checked_in`: a month without one is not a month with no hurt)."""
    span = span_words(months)
    if kinds.empty:
        return f"{possessive(name)} small hurts by month, {span}: none named in these months."
    listed = _by_months(kinds.groupby("item_id")["period"].nunique(), labels)  # ties in the questionnaire's order
    of, unit = _out_of(months, checked_in)
    quiet = of - int(pd.to_datetime(kinds["period"]).nunique())
    tail = f"; none named in {quiet} of these {unit}s" if quiet > 0 else ""
    return f"{possessive(name)} small hurts by month, {span}: {_months_list(listed, of, 4, unit)}{tail}."


# what "was it mended?" said, in a chart's order from the bottom of a bar (the columns of `analysis.repair_counts`)
MENDING_WORDS = {"mended": "mended", "partly": "partly", "not_yet": "not yet", "unanswered": "left blank"}


def _mending_words(row: pd.Series) -> str:
    """'2 mended, 1 partly and 1 not yet': what "was it mended?" said of the small hurts counted in `row`."""
    said = [f"{int(row[k])} {words}" for k, words in MENDING_WORDS.items() if int(row[k])]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + f" and {said[-1]}"


def mending_sentence(counts: pd.DataFrame, name: str, months: Sequence[pd.Timestamp]) -> str:
    """What a partner's mending chart of `months` shows (`counts`: their rows of `analysis.repair_counts`): how
    many small hurts they named and how far those were mended, over the months and in the latest with any."""
    head = f"{possessive(name)} small hurts and how far they were mended, {span_words(months)}"
    named = counts[counts["named"].fillna(0) > 0].sort_values("period")
    if named.empty:
        return f"{head}: none named in these months, so there was nothing to mend."
    total = named[["named", *MENDING_WORDS]].fillna(0).sum()
    text = f"{head}: {int(total['named'])} named; {_mending_words(total)}."
    if len(named) > 1:
        last = named.iloc[-1]
        text += f" {label(pd.Timestamp(last['period']).date())}: {int(last['named'])} named; {_mending_words(last)}."
    return text
