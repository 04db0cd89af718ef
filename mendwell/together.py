"""Together: a month both partners have submitted, opened side by side.

Nothing here ever returns a private item, a private subscale or a private
note: the queries filter them out in SQL, so no page can show them by mistake.
What the page shows first are words (each partner's band for a part, the
words of their answers); the numbers behind them come last (`numbers_table`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mendwell import charts, periods, stats, views
from mendwell.analysis import FREQUENCY, MICRO_HURTS, REPAIRED
from mendwell.data import Database
from mendwell.instruments import Catalog, Subscale
from mendwell.text import listed, rounded

# Shared numeric items both partners answered that month, furthest apart first
# (distance as a share of the item's scale, so 0..4 and 0..2 items compare).


def revealed_months(db: Database, couple_id: int) -> list[dt.date]:
    """Months every partner of the couple has submitted, newest first."""
    return db.analytics.revealed_months(couple_id)


def differences(db: Database, couple_id: int, period: dt.date, top: int = 5) -> pd.DataFrame:
    """The shared questions the two answered most differently that month."""
    return db.analytics.differences(couple_id, period, top)


def named_hurts(db: Database, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Each small hurt a partner named that month (how often, and whether it was mended).

    Pairs each `frequency` item with the `repaired` item whose show_if points at it.
    """
    return db.analytics.named_hurts(couple_id, period, MICRO_HURTS, FREQUENCY, REPAIRED)


def shared_notes(db: Database, couple_id: int, period: dt.date) -> pd.DataFrame:
    """Notes the partners chose to share for that month (private ones never)."""
    return db.analytics.shared_notes(couple_id, period)


SEEING_DIFFERENTLY = "seeing it differently"
CLOSE = "close together"
CANT_TELL_GAP = "can't tell yet"


def dyad_gaps(month_scores: pd.DataFrame) -> pd.DataFrame:
    """How far apart the two partners are on each shared part in one month, against the gap's own error.

    SE_D = sqrt(SE_A^2 + SE_B^2), with each partner's SE the part's SEM (see mendwell/analysis.py). The two
    are "seeing it differently" only when the gap exceeds 1.96 x SE_D (and one answer step), the same
    bar as a reliable change; otherwise they are close together, or, without an SEM, it can't be told.
    `same_words` says whether the two scores read in the same words (the same band; unbanded, the same
    number), whatever the reading: a gap beyond chance can sit within one band, and is then not said in
    words as "seen differently" (`PartWords.mark`, `gap_summary`).
    """
    cols = ["instrument_id", "subscale_id", "first_id", "first_score", "second_id", "second_score", "gap", "se_d",
            "bound", "reading", "same_words"]  # fmt: skip
    if month_scores.empty:
        return pd.DataFrame(columns=cols)
    shared = month_scores[~month_scores["private"].astype(bool)]
    rows = []
    for (inst, sub), part in shared.groupby(["instrument_id", "subscale_id"], sort=False):
        if len(part) != 2:
            continue
        a, b = part.sort_values("partner_id").itertuples()
        gap = abs(float(a.score) - float(b.score))
        se_d = stats.se_difference(float(a.sem), float(b.sem))
        step = max(float(a.step), float(b.step))
        bound = stats.threshold(se_d, step) if se_d == se_d else float("nan")
        reading = CANT_TELL_GAP if bound != bound else SEEING_DIFFERENTLY if gap > bound else CLOSE
        same = _said(float(a.score), getattr(a, "band", None)) == _said(float(b.score), getattr(b, "band", None))
        rows.append((inst, sub, int(a.partner_id), float(a.score), int(b.partner_id), float(b.score), gap, se_d,
                     bound, reading, same))  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


# -- words first: what each of them said and felt -------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One partner's words for a part or a question."""

    partner_id: int
    words: str


SAW_DIFFERENTLY = "You saw this part differently."
IN_THE_SAME_WORDS = ", in the same words"  # after SEEING_DIFFERENTLY in the numbers, where the card says so
APART_IN_THE_SAME_WORDS = "Your scores were further apart than chance, though your words were the same."


