"""Accounts (the practice owner): who can sign in, which couples each therapist sees, forgotten passcodes."""

from __future__ import annotations

import pandas as pd
import segno
import streamlit as st

from mendwell import accounts, audit, invitations, security
from mendwell.errors import InvalidInput, MendwellError
from mendwell.limits import INVITATION_DAYS, NAME_MAX
from mendwell.model import Account
from ui import feedback, state
from ui.page import choose_couple, page_setup, safe, steady_table

page = page_setup("Accounts", page="accounts", needs_couple=False)
db, viewer = page.db, page.viewer


def _done(where: str, message: str, detail: str, couple_id: int | None = None) -> None:
    """Record the change and say so under the form `where` it was made from."""
    audit.record(db, viewer.actor, audit.ACCOUNT, couple_id, detail)
    feedback.done(where, message)


everyone = db.accounts.all()
couples = {c.couple_id: c for c in db.couples.all()}
partner_of = {p.partner_id: c for c in couples.values() for p in c.partners}


def _who(a: Account) -> str:
    if a.partner_id is not None and a.partner_id in partner_of:
        couple = partner_of[a.partner_id]
        return f"partner in {couple.name} (#{couple.couple_id})"
    if not a.is_therapist:
        return "partner"
    granted = [couples[c].name for c in db.accounts.granted(a.account_id) if c in couples]
    if len(granted) > 1 and len(granted) == len(couples):
        return f"therapist, sees every couple ({len(granted)})"
    shown = ", ".join(granted[:3]) + (f" and {len(granted) - 3} more" if len(granted) > 3 else "")
    return "therapist, sees " + (shown or "no couple yet")


steady_table(
    pd.DataFrame(
        {
            "Name": [a.name for a in everyone],
            "Role": [_who(a) + (" · practice owner" if a.is_owner else "") for a in everyone],
            "Passcode": ["yes" if accounts.has_passcode(db, a) else "none" for a in everyone],
            "Second step": ["on" if a.has_second_factor else "off" for a in everyone],
        }
    ),
    "accounts",
    hide_index=True,
    width="stretch",
)

# -- a new couple: each partner makes their own account from an invitation -----------------------------
st.header("Add a couple")
_NEW_COUPLE = ("new_couple_name", "new_partner_1", "new_partner_2")
if st.session_state.pop(_NEW_COUPLE[0] + "_done", False):  # added: the form starts empty for the next couple
    for key in _NEW_COUPLE:
        st.session_state[key] = ""
with st.form("add_couple"):  # not cleared on submit: a refused name keeps what was typed, to be mended
    st.caption(
        "Each partner then gets an invitation: a link (and a QR code) that works once, for "
        f"{INVITATION_DAYS} days, with which they make their own account on their own phone."
    )
    name = st.text_input("Couple name", max_chars=NAME_MAX, placeholder="e.g. Alex & Sam", key=_NEW_COUPLE[0])
    first = st.text_input("First partner's name", max_chars=NAME_MAX, key=_NEW_COUPLE[1])
    second = st.text_input("Second partner's name", max_chars=NAME_MAX, key=_NEW_COUPLE[2])
    if st.form_submit_button("Add couple"):
        missing = [which for which, given in (("first", first), ("second", second)) if not given.strip()]
        try:
            if missing:
                raise InvalidInput(
                    f"Please give the {' and the '.join(missing)} partner's name{'s' if len(missing) > 1 else ''}: "
                    "each partner is invited by name."
                )
            new_id = db.couples.create(name or f"{first} & {second}", [first, second])
            created = db.couples.get(new_id)
            assert created is not None
            if viewer.is_therapist:
                db.accounts.grant(viewer.account.account_id, new_id)
            st.session_state[state.INVITES] = {
                p.partner_id: invitations.invite(db, p.partner_id, viewer.actor) for p in created.partners
            }
        except MendwellError as exc:
            feedback.show(exc)
        else:
            choose_couple(new_id)
            st.session_state[_NEW_COUPLE[0] + "_done"] = True
            _done("add_couple", f"Added {safe(created.name)}. Their invitations are below.", "couple added", new_id)
feedback.said_under("add_couple")


def invitation_card(p_id: int, shown: dict[int, str]) -> None:
    """One partner's invitation: the link and its QR code once made, else a button that makes it."""
    p = next(p for p in partner_of[p_id].partners if p.partner_id == p_id)
    c = partner_of[p_id]
    with st.container(border=True):
        st.markdown(f"**{safe(p.name)}** · {safe(c.name)} (#{c.couple_id})")
        token = shown.get(p_id)
        if token:
            link = f"{base}/invite/{token}"
            st.code(link, language=None)
            st.caption(f"Works once, for {INVITATION_DAYS} days from when it was made.")
            st.image(
                segno.make(link, error="m").png_data_uri(scale=4),
                caption=f"Invitation for {p.name}",
                alt=f"QR code of {p.name}'s invitation link (the link is written above)",
            )
        elif st.button("Make an invitation", key=f"invite_{p_id}"):
            shown[p_id] = invitations.invite(db, p_id, viewer.actor)
            st.rerun()


