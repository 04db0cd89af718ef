"""Instrument file validation: every breach is reported with its file, field and a plain message."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mendwell.checkin import PRIVATE_NOTICE, help_for
from mendwell.config import PROJECT_DIR
from mendwell.instruments import (
    Catalog,
    Problem,
    assessment_dirs,
    load_catalog,
    load_instrument,
    load_themes,
)
from mendwell.limits import QUESTIONNAIRE_FILE_BYTES_MAX, QUESTIONNAIRE_ITEMS_MAX

ASSESSMENTS = PROJECT_DIR / "assessments"
Data = dict[str, Any]

THEMES_TOML = """
[[themes]]
id = "unseen"
title = "Unseen"
description = "Passed by unnoticed."

[[themes]]
id = "alone"
title = "Alone"
"""


# -- helpers -----------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    """One TOML value, written inline (tables as inline tables, lists as arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[\n  " + ",\n  ".join(_toml_value(v) for v in value) + ",\n]" if value else "[]"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(data: Data) -> str:
    """A whole instrument as TOML text (top-level keys, values inline)."""
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in data.items())


def valid_instrument() -> Data:
    """A small instrument that passes every check; tests break exactly one thing in a copy."""
    return {
        "id": "probe",
        "title": "Probe",
        "version": 1,
        "summary": "A small valid instrument for tests.",
        "order": 5,
        "response": {"min": 0, "max": 4, "labels": ["never", "once", "some", "often", "always"]},
        "subscales": [
            {
                "id": "s1",
                "title": "First",
                "higher_is": "better",
                "scoring": "mean",
                "reliability": 0.8,
                "bands": [
                    {"below": 1.5, "label": "Low", "tone": "concern"},
                    {"below": 2.5, "label": "Middle", "tone": "watch"},
                    {"label": "High", "tone": "ok"},
                ],
            },
        ],
        "items": [
            {"id": "q1", "kind": "likert", "text": "First?", "subscale": "s1", "themes": ["unseen"]},
            {"id": "q2", "kind": "likert", "text": "Second?", "subscale": "s1", "reverse": True},
            {
                "id": "q3",
                "kind": "choice",
                "text": "Third?",
                "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes", "theme": "alone"}],
                "show_if": {"item": "q1", "above": 0},
            },
            {"id": "q4", "kind": "text", "text": "Anything else?", "max_chars": 500},
        ],
    }


def write_dir(tmp_path: Path, data: Data | str | bytes, name: str = "probe.toml", themes: bool = True) -> Path:
    """Write one instrument (dict, TOML text or raw bytes) and themes.toml into a fresh directory."""
    d = tmp_path / "assessments"
    d.mkdir(exist_ok=True)
    if themes:
        (d / "themes.toml").write_text(THEMES_TOML, encoding="utf-8")
    path = d / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else to_toml(data), encoding="utf-8")
    return path


def problems_after(tmp_path: Path, mutate: Callable[[Data], object]) -> tuple[Path, list[Problem]]:
    """Write the valid instrument changed by `mutate`, load the directory, return its problems."""
    data = copy.deepcopy(valid_instrument())
    mutate(data)
    path = write_dir(tmp_path, data)
    catalog = load_catalog([path.parent])
    assert catalog.get("probe") is None, "a file with problems must not load"
    assert catalog.problems, "expected a problem"
    return path, list(catalog.problems)


def only_problem(tmp_path: Path, mutate: Callable[[Data], object]) -> Problem:
    """The single problem the mutation causes, checked to be on the instrument file."""
    path, problems = problems_after(tmp_path, mutate)
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].file == str(path)
    return problems[0]


def item(data: Data, item_id: str) -> Data:
    """The item dict with this id."""
    return next(it for it in data["items"] if it["id"] == item_id)


def sub(data: Data, subscale_id: str = "s1") -> Data:
    """The subscale dict with this id."""
    return next(s for s in data["subscales"] if s["id"] == subscale_id)


def add_item(data: Data, **fields: Any) -> None:
    """Append an item (likert 'q5' unless told otherwise)."""
    data["items"].append({"id": "q5", "kind": "likert", "text": "Fifth?", **fields})


# -- the helper itself is valid -------------------------------------------------------------


