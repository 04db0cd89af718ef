"""History: each partner's check-ins and scores, month by month."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mendwell import periods, recording, reveal, together, views
from mendwell.page_style import WHOLE_ROWS_MOST, table_height
from mendwell.text import md_escape, possessive
from ui.auth import sealing_key
from ui.gates import sealing_key_gate
from ui.page import EMPTY_CELL, KEPT, kept_back_note, month_column, page_setup, safe, steady_table, still_allowed
from ui.resources import scores_for

page = page_setup("History", page="history")
db, catalog, couple = page.db, page.catalog, page.the_couple
kept_back_note(page)
partners = {p.partner_id: p for p in couple.partners}
# a partner's own history first
order = sorted(partners, key=lambda pid: pid != page.viewer.partner_id)
partner_id = st.radio(
    "Whose history?",
    order,
    format_func=lambda pid: md_escape(partners[pid].name),
    horizontal=True,
    key="history_partner",
    persist_state=KEPT,
)
partner = partners[partner_id]

checkins = db.checkins.listing(couple.couple_id, partner.partner_id)
own = partner.partner_id == page.viewer.partner_id
done = checkins[checkins["status"] == "submitted"]
if not own:
    # another's check-ins: only those submitted, from months open to this viewer (`mendwell.reveal`); how many
    # questions a check-in holds is for its author alone (the follow-ups asked would tell their answers)
    checkins = reveal.seen_frame(done, page.lens, together.revealed_months(db, couple.couple_id))
if checkins.empty:
    waiting = not own and not done.empty  # checked in, in months not open to this viewer yet (said above)
    st.info(
        f"None of {possessive(safe(partner.name))} check-ins is open to you both yet."
        if waiting
        else f"{safe(partner.name)} has not checked in yet. After the first check-in, each month appears here "
        "with its scores; after a few months you can see how things are moving."
    )
    st.stop()

st.header("Check-ins")
# the month and the day as dates, not words: a tap on the column's name sorts by it ("April 2026" came before
# "March 2026" as words); a month still in progress was not sent yet: its empty cell reads "—"
shown = pd.DataFrame(
    {
        "Month": pd.to_datetime(checkins["period"]),
        "Status": checkins["status"].map({"submitted": "Checked in", "draft": "In progress"}),
        "Checked in on": pd.to_datetime(checkins["submitted_at"]),
        **({"Answers": checkins["answers"]} if own else {}),  # short: four columns fit a phone's width
    }
)
steady_table(
    shown,
    "history-checkins",
    hide_index=True,
    width="stretch",
    column_config={"Month": month_column(), "Checked in on": st.column_config.DateColumn(format="D MMM YYYY")},
    placeholder=EMPTY_CELL,
)


@st.fragment
def own_notes() -> None:
    """A partner's own notes month by month, private ones opened with their key: sent only once opened."""
    still_allowed(page)
    box = st.expander("My notes, month by month", icon=":material/edit_note:", key="history_notes", on_change="rerun")
    if not box.open:
        return
    with box:
        if not sealing_key_gate(db, page.viewer):
            return
        key = sealing_key(page.viewer)
        written = [
            (row.period, found)
            for row in checkins.itertuples()
            if (found := recording.readable_note(db, int(row.checkin_id), key)) is not None and found[0]
        ]
        if not written:
            st.caption("You have not written a note yet. The last step of each check-in has room for one.")
        opened = set(together.revealed_months(db, couple.couple_id))
        other = couple.other(partner.partner_id)
        for period, (body, private) in written:
            month = pd.Timestamp(period).date()
            who = (
                "only you see this note"
                if private
                else f"shared with {safe(other.name)}"
                if other is not None and month in opened
                else "shared with your partner once the month opens on Together"
            )
            st.markdown(f"**{periods.label(month)}** · {who}")
            st.text(body)


if own:
    own_notes()

st.header("Scores")
all_scores = scores_for(db, couple.couple_id, page.lens)
mine = views.shared_only(all_scores[all_scores["partner_id"] == partner.partner_id])
if mine.empty:
    st.info("Scores appear here once a check-in is submitted.")
    st.stop()
titles = pd.DataFrame(
    [(i, sub, title) for (i, sub), title in views.subscale_titles(catalog).items()],
    columns=["instrument_id", "subscale_id", "subscale"],
)
mine = mine.merge(titles, on=["instrument_id", "subscale_id"], how="left")
mine["subscale"] = mine["subscale"].fillna(mine["instrument_id"] + " / " + mine["subscale_id"])
band = mine["band"].fillna("")
# two decimals, as Together's numbers: "3.00 · Often met" beside "2.67 · Often met", not "3 · Often met"
mine["cell"] = mine["score"].map("{:.2f}".format) + band.where(band == "", " · " + band)
# a row per part, the newest month first beside it: on a phone the part and its latest score are what shows,
# and earlier months are a swipe away (a column per part showed one part of eleven, the rest out of sight)
table = mine.pivot_table(index="subscale", columns="period", values="cell", aggfunc="first", sort=False)
table = table.reindex(
    [t for t in dict.fromkeys(titles["subscale"]) if t in table.index]
    + [t for t in table.index if t not in set(titles["subscale"])]
)
table = table[sorted(table.columns, reverse=True)]
table.columns = [periods.label(pd.Timestamp(c).date()) for c in table.columns]
table.index.name = "Part"
# every part in view (Streamlit's own height showed ten, the eleventh scrolled out of sight inside the table)
whole = table_height(len(table), capped=False, most=WHOLE_ROWS_MOST)
steady_table(table, "history-scores", width="stretch", height=whole, placeholder=EMPTY_CELL)  # no answer: EMPTY_CELL
st.caption(
    "The newest month first; earlier months are further right. "
    "Each score is the average of that part's answers (0 to 4, or 0 to 2 for mending), after turning round "
    f"the questions asked the other way. Questions that were skipped or not asked are left out, not counted "
    f"as zero; {EMPTY_CELL} marks a part with no answer that month. Scores from private questions are never "
    "shown on this page, whoever opens it."
)
st.page_link("app_pages/trends.py", label="See these as charts on Trends", icon=":material/show_chart:")
