"""The real app in a real browser: `streamlit run app.py` driven by Chromium.

Each test prepares the database with a `Database` (accounts included), closes it (DuckDB
lets one process open the file), starts a server on it, signs in through the real form,
works through the pages as a person would, stops the server and reads the database again.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from mendwell import periods, recording, vault
from mendwell.checkin import Answer, any_that_fit, make_answer, visible_items
from mendwell.data import Database
from mendwell.instruments import Catalog, Instrument, Item
from tests.support.auth import PASSCODE, browser_sign_in, partner_accounts
from tests.support.browser import (
    heading,
    no_error_on,
    screenshot,
    seen,
    shows,
    sign_in_here,
    wait_for_answered,
    wait_for_calm,
)
from tests.support.data import HOSTILE_COUPLE, HOSTILE_FIRST, HOSTILE_SECOND, make_couple, opened
from tests.support.server import ServerFactory
from tests.support.ui import SUBMIT

pytestmark = pytest.mark.browser


def item_for(inst: Instrument, label: str) -> Item:
    """The item whose question text is shown in a widget label."""
    found = [it for it in inst.items if it.text in label]
    assert len(found) == 1 or len({it.text for it in found}) == 1, (label, found)
    return found[0]


def browser_plan(inst: Instrument, it: Item) -> int:
    if inst.id == "bids":
        return 3
    if inst.id == "micro_hurts":
        return {"unheard_often": 2, "unheard_repaired": 1}.get(it.id, 0)
    return 1


def answer_section_by_clicking(page: Page, inst: Instrument, answered: int) -> tuple[int, dict[str, int]]:
    """Click an answer for every visible question of the section, the way a person does:
    radio labels and pills, top to bottom, including follow-ups that appear on the way.
    Returns the new answered count and {item_id: value} for the radios.

    A "choose any that fit" question (pills) counts as answered as soon as it shows, none chosen too: a radio
    that brings one adds two to the count, a pill tapped adds none."""
    main = page.get_by_test_id("stMain")
    chosen: dict[str, int] = {}
    pills_done = 0
    before = answered
    deadline = time.monotonic() + 90
    while True:
        # a click that lands while the section is still being redrawn is lost: wait for calm first
        wait_for_calm(page)
        open_radios = main.get_by_test_id("stRadio").filter(has_not=page.locator("input:checked"))
        open_pills = main.get_by_test_id("stButtonGroup").filter(has_not=page.locator('[aria-pressed="true"]'))
        if open_radios.count():
            label = open_radios.first.get_by_test_id("stWidgetLabel").inner_text()
            it = item_for(inst, label)
            # anchored to its question, not to "the first unanswered one", which moves once answered
            radio = main.get_by_test_id("stRadio").filter(has_text=it.text).first
            value = browser_plan(inst, it)
            lo = inst.scale(it)[0]
            text = ("Yes" if value else "No") if it.kind == "yesno" else inst.labels(it)[value - lo]
            option = radio.get_by_test_id("stRadioOption").get_by_text(text, exact=True)
            option.click()
            try:
                expect(radio.locator("input:checked")).to_have_count(1, timeout=5000)
            except AssertionError:  # the widget was replaced under the click: a person would click again
                wait_for_calm(page)
                option.click()
            chosen[it.id] = value
        elif open_pills.count():
            # held by its place, not as "the first open one", which moves on once it is chosen
            groups = main.get_by_test_id("stButtonGroup")
            place = groups.evaluate_all("els => els.findIndex(e => !e.querySelector('[aria-pressed=\"true\"]'))")
            pill = groups.nth(int(place)).get_by_role("button", name="Unheard", exact=True)
            pill.click()
            expect(pill).to_have_attribute("aria-pressed", "true")  # its save moves no count: see it chosen
            pills_done += 1
        else:
            # done only when every question now visible (by the catalog) is answered: the section's
            # widgets arrive one by one, so "no open widget on screen" alone can come too early
            visible = inst.visible_items({k: float(v) for k, v in chosen.items()})
            radios_left = [it for it in visible if it.kind in ("likert", "choice", "yesno") and it.id not in chosen]
            pills_left = sum(1 for it in visible if it.kind == "multi") - pills_done
            if not radios_left and pills_left <= 0:
                return answered, chosen
            assert time.monotonic() < deadline, (inst.id, [it.id for it in radios_left], pills_left)
            page.wait_for_timeout(200)
            continue
        visible = inst.visible_items({k: float(v) for k, v in chosen.items()})
        answered = before + len(chosen) + sum(1 for it in visible if any_that_fit(it))
        wait_for_answered(page, answered)


# -- a whole check-in in Chromium ------------------------------------------------------------------


def test_full_checkin_in_the_browser(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    couple = make_couple(store)
    ann = couple.partners[0]
    partner_accounts(store, couple)
    store.close()
    srv = server_factory(db_file)

    browser_sign_in(page, srv.url, "Ann")
    expect(heading(page, "Ann & Bob")).to_be_visible()
    expect(page.get_by_text("Not started yet")).to_have_count(2)
    expect(page.get_by_role("button", name="Start my check-in")).to_have_count(1)  # hers; none for Bob
    page.get_by_role("button", name="Start my check-in").click()
    expect(page).to_have_url(re.compile(r"/checkin$"))
    expect(page.get_by_text("Hello Ann.")).to_be_visible()  # her own check-in: nobody to choose
    expect(page.get_by_test_id("stRadio")).to_have_count(0)
    expect(page.get_by_text("7 short sections")).to_be_visible()
    page.get_by_role("button", name="Begin").click()

    answered = 0
    chosen: dict[str, dict[str, int]] = {}
    for step, inst in enumerate(catalog.instruments):
        expect(heading(page, inst.title)).to_be_visible()
        expect(page.get_by_test_id("stProgress")).to_contain_text(f"Section {step + 1} of 7")
        answered, chosen[inst.id] = answer_section_by_clicking(page, inst, answered)
        if inst.id == "micro_hurts":
            # the follow-ups of the one small hurt that happened are on screen, answered
            expect(page.get_by_text("Have we come back to those moments of not being heard")).to_be_visible()
            expect(page.get_by_role("button", name="Unheard", exact=True)).to_have_attribute("aria-pressed", "true")
            wait_for_calm(page)
            screenshot(page, "checkin-section-small-hurts.png", full_page=True)
        page.get_by_role("button", name="Next" if step < len(catalog.instruments) - 1 else "Review my answers").click()

    # 6 + (6 + 2 follow-ups) + 9 + 8 + 8 + 7 + 3 (the safety check)
    assert answered == 49
    expect(heading(page, "Look it over")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_contain_text("Review · 49 of 49 questions answered")
    expect(page.get_by_text("Small hurts this month: 8 of 8 answered")).to_be_visible()
    note = "We found our way back after the Tuesday row."
    page.get_by_label("A few words, if you like (optional)").fill(note)
    screenshot(page, "checkin-review.png", full_page=True)
    page.get_by_role("button", name=SUBMIT).click()  # straight from typing: the note must not be lost
    expect(page.get_by_text("Thank you, Ann.")).to_be_visible()
    wait_for_calm(page)
    no_error_on(page)
    screenshot(page, "checkin-confirmation.png", full_page=True)

    page.goto(srv.url)
    expect(page.get_by_text("You have checked in. Bob's check-in")).to_be_visible()
    srv.stop()

    with opened(db_file) as s:
        checkin = s.checkins.get(ann.partner_id, periods.month_start())
        assert checkin is not None and checkin.submitted
        stored = s.checkins.answers(checkin.checkin_id)
        assert sum(len(a) for a in stored.values()) == answered
        for inst_id, values in chosen.items():
            assert {i: stored[inst_id][i].value for i in values} == values
        assert stored["micro_hurts"]["unheard_themes"].selected() == [2]  # "Unheard"
        assert "unheard_repaired" in stored["micro_hurts"] and "sarcasm_repaired" not in stored["micro_hurts"]
        # her private note is sealed with her passcode, and opens with it
        stored_note = s.checkins.note(checkin.checkin_id)
        assert stored_note is not None and vault.is_encrypted(stored_note[0])
        key = vault.derive_key(s, ann.partner_id, PASSCODE)
        assert recording.readable_note(s, checkin.checkin_id, key) == (note, True)
        assert s.engine.table_counts()["checkins"] == 1


# -- double submit ------------------------------------------------------------------------------------


def test_double_click_on_submit_stores_one_checkin(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    couple = make_couple(store)
    ann = couple.partners[0]
    draft = store.checkins.open(ann.partner_id, periods.month_start())
    n_answers = 0
    for inst in catalog.instruments:
        answers: dict[str, Answer | None] = {}
        for it in visible_items(inst, {}):
            raw = [it.options[0].value] if it.kind == "multi" and it.options else inst.scale(it)[1]
            answers[it.id] = make_answer(inst, it, raw)
        for it in inst.items:  # follow-ups shown now that the triggers are answered
            if it.id not in answers and it.show_if is not None:
                answers[it.id] = make_answer(inst, it, [1] if it.kind == "multi" else 1)
        store.checkins.save_answers(draft.checkin_id, inst, answers)
        n_answers += len(answers)
    partner_accounts(store, couple, passcode=None)  # a couple at home who chose no passcodes
    store.close()
    srv = server_factory(db_file)

    browser_sign_in(page, srv.url, "Ann", "", path="/checkin")
    # everything is answered, so her draft resumes at the review
    expect(heading(page, "Look it over")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_contain_text(f"Review · {n_answers} of {n_answers}")
    page.get_by_role("button", name=SUBMIT).dblclick()
    expect(page.get_by_text("Thank you, Ann.")).to_be_visible()
    wait_for_calm(page)
    no_error_on(page)
    page.reload()  # still signed in: straight back to her submitted check-in
    expect(page.get_by_text("Thank you, Ann.")).to_be_visible()
    expect(page.get_by_role("button", name=SUBMIT)).to_have_count(0)
    srv.stop()

    with opened(db_file) as s:
        rows = s.engine.read("SELECT checkin_id, status FROM checkins")
        assert rows.values.tolist() == [[draft.checkin_id, "submitted"]]
        per_item = s.engine.read("SELECT instrument_id, item_id, count(*) AS n FROM responses GROUP BY ALL", [])
        assert len(per_item) == n_answers
        assert set(per_item["n"]) == {1}


# -- hostile names -------------------------------------------------------------------------------------


MARKUP_FROM_NAMES = """() => ({
    scripts: [...document.scripts].filter(s => s.textContent.includes("alert(")).length,
    js_links: [...document.querySelectorAll("[href], [src]")]
        .filter(e => /^\\s*javascript:/i.test(e.getAttribute("href") || e.getAttribute("src") || "")).length,
    emphasis: [...document.querySelectorAll("strong, b, em, i")].filter(e => /bold|^it$/.test(e.textContent)).length,
    code: [...document.querySelectorAll("code")].filter(e => e.textContent == "code").length,
    coloured: [...document.querySelectorAll("[class*=ColoredText], [style*=color]")]
        .filter(e => e.textContent == "hi").length,
})"""


def assert_inert(page: Page, markup: tuple[str, ...] = ("<script>alert(1)</script>", ":red[hi]")) -> None:
    """No script, javascript: link, emphasis, code or colour came from the names;
    the markup (of the names on this page) shows as text."""
    assert page.evaluate(MARKUP_FROM_NAMES) == {"scripts": 0, "js_links": 0, "emphasis": 0, "code": 0, "coloured": 0}
    for text in markup:
        expect(page.get_by_text(text).first).to_be_visible()


def test_hostile_names_are_inert_text(
    store: Database, catalog: Catalog, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    couple = make_couple(store, HOSTILE_COUPLE, (HOSTILE_FIRST, HOSTILE_SECOND))
    first = couple.partners[0]
    c = store.checkins.open(first.partner_id, periods.month_start())
    bids = catalog.instruments[0]
    store.checkins.save_answers(c.checkin_id, bids, {it.id: make_answer(bids, it, 2) for it in bids.items})
    assert store.checkins.submit(c.checkin_id, catalog)
    first_account, _ = partner_accounts(store, couple)  # signed in by their (hostile) names
    store.accounts.set_owner(first_account.account_id, True)  # as the first-run setup makes the first partner
    store.close()
    srv = server_factory(db_file)
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)

    browser_sign_in(page, srv.url, HOSTILE_FIRST)
    names = page.get_by_test_id("stMain").locator("h3 [data-heading-text]")  # each partner's part of Home
    expect(names).to_have_count(2)
    assert seen(page.locator("h1 [data-heading-text]")) == [HOSTILE_COUPLE]
    assert seen(names) == [HOSTILE_FIRST, HOSTILE_SECOND]
    shows(page, f"You have checked in. {HOSTILE_SECOND}'s check-in")
    shows(page, f"Signed in as {HOSTILE_FIRST}")
    assert_inert(page)
    screenshot(page, "hostile-home.png", full_page=True)

    page.goto(f"{srv.url}/checkin")
    shows(page, f"Thank you, {HOSTILE_FIRST}.")
    assert_inert(page)

    page.goto(f"{srv.url}/history")
    expect(heading(page, "History")).to_be_visible()
    expect(page.get_by_test_id("stRadioOption")).to_have_count(2)
    assert seen(page.get_by_test_id("stRadioOption")) == [HOSTILE_FIRST, HOSTILE_SECOND]
    assert_inert(page)

    page.goto(f"{srv.url}/settings")  # the owner's names form
    expect(page.get_by_label("Couple's name", exact=True)).to_have_value(HOSTILE_COUPLE)
    expect(page.get_by_label("Partner 1")).to_have_value(HOSTILE_FIRST)
    wait_for_calm(page)

    # the second partner, signed in on their own
    page.goto(f"{srv.url}/signout")
    page.goto(f"{srv.url}/checkin")
    sign_in_here(page, HOSTILE_SECOND)
    shows(page, f"Hello {HOSTILE_SECOND}.")
    assert_inert(page, (":red[hi]", "[x](javascript:alert(1))"))  # only the second partner's name is here
    assert dialogs == []
    srv.stop()

    with opened(db_file) as s:
        assert [(c.name, [p.name for p in c.partners]) for c in s.couples.all()] == [
            (HOSTILE_COUPLE, [HOSTILE_FIRST, HOSTILE_SECOND])
        ]


# -- the first visit: a couple at home makes their two accounts ----------------------------------------
# (This replaces Home's first-visit form: the couple is set up before the app, on /setup.)


def test_first_visit_sets_up_the_couple_and_their_accounts(
    store: Database, db_file: Path, server_factory: ServerFactory, page: Page
) -> None:
    assert store.couples.count() == 0 and store.accounts.count() == 0
    store.close()
    srv = server_factory(db_file)

    page.goto(srv.url)  # no account yet: the sign-in sends a first visitor to the setup
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name="Welcome to Mendwell")).to_be_visible()

    def fill(couple: str, first: str, second: str) -> None:
        page.get_by_label("What should we call the two of you?").fill(couple)
        page.locator("#name1").fill(first)
        page.locator("#passcode1").fill(PASSCODE)
        page.locator("#name2").fill(second)
        page.locator("#passcode2").fill(PASSCODE)
        page.get_by_role("button", name="Create our accounts").click()

    fill("Alex & Sam", "Alex", "")  # the second partner's name left empty: refused kindly, nothing made
    expect(page.get_by_role("status")).to_have_text("Please give a partner name.")
    expect(page.get_by_label("What should we call the two of you?")).to_have_value("Alex & Sam")
    fill(HOSTILE_COUPLE + " and then some more words", "Alex", "Sam")
    expect(page.get_by_role("status")).to_have_text("That couple name is 84 characters long; please keep it to 80.")

    fill("Alex & Sam", "Alex", "Sam")
    expect(page).to_have_url(re.compile(r"/signin$"))
    sign_in_here(page, "Alex")
    expect(heading(page, "Alex & Sam")).to_be_visible()
    expect(page.get_by_text("Not started yet")).to_have_count(2)
    expect(page.get_by_role("button", name="Start my check-in")).to_have_count(1)  # Alex's own
    wait_for_calm(page)
    no_error_on(page)
    page.goto(f"{srv.url}/setup")  # once there are accounts, the setup is gone
    expect(page).to_have_url(re.compile(r"/signin$"))
    srv.stop()

    with opened(db_file) as s:
        assert [(c.name, [p.name for p in c.partners]) for c in s.couples.all()] == [("Alex & Sam", ["Alex", "Sam"])]
        made = s.accounts.all()
        assert [(a.name, a.is_partner, a.is_owner) for a in made] == [("Alex", True, True), ("Sam", True, False)]
