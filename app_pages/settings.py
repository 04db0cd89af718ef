"""Settings: names, adding a couple, and the questionnaires in use."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mendwell import rhythm, safety, security, vault
from mendwell.errors import MendwellError
from mendwell.limits import CHECKIN_DAY_MAX, CHECKIN_DAY_MIN, NAME_MAX
from mendwell.model import clean_name
from ui import feedback, state
from ui.gates import forget_key
from ui.page import choose_couple, page_setup, safe

page = page_setup("Settings", needs_couple=False)
db, catalog, couple = page.db, page.catalog, page.couple
if flash := st.session_state.pop(state.SETTINGS_FLASH, None):
    st.success(flash)

if couple is not None:
    st.subheader("Names")
    st.caption(f"Couple id {couple.couple_id}: the number to use with the command line, e.g. `mendwell report`.")
    with st.form("names"):
        couple_name = st.text_input("Couple", value=couple.name, max_chars=NAME_MAX)
        partner_names = {
            p.partner_id: st.text_input(
                f"Partner {p.slot}", value=p.name, max_chars=NAME_MAX, key=f"pname_{p.partner_id}"
            )
            for p in couple.partners
        }
        if st.form_submit_button("Save names", type="primary"):
            try:
                # check every name before writing any, so a refused name changes nothing
                clean_name(couple_name, "couple name")
                for new_name in partner_names.values():
                    clean_name(new_name, "partner name")
                if couple_name != couple.name:
                    db.couples.rename(couple.couple_id, couple_name)
                for p in couple.partners:
                    if partner_names[p.partner_id] != p.name:
                        db.couples.rename_partner(p.partner_id, partner_names[p.partner_id])
            except MendwellError as exc:
                feedback.show(exc)
            else:
                st.session_state[state.SETTINGS_FLASH] = "Names saved."
                st.rerun()  # so the sidebar shows the new names at once


def passcode_form(subject: str, who: str, key: str) -> None:
    """Set, change or remove one passcode; changing or removing needs the current one."""
    has = security.has_passcode(db, subject)
    with st.form(f"pass_{key}", clear_on_submit=True):
        st.markdown(f"**{who}**: " + ("a passcode is set." if has else "no passcode yet."))
        current = st.text_input("Current passcode", type="password") if has else ""
        new = st.text_input("New passcode" if has else "Choose a passcode", type="password")
        again = st.text_input("The new passcode again", type="password")
        left, right = st.columns(2)
        save = left.form_submit_button("Change passcode" if has else "Set passcode")
        remove = right.form_submit_button("Remove passcode") if has else False
    if not (save or remove):
        return
    if has:
        attempt = security.verify(db, subject, current)
        if not attempt.ok:
            unit = "second" if attempt.wait_seconds == 1 else "seconds"
            wait = f"Please wait {attempt.wait_seconds} {unit} before trying again." if attempt.wait_seconds else ""
            if attempt.refused:  # tried too soon: never checked, so never "did not match"
                st.warning(wait)
            else:
                st.warning(("The current passcode did not match. " + wait).strip())
            return
    partner_id = int(subject.split(":")[1]) if subject.startswith("partner:") else None
    try:
        if remove:
            if partner_id is not None:  # private notes go back to plain text
                vault.remove_partner_passcode(db, partner_id, current)
                forget_key(partner_id)
            else:
                security.remove_passcode(db, subject)
            st.session_state[state.SETTINGS_FLASH] = (
                f"{who}: passcode removed. Private notes are now stored as plain text."
            )
        else:
            if new != again:
                st.warning("The two new passcodes are not the same. Please type them again.")
                return
            if partner_id is not None:  # private notes are sealed with a key from the new passcode
                vault.change_partner_passcode(db, partner_id, current if has else None, new)
                forget_key(partner_id)
            else:
                security.set_passcode(db, subject, new)
            st.session_state[state.SETTINGS_FLASH] = f"{who}: passcode saved."
    except MendwellError as exc:
        feedback.show(exc)
        return
    st.rerun()


if couple is not None:
    st.subheader("Monthly rhythm")
    day = db.couples.checkin_day(couple.couple_id)
    with st.form("rhythm"):
        new_day = st.number_input(
            "Check in by this day of each month",
            min_value=CHECKIN_DAY_MIN, max_value=CHECKIN_DAY_MAX, value=day, step=1,
            help=f"From {CHECKIN_DAY_MIN} to {CHECKIN_DAY_MAX}, so the day exists in every month.",
        )  # fmt: skip
        if st.form_submit_button("Save day"):
            try:
                db.couples.set_checkin_day(couple.couple_id, int(new_day))
            except MendwellError as exc:
                feedback.show(exc)
            else:
                st.session_state[state.SETTINGS_FLASH] = "Check-in day saved."
                st.rerun()
    st.download_button(
        "Add a monthly reminder to your calendar (.ics)",
        rhythm.ics(couple.couple_id, day, dt.date.today()).encode("utf-8"),
        file_name="mendwell-monthly-check-in.ics",
        mime="text/calendar",
        on_click="ignore",
        icon=":material/event:",
    )
    st.caption("The reminder says only “Monthly check-in”: no names, in case your calendar syncs elsewhere.")

    st.subheader("Passcodes")
    st.markdown(
        "A passcode keeps a partner's check-in, drafts and private answers closed to anyone else at this "
        "computer. It locks again after 15 minutes without use, or when you press **Lock**. "
        "**If a passcode is forgotten, there is no way to recover it here**, so choose one you will remember."
    )
    for p in couple.partners:
        passcode_form(security.partner_subject(p.partner_id), safe(p.name), f"partner_{p.partner_id}")

st.subheader("Practice passcode")
st.caption("For a therapist: keeps the Caseload page, with its flags, behind a passcode of its own.")
passcode_form(security.PRACTICE, "Practice", "practice")

st.subheader("Safety check")
st.caption(
    "Each partner may answer three private questions about feeling afraid, controlled or hurt. A “yes” "
    "shows that partner, and only them, the help text below. Their partner never sees these answers, and "
    "they never appear in Together, share mode, reports or exports."
)
with st.form("safety_settings"):
    help_text = st.text_area("Where to find help (shown after a “yes”)", value=safety.resources(db), height=160)
    flag = st.toggle(
        "Show the therapist a flag on the caseload when a partner answered “yes” (never which question)",
        value=safety.therapist_sees_flag(db),
    )
    if st.form_submit_button("Save safety settings"):
        safety.set_resources(db, help_text)
        safety.set_therapist_sees_flag(db, flag)
        st.session_state[state.SETTINGS_FLASH] = "Safety settings saved."
        st.rerun()

st.subheader("Add a couple")
with st.form("add_couple", clear_on_submit=True):
    st.caption("One Mendwell can hold several couples, for example a therapist's caseload.")
    name = st.text_input("Couple name", max_chars=NAME_MAX, placeholder="e.g. Alex & Sam")
    first = st.text_input("First partner's name", max_chars=NAME_MAX)
    second = st.text_input("Second partner's name", max_chars=NAME_MAX)
    if st.form_submit_button("Add couple"):
        try:
            new_id = db.couples.create(name or f"{first} & {second}", [first, second])
        except MendwellError as exc:
            feedback.show(exc)
        else:
            choose_couple(new_id)
            st.success(f"Added {safe(name or first + ' & ' + second)}.")

st.subheader("Questionnaires in the check-in")
for inst in catalog.instruments:
    st.markdown(f"**{inst.title}** · version {inst.version} · {len(inst.items)} questions")
    st.caption(safe(catalog.sources.get(inst.id, "")))
drifted = db.definitions.changed_without_version_bump(catalog.instruments)
if drifted:
    st.info(
        "These questionnaire files changed since their version was first used: "
        + ", ".join(safe(i.id) for i in drifted)
        + ". Past and new answers are scored with the version first recorded. If the meaning of a "
        "question changed, raise `version` in the file so new answers are kept apart.",
        icon=":material/info:",
    )
if catalog.problems:
    st.warning("Some files could not be loaded:")
    st.code("\n".join(str(p) for p in catalog.problems), language=None, wrap_lines=True)
st.caption(
    "Add your own questionnaire files to a folder and point MENDWELL_ASSESSMENTS at it; "
    "`mendwell check-assessments` checks them. See the README."
)