def test_valid_instrument_loads_without_problems(tmp_path: Path) -> None:
    """The base every other test breaks loads cleanly, so each failure below is the mutation's."""
    path = write_dir(tmp_path, valid_instrument())
    catalog = load_catalog([path.parent])
    assert catalog.problems == ()
    inst = catalog.get("probe")
    assert inst is not None
    assert [it.id for it in inst.items] == ["q1", "q2", "q3", "q4"]
    assert inst.scale(inst.item("q2")) == (0, 4)
    assert catalog.sources == {"probe": str(path)}
    assert set(catalog.themes) == {"unseen", "alone"}


# -- reading the file ----------------------------------------------------------------------------


def test_invalid_toml_syntax(tmp_path: Path) -> None:
    """A syntax error names the file, the whole file as field, and says it is not valid TOML."""
    path = write_dir(tmp_path, to_toml(valid_instrument()) + 'oops = "unterminated\n')
    inst, problems = load_instrument(path)
    assert inst is None
    assert len(problems) == 1
    assert (problems[0].file, problems[0].field) == (str(path), "(file)")
    assert "is not valid TOML" in problems[0].message


def test_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported as such (not as a crash)."""
    raw = to_toml(valid_instrument()).replace("Probe", "Caf\xe9").encode("latin-1")
    path = write_dir(tmp_path, raw)
    inst, problems = load_instrument(path)
    assert inst is None
    assert problems == [Problem(str(path), "(file)", "is not UTF-8 text")]


# -- shape (pydantic) ------------------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    """A misspelt top-level key is named and called unknown."""
    p = only_problem(tmp_path, lambda d: d.update(sumary="typo"))
    assert p.field == "sumary"
    assert "not a known key" in p.message


def test_unknown_item_key(tmp_path: Path) -> None:
    """A misspelt item key is reported under the item's id."""
    p = only_problem(tmp_path, lambda d: item(d, "q2").update(revers=True))
    assert p.field == "items[q2].revers"
    assert "not a known key" in p.message


def test_broken_only_item_reports_only_that_item(tmp_path: Path) -> None:
    """A file whose single item is broken gets that item's problem, not a spurious 'no items' too."""

    def one_bad_item(d: Data) -> None:
        d["subscales"] = []
        d["items"] = [{"id": "q1", "kind": "likert", "text": "Only?", "colour": "red"}]

    p = only_problem(tmp_path, one_bad_item)
    assert p.field == "items[q1].colour"
    assert "not a known key" in p.message


def test_empty_items_list_is_explained_plainly(tmp_path: Path) -> None:
    """`items = []` is reported in plain words, not pydantic's jargon."""
    p = only_problem(tmp_path, lambda d: d.update(items=[], subscales=[]))
    assert p.field == "items"
    assert "at least 1" in p.message
    assert "tuple" not in p.message.lower()


@pytest.mark.parametrize("key", ["id", "title", "version", "summary", "items"])
def test_missing_required_key(tmp_path: Path, key: str) -> None:
    """Each required top-level key, when left out, is named as required."""
    if key == "items":
        p = only_problem(tmp_path, lambda d: (d.pop("items"), d.update(subscales=[])))
    else:
        p = only_problem(tmp_path, lambda d: d.pop(key))
    assert p.field == key
    assert p.message == "is required"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(id="Bad-Id"), "id"),
        (lambda d: d.update(id="1st"), "id"),
        (lambda d: sub(d).update(id="S 1"), "subscales[S 1].id"),
    ],
    ids=["instrument-dash", "instrument-digit-first", "subscale-space"],
)
def test_bad_id_pattern(tmp_path: Path, mutate: Callable[[Data], object], field: str) -> None:
    """Ids must be lowercase letters, digits and _, starting with a letter."""
    p = only_problem(tmp_path, mutate)
    assert p.field == field
    assert p.message == "must use lowercase letters, digits and _ and start with a letter"


def test_bad_item_id_pattern(tmp_path: Path) -> None:
    """A bad item id is named by the id the writer used."""

    def rename(d: Data) -> None:
        item(d, "q4")["id"] = "Notes!"

    p = only_problem(tmp_path, rename)
    assert p.field == "items[Notes!].id"
    assert "start with a letter" in p.message


