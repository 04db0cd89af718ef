"""Home: where each partner stands this month, and what to do next."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mendwell import periods, rhythm, together
from ui import state
from ui.page import page_setup, safe

page = page_setup(page="home", needs_couple=False)
db, couple = page.db, page.couple

if page.sharing:
    # A calm landing page while sharing: the couple's name and where to go, nothing else.
    if couple is None:
        st.info("Choose the couple before you start sharing, so only their charts are on screen.")
        st.stop()
    st.title(safe(couple.name))
    st.markdown("Only your charts are on this screen. Private answers and private notes never show here.")
    st.page_link("app_pages/trends.py", label="Trends: how things are moving", icon=":material/show_chart:")
    st.page_link("app_pages/themes.py", label="Themes that keep coming back", icon=":material/category:")
    st.page_link("app_pages/together.py", label="A month, together", icon=":material/diversity_1:")
    st.stop()

if couple is None:
    st.title("Welcome to Mendwell")
    if page.viewer.is_therapist:
        st.markdown(
            "No couple is shared with you yet. "
            + (
                "Add a couple and their accounts on the **Accounts** page."
                if page.viewer.is_owner
                else "The practice owner grants you couples on their Accounts page."
            )
        )
    else:
        st.markdown("There is nothing here yet.")
    st.stop()

assert couple is not None
this_month = periods.month_start()
st.title(safe(couple.name))
st.header(f"This month, {periods.label(this_month)}")

status = db.checkins.month_status(couple.couple_id, this_month)
icons = {
    "not started": ":material/radio_button_unchecked:",
    "in progress": ":material/pending:",
    "submitted": ":material/check_circle:",
}
words = {"not started": "Not started yet", "in progress": "In progress", "submitted": "Checked in"}
cols = st.columns(len(couple.partners) or 1)
for col, partner in zip(cols, couple.partners, strict=False):
    month_state = status.get(partner.partner_id, "not started")
    last = db.checkins.last_submitted(partner.partner_id)
    with col.container(border=True):
        st.markdown(f"### {safe(partner.name)}")
        st.markdown(f"{icons[month_state]} **{words[month_state]}** for {periods.label(this_month)}")
        st.caption(f"Last check-in: {periods.label(last.period)}" if last else "No check-in yet")
        if month_state != "submitted" and partner.partner_id == page.viewer.partner_id:
            label = "Continue my check-in" if month_state == "in progress" else "Start my check-in"
            if st.button(label, key=f"go_{partner.partner_id}", type="primary"):
                st.session_state[state.CHECKIN_PERIOD] = this_month
                st.switch_page("app_pages/checkin.py")

done_all = bool(couple.partners) and all(status.get(p.partner_id) == "submitted" for p in couple.partners)
due = rhythm.due(dt.date.today(), db.couples.checkin_day(couple.couple_id), done_all)
# the couple read "you"; a therapist reads the short note about them; a partner who has checked in is told what
# the month waits for below (the check-in "still open, whenever you are ready" was said to them too)
mine_done = page.viewer.partner_id is not None and status.get(page.viewer.partner_id) == "submitted"
if not page.viewer.is_partner:
    st.markdown(f":material/event: {due.note[:1].upper() + due.note[1:]}.")
elif done_all or not mine_done:
    st.markdown(f":material/event: {due.text}")

st.header("What next")
done = [p for p in couple.partners if status.get(p.partner_id) == "submitted"]
open_ = [p for p in couple.partners if status.get(p.partner_id) != "submitted"]
opened = together.revealed_months(db, couple.couple_id)
recent = periods.recent_periods(24)
newest_open = next((m for m in opened if m in recent), None)  # what Together would open first
# Together opens a month once both have checked in: say so warmly, and point there
if page.viewer.is_partner:
    who, each, own = "you", "each of you", "your"
else:
    who, each, own = " and ".join(safe(p.name) for p in couple.partners), "each of them", "their"
if len(done) == len(couple.partners) and done:
    st.success(
        f"{who[:1].upper() + who[1:]} have both checked in for {periods.label(this_month)}, so the month is "
        f"open on Together: what {each} felt, side by side, in {own} own words. "
        + (
            "Look at it together when there is a quiet moment; there is no hurry."
            if page.viewer.is_partner
            else "It is theirs to look at together first; you can open it with them in a session."
        ),
        icon=":material/favorite:",
    )
elif done:
    month = periods.label(this_month)
    if page.viewer.partner_id == done[0].partner_id:  # said to whoever is at the screen
        waiting = (
            f"You have checked in. {safe(open_[0].name)}'s check-in for {month} is still open, whenever they "
            "are ready; the month opens on Together once you have both checked in."
        )
    elif page.viewer.is_partner:
        # when is said once, in the check-in day's line above: here, what the month waits for
        waiting = f"{safe(done[0].name)} has checked in; {month} opens on Together once you have too."
    else:
        waiting = (
            f"{safe(done[0].name)} has checked in; {safe(open_[0].name)}'s check-in for {month} is still open. "
            "The month opens on Together once both have checked in."
        )
    private = " Neither of you sees the other's answers here." if page.viewer.is_partner else ""
    st.info(waiting + private, icon=":material/schedule:")
elif page.viewer.is_partner:
    st.info(
        "Each of you checks in on your own, at your own pace; it takes about ten minutes. "
        "Your answers are saved as you go, so you can stop and come back.",
        icon=":material/schedule:",
    )
else:  # a therapist reads about the couple, not to them
    st.info(
        f"Neither has checked in for {periods.label(this_month)} yet. Each checks in on their own; their answers "
        "are saved as they go.",
        icon=":material/schedule:",
    )
if newest_open is not None and newest_open != this_month:
    invite = " Look at it together whenever you like." if page.viewer.is_partner else ""
    st.markdown(
        f"{periods.label(newest_open)} is open on Together, since {who} both checked in: what {each} felt, "
        f"side by side.{invite}"
    )
if newest_open is not None:
    st.page_link(
        "app_pages/together.py",
        # the couple open it together; their therapist opens the page
        label=f"Open {periods.label(newest_open)} {'on Together' if page.to_therapist else 'together'}",
        icon=":material/diversity_1:",
    )
left, right = st.columns(2)
left.page_link("app_pages/trends.py", label="See how things are moving", icon=":material/show_chart:")
right.page_link("app_pages/themes.py", label="See the themes that keep coming back", icon=":material/category:")
