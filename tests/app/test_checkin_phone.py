"""The check-in's rules for moving on, with AppTest on the real page: the progress bar never goes back when
a follow-up appears, "Next" with questions still open asks once (a second tap goes on), and the page moves
(scroll and focus, see `ui.focus`) only when a section opens, never when an answer is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mendwell import periods
from mendwell.checkin import make_answer
from mendwell.data import Database
from mendwell.instruments import Catalog
from tests.support.apptest import app_store, open_page, sign_in_partner, start_app, unescape
from tests.support.data import instrument, make_couple
from tests.support.ui import CHECKIN


def checkin_at(monkeypatch: pytest.MonkeyPatch, store: Database, catalog: Catalog, answered: tuple[str, ...]) -> int:
    """Ann's draft for this month, with every question of the sections named in `answered` answered already
    ("how often" questions with "not this month", so no follow-up shows); Ann signed in. Returns its id."""
    couple = make_couple(store)
    sign_in_partner(monkeypatch, store, couple)
    draft = store.checkins.open(couple.partners[0].partner_id, periods.month_start())
    for inst_id in answered:
        inst = instrument(catalog, inst_id)
        lowest = {it.id: make_answer(inst, it, inst.scale(it)[0]) for it in inst.items if it.show_if is None}
        store.checkins.save_answers(draft.checkin_id, inst, lowest)
    store.close()
    return draft.checkin_id


def bar(at: AppTest) -> tuple[int, str]:
    """The progress bar: (how full, 0 to 100; its words)."""
    [found] = at.get("progress")
    return int(found.proto.value), str(found.proto.text)


def section_title(at: AppTest) -> str:
    [title] = [h.value for h in at.header if h.value != "Anything you want to name this month?"]
    return str(title)


def landing(at: AppTest) -> str:
    """The body of the section's land-on script (its token says which opening it lands on)."""
    [script] = [h.proto.body for h in at.get("html") if 'data-mendwell="land-on"' in h.proto.body]
    return str(script)