def test_wrong_type(tmp_path: Path) -> None:
    """`version = "one"` says a whole number is needed."""
    p = only_problem(tmp_path, lambda d: d.update(version="one"))
    assert p.field == "version"
    assert p.message == "must be a whole number"


def test_kind_not_in_list(tmp_path: Path) -> None:
    """An unknown item kind lists the allowed kinds."""
    p = only_problem(tmp_path, lambda d: item(d, "q1").update(kind="slider"))
    assert p.field == "items[q1].kind"
    assert p.message.startswith("must be one of")
    for kind in ("likert", "choice", "multi", "count", "yesno", "text"):
        assert kind in p.message


def test_show_if_with_two_tests(tmp_path: Path) -> None:
    """show_if takes exactly one of above, below, equals."""
    p = only_problem(tmp_path, lambda d: item(d, "q3")["show_if"].update(below=3))
    assert p.field == "items[q3].show_if"
    assert "exactly one of above, below or equals" in p.message


# -- meaning: items and subscales ---------------------------------------------------------------


def test_duplicate_item_ids(tmp_path: Path) -> None:
    """A second item with the same id is reported, pointing at the first."""
    p = only_problem(tmp_path, lambda d: item(d, "q2").update(id="q1"))
    assert p.field == "items[q1].id"
    assert "duplicate item id 'q1'" in p.message
    assert "item 1" in p.message


def test_duplicate_subscale_ids(tmp_path: Path) -> None:
    """Two subscales with one id are reported once."""

    def dup(d: Data) -> None:
        d["subscales"].append({"id": "s1", "title": "Again", "higher_is": "worse"})

    p = only_problem(tmp_path, dup)
    assert p.field == "subscales[s1].id"
    assert "duplicate subscale id 's1'" in p.message


def test_item_names_missing_subscale(tmp_path: Path) -> None:
    """An item scored in a subscale that is not in the file."""
    p = only_problem(tmp_path, lambda d: item(d, "q2").update(subscale="nope"))
    assert p.field == "items[q2].subscale"
    assert "subscale 'nope' does not exist" in p.message


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "text"},
        {"kind": "multi", "options": [{"value": 1, "label": "A"}, {"value": 2, "label": "B"}]},
    ],
    ids=["text", "multi"],
)
def test_unscorable_item_in_subscale(tmp_path: Path, fields: Data) -> None:
    """Text and multi items have no score, so they cannot sit in a subscale."""
    p = only_problem(tmp_path, lambda d: add_item(d, subscale="s1", **fields))
    assert p.field == "items[q5].subscale"
    assert f"a {fields['kind']} item cannot be scored" in p.message


def test_reverse_on_non_likert(tmp_path: Path) -> None:
    """Only likert items can be reversed."""
    p = only_problem(tmp_path, lambda d: item(d, "q3").update(reverse=True))
    assert p.field == "items[q3].reverse"
    assert "only likert" in p.message
    assert "choice" in p.message


def test_likert_without_any_scale(tmp_path: Path) -> None:
    """Without a file-wide [response], each likert item lacking its own scale is named."""
    path, problems = problems_after(tmp_path, lambda d: d.pop("response"))
    assert [p.field for p in problems] == ["items[q1].response", "items[q2].response"]
    assert all("needs a scale" in p.message and p.file == str(path) for p in problems)


def test_likert_with_own_scale_needs_no_file_scale(tmp_path: Path) -> None:
    """An item-level scale is enough on its own (the counterpart of the test above)."""
    data = valid_instrument()
    data.pop("response")
    scale = {"min": 1, "max": 3, "labels": ["a", "b", "c"]}
    for it in data["items"][:2]:
        it["response"] = scale
    path = write_dir(tmp_path, data)
    inst, problems = load_instrument(path, ["unseen", "alone"])
    assert problems == []
    assert inst is not None and inst.scale(inst.item("q1")) == (1, 3)


