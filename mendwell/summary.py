"""'This month at a glance': each partner's latest scores and a few plain sentences.

The sentences describe what the data shows about each partner's own
experience, in warm words; they never grade a partner, never compare who is
"better", and say plainly when there is not enough data to tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mendwell.periods import label

MARKS = {"improved": "▲ better", "worsened": "▼ harder", "no reliable change": "steady", "unknown": "can't tell yet"}


@dataclass(frozen=True)
class Person:
    partner_id: int
    name: str


def latest_table(rc: pd.DataFrame, partner_id: int, titles: Mapping[tuple[str, str], str]) -> pd.DataFrame:
    """A partner's most recent score per subscale, with band and reliable-change mark."""
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
            "Change": last["verdict"].map(MARKS).fillna(""),
        }
    )


def sentences(
    rc: pd.DataFrame,
    recurring: pd.DataFrame,
    people: Sequence[Person],
    titles: Mapping[tuple[str, str], str],
    theme_titles: Mapping[str, str],
    window: int,
) -> list[str]:
    """A few plain sentences about the latest month, drawn from the data."""
    shared = rc[~rc["private"].astype(bool)] if not rc.empty else rc
    if shared.empty:
        return ["Nothing to say yet: the first check-in starts the story."]
    names = {p.partner_id: p.name for p in people}
    last_period = pd.to_datetime(shared["period"]).max()
    latest = shared[pd.to_datetime(shared["period"]) == last_period]
    out: list[str] = []
    order = {k: i for i, k in enumerate(titles)}
    groups = sorted(
        latest.groupby(["instrument_id", "subscale_id"], sort=False), key=lambda g: order.get(g[0], len(order))
    )
    for (inst, sub), rows in groups:
        title = titles.get((inst, sub), sub)
        for verdict, words in (("improved", "came more easily"), ("worsened", "felt harder")):
            who = rows[rows["verdict"] == verdict]
            if who.empty:
                continue
            prev = pd.to_datetime(who["previous_period"]).min()
            since = label(prev.date()) if pd.notna(prev) else "before"
            if len(who) == 2:
                out.append(f"{title} {words} for both of you than in {since}.")
            else:
                out.append(
                    f"{title} {words} for {names.get(int(who['partner_id'].iloc[0]), 'one of you')} than in {since}."
                )
    if not out:
        known = latest[latest["verdict"] != "unknown"]
        if known.empty:
            out.append(
                f"The {label(last_period.date())} check-in has no earlier one to compare with yet, "
                "so no change is called a change."
            )
        else:
            out.append(f"In {label(last_period.date())} nothing moved by more than its usual month-to-month wobble.")
    for row in recurring.head(4).itertuples():
        who = names.get(int(row.partner_id), "one of you")
        theme = theme_titles.get(row.theme_id, row.theme_id)
        out.append(f"The theme “{theme}” came up for {who} in {row.months} of the last {window} months.")
    return out


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
                f"{person.name}: change": mine["Change"],
            }
        )
        out = cols if out is None else out.merge(cols, on="Part", how="outer", sort=False)
    if out is None:
        return pd.DataFrame(columns=["Part"])
    order = {t: i for i, t in enumerate(titles.values())}
    return out.sort_values("Part", key=lambda c: c.map(order)).fillna("").reset_index(drop=True)
