"""Check-in: one partner answers one month, section by section, saved as they go."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mendwell import periods, recording, safety, security, views
from mendwell.checkin import (
    Answer,
    any_that_fit,
    help_for,
    open_question,
    progress,
    resume_step,
    unanswered,
    visible_items,
)
from mendwell.errors import MendwellError
from mendwell.instruments import Catalog, Instrument, Item
from mendwell.limits import NOTE_MAX, TEXT_ANSWER_MAX
from mendwell.model import Checkin
from mendwell.text import md_escape
from ui import feedback, focus, scales, state
from ui.auth import sealing_key
from ui.gates import leave_now_button, may_write, sealing_key_gate, still_signed_in
from ui.page import page_setup, safe

page = page_setup("Monthly check-in", page="checkin")
db, catalog, couple = page.db, page.catalog, page.the_couple
instruments = list(catalog.instruments)

# -- who and when: the signed-in partner, a month --------------------------------------
partner = couple.partner(int(page.viewer.partner_id or 0))
if partner is None:  # pages_for gives the check-in to partners only; this is a second lock
    st.info("The check-in is for the partners of a couple.")
    st.stop()
assert partner is not None
months = periods.recent_periods(24)
if st.session_state.get(state.CHECKIN_PERIOD) not in months:
    st.session_state[state.CHECKIN_PERIOD] = months[0]
period: dt.date = st.session_state[state.CHECKIN_PERIOD]
checkin = db.checkins.get(partner.partner_id, period)


# where each month stands, said in the month picker: which are done, which begun, which wait only for you
_listing = db.checkins.listing(couple.couple_id)
_status = {(int(r.partner_id), pd.Timestamp(r.period).date()): str(r.status) for r in _listing.itertuples()}
_other = couple.other(partner.partner_id)
me = partner.partner_id


def _month_name(d: dt.date) -> str:
    return periods.label(d) + (" (this month)" if d == months[0] else "")


def _month_label(d: dt.date) -> str:
    """A month as the picker offers it: with where it stands."""
    mine = _status.get((me, d))
    theirs = _other is not None and _status.get((_other.partner_id, d)) == "submitted"
    if mine == "submitted":
        return _month_name(d) + (" · you both checked in" if theirs else " · you checked in")
    said = " · you started" if mine == "draft" else ""
    if theirs and _other is not None:
        said += f" · {_other.name} checked in"  # it opens on Together once you have too
    return _month_name(d) + said


# The header, short: it is seen once, above the first section; each later section opens below it.
sent_at = checkin.submitted_at if checkin is not None and checkin.submitted else None
st.caption(
    f"{safe(partner.name)} · {_month_name(period)}"
    + (
        f" · sent {periods.day_label(sent_at)}"  # no longer "saved as you go": it is done
        if sent_at is not None
        else " · saved as you go"
        + (f" · started {periods.day_label(checkin.started_at)}" if checkin is not None and checkin.started_at else "")
    )
)
with st.expander("Another month"):
    st.selectbox(
        "Month",
        months,
        format_func=_month_label,
        key=state.CHECKIN_PERIOD,
        help="This month by default. You can also fill in a month you missed.",
    )
if not sealing_key_gate(db, page.viewer):
    st.stop()
sealing = sealing_key(page.viewer)  # opens and seals this partner's private text
subject = security.partner_subject(partner.partner_id)
if not security.has_passcode(db, subject) and not security.notice_shown(db, subject, "no_passcode"):
    security.mark_notice(db, subject, "no_passcode")
    st.info(
        f"{safe(partner.name)}, one thing before you start: without a passcode, anyone who types your name at "
        "the sign-in can open your check-in, including the answers marked private. You can set a passcode on "
        "the Settings page whenever you like.",
        icon=":material/lock_open:",
    )
if not instruments:
    st.warning("No questionnaire could be loaded, so there is nothing to answer yet.")
    st.stop()

STEP_REVIEW = len(instruments)
SECTION = "checkin_section"  # the container of the open section (progress, title, questions, buttons)
QUESTIONS = scales.one_line_area("checkin")  # the container of its questions, whose scales fit one line on a phone
DONE = "checkin_done"  # the thank-you after submitting


def _step_key(c: Checkin) -> str:
    return state.step(c.checkin_id)


def _opened(checkin_id: int) -> None:
    """Count a section opened by a tap, so the page lands on its top once (see `ui.focus`)."""
    key = state.opened(checkin_id)
    st.session_state[key] = int(st.session_state.get(key, 0)) + 1


SECTION_PARAM = "section"  # the open section in the address (1, 2, ... or "review"): a reload opens it again


def _section_in_address() -> int | None:
    """The step the address names, if it names one there is: a phone that reloads a tab it had put aside (or a
    reload by hand) reopens the section the partner was on, not the first one with a question left open."""
    if st.session_state.get(state.SECTION_READ):
        return None  # read once a session: another month chosen later opens where it should
    st.session_state[state.SECTION_READ] = True
    said = str(st.query_params.get(SECTION_PARAM, ""))
    steps = {str(n + 1): n for n in range(STEP_REVIEW)} | {"review": STEP_REVIEW}  # nothing else is parsed
    return steps.get(said)


def _keep_in_address(step: int) -> None:
    said = "review" if step >= STEP_REVIEW else str(step + 1)
    if st.query_params.get(SECTION_PARAM) != said:
        st.query_params[SECTION_PARAM] = said


def _go_to(c: Checkin, step: int) -> None:
    """on_click of Back / Change answers / Review my answers: open another step.

    A callback rather than `st.rerun(scope="fragment")` after the click: that call
    raises when the click is handled in a full-app run (a click coalesced with a
    pending full rerun, or any AppTest run), and the callback needs no extra rerun.
    """
    st.session_state[_step_key(c)] = step
    _keep_in_address(step)
    _opened(c.checkin_id)


def _next(c: Checkin, step: int) -> None:
    """on_click of Next: the next section; with questions still open here, ask once first (a second tap goes on)."""
    if not may_write(db, c.partner_id):
        return  # signed out meanwhile: their answers are not opened again (the page asks to sign in)
    inst = instruments[step]
    mine = recording.readable_answers(db, c.checkin_id, sealing).get(inst.id, {})
    asked = state.asked_once(c.checkin_id, step)
    if unanswered(inst, mine) and not st.session_state.get(asked):
        st.session_state[asked] = True
        return
    _go_to(c, step + 1)


# -- not started yet ------------------------------------------------------------------
if checkin is None:
    st.markdown(
        f"Hello {safe(partner.name)}. This check-in for **{periods.label(period)}** has "
        f"{len(instruments)} short sections and takes about ten minutes. There are no right answers. "
        "Your answers are saved as you go, so you can stop and come back."
    )
    if st.button("Begin", type="primary"):
        try:
            opened = db.checkins.open(partner.partner_id, period)
        except MendwellError as exc:
            feedback.show(exc)
        else:
            _opened(opened.checkin_id)
            st.rerun()
    st.stop()

assert checkin is not None

# -- already submitted ------------------------------------------------------------------
if checkin.submitted:
    other = [p for p in couple.partners if p.partner_id != partner.partner_id]
    with st.container(key=DONE):
        st.success(
            f"Thank you, {safe(partner.name)}. Your check-in for {periods.label(period)} is saved. "
            "Taking these few minutes is itself a way of tending to the two of you.",
            icon=":material/favorite:",
        )
        # just submitted in this session: the thank-you in view, with keyboard focus (it says what happened)
        done = int(st.session_state.get(state.opened(checkin.checkin_id), 0))
        token = f"done:{checkin.checkin_id}:{done}" if done else None
        focus.land_on(DONE, token, target='[data-testid="stAlertContainer"]', to_top=True)
    if other:
        theirs = db.checkins.get(other[0].partner_id, period)
        if theirs is not None and theirs.submitted:
            st.markdown(f"You have both checked in for {periods.label(period)}, so it is open on Together.")
            st.session_state[state.TOGETHER_MONTH] = period  # Together opens on it
            st.page_link("app_pages/together.py", label=f"Open {periods.label(period)} together",
                         icon=":material/diversity_1:")  # fmt: skip
        else:
            st.markdown(
                f"When {safe(other[0].name)} has checked in for {periods.label(period)} too, you can look at the "
                "month together."
            )
    st.page_link("app_pages/home.py", label="Back to Home", icon=":material/home:")
    st.stop()


# -- the draft ---------------------------------------------------------------------------
def _widget_key(c: Checkin, inst: Instrument, it: Item) -> str:
    return state.answer_widget(c.checkin_id, inst.id, it.id)


def _widget_value(inst: Instrument, it: Item, ans: Answer | None) -> object:
    if ans is None:
        return [] if it.kind == "multi" else None
    if it.kind == "text":
        return ans.text or ""
    if it.kind == "multi":
        return ans.selected()
    return int(ans.value) if ans.value is not None else None


def _save(partner_id: int, checkin_id: int, inst: Instrument, it: Item, key: str) -> None:
    """on_change: check and save one answer at once, so a closed tab loses nothing (only while its partner is
    still signed in: a callback runs before the page checks)."""
    if not may_write(db, partner_id):
        return
    errors = st.session_state.setdefault(state.ANSWER_ERRORS, {})
    errors.pop(key, None)
    try:
        recording.record_answer(db, checkin_id, inst, it, st.session_state.get(key), sealing)
    except MendwellError as exc:
        errors[key] = str(exc)


def _scale(
    label: str, values: list[int], words: list[str], key: str, args: tuple[object, ...], help_text: str | None
) -> None:
    """A scale: one tap per answer; on one line when its words fit a phone's, else one option a line."""
    st.radio(
        label,
        values,
        format_func=lambda v: words[values.index(v)],
        key=key,
        on_change=_save,
        args=args,
        horizontal=scales.fits_one_line(words),
        width="stretch",
        help=help_text,
    )


