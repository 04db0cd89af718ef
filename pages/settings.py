"""Settings: names, adding a couple, and the questionnaires in use."""

from __future__ import annotations

import streamlit as st

from mendwell.store import StoreError, clean_name
from pages._shared import COUPLE_KEY, current_couple, get_catalog, get_store, safe

store = get_store()
catalog = get_catalog()
couple = current_couple(store)

st.title("Settings")
if flash := st.session_state.pop("settings_flash", None):
    st.success(flash)

if couple is not None:
    st.subheader("Names")
    with st.form("names"):
        couple_name = st.text_input("Couple", value=couple.name, max_chars=80)
        partner_names = {
            p.partner_id: st.text_input(f"Partner {p.slot}", value=p.name, max_chars=80, key=f"pname_{p.partner_id}")
            for p in couple.partners
        }
        if st.form_submit_button("Save names", type="primary"):
            try:
                # check every name before writing any, so a refused name changes nothing
                clean_name(couple_name, "couple name")
                for new_name in partner_names.values():
                    clean_name(new_name, "partner name")
                if couple_name != couple.name:
                    store.rename_couple(couple.couple_id, couple_name)
                for p in couple.partners:
                    if partner_names[p.partner_id] != p.name:
                        store.rename_partner(p.partner_id, partner_names[p.partner_id])
            except StoreError as exc:
                st.error(str(exc))
            else:
                st.session_state["settings_flash"] = "Names saved."
                st.rerun()  # so the sidebar shows the new names at once

st.subheader("Add a couple")
with st.form("add_couple", clear_on_submit=True):
    st.caption("One Mendwell can hold several couples, for example a therapist's caseload.")
    name = st.text_input("Couple name", max_chars=80, placeholder="e.g. Alex & Sam")
    first = st.text_input("First partner's name", max_chars=80)
    second = st.text_input("Second partner's name", max_chars=80)
    if st.form_submit_button("Add couple"):
        try:
            new_id = store.create_couple(name or f"{first} & {second}", [first, second])
        except StoreError as exc:
            st.error(str(exc))
        else:
            st.session_state[COUPLE_KEY] = new_id
            st.success(f"Added {safe(name or first + ' & ' + second)}.")

st.subheader("Questionnaires in the check-in")
for inst in catalog.instruments:
    st.markdown(f"**{inst.title}** · version {inst.version} · {len(inst.items)} questions")
    st.caption(safe(catalog.sources.get(inst.id, "")))
drifted = store.changed_without_version_bump(catalog.instruments)
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
