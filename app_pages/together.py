"""Together: a month opened side by side, once both partners have submitted."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import analysis, periods, together, views
from mendwell.text import md_escape
from ui.page import page_setup
from ui.resources import analysis_for

page = page_setup("Together", page="together")
db, catalog, couple = page.db, page.catalog, page.the_couple
names = {p.partner_id: p.name for p in couple.partners}
sharing = page.sharing

st.markdown(
    "A month opens here once you have both checked in. Look at it side by side, slowly, when you both have "
    "time. Private answers and private notes never appear here."
)

months = periods.recent_periods(24)
opened = set(together.revealed_months(db, couple.couple_id))
default = next((m for m in months if m in opened), months[0])
period: dt.date = st.selectbox(
    "Month",
    months,
    index=months.index(default),
    format_func=lambda d: periods.label(d) + (" · open" if d in opened else ""),
    key="together_month",
)

status = db.checkins.month_status(couple.couple_id, period)
if period not in opened:
    words = {"submitted": "has checked in", "in progress": "has started", "not started": "has not started yet"}
    lines = [f"- {md_escape(names[pid])} {words[state]}" for pid, state in status.items()]
    st.info(
        f"{periods.label(period)} opens when you have both checked in. Until then, nobody sees anyone's "
        "answers here.\n\n" + "\n".join(lines),
        icon=":material/lock_clock:",
    )
    st.stop()

# -- side by side ---------------------------------------------------------------------------
data = analysis_for(db, couple.couple_id)
rc = data["reliable"]
month_scores = views.shared_only(rc[pd.to_datetime(rc["period"]).dt.date == period])
titles = views.subscale_titles(catalog)

st.subheader(f"{periods.label(period)}, side by side")
for inst in catalog.instruments:
    part = month_scores[month_scores["instrument_id"] == inst.id]
    if part.empty:
        continue
    cells = part.assign(
        cell=part["score"].map("{:.2f}".format) + " · " + part["band"].fillna(""),
        who=part["partner_id"].map(names),
        Part=[titles.get(k, k[1]) for k in zip(part["instrument_id"], part["subscale_id"], strict=True)],
    )
    order = [titles[(inst.id, sc.id)] for sc in inst.subscales if (inst.id, sc.id) in titles]
    table = cells.pivot_table(index="Part", columns="who", values="cell", aggfunc="first", sort=False)
    table = table.reindex([t for t in order if t in table.index])  # in the questionnaire's order
    st.markdown(f"**{md_escape(inst.title)}**")
    st.dataframe(table, width="stretch")

# -- how far apart, honestly -----------------------------------------------------------------
gaps = together.dyad_gaps(month_scores)
if not gaps.empty:
    st.subheader("How far apart you are on each part")
    st.caption(
        "Any two answers differ a little by chance. A gap is called “seeing it differently” only when it is "
        "bigger than that chance wobble for two people (1.96 × SE_D, SE_D = √(SE₁² + SE₂²)); otherwise you are "
        "close together. Different isn't wrong: it's something to be curious about together."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Part": [titles.get(k, k[1]) for k in zip(gaps["instrument_id"], gaps["subscale_id"], strict=True)],
                names[int(gaps["first_id"].iloc[0])]: gaps["first_score"].round(2),
                names[int(gaps["second_id"].iloc[0])]: gaps["second_score"].round(2),
                "Gap": gaps["gap"].round(2),
                "Bigger than chance at": gaps["bound"].round(2),
                "Reading": gaps["reading"],
            }
        ),
        hide_index=True,
        width="stretch",
    )

# -- where you saw it differently ------------------------------------------------------------
diff = together.differences(db, couple.couple_id, period)
if not diff.empty:
    st.subheader("The questions you answered furthest apart")
    st.caption(
        "One question at a time is too small to call a real difference; these are simply the furthest apart "
        "this month, worth asking about."
    )

    def answer_label(instrument_id: str, item_id: str, value: float) -> str:
        """The words of an answer (a scale label, Yes/No or option), else the number."""
        inst = catalog.get(instrument_id)
        return views.value_label(inst, inst.item(item_id) if inst else None, value)

    rows = []
    for r in diff.itertuples():  # at most five rows, already chosen in SQL
        diff_inst = catalog.get(r.instrument_id)
        question = diff_inst.item(r.item_id).text if diff_inst else r.item_id
        rows.append(
            {
                "Question": question,
                names[int(r.first_id)]: answer_label(r.instrument_id, r.item_id, r.first_value),
                names[int(r.second_id)]: answer_label(r.instrument_id, r.item_id, r.second_value),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

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
                mended = "not answered"
                if r.repaired_item is not None and not pd.isna(r.repaired):
                    mended = views.value_label(micro, micro.item(r.repaired_item), r.repaired)
                st.markdown(
                    f"- {md_escape(micro.short(often_item))}: {md_escape(often.lower())}; mended: {md_escape(mended)}"
                )

# -- shared notes ------------------------------------------------------------------------------
notes = together.shared_notes(db, couple.couple_id, period)
st.subheader("Notes you chose to share")
if notes.empty:
    st.markdown("No shared notes this month.")
for r in notes.itertuples():
    with st.container(border=True):
        st.markdown(f"**{md_escape(names[int(r.partner_id)])}**")
        st.text(r.body)  # a note is shown exactly as written, never as markdown

# -- prompts -----------------------------------------------------------------------------------
st.subheader("To talk about, if you like")
recurring = analysis.recurring_themes(data["signals"], pd.Timestamp(period))
theme_titles = views.theme_titles(catalog)
labels = {it.id: micro.short(it) for it in micro.items} if micro else {}
for prompt in together.prompts(month_scores, hurts, [theme_titles.get(t, t) for t in recurring["theme_id"]], labels):
    st.markdown(f"**{prompt.step}.** {prompt.text}")
if not sharing:
    st.caption("Take your time. It is fine to stop after one prompt, and to come back another day.")
