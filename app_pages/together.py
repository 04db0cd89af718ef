"""Together: a month opened side by side, once both partners have submitted."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import analysis, periods, together, views
from mendwell.text import md_escape
from ui import state
from ui.page import numbers_table, page_setup
from ui.resources import analysis_for

page = page_setup("Together", page="together")
db, catalog, couple = page.db, page.catalog, page.the_couple
names = {p.partner_id: p.name for p in couple.partners}
sharing = page.sharing
# the page speaks to the couple; a therapist reading it on their own is told so once, at the top
for_therapist = page.to_therapist

if for_therapist:
    st.markdown(
        "A month opens here once both partners have checked in. This is the page as the two of them read it: "
        "its words and prompts speak to them. Private answers and private notes never appear here."
    )
else:
    st.markdown(
        "A month opens here once you have both checked in. Look at it side by side, slowly, when you both have "
        "time. Private answers and private notes never appear here."
    )

# the last two years, from the couple's first check-in on (months before it could only say nobody had started)
first = db.checkins.first_month(couple.couple_id) or periods.month_start()
months = [m for m in periods.recent_periods(24) if m >= first] or periods.recent_periods(1)
opened = set(together.revealed_months(db, couple.couple_id))
if st.session_state.get(state.TOGETHER_MONTH) not in months:  # the newest open month, unless one was chosen
    st.session_state[state.TOGETHER_MONTH] = next((m for m in months if m in opened), months[0])
period: dt.date = st.selectbox(
    "Month",
    months,
    format_func=lambda d: periods.label(d) + (" · open" if d in opened else ""),
    key=state.TOGETHER_MONTH,
)

status = db.checkins.month_status(couple.couple_id, period)
if period not in opened:
    words = {"submitted": "has checked in", "in progress": "has started", "not started": "has not started yet"}
    lines = [f"- {md_escape(names[pid])} {words[state]}" for pid, state in status.items()]
    st.info(
        f"{periods.label(period)} opens when {'they' if for_therapist else 'you'} have both checked in. Until "
        "then, nobody sees anyone's answers here.\n\n" + "\n".join(lines),
        icon=":material/lock_clock:",
    )
    st.stop()

# -- what the two of them said and felt, in words ------------------------------------------------
data = analysis_for(db, couple.couple_id, page.lens)
rc = data["reliable"]
month_scores = views.shared_only(rc[pd.to_datetime(rc["period"]).dt.date == period])
titles = views.subscale_titles(catalog)
partner_ids = [p.partner_id for p in couple.partners]
gaps = together.dyad_gaps(month_scores)


def sides(words: tuple[together.Side, ...]) -> str:
    """Each partner's words on a line of their own (stacked, so a phone never cuts one off)."""
    return "  \n".join(f"{md_escape(names[s.partner_id])}: **{md_escape(s.words)}**" for s in words)


st.header(f"{periods.label(period)}, side by side")
if summary := together.gap_summary(gaps, titles):
    st.markdown(md_escape(summary))

notes = together.shared_notes(db, couple.couple_id, period)
if not notes.empty:  # their own words come first
    st.subheader("Notes shared this month")  # not "you chose": the reader may have shared none
    for r in notes.itertuples():
        with st.container(border=True):
            st.markdown(f"**{md_escape(names[int(r.partner_id)])}**")
            st.text(r.body)  # a note is shown exactly as written, never as markdown

st.subheader("How the month felt to each of you")
cards = together.felt(month_scores, gaps, catalog, partner_ids)
for pair in (cards[i : i + 2] for i in range(0, len(cards), 2)):  # two a row on a wide screen, stacked on a phone
    for col, card in zip(st.columns(2), pair, strict=False):
        with col.container(border=True):
            st.markdown(f"#### {md_escape(card.title)}")
            for part in card.parts:
                # a gap beyond chance: "seen differently" where the words differ, else that the scores were apart
                mark = f"  \n:material/compare_arrows: *{md_escape(part.mark)}*" if part.mark else ""
                st.markdown(f"**{md_escape(part.title)}**{mark}  \n{sides(part.sides)}")

