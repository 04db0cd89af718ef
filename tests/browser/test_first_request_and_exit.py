"""In Chromium, on a real `streamlit run app.py`:

- a share link, or a deep link, as the very first request after the server starts sends the
  browser to sign in first (/signin?next=...), then lands on the page it asks for (and a share
  link on the couple it names, shared, showing no other couple);
- the safety check's "Leave now" replaces the whole page with the neutral page on the first
  click, tab title included, and signs the partner out.

Screenshots go to the `artifacts` folder (look at them).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from mendwell import neutral, periods
from mendwell.checkin import Answer, make_answer
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog, Instrument, Item
from tests.support.auth import partner_accounts, therapist
from tests.support.browser import CHART, sign_in_here, wait_for_calm
from tests.support.server import ServerFactory

# Names no page text could hold by chance, so "not on the page" means what it says.
COUPLE_NAMES = ("Quillfeather household", "Marrowdale household", "Thistlewick household")
PARTNER_NAMES = (("Ottoline", "Barnaby"), ("Cordelia", "Peregrine"), ("Xanthippe", "Zebulon"))
CHECKIN_WORDS = (
    "Monthly check-in",
    "Who is checking in?",
    "Feeling safe",
    "afraid of my partner",
    "Thank you for telling us",
    "Leave now",
    "questions answered",
    "Rosalind",
    "Tobias",
    "Mendwell",
)
EXIT_WAIT_MS = 15_000  # a hang guard for the one click: the neutral page must come without a second one
DOCTOR = "Dr Firstlight"  # a therapist granted the three couples


# -- helpers ----------------------------------------------------------------------------------


def h1(page: Page, text: str) -> Locator:
    return page.locator("h1").filter(has_text=text)


def body_text(page: Page) -> str:
    """What a person can read on the page."""
    return page.locator("body").inner_text().replace("\u2060", "")


def demo_db(db_file: Path, catalog: Catalog) -> list[tuple[int, str, tuple[str, str]]]:
    """Three demo couples with submitted check-ins, renamed to unmistakable names, and a therapist
    (`DOCTOR`) granted all three: [(couple_id, couple name, partner names)] in the app's couple
    order. The file is closed."""
    db = Database(db_file)
    try:
        db.definitions.register(catalog.instruments)
        generate(db, catalog, couples=3, months=6, seed=1)
        couples = db.couples.all()
        assert len(couples) == 3
        out: list[tuple[int, str, tuple[str, str]]] = []
        for couple, name, partner_names in zip(couples, COUPLE_NAMES, PARTNER_NAMES, strict=True):
            db.couples.rename(couple.couple_id, name)
            for partner, partner_name in zip(couple.partners, partner_names, strict=True):
                db.couples.rename_partner(partner.partner_id, partner_name)
            listing = db.checkins.listing(couple.couple_id)
            assert (listing["status"] == "submitted").sum() >= 4, listing
            out.append((couple.couple_id, name, partner_names))
        therapist(db, DOCTOR, [cid for cid, _, _ in out])
        return out
    finally:
        db.close()  # DuckDB allows one process: the server opens the file next


def some_answer(inst: Instrument, it: Item) -> Answer:
    """A valid answer to any question: the lowest point of a scale, "no", the first option."""
    lo = inst.scale(it)[0]
    first = it.options[0].value if it.options else lo
    raw: object = {"yesno": 0, "multi": [first], "choice": first, "text": "All fine."}.get(it.kind, lo)
    answer = make_answer(inst, it, raw)
    assert answer is not None, (inst.id, it.id)
    return answer


# -- a first request that is a link -------------------------------------------------------------


@pytest.mark.browser
def test_share_link_as_first_request_lands_on_its_page_and_couple(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, page: Page, artifacts: Path
) -> None:
    couples = demo_db(db_file, catalog)
    x_id, _x_name, x_partners = couples[-1]
    assert x_id != couples[0][0]  # not the couple the app would choose by itself
    others = [word for cid, name, partners in couples if cid != x_id for word in (name, *partners)]
    srv = server_factory(db_file)

    asked = f"/trends?share=1&couple={x_id}"
    page.goto(srv.url + asked)  # the server's first page request
    # sent to sign in first, with the link kept; signing in goes on to it
    expect(page).to_have_url(f"{srv.url}/signin?next={quote(asked, safe='')}")
    sign_in_here(page, DOCTOR)

    expect(h1(page, "Trends")).to_be_visible()
    wait_for_calm(page)
    expect(page.locator(CHART).first).to_be_visible()  # Plotly has drawn (its legends name the partners)
    # the numbers behind a chart are a tap away (sent when unfolded)
    page.get_by_text("Show the numbers").first.click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_for_calm(page)
    expect(page.locator("h1")).to_have_count(1)
    sidebar = page.get_by_test_id("stSidebar")
    # the share-mode notice (not merely the "Sharing" page link), its way out, and no couple chooser
    expect(
        sidebar.get_by_test_id("stMarkdown").filter(has_text="Only this couple's charts are on screen")
    ).to_be_visible()
    expect(sidebar.get_by_text("● Sharing")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Stop sharing")).to_be_visible()
    expect(sidebar.get_by_test_id("stSelectbox")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/trends\?(.*&)?couple={x_id}(&|$)"))
    assert "share=1" in page.url
    html, text = page.content(), body_text(page)
    for word in others:
        assert word not in html, f"{word!r} of another couple is in the page HTML"
        assert word not in text, f"{word!r} of another couple is on screen"
    for name in x_partners:  # in the summary sentences and the charts' legends
        assert name in html, f"{name!r} of the couple asked for is not on the page"
        assert name in text, f"{name!r} of the couple asked for is not on screen"
    page.screenshot(path=str(artifacts / "first-request-share-trends.png"))


@pytest.mark.browser
def test_deep_link_as_first_request_lands_on_its_page(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, page: Page, artifacts: Path
) -> None:
    couples = demo_db(db_file, catalog)
    srv = server_factory(db_file)

    page.goto(f"{srv.url}/history")  # the server's first page request
    expect(page).to_have_url(f"{srv.url}/signin?next=%2Fhistory")
    sign_in_here(page, DOCTOR)

    expect(h1(page, "History")).to_be_visible()
    wait_for_calm(page)
    # History's own content has drawn: whose history, the check-ins and the scores tables
    expect(page.get_by_test_id("stRadio").filter(has_text="Whose history?")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)
    for table in page.get_by_test_id("stDataFrame").all():
        expect(table).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")).to_be_visible()
    wait_for_calm(page)
    expect(page.locator("h1")).to_have_count(1)
    expect(h1(page, "History")).to_have_count(1)
    expect(h1(page, couples[0][1])).to_have_count(0)  # Home's title is the couple's name
    # still History; the address now holds the couple on screen, for a reload (no sharing in it)
    expect(page).to_have_url(re.compile(rf"/history\?couple={couples[0][0]}$"))
    expect(page.get_by_test_id("stSidebar").get_by_text("Only this couple's charts are on screen")).to_have_count(0)
    page.screenshot(path=str(artifacts / "first-request-history.png"))


# -- the safety check's quick exit ---------------------------------------------------------------


@pytest.mark.browser
def test_leave_now_takes_effect_on_the_first_click(
    db_file: Path, catalog: Catalog, server_factory: ServerFactory, page: Page, artifacts: Path
) -> None:
    instruments = list(catalog.instruments)
    safety_step = next(i for i, inst in enumerate(instruments) if inst.id == "safety")
    db = Database(db_file)
    try:
        db.definitions.register(instruments)
        couple_id = db.couples.create("Rosalind & Tobias", ["Rosalind", "Tobias"])
        couple = db.couples.get(couple_id)
        assert couple is not None
        partner_accounts(db, couple)
        checkin = db.checkins.open(couple.partners[0].partner_id, periods.month_start())
        # every section but the safety check answered: the draft resumes there
        for inst in instruments:
            if inst.id != "safety":
                db.checkins.save_answers(checkin.checkin_id, inst, {it.id: some_answer(inst, it) for it in inst.items})
    finally:
        db.close()
    srv = server_factory(db_file)

    page.goto(f"{srv.url}/checkin")
    sign_in_here(page, "Rosalind")  # her own check-in, straight where she left it
    expect(h1(page, "Monthly check-in")).to_be_visible()
    wait_for_calm(page)
    expect(page.locator("h1, h2, h3").filter(has_text="Feeling safe")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_contain_text(f"Section {safety_step + 1} of {len(instruments)}")
    wait_for_calm(page)

    afraid = page.get_by_test_id("stRadio").filter(has_text="afraid of my partner")
    afraid.get_by_test_id("stRadioOption").get_by_text("Yes", exact=True).click()
    expect(afraid.locator("input:checked")).to_have_count(1)
    leave = page.get_by_role("button", name="Leave now")
    expect(leave).to_be_visible()
    wait_for_calm(page)
    # one more answer: the section is drawn again around the button before it is tapped
    controlled = page.get_by_test_id("stRadio").filter(has_text="felt controlled by my partner")
    controlled.get_by_test_id("stRadioOption").get_by_text("No", exact=True).click()
    expect(controlled.locator("input:checked")).to_have_count(1)
    wait_for_calm(page)
    expect(leave).to_be_visible()
    page.screenshot(path=str(artifacts / "leave-now-before.png"))

    # Once; nothing else is clicked after this. The tap and a reading of the screen in one task of the page,
    # so no answer of the server can come between them: what is readable the instant after the tap.
    at_tap = page.evaluate(
        """() => {
            document.querySelector('.st-key-leave_now button').click();
            return {text: document.body.innerText, title: document.title};
        }"""
    )
    assert at_tap["title"] == "Lentil soup"
    for word in (*CHECKIN_WORDS, "Rosalind", "Tobias", "Mendwell"):
        assert word not in at_tap["text"], f"{word!r} is readable the instant after the tap on Leave now"
    expect(h1(page, "Lentil soup")).to_be_visible(timeout=EXIT_WAIT_MS)
    expect(page).to_have_title("Lentil soup", timeout=EXIT_WAIT_MS)
    wait_for_calm(page)
    # Under load the browser can draw the finished run a moment after it says the run is over: what a person
    # sees is waited for (a short time), never read from one instant.
    body = page.locator("body")
    expect(body).to_contain_text("red lentils", use_inner_text=True)
    for word in (*CHECKIN_WORDS, "Rosalind", "Tobias"):
        expect(body, f"{word!r} is still on screen after Leave now").not_to_contain_text(word, use_inner_text=True)

    assert page.title() == "Lentil soup"
    assert "Mendwell" not in page.title()
    expect(page.locator("h1")).to_have_count(1)
    html = page.content()
    for word in ("Rosalind", "Tobias", "Who is checking in?", "afraid of my partner", "Leave now"):
        assert word not in html, f"{word!r} is still in the page HTML after Leave now"
    expect(page.get_by_test_id("stRadio")).to_have_count(0)
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()  # no empty sidebar either, however loaded
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_hidden()
    # the address bar names nothing of the check-in (it had stayed "/?section=…"), and a reload keeps the recipe
    expect(page).to_have_url(f"{srv.url}{neutral.PATH}")
    page.screenshot(path=str(artifacts / "leave-now-neutral.png"))
    page.reload()
    expect(h1(page, "Lentil soup")).to_be_visible()
    expect(page).to_have_url(f"{srv.url}{neutral.PATH}")

    # it signed her out: the app's address shows nothing of hers, only the recipe, until its "Done"
    page.goto(f"{srv.url}/checkin")
    expect(page).to_have_url(f"{srv.url}{neutral.PATH}")
    assert "Rosalind" not in page.content() and "Feeling safe" not in body_text(page)
