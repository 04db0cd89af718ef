"""Issue 11 end to end: norms in a questionnaire file, `check-assessments DIR` against the project's own
themes (schema and meaning problems in one pass, `--stats`), the exported `changes` table, the blank
"was it mended?" answer, and the session report's table of changes."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np

from mendwell import analysis, caseload, charts, stats, views
from mendwell.data import Database
from mendwell.instruments import Catalog, load_catalog
from mendwell.report import build_report
from tests.support.cli import ok, run_cli
from tests.support.data import check_in, make_couple_ids, month, new_database
from tests.support.paths import ASSESSMENTS
from tests.support.population import instrument_toml, load_population

NORMS = (
    "{ clinical_mean = 1.2, clinical_sd = 0.6, community_mean = 2.8, community_sd = 0.5, "
    'source = "Test manual (2024)" }'
)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the file format -----------------------------------------------------------------------------------


def test_norms_are_validated_and_old_files_keep_their_hash(tmp_path: Path) -> None:
    good = load_catalog([_write(tmp_path / "ok", "sim.toml", instrument_toml(norms=NORMS))])
    assert not good.problems
    assert good.instruments[0].subscales[0].norms is not None
    no_source = NORMS.replace(', source = "Test manual (2024)"', "")
    wrong_way = NORMS.replace("community_mean = 2.8", "community_mean = 0.4")
    outside = NORMS.replace("clinical_mean = 1.2", "clinical_mean = -1")
    for text, field, words in (
        (no_source, "subscales[level].norms.source", "is required"),
        (wrong_way, "subscales[level].norms", "higher side"),
        (outside, "subscales[level].norms.clinical_mean", "outside the possible scores"),
    ):
        bad = load_catalog([_write(tmp_path / field.replace("[", "_").replace("]", ""), "sim.toml",
                                   instrument_toml(norms=text))])  # fmt: skip
        assert [(p.field, words in p.message) for p in bad.problems] == [(field, True)], bad.problems
    # a file without norms hashes exactly as before norms existed (no "changed without a version bump")
    shipped = load_catalog([ASSESSMENTS])
    assert {i.id: i.content_hash() for i in shipped.instruments}["bids"] == "8b891e2e76c7352a"


def test_check_assessments_dir_uses_the_projects_themes_and_reports_schema_and_meaning_together(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "therapist"
    own = (
        instrument_toml("mine")
        .replace('subscale = "level_0"', "")
        .replace('text = "Item 0 of level."', 'text = "Item 0 of level."\nthemes = ["alone", "unseen"]')
    )
    _write(folder, "mine.toml", own)
    result = run_cli(tmp_path / "unused.duckdb", "check-assessments", str(folder))
    ok(result)
    assert "does not exist" not in result.stdout
    # one schema problem (a bad kind) and one meaning problem (an unknown theme) in the same file
    broken = own.replace('id = "mine"', 'id = "broken"', 1).replace('kind = "likert"', 'kind = "slider"', 1)
    broken = broken.replace('themes = ["alone", "unseen"]', 'themes = ["alone", "nowhere"]')
    broken = broken.replace('id = "level_1"', 'id = "level_1"\nthemes = ["nowhere"]', 1)
    path = _write(folder, "broken.toml", broken)
    result = run_cli(tmp_path / "unused.duckdb", "check-assessments", str(folder))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert any(".kind: must be one of" in line for line in lines), lines
    assert any("items[level_1].themes: theme 'nowhere' does not exist" in line for line in lines), lines


def test_check_assessments_stats_shows_declared_and_measured(tmp_path: Path, catalog: Catalog) -> None:
    db = new_database(tmp_path / "stats.duckdb", catalog, demo=(20, 2, 4))
    result = ok(run_cli(db, "check-assessments", "--stats"))
    assert "Reliability per subscale, measured from the first check-ins" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("bids/my_bids_met\t"))
    declared, measured, used = row.split("\t")[1:4]
    assert declared == "0.80" and measured != "-" and used.startswith("measured (")


# -- the changes table -------------------------------------------------------------------------------------


def _simulated_store(store: Database, tmp_path: Path) -> tuple[Catalog, list[int]]:
    folder = tmp_path / "sim"
    _write(folder, "sim.toml", instrument_toml(items=6, higher_is={"level": "better"}, norms=NORMS))
    catalog = load_catalog([folder])
    store.definitions.register(catalog.instruments)
    rng = np.random.default_rng(5)
    true = np.repeat(rng.normal(1.2, 0.5, (40, 1)), 6, axis=1)
    true[:2, 3:] += 1.6  # the first couple recovers from the fourth month on
    return catalog, load_population(store, catalog.instruments[0], {"level": true}, 0.5, rng)


def test_export_writes_the_changes_table(store: Database, tmp_path: Path) -> None:
    _, partners = _simulated_store(store, tmp_path)
    from mendwell.export import EVERYTHING, export

    written = export(store, tmp_path / "out", "csv", scope=EVERYTHING)
    with written["changes"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:16] == [
        "couple_id", "partner_id", "period", "instrument_id", "subscale_id", "score", "reference_period",
        "reference_score", "sd", "sd_source", "reliability", "reliability_source", "threshold", "verdict",
        "clinical_class", "cutoff",
    ]  # fmt: skip
    assert {r["verdict"] for r in rows} <= set(stats.VERDICTS)
    assert {r["sd_source"] for r in rows} == {"norms (clinical SD): Test manual (2024)"}
    assert {r["reliability_source"] for r in rows} == {"measured: Cronbach's alpha from first check-ins of 40 partners"}
    first = [r for r in rows if int(r["partner_id"]) == partners[0]]
    assert first[0]["verdict"] == "can't tell" and first[0]["clinical_class"] == ""
    assert {r["clinical_class"] for r in first[3:]} <= {"recovered", "improved"}
    assert any(r["clinical_class"] == "recovered" for r in first[3:])
    for r in rows:  # the verdict is what the exported numbers say
        if r["verdict"] in ("improved", "worsened", "no reliable change"):
            change = float(r["score"]) - float(r["reference_score"])
            assert (abs(change) > float(r["threshold"])) == (r["verdict"] != "no reliable change")


def test_norms_cutoff_is_drawn_and_the_report_shows_the_changes(store: Database, tmp_path: Path) -> None:
    catalog, partners = _simulated_store(store, tmp_path)
    inst = catalog.instruments[0]
    meta = charts.subscale_meta(inst, "level")
    assert meta.cutoff == (0.6 * 2.8 + 0.5 * 1.2) / 1.1
    rc = analysis.reliable_change(store, 1)
    fig = charts.trend_figure(analysis.with_gaps(rc), meta, [charts.PartnerStyle(partners[0], "P", 1)])
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and math.isclose(lines[0].y0, meta.cutoff)
    assert any("Test manual (2024)" in a.text for a in fig.layout.annotations)
    marks = [t for t in fig.data if (t.meta or {}).get("role") == "reliable_change"]
    assert marks and all(t.marker.symbol == "triangle-up" for t in marks)  # the line went up: ▲
    classes = views.trend_numbers(analysis.with_gaps(rc), {partners[0]: "P"})["Clinical class"]
    assert "recovered (norms: Test manual (2024))" in set(classes)
    html = build_report(store, catalog, 1, month(-13), month(-7))
    assert "Changes since the starting point" in html and "recovered (norms: Test manual (2024))" in html
    rel = caseload.reliability_table(store, catalog)
    assert rel.loc[0, "used"].startswith("measured (") and "norms" in rel.loc[0, "sd_from"]


def test_a_blank_was_it_mended_counts_as_not_known(store: Database, catalog: Catalog) -> None:
    couple_id, ann, _ = make_couple_ids(store)
    check_in(
        store,
        catalog,
        ann,
        month(0),
        {"micro_hurts": {"unheard_often": 2, "unheard_repaired": 2, "forgotten_often": 1, "sarcasm_often": 3,
                         "sarcasm_repaired": 0}},
    )  # fmt: skip
    row = analysis.repair_counts(store, couple_id).iloc[0]
    # forgotten's follow-up left blank: not known, never "not yet"
    assert (row["named"], row["mended"], row["partly"], row["not_yet"], row["unanswered"]) == (3, 1, 0, 1, 1)


def test_an_erased_couple_takes_its_start_mark_along(store: Database, catalog: Catalog) -> None:
    couple_id, ann, _ = make_couple_ids(store)
    check_in(store, catalog, ann, month(0), {"bids": {"toward_me": 2}})
    analysis.mark_start_of_therapy(store, couple_id, dt.date(2025, 3, 14))
    assert analysis.start_of_therapy(store, couple_id) == dt.date(2025, 3, 1)
    store.couples.erase(couple_id)
    assert store.engine.one("SELECT count(*) FROM baselines") == (0,)