@pytest.mark.parametrize(
    ("mutate", "field", "phrase"),
    [
        (
            lambda d: d["response"].update(labels=["a", "b", "c", "d"]),
            "response.labels",
            "4 labels given but the range 0..4 has 5 values",
        ),
        (
            lambda d: item(d, "q2").update(response={"min": 0, "max": 4, "labels": ["a", "b"]}),
            "items[q2].response.labels",
            "2 labels given but the range 0..4 has 5 values",
        ),
        (
            lambda d: d["response"].pop("labels"),
            "response.labels",
            "5 labels are needed",
        ),
    ],
    ids=["file-scale", "item-scale", "file-scale-no-labels"],
)
def test_labels_count(tmp_path: Path, mutate: Callable[[Data], object], field: str, phrase: str) -> None:
    """A likert scale needs exactly one label per value min..max."""
    p = only_problem(tmp_path, mutate)
    assert p.field == field
    assert phrase in p.message


@pytest.mark.parametrize(("lo", "hi"), [(2, 2), (3, 1)])
def test_max_not_above_min(tmp_path: Path, lo: int, hi: int) -> None:
    """A scale's max must be greater than its min."""
    p = only_problem(tmp_path, lambda d: add_item(d, response={"min": lo, "max": hi, "labels": ["x"]}))
    assert p.field == "items[q5].response.max"
    assert f"max ({hi}) must be greater than min ({lo})" in p.message


def test_choice_with_one_option(tmp_path: Path) -> None:
    """A choice item needs at least two options."""
    p = only_problem(tmp_path, lambda d: item(d, "q3").update(options=[{"value": 0, "label": "Only"}]))
    assert p.field == "items[q3].options"
    assert "at least two options" in p.message


def test_duplicate_option_values(tmp_path: Path) -> None:
    """Two options with one value are ambiguous."""
    p = only_problem(tmp_path, lambda d: item(d, "q3")["options"][1].update(value=0))
    assert p.field == "items[q3].options"
    assert "option value 0 is used more than once" in p.message


def test_options_on_likert(tmp_path: Path) -> None:
    """A likert item takes a scale, not options."""
    p = only_problem(tmp_path, lambda d: item(d, "q1").update(options=[{"value": 0, "label": "A"}]))
    assert p.field == "items[q1].options"
    assert "a likert item does not take options" in p.message


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: item(d, "q1").update(themes=["unseen", "nope"]), "items[q1].themes"),
        (lambda d: item(d, "q3")["options"][1].update(theme="nope"), "items[q3].options"),
    ],
    ids=["item-theme", "option-theme"],
)
def test_unknown_theme(tmp_path: Path, mutate: Callable[[Data], object], field: str) -> None:
    """Themes on items and options must exist in themes.toml."""
    p = only_problem(tmp_path, mutate)
    assert p.field == field
    assert "theme 'nope' does not exist in themes.toml" in p.message


# -- meaning: show_if -------------------------------------------------------------------------------


def test_show_if_pointing_at_later_item(tmp_path: Path) -> None:
    """A condition on an item asked later cannot be evaluated in order."""
    p = only_problem(tmp_path, lambda d: item(d, "q1").update(show_if={"item": "q2", "above": 0}))
    assert p.field == "items[q1].show_if.item"
    assert "later" in p.message
    assert "earlier" in p.message


def test_show_if_pointing_at_missing_item(tmp_path: Path) -> None:
    """A condition on an item that does not exist."""
    p = only_problem(tmp_path, lambda d: item(d, "q3")["show_if"].update(item="ghost"))
    assert p.field == "items[q3].show_if.item"
    assert "item 'ghost' does not exist" in p.message
    assert "later" not in p.message


def test_show_if_on_itself(tmp_path: Path) -> None:
    """An item cannot depend on its own answer."""
    p = only_problem(tmp_path, lambda d: item(d, "q3")["show_if"].update(item="q3"))
    assert p.field == "items[q3].show_if.item"
    assert "cannot depend on itself" in p.message


def test_show_if_on_text_item(tmp_path: Path) -> None:
    """A text answer has no number to test."""
    p = only_problem(tmp_path, lambda d: add_item(d, show_if={"item": "q4", "above": 0}))
    assert p.field == "items[q5].show_if.item"
    assert "'q4' is a text item" in p.message


# -- meaning: bands ---------------------------------------------------------------------------------


