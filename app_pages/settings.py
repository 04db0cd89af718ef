"""Settings: your passcode and second factor, the couple's rhythm, and (for the owner) names and practice
settings; the questionnaires in use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import segno
import streamlit as st

from mendwell import accounts, audit, keyring, rhythm, safety, security, vault
from mendwell.errors import MendwellError
from mendwell.limits import CHECKIN_DAY_MAX, CHECKIN_DAY_MIN, NAME_MAX
from mendwell.model import clean_name, different_names
from mendwell.text import counted, listed
from ui import feedback, state
from ui.page import page_setup, safe

page = page_setup("Settings", page="settings", needs_couple=False)
db, catalog, couple, viewer = page.db, page.catalog, page.couple, page.viewer
account = viewer.account


def _done(where: str, message: str, detail: str, couple_id: int | None = None) -> None:
    """Record what was saved (about `couple_id`, or about no couple: one's own sign-in, the practice) and say
    so under the form it was saved from (`where`), after the rerun."""
    audit.record(db, viewer.actor, audit.ACCOUNT if "passcode" in detail or "factor" in detail else audit.SETTING,
                 couple_id, detail)  # fmt: skip
    feedback.done(where, message)


# a partner's own passcode is about their couple; a therapist's about no couple
own_couple = couple.couple_id if couple is not None and account.is_partner else None


_saved = feedback.said_under


def _refused(check: security.Attempt, what: str, wrong: str, said: str) -> None:
    """A change to one's own sign-in refused: the passcode given did not match, or was not checked at all (too
    soon after wrong tries). Recorded as a refused sign-in is (`what`, then `wrong` or why it was not checked;
    never what was typed), and said: `said` for a wrong one, with the wait it earned."""
    why = "too soon after wrong tries, not checked" if check.refused else wrong
    audit.record(db, viewer.actor, audit.ACCOUNT_REFUSED, own_couple, f"{what}: {why}")
    wait = counted(check.wait_seconds, "second")
    if check.refused:  # said, so that whoever typed the right one does not think it was wrong
        st.warning(f"To keep guessing slow, your passcode was not checked yet. Please wait {wait} and try again.")
    else:
        st.warning(said + (f" Please wait {wait} before trying again." if check.wait_seconds else ""))


# -- your passcode ---------------------------------------------------------------------------------
st.header("Your passcode")
has = accounts.has_passcode(db, account)
if account.is_partner:
    st.caption(
        "Your passcode is your sign-in, and it seals your private notes so that only you can read them. "
        "If it is forgotten, the practice owner can set a new one, but notes sealed with the old one stay sealed."
    )
with st.form("own_passcode", clear_on_submit=True):
    current = st.text_input("Current passcode", type="password") if has else ""
    new = st.text_input("New passcode" if has else "Choose a passcode", type="password")
    again = st.text_input("The new passcode again", type="password")
    left, right = st.columns(2)
    save = left.form_submit_button("Change passcode" if has else "Set passcode")
    remove = right.form_submit_button("Remove passcode") if has and account.is_partner else False
_saved("own_passcode")
if remove and (new or again):
    # both buttons sit side by side under the new passcode: a slip of the finger must not remove it
    st.warning(
        "You typed a new passcode, so it was not removed. To change it, choose “Change passcode”; to remove "
        "your passcode, leave the new one empty."
    )
elif save or remove:
    subject = accounts.passcode_subject(account)
    check = security.verify(db, subject, current, throttle=accounts.throttle_subject(account.name)) if has else None
    if check is not None and not check.ok:
        what = "own passcode " + ("removal" if remove else "change")
        _refused(check, what, "wrong current passcode", "Your current passcode did not match.")
    elif save and new != again:
        st.warning("The two new passcodes are not the same. Please type them again.")
    else:
        try:
            sign_in_id = viewer.sign_in.sign_in_id
            if account.partner_id is not None and remove:
                vault.remove_partner_passcode(db, account.partner_id, current)
                keyring.forget(sign_in_id)
            elif account.partner_id is not None:
                vault.change_partner_passcode(db, account.partner_id, current if has else None, new)
                keyring.put(sign_in_id, vault.derive_key(db, account.partner_id, new))
            else:
                security.set_passcode(db, subject, new)
        except MendwellError as exc:
            feedback.show(exc)
        else:
            said = "Passcode removed: your private notes are plain text again." if remove else "Passcode saved."
            _done("own_passcode", said, "own passcode " + ("removed" if remove else "changed"), own_couple)

# -- a therapist's second factor ---------------------------------------------------------------------
if account.is_therapist:
    st.header("Second step at sign-in")
    if account.has_second_factor:
        st.markdown("A code from your authenticator app is asked for after your passcode.")
        # asked for the passcode first, slowed down like sign-in: not anyone at a signed-in screen left alone
        with st.form("second_step_off", clear_on_submit=True):
            typed = st.text_input("Your passcode", type="password")
            off = st.form_submit_button("Turn the second step off")
        if off:
            check = security.verify(
                db, accounts.passcode_subject(account), typed, throttle=accounts.throttle_subject(account.name)
            )
            if check.ok:
                db.accounts.set_totp_secret(account.account_id, None)
                _done("second_step", "The second step is off.", "second factor removed")
            else:
                said = "That passcode did not match, so the second step is still on."
                _refused(check, "second factor removal", "wrong passcode", said)
    elif not st.session_state.get(state.TOTP_PENDING):
        # the key is drawn only once asked for: this screen may be shared in a session
        st.caption("Adds a six-digit code from an authenticator app on your phone after your passcode.")
        if st.button("Set up the second step"):
            st.session_state[state.TOTP_PENDING] = accounts.new_second_factor()
            st.rerun()
    else:
        st.caption("Adds a six-digit code from an authenticator app on your phone after your passcode.")
        pending = str(st.session_state[state.TOTP_PENDING])
        uri = accounts.enrol_uri(pending, account)
        st.image(
            segno.make(uri, error="m").png_data_uri(scale=5),
            caption="Scan this with your authenticator app",
            alt="QR code that adds your Mendwell sign-in to an authenticator app (the same key is written below)",
        )
        st.caption(f"Or type this key into the app: {pending}")
        with st.form("enrol_totp", clear_on_submit=True):
            code = st.text_input("The code the app shows now", max_chars=8)
            if st.form_submit_button("Turn on the second step"):
                try:
                    accounts.confirm_second_factor(db, account, pending, code)
                except MendwellError as exc:
                    feedback.show(exc)
                else:
                    st.session_state.pop(state.TOTP_PENDING, None)
                    _done("second_step", "The second step is on.", "second factor enrolled")
        if st.button("Not now"):  # hides the key again (leaving Settings does too)
            st.session_state.pop(state.TOTP_PENDING, None)
            st.rerun()
    _saved("second_step")  # in every case: after "off", the step is off when the message is drawn

# -- the couple's rhythm ---------------------------------------------------------------------------------
if couple is not None and (viewer.is_partner or viewer.is_owner):
    theirs = viewer.partner_id in {p.partner_id for p in couple.partners}
    # to a therapist (or an owner looking after another couple), whose rhythm it is
    st.header("Monthly rhythm" if theirs else f"Monthly rhythm of {safe(couple.name)}")
    day = db.couples.checkin_day(couple.couple_id)
    with st.form("rhythm"):
        # no bounds in the field itself: the browser's field stopped at them and said nothing, so a day out of
        # range is refused here, out loud, with the rule in view under the field
        new_day = st.number_input("Check in by this day of each month", value=day, step=1)
        st.caption(f"From {CHECKIN_DAY_MIN} to {CHECKIN_DAY_MAX}, so the day exists in every month.")
        if st.form_submit_button("Save day"):
            try:
                db.couples.set_checkin_day(couple.couple_id, int(new_day))
            except MendwellError as exc:
                feedback.show(exc, f"Nothing was saved: check-ins stay due by day {day}.")
            else:
                _done("rhythm", "Check-in day saved.", f"check-in day {int(new_day)}", couple.couple_id)
    _saved("rhythm")
    st.download_button(
        "Add a monthly reminder to your calendar (.ics)" if theirs else "A monthly reminder for their calendar (.ics)",
        rhythm.ics(couple.couple_id, day, dt.date.today()).encode("utf-8"),
        file_name="mendwell-monthly-check-in.ics",
        mime="text/calendar",
        on_click="ignore",
        icon=":material/event:",
    )
    st.caption(
        f"The reminder says only “Monthly check-in”: no names, in case {'your' if theirs else 'a'} calendar syncs "
        "elsewhere."
    )

# -- the owner: names and practice settings ------------------------------------------------------------
if viewer.is_owner and couple is not None:
    st.header("Names")
    st.caption(f"Couple id {couple.couple_id}: the number to use with the command line, e.g. `mendwell report`.")
    with st.form("names"):
        couple_name = st.text_input("Couple's name", value=couple.name, max_chars=NAME_MAX)  # not the sidebar's
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
                different_names([clean_name(new_name, "partner name") for new_name in partner_names.values()])
                if couple_name != couple.name:
                    db.couples.rename(couple.couple_id, couple_name)
                changed = {p.partner_id: partner_names[p.partner_id] for p in couple.partners}
                if any(changed[p.partner_id] != p.name for p in couple.partners):
                    db.couples.rename_partners(changed)  # both at once: a swap of names is not refused halfway
            except MendwellError as exc:
                feedback.show(exc)
            else:
                _done("names", "Names saved.", "names changed", couple.couple_id)
    _saved("names")

if viewer.is_owner:
    st.header("Safety check")
    st.caption(
        "Each partner may answer three private questions about feeling afraid, controlled or hurt. A “yes” "
        "shows that partner, and only them, the help text below. Their partner never sees these answers, and "
        "they never appear in Together, share mode, reports or exports."
    )
    with st.form("safety_settings"):
        help_text = st.text_area("Where to find help (shown after a “yes”)", value=safety.resources(db), height=160)
        flag = st.toggle(
            "Show therapists a flag on the caseload when a partner answered “yes” (never which question)",
            value=safety.therapist_sees_flag(db),
        )
        st.caption(
            "While it is on, the check-in tells partners who have a therapist that a “yes” raises this flag. So "
            "only check-ins sent after you turn it on (and after the couple has a therapist) can raise it: "
            "answers given while the check-in said they reached no one stay that way."
        )
        if st.form_submit_button("Save safety settings"):
            safety.set_resources(db, help_text)
            safety.set_therapist_sees_flag(db, flag)
            _done("safety_settings", "Safety settings saved.",
                  f"safety help text saved; therapist flag {'on' if flag else 'off'}")  # fmt: skip
    _saved("safety_settings")

st.header("Questionnaires in the check-in")
looks_after_files = viewer.is_therapist or viewer.is_owner  # at home, the partner who set Mendwell up
for inst in catalog.instruments:
    st.markdown(f"**{safe(inst.title)}** · version {inst.version} · {len(inst.items)} questions")
    # which file, for those who look after them: by its name only (the server's folders were listed in full)
    if looks_after_files and inst.id in catalog.sources:
        st.caption(safe(Path(catalog.sources[inst.id]).name))
if not looks_after_files:
    st.stop()
folders = list(dict.fromkeys(str(Path(source).parent) for source in catalog.sources.values()))
if viewer.is_owner and folders:  # where the files are, once, for the one who looks after this Mendwell
    where = "the folder" if len(folders) == 1 else "the folders"
    st.caption(f"The files are in {where} {listed([safe(f) for f in folders])}.")
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