def _ask(c: Checkin, inst: Instrument, it: Item, stored: Answer | None) -> None:
    key = _widget_key(c, inst, it)
    if key not in st.session_state:
        st.session_state[key] = _widget_value(inst, it, stored)
    args = (c.partner_id, c.checkin_id, inst, it, key)
    help_text = help_for(it)
    # in words: an icon's name is what a screen reader reads out ("... partner? lock"); its help says more
    label = it.text + (" (private)" if it.private else "")
    lo, hi = inst.scale(it)
    if it.kind == "likert":
        labels = inst.labels(it)
        _scale(label, list(range(lo, hi + 1)), [labels[v - lo] if labels else str(v) for v in range(lo, hi + 1)],
               key, args, help_text)  # fmt: skip
    elif it.kind == "choice":
        names = {o.value: o.label for o in it.options or ()}
        st.radio(
            label, list(names), format_func=lambda v: names[v], key=key, on_change=_save, args=args, help=help_text
        )
    elif it.kind == "yesno":
        _scale(label, [0, 1], ["No", "Yes"], key, args, help_text)
    elif it.kind == "multi":
        names = {o.value: o.label for o in it.options or ()}
        st.pills(
            label,
            list(names),
            format_func=lambda v: names[v],
            selection_mode="multi",
            key=key,
            on_change=_save,
            args=args,
            help=help_text,
        )
    elif it.kind == "count":
        st.number_input(
            label,
            min_value=lo,
            max_value=hi,
            step=1,
            key=key,
            on_change=_save,
            args=args,
            help=help_text,
            placeholder="How many times?",
        )
    else:
        limit = it.max_chars or TEXT_ANSWER_MAX
        st.text_area(label, key=key, on_change=_save, args=args, help=help_text, max_chars=limit)
    err = st.session_state.get(state.ANSWER_ERRORS, {}).get(key)
    if err:
        st.warning(err, icon=":material/info:")