def _bands(*bounds: float | None) -> list[Data]:
    """Bands with these `below` bounds (None leaves it out)."""
    out: list[Data] = []
    for i, b in enumerate(bounds):
        band: Data = {"label": f"band {i}", "tone": "watch"}
        if b is not None:
            band["below"] = b
        out.append(band)
    return out


@pytest.mark.parametrize(
    ("bands", "field", "phrase"),
    [
        (_bands(2.5, 1.5, None), "subscales[s1].bands[1].below", "out of order: 1.5 does not come after 2.5"),
        (_bands(2.0, 2.0, None), "subscales[s1].bands[1].below", "out of order"),
        (_bands(1.5, None, None), "subscales[s1].bands[1].below", "only the last band may leave out"),
        (_bands(1.5, 2.5, 3.5), "subscales[s1].bands[2].below", "the last band must leave out 'below'"),
        (_bands(1.5, 4.5, None), "subscales[s1].bands[1].below", "4.5 is outside the possible scores 0..4"),
        (_bands(0, 2.5, None), "subscales[s1].bands[0].below", "0 is outside the possible scores 0..4"),
    ],
    ids=["out-of-order", "equal-bounds", "middle-without-below", "last-with-below", "above-max", "at-min"],
)
def test_band_breaches(tmp_path: Path, bands: list[Data], field: str, phrase: str) -> None:
    """Bands are ordered, only the last is open, and every bound lies inside the score range."""
    p = only_problem(tmp_path, lambda d: sub(d).update(bands=bands))
    assert p.field == field
    assert phrase in p.message


def test_band_bound_on_sum_scale(tmp_path: Path) -> None:
    """A sum subscale's range is the sum of its items' ranges: 0..8 here, so 8.5 is out."""
    p = only_problem(tmp_path, lambda d: sub(d).update(scoring="sum", bands=_bands(1.5, 8.5, None)))
    assert p.field == "subscales[s1].bands[1].below"
    assert "8.5 is outside the possible scores 0..8" in p.message


def test_band_bound_valid_for_sum_only(tmp_path: Path) -> None:
    """The range follows the scoring: 6 fits a sum of two 0..4 items but not their mean."""
    data = valid_instrument()
    sub(data).update(scoring="sum", bands=_bands(1.5, 6, None))
    inst, problems = load_instrument(write_dir(tmp_path, data), ["unseen", "alone"])
    assert problems == [] and inst is not None
    data = valid_instrument()
    sub(data).update(bands=_bands(1.5, 6, None))
    _, problems = load_instrument(write_dir(tmp_path, data), ["unseen", "alone"])
    assert [(p.field, "6 is outside the possible scores 0..4" in p.message) for p in problems] == [
        ("subscales[s1].bands[1].below", True)
    ]


def test_subscale_without_items(tmp_path: Path) -> None:
    """A subscale nothing is scored in."""

    def empty(d: Data) -> None:
        d["subscales"].append({"id": "s2", "title": "Empty", "higher_is": "worse"})

    p = only_problem(tmp_path, empty)
    assert p.field == "subscales[s2]"
    assert "no item is scored" in p.message


def test_subscale_mixing_private_and_shared(tmp_path: Path) -> None:
    """A subscale must be all private or all shared."""
    p = only_problem(tmp_path, lambda d: item(d, "q2").update(private=True))
    assert p.field == "subscales[s1]"
    assert "mixes private and shared" in p.message


def test_all_private_subscale_is_valid_and_private(tmp_path: Path) -> None:
    """The counterpart: making every item private gives a valid private subscale."""
    data = valid_instrument()
    for it in data["items"][:2]:
        it["private"] = True
        it.pop("themes", None)  # a private item carries no theme (see the next test)
    item(data, "q3").pop("show_if")  # a shared follow-up of a private answer would tell it (tested below)
    inst, problems = load_instrument(write_dir(tmp_path, data), ["unseen", "alone"])
    assert problems == [] and inst is not None
    assert inst.is_private_subscale("s1")


def _follow_up_of_a_private_item(data: Data, private: bool) -> None:
    add_item(data, private=True)
    data["items"].append(
        {"id": "q6", "kind": "choice", "text": "Did you say so?", "private": private,
         "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
         "show_if": {"item": "q5", "above": 1}}
    )  # fmt: skip