def test_a_follow_up_appearing_never_moves_the_bar_back(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every section but the small hurts answered: well past half way
    others = tuple(i.id for i in catalog.instruments if i.id != "micro_hurts")
    checkin_id = checkin_at(monkeypatch, store, catalog, others)
    at = open_page(start_app(), CHECKIN)
    # resumed past the last section answered: the review, which lists the section left open
    assert "Look it over" in [h.value for h in at.header]
    at.button(key="edit_micro_hurts").click().run()
    assert section_title(at) == "Small hurts this month"
    prefix = f"a:{checkin_id}:micro_hurts:"
    seen = [bar(at)]
    assert seen[-1][1].endswith("· 41 of 47 questions answered")

    # "Once" brings two follow-ups: "was it mended?", open, and "what did it stir?", answered whatever is chosen
    # (any that fit: none too); two answered more (it and its chips), two asked more
    at.radio(key=prefix + "unheard_often").set_value(1).run()
    seen.append(bar(at))
    assert seen[-1][1].endswith("· 43 of 49 questions answered")  # the questions that exist now
    at.radio(key=prefix + "forgotten_often").set_value(0).run()
    seen.append(bar(at))
    assert seen[-1][1].endswith("· 44 of 49 questions answered")
    # an answer changed from "not this month" to "often": one answered more, two asked more (45 of 51 is less
    # than 44 of 49)
    at.radio(key=prefix + "forgotten_often").set_value(2).run()
    seen.append(bar(at))
    assert seen[-1][1].endswith("· 45 of 51 questions answered")
    # then the follow-ups answered: the bar moves on from where it stood
    at.radio(key=prefix + "unheard_repaired").set_value(2).run()
    seen.append(bar(at))
    at.radio(key=prefix + "forgotten_repaired").set_value(1).run()
    seen.append(bar(at))

    assert int(45 / 51 * 100) < int(44 / 49 * 100)  # the drop the bar must not show
    values = [v for v, _ in seen]
    assert values == sorted(values), seen  # never back
    assert values[-2] == int(46 / 51 * 100) > values[-3]  # on again, from where it stood, once answers catch up
    assert values[-1] == int(47 / 51 * 100)  # and honest


def test_next_with_open_questions_asks_once_then_goes_on(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkin_id = checkin_at(monkeypatch, store, catalog, ())
    at = open_page(start_app(), CHECKIN)
    prefix = f"a:{checkin_id}:bids:"
    at.radio(key=prefix + "toward_me").set_value(3).run()
    at.radio(key=prefix + "away_from_me").set_value(1).run()
    assert not at.info

    at.button(key="next_0").click().run()  # four still open: asked, kindly, and still here
    assert section_title(at) == "Bids for connection"
    [asked] = [i.value for i in at.info]
    assert asked.startswith("4 questions here are still open. You can answer them now, or tap Next again")
    at.radio(key=prefix + "against_me").set_value(0).run()  # the count follows the answers
    [asked] = [i.value for i in at.info]
    assert asked.startswith("3 questions here are still open.")

    at.button(key="next_0").click().run()  # a second tap goes on, the blanks left blank
    assert section_title(at) == "Small hurts this month"
    assert not at.info
    at.button(key="back_1").click().run()
    at.button(key="next_0").click().run()  # asked once per section: not again
    assert section_title(at) == "Small hurts this month"

    # a section answered in full goes on at once
    for it in instrument(catalog, "micro_hurts").items:
        if it.show_if is None:
            at.radio(key=f"a:{checkin_id}:micro_hurts:{it.id}").set_value(0).run()
    at.button(key="next_1").click().run()
    assert section_title(at) == "Built-up feelings"
    for step in range(2, 6):
        at.button(key=f"next_{step}").click().run()
        at.button(key=f"next_{step}").click().run()
    # the last section's "Review my answers" never asks: the review itself lists what is left open
    assert section_title(at) == "Feeling safe"
    at.button(key="next_6").click().run()
    assert section_title(at) == "Look it over"
    stored = app_store().checkins.answers(checkin_id)
    assert set(stored["bids"]) == {"toward_me", "away_from_me", "against_me"}
    assert set(stored) == {"bids", "micro_hurts"}


def test_a_section_opened_by_a_tap_lands_on_its_title_and_a_saved_answer_moves_nothing(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkin_id = checkin_at(monkeypatch, store, catalog, ("bids",))
    at = open_page(start_app(), CHECKIN)  # the page as opened: it stays where the browser put it
    assert section_title(at) == "Small hurts this month"
    assert "const token = null," in landing(at)

    at.button(key="back_1").click().run()  # opened by a tap: lands on the title, at the top of the page
    first = landing(at)
    assert f'const token = "{checkin_id}:1",' in first and "toTop = true;" in first
    assert 'title = "Bids for connection",' in first
    at.radio(key=f"a:{checkin_id}:bids:toward_me").set_value(2).run()  # saved: the same script, nothing moves
    assert landing(at) == first

    at.button(key="next_0").click().run()
    second = landing(at)
    assert f'const token = "{checkin_id}:2",' in second and "toTop = false;" in second
    assert 'title = "Small hurts this month",' in second


def test_an_answer_tapped_after_the_sign_in_ended_is_not_saved(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on a phone left idle: once the sign-in had ended, the next tap on an answer still saved it (the
    answer is saved by the radio's callback, which Streamlit runs before the page checks who is signed in)
    and only then did the page ask to sign in. Now nothing is written, and the page asks to sign in."""
    checkin_id = checkin_at(monkeypatch, store, catalog, ())
    at = open_page(start_app(), CHECKIN)
    assert section_title(at) == "Bids for connection"
    at.radio(key=f"a:{checkin_id}:bids:toward_me").set_value(2).run()
    assert set(app_store().checkins.answers(checkin_id).get("bids", {})) == {"toward_me"}  # saved while signed in
    app_store().engine.transaction(lambda cur: cur.execute("UPDATE sign_ins SET ended_at = current_timestamp"))
    at.radio(key=f"a:{checkin_id}:bids:away_from_me").set_value(1).run()
    assert set(app_store().checkins.answers(checkin_id).get("bids", {})) == {"toward_me"}
    assert [t.value for t in at.title] == ["Sign in"]


def test_a_private_question_says_so_in_words_a_screen_reader_reads(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: a private question's lock icon was read out as the word "lock" after the question."""
    order = [i.id for i in catalog.instruments]
    first = next(i for i in catalog.instruments if any(it.private for it in i.items))
    checkin_id = checkin_at(monkeypatch, store, catalog, tuple(order[: order.index(first.id)]))
    at = open_page(start_app(), CHECKIN)
    assert section_title(at) == first.title
    private = next(it for it in first.items if it.private and it.show_if is None)
    [label] = [w.label for w in at.radio if w.key == f"a:{checkin_id}:{first.id}:{private.id}"]
    assert label == f"{private.text} (private)"
    assert not [w.label for w in at.radio if ":material/" in w.label]


def test_a_reload_opens_the_section_the_partner_was_on(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: on section 7 with a question of section 1 left open, a reload (a phone reloading a tab it had put
    aside) went back to section 1. The address holds the open section; a new session opens it again."""
    checkin_at(monkeypatch, store, catalog, ())
    at = open_page(start_app(), CHECKIN)
    assert section_title(at) == catalog.instruments[0].title and at.query_params["section"] in ("1", ["1"])
    for _ in range(4):  # Next, twice a section (its open questions are asked about once, then it goes on)
        if section_title(at) != catalog.instruments[2].title:
            next(b for b in at.button if b.label == "Next").click().run()
    assert section_title(at) == catalog.instruments[2].title
    assert at.query_params["section"] in ("3", ["3"]), at.query_params
    again = open_page(start_app(section="3"), CHECKIN)  # the same address in a new session
    assert section_title(again) == catalog.instruments[2].title
    for odd in ("0", "99", "²", "review; drop", "1" * 5000):  # (int() of 5,000 digits raised)
        assert section_title(open_page(start_app(section=odd), CHECKIN)) == catalog.instruments[0].title


def test_choose_any_that_fit_with_none_chosen_leaves_nothing_open(
    store: Database, catalog: Catalog, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: every radio of "Small hurts this month" answered, none of its "What did it stir in me? Choose any
    that fit." chips fitting: Next said "6 questions here are still open", the review "12 of 18 answered" with
    "left blank" under each chip question, and progress never reached the end. Choosing none is an answer."""
    others = tuple(i.id for i in catalog.instruments if i.id != "micro_hurts")
    checkin_id = checkin_at(monkeypatch, store, catalog, others)
    hurts = instrument(catalog, "micro_hurts")
    at = open_page(start_app(), CHECKIN)
    at.button(key="edit_micro_hurts").click().run()
    assert section_title(at) == hurts.title
    prefix = f"a:{checkin_id}:micro_hurts:"
    for it in hurts.items:
        if it.kind != "multi" and it.show_if is None:
            at.radio(key=prefix + it.id).set_value(1).run()  # once: its follow-ups show
    for it in hurts.items:
        if it.id.endswith("_repaired"):
            at.radio(key=prefix + it.id).set_value(1).run()
    chips = [b for b in at.button_group if b.label == "What did it stir in me? Choose any that fit."]
    assert len(chips) == 6 and all(b.value == [] for b in chips)
    assert bar(at) == (100, "Section 2 of 7 · 59 of 59 questions answered")

    at.button(key="next_1").click().run()  # nothing open: on at once, without asking
    assert section_title(at) == catalog.instruments[2].title
    assert not at.info

    again = open_page(start_app(), CHECKIN)  # a new visit: everything answered, so the review
    assert section_title(again) == "Look it over"
    assert f"{hurts.title}: 18 of 18 answered" in [e.label for e in again.expander]
    [section] = [e for e in again.expander if e.label.startswith(hurts.title)]
    said = [unescape(m.value) for m in section.markdown]
    chip_answers = [m for m in said if m.startswith("What did it stir in me?")]
    assert chip_answers == ["What did it stir in me? Choose any that fit.  \n**_none chosen_**"] * 6, said
    assert not [m for m in said if "left blank" in m]

    # nothing stored for a choice of none: no theme is signalled by it
    stored = app_store().checkins.answers(checkin_id)["micro_hurts"]
    assert not [k for k in stored if k.endswith("_themes")]
