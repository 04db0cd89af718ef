"""The caseload asks about all of a therapist's couples at once, and about nothing else: each batched query
gives what its one-couple form gives for each couple, and the board of some couples is the same board
whatever other couples the practice holds."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mendwell import analysis, caseload, periods
from mendwell.data import Database
from mendwell.demo import generate
from mendwell.instruments import Catalog
from tests.support.data import check_in, whole_plan

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def practice(store: Database, catalog: Catalog) -> Database:
    """Six demo couples with 14 months each, up to this month (some have missed months)."""
    generate(store, catalog, couples=6, months=14, seed=5)
    return store


def ids_of(db: Database) -> list[int]:
    return [c.couple_id for c in db.couples.all()]


def same_rows(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    """Equal frames, whatever their row order."""
    left, right = a.sort_values(keys, ignore_index=True), b.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_couples_of_some_ids_are_those_couples_with_their_partners(practice: Database) -> None:
    every = practice.couples.all()
    chosen = [every[4].couple_id, every[1].couple_id]
    assert practice.couples.of([*chosen, 999_999]) == [every[1], every[4]]  # oldest first, unknown ids left out
    assert practice.couples.of([]) == []


def test_month_statuses_are_each_couples_month_status(practice: Database) -> None:
    ids = ids_of(practice)
    for month in (periods.month_start(TODAY), dt.date(2026, 3, 1)):
        one_by_one = {c: practice.checkins.month_status(c, month) for c in ids}
        assert practice.checkins.month_statuses(ids, month) == one_by_one


def test_changes_of_some_couples_are_their_changes_one_by_one(practice: Database) -> None:
    ids = ids_of(practice)[1:4]
    batched = practice.analytics.changes_of(ids)
    one_by_one = pd.concat([practice.analytics.changes(c) for c in ids], ignore_index=True)
    assert set(batched["couple_id"]) == set(ids) and len(batched) > 0
    same_rows(batched, one_by_one, ["couple_id", "partner_id", "period", "instrument_id", "subscale_id"])


def test_theme_signals_of_some_couples_from_a_month_on_are_theirs_one_by_one(practice: Database) -> None:
    ids = ids_of(practice)[:3]
    since = dt.date(2026, 6, 1)
    batched = practice.analytics.theme_signals_of(ids, since)
    assert len(batched) > 0 and pd.to_datetime(batched["period"]).min() >= pd.Timestamp(since)
    parts = []
    for c in ids:
        mine = practice.analytics.theme_signals(c)
        parts.append(mine[pd.to_datetime(mine["period"]) >= pd.Timestamp(since)].assign(couple_id=c))
    one_by_one = pd.concat(parts, ignore_index=True)[list(batched.columns)]
    same_rows(batched, one_by_one, list(batched.columns))


def test_flags_of_some_couples_are_the_practice_flags_of_those_couples(practice: Database) -> None:
    ids = ids_of(practice)[2:5]
    everyone = caseload.flags(practice)
    assert not everyone.empty, "the demo raised no flag to compare"
    mine = caseload.flags(practice, ids, analysis.reference(practice))
    same_rows(mine, everyone[everyone["couple_id"].isin(ids)], list(mine.columns))


def test_a_board_is_the_same_whatever_other_couples_the_practice_holds(practice: Database, catalog: Catalog) -> None:
    ids = ids_of(practice)
    mine = ids[:3]
    whole = caseload.board(practice, ids, catalog, TODAY, safety_flag=True)
    part = caseload.board(practice, mine, catalog, TODAY, safety_flag=True, ref=analysis.reference(practice))
    assert sorted(part.table["couple_id"]) == sorted(mine)
    same_rows(part.table, whole.table[whole.table["couple_id"].isin(mine)], ["couple_id"])
    assert part.details == {c: whole.details[c] for c in mine}
    # the board says something about every kind it could: the comparison is not of empty boards
    assert (whole.table[caseload.FLAG_COUNT] > 0).any()
    # and each couple's row is what a board of that couple alone says (its own months, its own themes)
    for c in mine:
        alone = caseload.board(practice, [c], catalog, TODAY, safety_flag=True)
        same_rows(alone.table, whole.table[whole.table["couple_id"] == c], ["couple_id"])
        assert alone.details[c] == whole.details[c]


def test_a_kept_board_is_the_board_built_afresh_and_a_write_builds_only_its_couple_again(
    practice: Database, catalog: Catalog
) -> None:
    """The practice owner's board of every couple, kept between builds (`caseload.BoardCache`): the same board
    as one built afresh, every time; after a couple's check-in only that couple's row is built again (a
    check-in that is not someone's first leaves the reference figures as they were); a change of anything
    every row depends on (the reference figures, the day, the safety setting, the questionnaires) builds all."""
    ids = ids_of(practice)
    cache = caseload.BoardCache()

    def kept(
        ref: pd.DataFrame, *, today: dt.date = TODAY, safety_flag: bool = True, version: str = "v1"
    ) -> caseload.Built:
        got = cache.build(practice, ids, catalog, today, safety_flag=safety_flag, ref=ref, catalog_version=version)
        fresh = caseload.board(practice, ids, catalog, today, safety_flag=safety_flag, ref=ref)
        pd.testing.assert_frame_equal(got.board.table, fresh.table)  # the same rows in the same order
        assert got.board.details == fresh.details
        return got

    ref = analysis.reference(practice)
    first = kept(ref)
    assert first.built == first.asked == sorted(ids)
    again = kept(ref)
    assert again.built == again.asked == []
    before = again.board

    # a partner who has not checked in this month does
    month = periods.month_start(TODAY)
    statuses = practice.checkins.month_statuses(ids, month)
    couple, partner = next(
        (c.couple_id, p.partner_id)
        for c in practice.couples.of(ids)
        for p in c.partners
        if statuses.get(c.couple_id, {}).get(p.partner_id) != "submitted"
    )
    check_in(practice, catalog, partner, month, whole_plan(catalog, 1))
    after_ref = analysis.reference(practice)
    assert analysis.reference_token(after_ref) == analysis.reference_token(ref)  # not anyone's first check-in
    after = kept(after_ref)
    assert after.built == after.asked == [couple]
    row = after.board.table.set_index("couple_id").loc[couple]
    assert row["This month"] != before.table.set_index("couple_id").loc[couple, "This month"]

    # what every row depends on; the scores are asked for again only when the questionnaires change (the
    # reference figures, the day and the safety setting judge the same scores again)
    other_ref = after_ref.assign(ref_sd=after_ref["ref_sd"] * 2, partners=after_ref["partners"] + 1)
    later = TODAY + dt.timedelta(days=1)
    for ref_now, today, safety_flag, version, asked in (
        (other_ref, TODAY, True, "v1", []),
        (other_ref, later, True, "v1", []),
        (other_ref, later, False, "v1", []),
        (other_ref, later, False, "v2", sorted(ids)),
    ):
        got = kept(ref_now, today=today, safety_flag=safety_flag, version=version)
        assert got.built == sorted(ids) and got.asked == asked


def test_a_board_cache_keeps_one_row_a_couple_and_forgets_an_erased_couple(
    practice: Database, catalog: Catalog
) -> None:
    """A row holds a couple's names and flags (a safety check's, too): the cache keeps only each couple's newest
    row, and forgets a couple asked for once it is erased; `forget` forgets them all."""
    ids = ids_of(practice)
    cache = caseload.BoardCache()
    ref = analysis.reference(practice)
    for safety_flag in (True, False, True):  # each a new row for every couple, replacing the one before
        assert cache.build(practice, ids, catalog, TODAY, safety_flag=safety_flag, ref=ref, catalog_version=1).built
    assert len(cache) == len(ids)
    gone = ids[2]
    practice.couples.erase(gone)
    built = cache.build(practice, ids, catalog, TODAY, safety_flag=True, ref=ref, catalog_version=1)
    assert gone not in cache and gone not in built.board.details and gone not in set(built.board.table["couple_id"])
    assert all(c in cache for c in ids if c != gone)
    cache.forget()
    assert not [c for c in ids if c in cache]


def test_a_build_that_read_before_an_erasure_keeps_nothing(
    practice: Database, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure (`forget`) lands while a board is being built from what was read before it: the build still
    answers its caller, but keeps none of those rows (found: they were stored after `forget`, names and a safety
    flag of an erased couple kept in memory)."""
    ids = ids_of(practice)
    cache = caseload.BoardCache()
    ref = analysis.reference(practice)
    real_rows = caseload.rows

    def rows_then_erasure(*args: object, **kwargs: object) -> dict[int, caseload.Row]:
        built = real_rows(*args, **kwargs)  # type: ignore[arg-type]
        cache.forget()  # the Data page's erasure, between this build's reading and its keeping
        return built

    monkeypatch.setattr(caseload, "rows", rows_then_erasure)
    built = cache.build(practice, ids, catalog, TODAY, safety_flag=True, ref=ref, catalog_version=1)
    assert sorted(built.built) == sorted(ids)
    assert len(cache) == 0
    monkeypatch.setattr(caseload, "rows", real_rows)
    assert sorted(cache.build(practice, ids, catalog, TODAY, safety_flag=True, ref=ref, catalog_version=1).built) == (
        sorted(ids)
    )  # nothing was kept: built again