def _review(c: Checkin, answers: dict[str, dict[str, Answer]], cat: Catalog) -> None:
    st.caption("Nothing here is final until you submit. Questions you left blank are fine to leave.")
    for idx, inst in enumerate(instruments):
        mine = answers.get(inst.id, {})
        shown = visible_items(inst, mine)
        blank = sum(1 for it in shown if open_question(it, mine))  # "any that fit" with none chosen is answered
        title = f"{inst.title}: {len(shown) - blank} of {len(shown)} answered"
        with st.expander(title):
            for it in shown:
                ans = mine.get(it.id)
                if ans:
                    value = md_escape(views.answer_label(inst, it, ans))
                else:
                    value = "_none chosen_" if any_that_fit(it) else "_left blank_"
                st.markdown(f"{it.text}  \n**{value}**")
            st.button("Change answers", key=f"edit_{inst.id}", on_click=_go_to, args=(c, idx))
        if inst.safety and safety.therapist_told(db, couple.couple_id):
            # said again where the check-in is sent, whatever was answered: a "yes" given while the section said
            # nothing of a therapist (the flag turned on since) is never sent without this having been said
            st.markdown(safety.THERAPIST_TOLD)

    st.header("Anything you want to name this month?", anchor=False)
    field, vis_key = state.note_field(c.checkin_id), state.note_visibility(c.checkin_id)
    if field not in st.session_state:
        stored = recording.readable_note(db, c.checkin_id, sealing)
        st.session_state[field] = stored[0] if stored else ""
        st.session_state[vis_key] = "private" if (stored is None or stored[1]) else "shared"

    def save_note() -> None:
        if not may_write(db, c.partner_id):
            return
        text = str(st.session_state[field])
        private = st.session_state[vis_key] == "private"
        try:
            recording.save_note(db, c.checkin_id, text, private, sealing)
            st.session_state.pop(state.NOTE_ERROR, None)
        except MendwellError as exc:
            st.session_state[state.NOTE_ERROR] = str(exc)

    st.text_area(
        "A few words, if you like (optional)",
        key=field,
        on_change=save_note,
        max_chars=NOTE_MAX,
        placeholder="Something that happened, something you hope for, anything at all.",
    )
    st.radio(
        "Who can read it?",
        ["private", "shared"],
        format_func=lambda v: "Only me" if v == "private" else "My partner too, when we look at the month together",
        key=vis_key,
        on_change=save_note,
        horizontal=True,
    )
    if st.session_state.get(state.NOTE_ERROR):
        st.warning(st.session_state[state.NOTE_ERROR])
    if st.session_state.get(vis_key) == "shared":  # said of the choice made: a shared note is not sealed
        st.caption(
            ":material/diversity_1: Your partner reads this note on Together once you have both checked in for "
            "the month (and so does a therapist you use Mendwell with)."
        )
    elif sealing:
        st.caption(":material/lock: This note is stored encrypted with your passcode: only you can read it.")
    else:
        st.caption(
            "Without a passcode, private notes are kept as plain text in the database file on this computer. "
            "Set a passcode in Settings to have them encrypted (a forgotten passcode cannot be recovered)."
        )

    buttons = st.container(horizontal=True, horizontal_alignment="distribute")
    buttons.button("Back", icon=":material/arrow_back:", on_click=_go_to, args=(c, STEP_REVIEW - 1))
    if buttons.button("Submit my check-in", type="primary", icon=":material/send:"):
        # the note box saves on blur; it is saved again with the submit (one transaction) in case submit was the blur
        text = str(st.session_state[field])
        private = st.session_state[vis_key] == "private"
        try:
            recording.finish(db, c.checkin_id, text, private, sealing, cat)
        except MendwellError as exc:
            feedback.show(exc, "Your check-in could not be submitted just now. Your answers are still saved.")
        else:
            _opened(c.checkin_id)  # the thank-you is what opens next
            if SECTION_PARAM in st.query_params:
                del st.query_params[SECTION_PARAM]
            st.rerun()