def test_a_shared_follow_up_of_a_private_item_is_refused(tmp_path: Path) -> None:
    """Whether a shared question was asked would tell the partner what the private answer it follows was
    (found: such a file loaded, and `check-assessments` said all good)."""
    p = only_problem(tmp_path, lambda d: _follow_up_of_a_private_item(d, private=False))
    assert p.field == "items[q6].show_if.item"
    assert "'q5' is private" in p.message and "make this item private too" in p.message
    data = copy.deepcopy(valid_instrument())
    _follow_up_of_a_private_item(data, private=True)  # a private follow-up tells no one anything
    inst, problems = load_instrument(write_dir(tmp_path, data), ["unseen", "alone"])
    assert problems == [] and inst is not None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: add_item(d, private=True, themes=["alone"]),
        lambda d: item(d, "q3").update(private=True),
    ],
    ids=["item-theme", "option-theme"],
)
def test_private_item_with_themes(tmp_path: Path, mutate: Callable[[Data], object]) -> None:
    """Themes show in shared views, so a private item (or its options) may not carry one."""
    p = only_problem(tmp_path, mutate)
    assert p.field in ("items[q5].themes", "items[q3].themes")
    assert "private item cannot carry themes" in p.message


@pytest.mark.parametrize(
    ("fields", "phrase"),
    [
        ({"mirror": "ghost"}, "item 'ghost' does not exist"),
        ({"mirror": "q1", "response": {"min": 0, "max": 2, "labels": ["a", "b", "c"]}}, "same kind and scale"),
        ({"mirror": "q3", "kind": "likert"}, "same kind and scale"),
    ],
    ids=["missing", "different-scale", "different-kind"],
)
def test_mirror_breaches(tmp_path: Path, fields: Data, phrase: str) -> None:
    """A mirror must name an item of the same kind and scale."""
    p = only_problem(tmp_path, lambda d: add_item(d, **fields))
    assert p.field == "items[q5].mirror"
    assert phrase in p.message


# -- themes files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "phrase"),
    [
        ("", "themes", "is required"),
        ("# nothing yet\n", "themes", "is required"),
        ("themes = []\n", "themes", "at least 1"),
        (THEMES_TOML + '\n[[themes]]\nid = "alone"\ntitle = "Alone again"\n', "themes[alone].id", "duplicate theme id"),
        ('[[themes]]\nid = "Bad Theme"\ntitle = "X"\n', "themes[Bad Theme].id", "lowercase"),
    ],
    ids=["empty", "comment-only", "empty-list", "duplicate", "bad-id"],
)
def test_themes_file_breaches(tmp_path: Path, text: str, field: str, phrase: str) -> None:
    """themes.toml is validated like an instrument file."""
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_themes(path)
    assert len(problems) == 1, [str(p) for p in problems]
    assert (problems[0].file, problems[0].field) == (str(path), field)
    assert phrase in problems[0].message


def test_duplicate_theme_keeps_first(tmp_path: Path) -> None:
    """With a duplicate theme id the first definition is kept."""
    path = tmp_path / "themes.toml"
    path.write_text(THEMES_TOML + '\n[[themes]]\nid = "alone"\ntitle = "Second"\n', encoding="utf-8")
    themes, _ = load_themes(path)
    assert themes["alone"].title == "Alone"


def test_theme_defined_in_two_directories(tmp_path: Path) -> None:
    """A theme id defined again in another directory is reported there, and the first one kept."""
    first = tmp_path / "a"
    second = tmp_path / "b"
    for d in (first, second):
        d.mkdir()
        (d / "themes.toml").write_text(THEMES_TOML, encoding="utf-8")
    catalog = load_catalog([first, second])
    assert sorted((p.file, p.field) for p in catalog.problems) == [
        (str(second / "themes.toml"), "themes[alone].id"),
        (str(second / "themes.toml"), "themes[unseen].id"),
    ]
    assert all("already defined elsewhere" in p.message for p in catalog.problems)
    assert set(catalog.themes) == {"unseen", "alone"}


# -- loading several files --------------------------------------------------------------------------------


