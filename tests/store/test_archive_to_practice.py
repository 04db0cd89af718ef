"""A couple's history brought from home to their therapist's practice database, and again a month later.

Every home database starts its ids at 1 and many couples call themselves the same thing: the practice
must take each home couple in as a couple of its own, never merge it into another by id or by name,
and the same couple's later archive must add only what is new.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mendwell import recording, vault
from mendwell.archive import export_archive, import_archive, preview_archive
from mendwell.data import Database
from mendwell.errors import ArchiveError
from mendwell.instruments import Catalog
from mendwell.model import Couple
from tests.support.data import check_in, month, new_database, opened, whole_plan

PASSCODE = "home-pass-1"


def _home(path: Path, catalog: Catalog, name: str, months: int, *, draft_last: bool) -> None:
    """A home database: one couple `name`, `months` months of check-ins (the last a draft, if asked)."""
    with opened(path) as db:
        db.definitions.register(catalog.instruments)
        couple_id = db.couples.create(name, ["Sam", "Alex"])
        couple = db.couples.get(couple_id)
        assert couple is not None
        for i in range(months):
            last = i == months - 1
            for p in couple.partners:
                check_in(db, catalog, p.partner_id, month(i), whole_plan(catalog, 1 + (i % 3)),
                         submit=not (last and draft_last))  # fmt: skip


def _couple(db: Database, couple_id: int) -> Couple:
    found = db.couples.get(couple_id)
    assert found is not None
    return found


def _months(db: Database, couple_id: int, status: str = "submitted") -> int:
    listed = db.checkins.listing(couple_id)
    return int((listed["status"] == status).sum())


def test_home_archives_come_in_as_couples_of_their_own_and_later_ones_add_only_what_is_new(
    tmp_path: Path, catalog: Catalog
) -> None:
    practice = tmp_path / "practice.duckdb"
    with opened(practice) as db:
        db.definitions.register(catalog.instruments)
        practice_us = db.couples.create("Us", ["Robin", "Kai"])  # the practice's own couple 1, also "Us"
        db.couples.create("Other clients", ["Lee", "Max"])
        check_in(db, catalog, _couple(db, practice_us).partners[0].partner_id, month(0), whole_plan(catalog, 2))

    home = tmp_path / "home.duckdb"
    _home(home, catalog, "Us", 3, draft_last=True)
    with opened(home) as h:
        first_archive = export_archive(h, tmp_path / "us-1.zip", 1)

    with opened(practice) as db:
        before = {c.couple_id: c for c in db.couples.all()}
        plan = preview_archive(db, first_archive)
        assert {c.couple_id: c for c in db.couples.all()} == before  # a preview changes nothing
        assert plan.lines == ["Us: a new couple here (#3), with 6 check-ins"], plan.lines
        added = import_archive(db, first_archive)
        assert added["couples"] == 1 and added["partners"] == 2
        couples = db.couples.all()
        assert len(couples) == 3
        imported = next(c for c in couples if c.couple_id not in before)
        assert imported.name == "Us" and [p.name for p in imported.partners] == ["Sam", "Alex"]
        # the practice's own "Us" is untouched: same partners, same single check-in
        assert _couple(db, practice_us).partners == before[practice_us].partners
        assert _months(db, practice_us) == 1
        assert _months(db, imported.couple_id) == 2 * 2 and _months(db, imported.couple_id, "draft") == 2
        again = import_archive(db, first_archive)
        assert all(n == 0 for n in again.values()), again  # the same archive twice: nothing new

    # a month later at home: the drafts were submitted and a new month added; a partner renamed
    with opened(home) as h:
        couple = _couple(h, 1)
        for p in couple.partners:
            draft = h.checkins.get(p.partner_id, month(2))
            assert draft is not None
            assert h.checkins.submit(draft.checkin_id, catalog)
            check_in(h, catalog, p.partner_id, month(3), whole_plan(catalog, 3))
        h.couples.rename_partner(couple.partners[0].partner_id, "Samantha")
        later_archive = export_archive(h, tmp_path / "us-2.zip", 1)

    with opened(practice) as db:
        report = import_archive(db, later_archive)
        assert report["couples"] == 0 and report["partners"] == 0
        assert report["checkins"] == 2  # only the new month, for each partner
        assert report.lines[0] == (
            f"Us (#{imported.couple_id}): the same couple; 2 check-ins added, 2 drafts replaced by their submitted "
            "check-ins, 4 already here"
        ), report.lines
        assert any("'Samantha'" in line and "'Sam'" in line for line in report.lines), report.lines
        assert _months(db, imported.couple_id) == 4 * 2 and _months(db, imported.couple_id, "draft") == 0
        assert len(db.couples.all()) == 3

    # a second home couple: ids from 1 too, and also called "Us"
    other_home = tmp_path / "other-home.duckdb"
    _home(other_home, catalog, "Us", 2, draft_last=False)
    with opened(other_home) as h:
        other_archive = export_archive(h, tmp_path / "other-us.zip", 1)
    with opened(practice) as db:
        report = import_archive(db, other_archive)
        assert report["couples"] == 1
        us = [c for c in db.couples.all() if c.name == "Us"]
        assert len(us) == 3  # three different couples named "Us", none merged into another
        assert len({c.couple_id for c in us}) == 3


def test_what_an_import_adds_is_counted_in_words(tmp_path: Path, catalog: Catalog) -> None:
    """Found: "Ada & Priya: a new couple here (#20), with 11 check-in(s)" and "...; 3 check-in(s) added"."""
    practice, home = tmp_path / "practice.duckdb", tmp_path / "home.duckdb"
    new_database(practice, catalog)
    with opened(home) as h:
        h.definitions.register(catalog.instruments)
        ada, priya = _couple(h, h.couples.create("Ada & Priya", ["Ada", "Priya"])).partners
        draft = check_in(h, catalog, ada.partner_id, month(0), whole_plan(catalog, 1), submit=False)
        first = export_archive(h, tmp_path / "first.zip")
    with opened(practice) as db:
        assert preview_archive(db, first).lines == ["Ada & Priya: a new couple here (#1), with 1 check-in"]
        import_archive(db, first)

    with opened(home) as h:  # the draft submitted, and a month more
        assert h.checkins.submit(draft, catalog)
        check_in(h, catalog, ada.partner_id, month(1), whole_plan(catalog, 2))
        second = export_archive(h, tmp_path / "second.zip")
    with opened(practice) as db:
        assert import_archive(db, second).lines == [
            "Ada & Priya (#1): the same couple; 1 check-in added, 1 draft replaced by its submitted check-in"
        ]

    with opened(home) as h:  # Priya's two months
        for i in (0, 1):
            check_in(h, catalog, priya.partner_id, month(i), whole_plan(catalog, 3))
        third = export_archive(h, tmp_path / "third.zip")
    with opened(practice) as db:
        assert import_archive(db, third).lines == [
            "Ada & Priya (#1): the same couple; 2 check-ins added, 2 already here"
        ]


def test_sealed_notes_open_with_the_same_passcode_in_the_practice(tmp_path: Path, catalog: Catalog) -> None:
    home = tmp_path / "home.duckdb"
    with opened(home) as h:
        h.definitions.register(catalog.instruments)
        h.couples.create("Us", ["Sam", "Alex"])
        sam = _couple(h, 1).partners[0].partner_id
        vault.change_partner_passcode(h, sam, None, PASSCODE)
        key = vault.derive_key(h, sam, PASSCODE)
        ck = h.checkins.open(sam, month(0))
        recording.save_note(h, ck.checkin_id, "only for me, sealed", True, key)
        assert h.checkins.submit(ck.checkin_id, catalog)
        arc = export_archive(h, tmp_path / "us.zip", 1)
    practice = tmp_path / "practice.duckdb"
    with opened(practice) as db:
        db.definitions.register(catalog.instruments)
        for name in ("A", "B", "C"):
            db.couples.create(name, [f"{name}1", f"{name}2"])  # ids 1 to 3 and partners 1 to 6 are taken
        import_archive(db, arc)
        us = next(c for c in db.couples.all() if c.name == "Us")
        sam_here = us.partners[0].partner_id
        assert sam_here != sam  # a new id here ...
        found = db.checkins.get(sam_here, month(0))
        assert found is not None
        # ... and the same passcode still opens the note (the salt travelled; the note keeps its sealing)
        assert recording.readable_note(db, found.checkin_id, vault.derive_key(db, sam_here, PASSCODE)) == (
            "only for me, sealed",
            True,
        )


def test_a_month_answered_differently_is_refused_whole(tmp_path: Path, catalog: Catalog) -> None:
    home = tmp_path / "home.duckdb"
    _home(home, catalog, "Us", 2, draft_last=False)
    with opened(home) as h:
        arc = export_archive(h, tmp_path / "us.zip", 1)
    practice = tmp_path / "practice.duckdb"
    with opened(practice) as db:
        db.definitions.register(catalog.instruments)
        import_archive(db, arc)
    # the home database is changed behind the app's back: a submitted month answered otherwise
    with opened(home) as h:
        h.engine.transaction(lambda cur: cur.execute(
            "UPDATE responses SET value = CASE WHEN value = 4 THEN 0 ELSE 4 END WHERE checkin_id = 1 "
            "AND instrument_id = 'bids' AND item_id = (SELECT min(item_id) FROM responses WHERE checkin_id = 1 "
            "AND instrument_id = 'bids' AND value IS NOT NULL)"))  # fmt: skip
        changed = export_archive(h, tmp_path / "us-changed.zip", 1)
    with opened(practice) as db:
        before = db.engine.table_counts()
        with pytest.raises(ArchiveError, match="answered differently in this database and in the archive"):
            import_archive(db, changed)
        assert db.engine.table_counts() == before


def _safety_answers(db: Database, couple_id: int) -> int:
    row = db.engine.one(
        "SELECT count(*) FROM responses r JOIN checkins c USING (checkin_id) WHERE c.couple_id = ? "
        "AND r.instrument_id = 'safety'",
        [couple_id],
    )
    return int(row[0]) if row else 0


def test_a_couples_archive_goes_back_into_the_database_it_came_from(tmp_path: Path, catalog: Catalog) -> None:
    """A couple's archive leaves their safety-check answers out (it may be handed to them); found: imported
    back where it came from, every month was "answered differently" (the answers left out counted as a
    difference) and nothing could be imported. A draft replaced by the archive's submitted month keeps its
    safety answers, which the archive does not carry."""
    home = tmp_path / "home.duckdb"
    _home(home, catalog, "Us", 3, draft_last=True)
    with opened(home) as h:
        safety_before = _safety_answers(h, 1)
        assert safety_before > 0  # every month answered the safety check too
        first = export_archive(h, tmp_path / "us-1.zip", 1)
        report = import_archive(h, first)  # the same couple, the same answers: nothing new, no conflict
        assert all(n == 0 for n in report.values()), report
        assert _safety_answers(h, 1) == safety_before
    # the drafts were submitted in a copy (another device), whose archive comes back here
    away = tmp_path / "away.duckdb"
    away.write_bytes(home.read_bytes())
    with opened(away) as a:
        for p in _couple(a, 1).partners:
            draft = a.checkins.get(p.partner_id, month(2))
            assert draft is not None
            assert a.checkins.submit(draft.checkin_id, catalog)
        later = export_archive(a, tmp_path / "us-2.zip", 1)
    with opened(home) as h:
        report = import_archive(h, later)
        assert report.lines == [
            "Us (#1): the same couple; 2 drafts replaced by their submitted check-ins, 4 already here"
        ], report.lines
        assert report.words == "2 drafts replaced by their submitted check-ins"  # (it said "answers to drafts")
        assert _months(h, 1) == 3 * 2 and _months(h, 1, "draft") == 0
        assert _safety_answers(h, 1) == safety_before  # the replaced drafts' safety answers are kept


def test_names_come_in_without_direction_controls(tmp_path: Path, catalog: Catalog) -> None:
    """Found: an archive's couple "Lena\\u202e & Ada" came in as it was, and the sidebar's chooser read backwards."""
    home = tmp_path / "home.duckdb"
    _home(home, catalog, "Lena & Ada", 1, draft_last=False)
    with opened(home) as h:  # as an older Mendwell, or a hand-made archive, may hold them
        h.engine.transaction(lambda cur: cur.execute("UPDATE couples SET name = 'Lena\u202e & Ada'"))
        h.engine.transaction(lambda cur: cur.execute("UPDATE partners SET name = '\u2067' || name || '\u2069'"))
        arc = export_archive(h, tmp_path / "lena.zip", 1)
    practice = tmp_path / "practice.duckdb"
    with opened(practice) as db:
        db.definitions.register(catalog.instruments)
        import_archive(db, arc)
        [couple] = db.couples.all()
        assert couple.name == "Lena & Ada" and [p.name for p in couple.partners] == ["Sam", "Alex"]