@st.fragment
def draft(c: Checkin) -> None:
    """The sections and the review; reruns alone when an answer changes."""
    # A rerun of this fragment alone skips the checks at the top: check the sign-in again.
    still_signed_in(db)
    answers = recording.readable_answers(db, c.checkin_id, sealing)
    step_key = _step_key(c)
    if step_key not in st.session_state:
        # the section the address names (a reload), else where the partner left off (`checkin.resume_step`)
        found = _section_in_address()
        st.session_state[step_key] = found if found is not None else resume_step(instruments, answers)
    step = min(int(st.session_state[step_key]), STEP_REVIEW)
    _keep_in_address(step)
    with st.container(key=SECTION):
        _section(c, step, answers)


def _section(c: Checkin, step: int, answers: dict[str, dict[str, Answer]]) -> None:
    """One step: progress, title, then its questions (or the review). The first three elements keep their
    places in every step, so a saved answer redraws them in place and only a new step moves the page."""
    bar = state.bar(c.checkin_id)
    prog = progress(instruments, answers, float(st.session_state.get(bar, 0.0)))
    st.session_state[bar] = prog.shown
    section = f"Section {step + 1} of {len(instruments)}" if step < STEP_REVIEW else "Review"
    st.progress(prog.shown, text=f"{section} · {prog.answered} of {prog.asked} questions answered")
    title = instruments[step].title if step < STEP_REVIEW else "Look it over"
    st.header(title, anchor=False)
    opened = int(st.session_state.get(state.opened(c.checkin_id), 0))
    # a step opened by a tap opens at its top (the first one with the header above it), focus on its title
    focus.land_on(SECTION, f"{c.checkin_id}:{opened}" if opened else None, title=title, to_top=step == 0)

    if step == STEP_REVIEW:
        _review(c, answers, catalog)
        return

    inst = instruments[step]
    st.markdown(inst.summary)
    if inst.safety and safety.therapist_told(db, couple.couple_id):
        st.markdown(safety.THERAPIST_TOLD)  # as plain as the summary above it: not the faintest words on screen
    mine = answers.get(inst.id, {})
    with st.container(key=QUESTIONS):
        for it in visible_items(inst, mine):
            _ask(c, inst, it, mine.get(it.id))
    if safety.concerning(inst, mine):
        # shown only here, in this partner's own check-in: never anywhere else
        with st.container(border=True):
            st.markdown("**Thank you for telling us. You deserve to be safe.**")
            st.markdown(safety.resources(db))
            st.caption(safety.DEVICE_NOTE)
            leave_now_button(db)

    # asked once, kindly, where the partner tapped "Next" (the slot keeps the buttons in their places)
    ask = st.empty()
    left = len(unanswered(inst, mine))
    if left and st.session_state.get(state.asked_once(c.checkin_id, step)) and step + 1 < STEP_REVIEW:
        ask.info(
            ("One question here is still open. You can answer it now" if left == 1
             else f"{left} questions here are still open. You can answer them now")
            + ", or tap Next again to go on: a question left blank is fine.",
            icon=":material/info:",
        )  # fmt: skip
    buttons = st.container(horizontal=True, horizontal_alignment="distribute" if step > 0 else "right")
    if step > 0:
        buttons.button("Back", icon=":material/arrow_back:", key=f"back_{step}", on_click=_go_to, args=(c, step - 1))
    if step + 1 < STEP_REVIEW:
        buttons.button(
            "Next", type="primary", icon=":material/arrow_forward:", key=f"next_{step}", on_click=_next, args=(c, step)
        )
    else:  # the review lists what is left open: no need to ask first
        buttons.button(
            "Review my answers",
            type="primary",
            icon=":material/arrow_forward:",
            key=f"next_{step}",
            on_click=_go_to,
            args=(c, step + 1),
        )


draft(checkin)