diff = together.differences(db, couple.couple_id, period)
if not diff.empty:
    st.subheader("Where you saw it differently")
    st.caption(
        "The questions you answered furthest apart this month. One question is too small to call a real "
        "difference: these are simply worth asking about."
    )
    for answer in together.answered_differently(diff, catalog):  # at most five, already chosen in SQL
        with st.container(border=True):
            st.markdown(f"*{md_escape(answer.question)}*  \n{sides(answer.sides)}")

# -- small hurts named -------------------------------------------------------------------------
hurts = together.named_hurts(db, couple.couple_id, period)
micro = catalog.get(analysis.MICRO_HURTS)
st.subheader("Small hurts each of you named")
if hurts.empty or micro is None:
    st.markdown("Neither of you named a small hurt this month.")
else:
    cols = st.columns(len(couple.partners))
    for col, partner in zip(cols, couple.partners, strict=False):
        mine = hurts[hurts["partner_id"] == partner.partner_id]
        with col:
            st.markdown(f"**{md_escape(partner.name)}**")
            if mine.empty:
                st.caption("None named this month.")
            for r in mine.itertuples():
                often_item = micro.item(r.often_item)
                often = views.value_label(micro, often_item, r.often)
                mended = "mended: not answered"
                if r.repaired_item is not None and not pd.isna(r.repaired):
                    said = views.value_label(micro, micro.item(r.repaired_item), r.repaired)
                    # mid-sentence, as the "often" answer before it; an answer that says it already ("Yes, we
                    # mended it") stands alone, not "mended: yes, we mended it"
                    said = said[:1].lower() + said[1:]
                    mended = md_escape(said) if "mend" in said else f"mended: {md_escape(said)}"
                st.markdown(f"- {md_escape(micro.short(often_item))}: {md_escape(often.lower())}; {mended}")

# -- prompts -----------------------------------------------------------------------------------
st.subheader("To talk about, if you like")
# A theme that came up in half the last six months or more, as Themes opens with, counted in the months open to
# both up to this one and from their first check-in on: the two of them, and their therapist, read the same counts
# (a partner's own months not open to the other yet would count for one of them only).
counted = [
    m for m in (periods.add_months(period, -back) for back in range(analysis.RECURRING_WINDOW - 1, -1, -1))
    if m >= first
]  # fmt: skip
signals = data["signals"]
signals = signals[pd.to_datetime(signals["period"]).dt.date.isin(opened)]
recurring = analysis.recurring_themes(signals, pd.Timestamp(period))
theme = together.theme_prompt(recurring, views.theme_titles(catalog), names, counted)
labels = {it.id: micro.short(it) for it in micro.items} if micro else {}
for prompt in together.prompts(month_scores, hurts, theme, labels, names):
    st.markdown(f"**{prompt.step}.** {md_escape(prompt.text)}")
if not sharing:
    st.caption("Take your time. It is fine to stop after one prompt, and to come back another day.")
if notes.empty:
    st.caption("Neither of you shared a note this month.")

# -- the numbers behind the words, a click away ------------------------------------------------------
with st.expander("The numbers behind these words", icon=":material/table:"):
    st.caption(
        "Each part's score for each of you, and how far apart the two are. Any two answers differ a little by "
        "chance: a gap is called \u201cseeing it differently\u201d only when it is bigger than that chance "
        "wobble for two people (1.96 \u00d7 SE_D, SE_D = \u221a(SE\u2081\u00b2 + SE\u2082\u00b2), and at "
        "least one answer step); otherwise your scores are close, or, until enough people have checked in "
        "to know a part's spread, it can't be told yet."
    )
    numbers_table(together.numbers_table(month_scores, gaps, titles, names, partner_ids))