def test_same_instrument_id_in_two_files(tmp_path: Path) -> None:
    """The second file with a used id is skipped, and its problem names the first file."""
    first = write_dir(tmp_path, valid_instrument(), name="a_first.toml")
    second_data = valid_instrument()
    second_data["title"] = "Impostor"
    second = write_dir(tmp_path, second_data, name="b_second.toml")
    catalog = load_catalog([first.parent])
    assert len(catalog.problems) == 1
    p = catalog.problems[0]
    assert (p.file, p.field) == (str(second), "id")
    assert "instrument id 'probe' is already used by" in p.message
    assert str(first) in p.message
    assert "skipped" in p.message
    inst = catalog.get("probe")
    assert inst is not None and inst.title == "Probe"
    assert catalog.sources["probe"] == str(first)


def test_bad_file_does_not_stop_good_file(tmp_path: Path) -> None:
    """Problems in one file leave the other instruments loaded."""
    good = write_dir(tmp_path, valid_instrument(), name="good.toml")
    bad_data = valid_instrument()
    bad_data["id"] = "other"
    item(bad_data, "q1")["kind"] = "slider"
    bad = write_dir(tmp_path, bad_data, name="bad.toml")
    broken = write_dir(tmp_path, "id = [", name="broken.toml")
    catalog = load_catalog([good.parent])
    assert [i.id for i in catalog.instruments] == ["probe"]
    assert catalog.bad_files == sorted([str(bad), str(broken)])
    assert {p.file for p in catalog.problems} == {str(bad), str(broken)}


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    """A directory that does not exist is a problem, not a crash; the others still load."""
    good = write_dir(tmp_path, valid_instrument())
    missing = tmp_path / "not-here"
    catalog = load_catalog([missing, good.parent])
    assert catalog.problems == (Problem(str(missing), "(directory)", "not found or not a directory"),)
    assert catalog.get("probe") is not None


def test_assessment_dirs_reads_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MENDWELL_ASSESSMENTS adds os.pathsep-separated directories after the built-in one."""
    extra_a = tmp_path / "extra_a"
    extra_b = tmp_path / "extra b"
    monkeypatch.delenv("MENDWELL_BUILTIN_ASSESSMENTS", raising=False)
    monkeypatch.setenv("MENDWELL_ASSESSMENTS", os.pathsep.join([str(extra_a), " ", str(extra_b), ""]))
    assert assessment_dirs() == [ASSESSMENTS, extra_a, extra_b]
    assert assessment_dirs(tmp_path / "mine") == [tmp_path / "mine", extra_a, extra_b]
    monkeypatch.delenv("MENDWELL_ASSESSMENTS")
    assert assessment_dirs() == [ASSESSMENTS]


def test_env_directory_instruments_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An instrument in an extra directory joins the real ones, using the built-in themes."""
    data = valid_instrument()
    data["id"] = "therapist_extra"
    extra = write_dir(tmp_path, data, themes=False).parent
    monkeypatch.delenv("MENDWELL_BUILTIN_ASSESSMENTS", raising=False)
    monkeypatch.setenv("MENDWELL_ASSESSMENTS", str(extra))
    catalog = load_catalog(assessment_dirs())
    assert catalog.problems == ()
    assert catalog.get("therapist_extra") is not None
    assert catalog.get("bids") is not None


def test_problem_str_format() -> None:
    """A problem prints as FILE: FIELD: message, exactly."""
    p = Problem("assessments/x.toml", "items[q2].reverse", "only likert items can be reversed")
    assert str(p) == "assessments/x.toml: items[q2].reverse: only likert items can be reversed"


def test_problem_str_of_a_loaded_problem(tmp_path: Path) -> None:
    """The same format for a problem found by loading."""
    p = only_problem(tmp_path, lambda d: item(d, "q3").update(reverse=True))
    assert str(p) == f"{p.file}: items[q3].reverse: only likert items can be reversed (this one is choice)"


# -- the real instruments -------------------------------------------------------------------------------------


def test_real_instruments_load_cleanly(catalog: Catalog) -> None:
    """Every shipped instrument loads with zero problems."""
    assert catalog.problems == ()
    files = sorted(p.stem for p in ASSESSMENTS.glob("*.toml") if p.name != "themes.toml")
    assert sorted(i.id for i in catalog.instruments) == files
    assert len(catalog.themes) >= 5