@dataclass(frozen=True)
class PartWords:
    """A shared part of a questionnaire: each partner's words, and how far apart the two are."""

    title: str
    sides: tuple[Side, ...]  # in the order of `partner_ids`
    reading: str  # SEEING_DIFFERENTLY, CLOSE, CANT_TELL_GAP, or "" unless both answered
    same_words: bool = False  # both sides read in the same words (shown with each score when the gap is beyond chance)

    @property
    def mark(self) -> str:
        """The words beside a part whose gap is beyond chance ("" for any other): "seen differently" only where
        the words shown differ; where they are the same, that the scores were apart within them."""
        if self.reading != SEEING_DIFFERENTLY:
            return ""
        return APART_IN_THE_SAME_WORDS if self.same_words else SAW_DIFFERENTLY


@dataclass(frozen=True)
class QuestionnaireWords:
    """A questionnaire's shared parts, in the order its file lists them."""

    title: str
    parts: tuple[PartWords, ...]


@dataclass(frozen=True)
class AnswerPair:
    """A question the two answered differently: the question and each partner's answer in words."""

    question: str
    sides: tuple[Side, ...]


def _said(score: float, band: object) -> str:
    """What tells two partners' words for one part apart: its band's label, else its score to one decimal."""
    return band if isinstance(band, str) and band else rounded("{:.1f}", score)


def part_words(sc: Subscale, score: float, band: object) -> str:
    """A part's score in words: its band's label, else the score with the way it reads."""
    said = _said(score, band)
    return said if said == band else f"{said} (higher is {sc.higher_is})"


def felt(
    month_scores: pd.DataFrame, gaps: pd.DataFrame, catalog: Catalog, partner_ids: Sequence[int]
) -> list[QuestionnaireWords]:
    """Each questionnaire with shared scores this month: every shared part with each partner's words."""
    shared = month_scores[~month_scores["private"].astype(bool)] if not month_scores.empty else month_scores
    readings = {(r.instrument_id, r.subscale_id): (str(r.reading), bool(r.same_words)) for r in gaps.itertuples()}
    scored = {(r.instrument_id, r.subscale_id, int(r.partner_id)): r for r in shared.itertuples()}
    out: list[QuestionnaireWords] = []
    for inst in catalog.instruments:
        parts = []
        for sc in inst.subscales:
            if inst.is_private_subscale(sc.id):
                continue
            rows = [(pid, row) for pid in partner_ids if (row := scored.get((inst.id, sc.id, pid))) is not None]
            sides = tuple(Side(pid, part_words(sc, float(row.score), row.band)) for pid, row in rows)
            reading, same = readings.get((inst.id, sc.id), ("", False))  # both answered: `dyad_gaps` decided
            if reading == SEEING_DIFFERENTLY and same:
                # the same words, answers apart beyond chance: the scores say where the difference is
                meta = charts.subscale_meta(inst, sc.id)
                scale = f" of {meta.low:g} to {meta.high:g}"
                sides = tuple(
                    Side(side.partner_id, f"{side.words} ({rounded('{:.1f}', float(row.score))}{scale})")
                    for side, (_, row) in zip(sides, rows, strict=True)
                )
            if sides:
                parts.append(PartWords(sc.title, sides, reading, same))
        if parts:
            out.append(QuestionnaireWords(inst.title, tuple(parts)))
    return out


def answered_differently(diff: pd.DataFrame, catalog: Catalog) -> list[AnswerPair]:
    """The rows of `differences` as questions with each partner's answer in words (a scale label, Yes/No,
    an option; the number only when the question has no words for it)."""
    out = []
    for r in diff.itertuples():
        inst = catalog.get(r.instrument_id)
        item = inst.item(r.item_id) if inst else None
        out.append(
            AnswerPair(
                item.text if item else str(r.item_id),
                (
                    Side(int(r.first_id), views.value_label(inst, item, r.first_value)),
                    Side(int(r.second_id), views.value_label(inst, item, r.second_value)),
                ),
            )
        )
    return out