origin = str(st.context.url or "").split("/", 3)
base = "/".join(origin[:3]) if len(origin) >= 3 else ""
shown: dict[int, str] = st.session_state.setdefault(state.INVITES, {})
waiting = [p.partner_id for c in couples.values() for p in c.partners if db.accounts.for_partner(p.partner_id) is None]
made_now = [p for p in waiting if p in shown]  # the links made in this visit, where they were asked for
for p_id in made_now:
    invitation_card(p_id, shown)

# -- therapists ---------------------------------------------------------------------------------------
st.header("Add a therapist")
with st.form("add_therapist", clear_on_submit=True):
    t_name = st.text_input("Name", max_chars=NAME_MAX, key="t_name")
    t_code = st.text_input("Passcode", type="password", key="t_code")
    if st.form_submit_button("Add therapist"):
        try:
            made = accounts.create(db, t_name, accounts.THERAPIST, t_code)
        except MendwellError as exc:
            feedback.show(exc)
        else:
            _done("add_therapist", "Therapist added.", f"therapist {audit.actor(made)} added")
feedback.said_under("add_therapist")

therapists = [a for a in everyone if a.is_therapist]
if therapists and couples:
    st.header("Which couples a therapist sees")
    with st.form("grants"):
        who = st.selectbox("Therapist", [a.account_id for a in therapists],
                           format_func=lambda i: next(a.name for a in therapists if a.account_id == i))  # fmt: skip
        which = st.selectbox(
            "Couple they may see", list(couples), format_func=lambda cid: f"{couples[cid].name} (#{cid})"
        )
        grant, revoke = st.columns(2)
        do_grant = grant.form_submit_button("Let them see this couple")
        do_revoke = revoke.form_submit_button("Stop them seeing it")
    feedback.said_under("grants")
    name_of = {a.account_id: a.name for a in therapists}
    seen_before = int(which) in db.accounts.granted(int(who))
    if do_grant and seen_before:
        st.info(f"{safe(name_of[int(who)])} already sees {safe(couples[int(which)].name)}: nothing changed.")
    elif do_grant:
        db.accounts.grant(int(who), int(which))
        _done("grants", f"{safe(name_of[int(who)])} now sees {safe(couples[int(which)].name)}.",
              f"granted couple to account {int(who)}", int(which))  # fmt: skip
    if do_revoke and not seen_before:
        st.info(f"{safe(name_of[int(who)])} did not see {safe(couples[int(which)].name)}: nothing changed.")
    elif do_revoke:
        db.accounts.revoke(int(who), int(which))
        _done("grants", f"{safe(name_of[int(who)])} no longer sees {safe(couples[int(which)].name)}.",
              f"revoked couple from account {int(who)}", int(which))  # fmt: skip

# -- forgotten passcodes ---------------------------------------------------------------------------------
st.header("A forgotten passcode")
st.caption(
    "Set a new passcode for someone who forgot theirs, and tell it to them in person. Every open sign-in of "
    "theirs ends. A partner's private notes sealed with the old passcode stay sealed: the new one cannot open them."
)
others = [a for a in everyone if a.account_id != viewer.account.account_id]
if others:
    with st.form("reset", clear_on_submit=True):
        target = st.selectbox("Account", [a.account_id for a in others],
                              format_func=lambda i: next(a.name for a in others if a.account_id == i))  # fmt: skip
        fresh = st.text_input("New passcode", type="password")
        if st.form_submit_button("Set the new passcode"):
            try:
                security.check_new_passcode(fresh)
                done = accounts.reset_passcode(db, int(target), fresh)
            except MendwellError as exc:
                feedback.show(exc)
            else:
                _done(
                    "reset", f"New passcode set for {safe(done.name)}.", f"passcode reset for account {done.account_id}"
                )
    feedback.said_under("reset")

# -- invitations: partners who have no account yet (after the rest: with many couples it is a long list) ------
later = [p for p in waiting if p not in made_now]
if later:
    st.header("Invitations")
    st.caption(
        "Give each partner their own link, in person or by a message only they read. Anyone with the link "
        "can make that partner's account, once. Making a new link stops the old one."
    )
    with st.expander(f"Partners without an account yet ({len(later)})", icon=":material/mail:"):
        for p_id in later:
            invitation_card(p_id, shown)