def test_real_instruments_have_directed_banded_subscales(catalog: Catalog) -> None:
    """Each scored instrument has subscales with a direction, bands, and scored items.

    The safety check is the one exception: it is never scored, and all its items are private.
    """
    for inst in catalog.instruments:
        if inst.safety:
            assert not inst.subscales and all(it.private for it in inst.items), inst.id
            continue
        assert inst.subscales, inst.id
        for sc in inst.subscales:
            where = f"{inst.id}.{sc.id}"
            assert sc.higher_is in ("better", "worse"), where
            assert len(sc.bands) >= 2, where
            assert sc.bands[-1].below is None, where
            assert all(b.below is not None for b in sc.bands[:-1]), where
            assert inst.items_of(sc.id), where


def test_real_private_subscales_are_all_private(catalog: Catalog) -> None:
    """Every subscale with a private item is made only of private items, and some exist."""
    private_found = []
    for inst in catalog.instruments:
        for sc in inst.subscales:
            flags = {it.private for it in inst.items_of(sc.id)}
            assert len(flags) == 1, f"{inst.id}.{sc.id} mixes private and shared"
            if flags == {True}:
                assert inst.is_private_subscale(sc.id)
                private_found.append(f"{inst.id}.{sc.id}")
    assert "intimacy.desire_pressure" in private_found
    assert "resentment.private_signs" in private_found


def test_real_show_if_targets_are_earlier_numeric_items(catalog: Catalog) -> None:
    """Every follow-up in the shipped files depends on an earlier item with a number."""
    for inst in catalog.instruments:
        ids = [it.id for it in inst.items]
        for pos, it in enumerate(inst.items):
            if it.show_if is not None:
                assert ids.index(it.show_if.item) < pos
                assert inst.item(it.show_if.item).kind != "text"


def test_a_private_questions_help_says_it_is_private_once(catalog: Catalog) -> None:
    """Every private question of the real files says it is private, and never twice (found: a file's help
    beginning "Private: only you will ever see this answer." was followed by the same sentence again)."""
    private = [it for inst in catalog.instruments for it in inst.items if it.private and not inst.safety]
    assert private
    for it in private:
        said = help_for(it) or ""
        assert said.lower().count(PRIVATE_NOTICE.lower()) == 1, (it.id, said)
    shared = next(it for inst in catalog.instruments for it in inst.items if not it.private and it.help)
    assert help_for(shared) == shared.help


def test_a_questionnaire_too_long_for_a_phone_or_too_big_to_read_is_refused(tmp_path: Path) -> None:
    """Found: a file of 20,000 questions loaded. The limits are `QUESTIONNAIRE_ITEMS_MAX` questions and
    `QUESTIONNAIRE_FILE_BYTES_MAX` bytes (refused before the file is read)."""
    many = [{"id": f"x{i}", "kind": "likert", "text": f"Question {i}?"} for i in range(QUESTIONNAIRE_ITEMS_MAX)]
    (tmp_path / "many").mkdir()
    p = only_problem(tmp_path / "many", lambda d: d["items"].extend(many))
    assert p.field == "items" and f"at most {QUESTIONNAIRE_ITEMS_MAX}" in p.message
    big = tmp_path / "big"
    big.mkdir()
    path = write_dir(big, to_toml(valid_instrument()) + "\n# " + "x" * QUESTIONNAIRE_FILE_BYTES_MAX + "\n")
    [problem] = load_catalog([path.parent]).problems
    assert problem.field == "(file)" and "a questionnaire file is at most" in problem.message


def test_a_month_with_no_small_hurts_is_not_called_few(catalog: Catalog) -> None:
    """Found on Together: "Neither of you named a small hurt" above a chart band saying "Few small hurts this
    month". The band that holds a month with none says so (version 2 of the questionnaire)."""
    inst = catalog.get("micro_hurts")
    assert inst is not None and inst.version >= 2
    (frequency,) = [sc for sc in inst.subscales if sc.id == "frequency"]
    assert inst.response is not None
    lowest = inst.response.min  # "Not this month" for every kind of small hurt
    holds_none = next(b for b in frequency.bands if b.below is None or lowest < b.below)
    assert holds_none.label == "Few or no small hurts"