def gap_summary(gaps: pd.DataFrame, titles: Mapping[tuple[str, str], str]) -> str:
    """One sentence on where the two see the month differently, beyond chance; "" when it can't be told.

    "Seen differently" is said only of parts whose words differ (`gaps.same_words`, as the cards below show them);
    a gap beyond chance within the same words is said as that."""
    known = gaps[gaps["reading"].isin([SEEING_DIFFERENTLY, CLOSE])] if not gaps.empty else gaps
    if known.empty:
        return ""
    apart = known[known["reading"] == SEEING_DIFFERENTLY]
    close = len(known) - len(apart)
    # "scores": the cards below show each one's words, which differ where two close scores sit either side of
    # where one wording gives way to the next ("close together" over "Some" and "Many" read as a contradiction)
    either_side = (
        "; where your words below differ, your scores sat either side of where one wording gives way to the next"
    )
    if apart.empty and len(known) == len(gaps):
        return f"Your scores were close on every part this month ({close} of them){either_side}."
    if apart.empty:
        return f"Your scores were close on the {close} parts where it can be told yet{either_side}."
    in_same_words = apart["same_words"].astype(bool) if "same_words" in apart else pd.Series(False, apart.index)
    differ, same = apart[~in_same_words], apart[in_same_words]

    def named(parts: pd.DataFrame) -> str:
        quoted = [f"\u201c{titles.get((i, s), s)}\u201d"
                  for i, s in zip(parts["instrument_id"], parts["subscale_id"], strict=True)]  # fmt: skip
        return listed(quoted)

    though = "though your words were the same"
    if differ.empty:  # apart only within the same words: nothing is said to be seen differently
        where = f"{len(same)} of the {len(known)} parts (each is marked below)" if len(same) > 3 else named(same)
        said = f"Your scores were further apart than chance on {where} this month, {though}"
    else:
        if len(differ) > 3:
            said = f"You saw {len(differ)} of the {len(known)} parts differently this month (each is marked below)"
        else:
            said = f"You saw {named(differ)} differently this month"
        if not same.empty:
            where = f"{len(same)} more" if len(differ) > 3 or len(same) > 3 else named(same)  # as those before
            said += f"; on {where} your scores were further apart than chance, {though}"
    rest = f"; on the other {close if close > 1 else 'one'} your scores were close" if close else ""
    return f"{said}{rest}. Different isn't wrong: it's something to be curious about together."


def numbers_table(
    month_scores: pd.DataFrame,
    gaps: pd.DataFrame,
    titles: Mapping[tuple[str, str], str],
    names: Mapping[int, str],
    partner_ids: Sequence[int],
) -> pd.DataFrame:
    """The numbers behind the words, one row per shared part: each partner's score, the gap, the bar a gap
    must pass to be more than chance (1.96 x SE_D and one answer step), and the reading."""
    shared = month_scores[~month_scores["private"].astype(bool)] if not month_scores.empty else month_scores
    keys = list(dict.fromkeys(zip(shared["instrument_id"], shared["subscale_id"], strict=True)))
    order = {k: n for n, k in enumerate(titles)}  # the questionnaires' own order
    keys.sort(key=lambda k: order.get(k, len(order)))
    score = {(r.instrument_id, r.subscale_id, int(r.partner_id)): float(r.score) for r in shared.itertuples()}
    gap = {(r.instrument_id, r.subscale_id): r for r in gaps.itertuples()}
    rows = []
    for key in keys:
        row: dict[str, object] = {"Part": titles.get(key, key[1])}
        for pid in partner_ids:
            found = score.get((*key, pid))
            row[names[pid]] = None if found is None else round(found, 2)
        g = gap.get(key)
        row["Gap"] = None if g is None else round(float(g.gap), 2)
        row["More than chance above"] = None if g is None or g.bound != g.bound else round(float(g.bound), 2)
        reading = "" if g is None else str(g.reading)
        if g is not None and reading == SEEING_DIFFERENTLY and bool(getattr(g, "same_words", False)):
            reading += IN_THE_SAME_WORDS  # as the card says it: apart, within one wording
        row["Reading"] = reading
        rows.append(row)
    return pd.DataFrame(rows, columns=["Part", *(names[p] for p in partner_ids), "Gap", "More than chance above",
                                       "Reading"])  # fmt: skip


@dataclass(frozen=True)
class Prompt:
    """A conversation prompt drawn from the repair steps."""

    step: str
    text: str


def theme_prompt(
    recurring: pd.DataFrame,
    theme_titles: Mapping[str, str],
    names: Mapping[int, str],
    months: Sequence[dt.date],
) -> Prompt | None:
    """The prompt about a theme that keeps coming back (`analysis.recurring_themes`, counted over `months`, oldest
    first, the last the month opened), naming whom it came up for and in how many of those months: a theme both
    partners meet first, then the one that came up in the most months; the two named in the couple's order
    (`names`), never by who has more. None when no theme keeps coming back."""
    if recurring.empty or not months:
        return None
    by_theme = recurring.groupby("theme_id").agg(
        people=("partner_id", "nunique"), most=("months", "max"), best=("rank", "min")
    )
    top = by_theme.sort_values(["people", "most", "best"], ascending=[False, False, True]).index[0]
    order = {pid: n for n, pid in enumerate(names)}
    rows = recurring[recurring["theme_id"] == top]
    rows = rows.assign(_order=rows["partner_id"].map(lambda p: order.get(int(p), len(order)))).sort_values("_order")
    title = "\u201c" + theme_titles.get(str(top), str(top).replace("_", " ")) + "\u201d"
    start, end = periods.label(months[0]), periods.label(months[-1])
    span = f"the {len(months)} months from {start} to {end}" if len(months) > 1 else end
    if len(rows) == 1:
        [row] = rows.itertuples()
        said = f"{title} came up for {names.get(int(row.partner_id), 'one of you')} in {row.months} of {span}."
    else:
        first, *rest = [f"for {names.get(int(r.partner_id), 'one of you')} in {r.months}" for r in rows.itertuples()]
        said = f"{title} came up for both of you in {span}: {first} of them" + "".join(f", {r}" for r in rest) + "."
    return Prompt(
        "Notice the theme underneath",
        said + " Without looking for who is to blame, you could wonder together when this feeling first showed "
        "up, and what would help it ease.",
    )


def prompts(
    month_scores: pd.DataFrame,
    hurts: pd.DataFrame,
    theme: Prompt | None,
    hurt_labels: Mapping[str, str],
    names: Mapping[int, str],
) -> list[Prompt]:
    """A few prompts chosen from what this month's answers show (always at least one): `theme` is the one about
    a theme that keeps coming back (`theme_prompt`), if any; `names` by partner id."""
    out: list[Prompt] = []
    shared = month_scores[~month_scores["private"].astype(bool)] if not month_scores.empty else month_scores
    stirred = shared[(shared["instrument_id"] == "nervous_system") & shared["band_tone"].isin(["concern", "watch"])]
    if not stirred.empty:
        out.append(
            Prompt(
                "Slow down first",
                "Some of this month's answers show bodies that were on alert. Before talking about what "
                "happened, take a few slow breaths together, and agree that either of you can ask for a pause.",
            )
        )
    if not hurts.empty:
        kinds = sorted({hurt_labels.get(i, i) for i in hurts["often_item"]})
        named = ", ".join(k.lower() for k in kinds[:3]) + ("…" if len(kinds) > 3 else "")
        speakers = set(int(p) for p in hurts["partner_id"])
        if len(speakers) == 1 and len(names) > 1:  # one of them named hurts: they speak, the other listens
            [speaker] = speakers
            who, listener = names.get(speaker, "One of you"), next(n for p, n in names.items() if p != speaker)
            said = (
                f"{who} named small hurts this month ({named}). {who}, say how one of them landed in you, "
                f"starting with \u201cI felt\u2026\u201d. {listener}'s only task is to understand, not to explain."
            )
        else:
            said = (
                f"You each named small hurts this month ({named}). Take turns saying how one of them landed in "
                "you, starting with \u201cI felt\u2026\u201d. The listener's only task is to understand, not to "
                "explain."
            )
        out.append(Prompt("Name the impact, not the intent", said))
        if (hurts["repaired"].fillna(0) == 0).any():
            out.append(
                Prompt(
                    "Repair in the present",
                    "Some of what hurt has not been mended yet. Is there one small thing you could say or do "
                    "for each other this week, while it is still close?",
                )
            )
    if theme is not None:
        out.append(theme)
    if not out:
        out.append(
            Prompt(
                "Keep what works",
                "This month looks fairly calm. You could each name one moment when you felt close, and what "
                "made it possible.",
            )
        )
    return out
