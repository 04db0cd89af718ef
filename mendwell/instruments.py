"""Instrument files: the schema, loading, and validation.

An instrument is one TOML file in an assessments directory. Pydantic checks
the *shape* of a file (types, required and unknown keys); `_check_meaning`
then checks what pydantic cannot see (references between items, subscales
and themes, band order, privacy rules). Every breach becomes a `Problem`
that prints as ``FILE: FIELD: what is wrong``; one bad file never stops the
others from loading.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mendwell.limits import QUESTIONNAIRE_FILE_BYTES_MAX, QUESTIONNAIRE_ITEMS_MAX

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Kind = Literal["likert", "choice", "multi", "count", "yesno", "text"]
NUMERIC_KINDS = frozenset({"likert", "choice", "count", "yesno"})
THEMES_FILE = "themes.toml"
DEFAULT_COUNT_SCALE = (0, 31)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Scale(_Strict):
    """An answer scale: whole numbers from `min` to `max`, optionally labelled."""

    min: int = 0
    max: int = 4
    labels: tuple[Annotated[str, Field(min_length=1)], ...] | None = None


class Band(_Strict):
    """A named region of a subscale's score range; the last one has no bound."""

    below: float | None = None
    label: Annotated[str, Field(min_length=1)]
    tone: Literal["concern", "watch", "ok"]


class Norms(_Strict):
    """Published norms of a subscale: a clinical and a community (functional) population, and where they come from.

    On the subscale's own score scale. With norms the SD of reliable change is `clinical_sd` and each change
    since baseline gets a Jacobson-Truax class against the cut-off between the two populations.
    """

    clinical_mean: float
    clinical_sd: Annotated[float, Field(gt=0)]
    community_mean: float
    community_sd: Annotated[float, Field(gt=0)]
    source: Annotated[str, Field(min_length=1, max_length=300)]


class Subscale(_Strict):
    """A group of items scored together."""

    id: Id
    title: Annotated[str, Field(min_length=1)]
    higher_is: Literal["better", "worse"]
    scoring: Literal["mean", "sum"] = "mean"
    reliability: Annotated[float, Field(gt=0, lt=1)] | None = None
    description: str | None = None
    bands: tuple[Band, ...] = ()
    norms: Norms | None = None  # optional; added after the first release, so absent means "no norms"


class Option(_Strict):
    """One option of a choice or multi item."""

    value: int
    label: Annotated[str, Field(min_length=1)]
    theme: Id | None = None


class ShowIf(_Strict):
    """Ask an item only after an earlier answer passes this test."""

    item: Id
    above: float | None = None
    below: float | None = None
    equals: float | None = None

    @model_validator(mode="after")
    def _one_test(self) -> ShowIf:
        given = [k for k in ("above", "below", "equals") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of above, below or equals")
        return self

    def passes(self, value: float | None) -> bool:
        """True when the earlier answer `value` opens the item."""
        if value is None:
            return False
        if self.above is not None:
            return value > self.above
        if self.below is not None:
            return value < self.below
        return value == self.equals


class Item(_Strict):
    """One question."""

    id: Id
    kind: Kind
    text: Annotated[str, Field(min_length=1, max_length=500)]
    short: Annotated[str, Field(min_length=1, max_length=40)] | None = None  # a label for charts
    help: str | None = None
    subscale: Id | None = None
    reverse: bool = False
    themes: tuple[Id, ...] = ()
    private: bool = False
    show_if: ShowIf | None = None
    response: Scale | None = None
    options: tuple[Option, ...] | None = None
    max_chars: Annotated[int, Field(ge=1, le=20000)] | None = None
    mirror: Id | None = None


class Instrument(_Strict):
    """One questionnaire section of the monthly check-in."""

    id: Id
    title: Annotated[str, Field(min_length=1)]
    version: Annotated[int, Field(ge=1)]
    summary: Annotated[str, Field(min_length=1)]
    order: int = 100
    safety: bool = False  # a private safety check: see mendwell/safety.py
    response: Scale | None = None
    subscales: tuple[Subscale, ...] = ()
    items: Annotated[tuple[Item, ...], Field(min_length=1)]

    # -- helpers used by scoring, the UI and the demo generator ---------------
    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError when absent)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def subscale(self, subscale_id: str) -> Subscale:
        """The subscale with this id (KeyError when absent)."""
        for sc in self.subscales:
            if sc.id == subscale_id:
                return sc
        raise KeyError(subscale_id)

    def scale(self, it: Item) -> tuple[int, int]:
        """The (min, max) an item's numeric answer can take."""
        if it.kind == "yesno":
            return (0, 1)
        if it.kind in ("choice", "multi") and it.options:
            if it.kind == "multi":
                return (0, len(it.options))
            values = [o.value for o in it.options]
            return (min(values), max(values))
        sc = it.response or (self.response if it.kind == "likert" else None)
        if sc is not None:
            return (sc.min, sc.max)
        if it.kind == "count":
            return DEFAULT_COUNT_SCALE
        return (0, 4)

    def short(self, it: Item) -> str:
        """A short label for charts: `short`, else the item text cut to a few words."""
        if it.short:
            return it.short
        words = it.text.split()
        return " ".join(words[:6]) + ("…" if len(words) > 6 else "")

    def labels(self, it: Item) -> tuple[str, ...]:
        """Labels of a likert item's scale, lowest first."""
        sc = it.response or self.response
        return tuple(sc.labels or ()) if sc else ()

    def items_of(self, subscale_id: str) -> tuple[Item, ...]:
        """The items scored in a subscale."""
        return tuple(it for it in self.items if it.subscale == subscale_id)

    def is_private_subscale(self, subscale_id: str) -> bool:
        """A subscale is private when its items are (mixing is invalid)."""
        items = self.items_of(subscale_id)
        return bool(items) and all(it.private for it in items)

    def visible_items(self, answers: Mapping[str, float | None]) -> list[Item]:
        """Items to ask given the numeric answers so far (`show_if` honoured)."""
        shown: list[Item] = []
        shown_ids: set[str] = set()
        for it in self.items:
            cond = it.show_if
            if cond is None or (cond.item in shown_ids and cond.passes(answers.get(cond.item))):
                shown.append(it)
                shown_ids.add(it.id)
        return shown

    def content_hash(self) -> str:
        """A stable hash of the definition, to notice edits without a version bump."""
        data = self.model_dump(mode="json")
        for sc in data["subscales"]:
            if sc.get("norms") is None:  # keys added later stay out while unused, so old hashes still match
                sc.pop("norms", None)
        blob = json.dumps(data, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Theme(_Strict):
    """One theme of the accumulated story (e.g. feeling unseen)."""

    id: Id
    title: Annotated[str, Field(min_length=1)]
    description: str = ""


class _ThemesFile(_Strict):
    themes: Annotated[tuple[Theme, ...], Field(min_length=1)]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, printed as ``FILE: FIELD: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Catalog:
    """Everything loaded from the assessment directories."""

    instruments: tuple[Instrument, ...] = ()
    themes: Mapping[str, Theme] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    def get(self, instrument_id: str) -> Instrument | None:
        """The instrument with this id, or None."""
        for inst in self.instruments:
            if inst.id == instrument_id:
                return inst
        return None

    @property
    def bad_files(self) -> list[str]:
        """Names of files that could not be loaded, in order."""
        return sorted({p.file for p in self.problems})


# -- formatting pydantic errors ------------------------------------------------

_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a known key (check the spelling)",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "model_type": "must be a table",
    "dict_type": "must be a table",
    "string_too_short": "must not be empty",
}


def _shown(text: str) -> str:
    """A key or id from the file as it can stand in a one-line problem (a newline in it would split the line)."""
    return text if text.isprintable() else repr(text)


def _field_path(loc: Sequence[str | int], raw: Any) -> str:
    """Turn ('items', 2, 'reverse') into 'items[noticed_me].reverse'."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            ident = None
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"]:
                    ident = _shown(node["id"])
            else:
                node = None
            out += f"[{ident}]" if ident else f"[{part}]"
        else:
            # pydantic names union/function branches in loc; they mean nothing to a writer
            if part.startswith(("function-", "constrained-")) or part in ("int", "float", "str"):
                continue
            node = node.get(part) if isinstance(node, dict) else None
            out += f".{_shown(part)}" if out else _shown(str(part))
    return out or "(file)"


def _plain_message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}"
    ctx = err.get("ctx", {})
    bounds = {
        "greater_than_equal": ("ge", "must be {} or more"),
        "greater_than": ("gt", "must be more than {}"),
        "less_than_equal": ("le", "must be {} or less"),
        "less_than": ("lt", "must be less than {}"),
        "string_too_long": ("max_length", "must be at most {} characters long"),
    }
    if kind in bounds and bounds[kind][0] in ctx:
        key, text = bounds[kind]
        return text.format(ctx[key])
    if kind == "string_pattern_mismatch":
        return "must use lowercase letters, digits and _ and start with a letter"
    if kind == "too_short":
        n = err.get("ctx", {}).get("min_length", 1)
        return f"must have at least {n} {'entry' if n == 1 else 'entries'}"
    msg = str(err.get("msg", "is not valid"))
    return msg.removeprefix("Value error, ")[:1].lower() + msg.removeprefix("Value error, ")[1:]


def _pydantic_problems(name: str, exc: ValidationError, raw: Any) -> list[Problem]:
    errors = exc.errors(include_url=False)
    locs = [tuple(err["loc"]) for err in errors]
    problems = []
    for err, loc in zip(errors, locs, strict=True):
        # pydantic also calls a list too short when its entries failed; their own errors say why
        if err["type"] == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs):
            continue
        problems.append(Problem(name, _field_path(err["loc"], raw), _plain_message(err)))
    return problems


# -- meaning checks ---------------------------------------------------------------


def _check_meaning(name: str, inst: Instrument, theme_ids: Iterable[str] | None) -> list[Problem]:
    """Checks across fields that a schema cannot express."""
    problems: list[Problem] = []

    def add(fld: str, msg: str) -> None:
        problems.append(Problem(name, fld, msg))

    themes = set(theme_ids) if theme_ids is not None else None
    subscale_ids = [s.id for s in inst.subscales]
    for sid in sorted({s for s in subscale_ids if subscale_ids.count(s) > 1}):
        add(f"subscales[{sid}].id", f"duplicate subscale id '{sid}'")

    if inst.response is not None:
        _check_scale(add, "response", inst.response, need_labels=True)

    if len(inst.items) > QUESTIONNAIRE_ITEMS_MAX:
        add("items", f"{len(inst.items)} questions: a questionnaire holds at most {QUESTIONNAIRE_ITEMS_MAX}")
    seen: dict[str, int] = {}
    for idx, it in enumerate(inst.items):
        where = f"items[{it.id}]"
        if it.id in seen:
            add(f"{where}.id", f"duplicate item id '{it.id}' (also item {seen[it.id] + 1})")
        else:
            seen[it.id] = idx
        if it.subscale is not None:
            if it.subscale not in subscale_ids:
                add(f"{where}.subscale", f"subscale '{it.subscale}' does not exist in this file")
            if it.kind in ("text", "multi"):
                add(f"{where}.subscale", f"a {it.kind} item cannot be scored in a subscale")
        if it.reverse and it.kind != "likert":
            add(f"{where}.reverse", f"only likert items can be reversed (this one is {it.kind})")
        if it.kind == "likert":
            resp = it.response or inst.response
            if resp is None:
                add(f"{where}.response", "a likert item needs a scale ([response] or [items.response])")
            elif it.response is not None:
                _check_scale(add, f"{where}.response", it.response, need_labels=True)
        elif it.kind == "count":
            if it.response is not None:
                _check_scale(add, f"{where}.response", it.response, need_labels=False)
        elif it.response is not None:
            add(f"{where}.response", f"a {it.kind} item does not take a response scale")
        if it.kind in ("choice", "multi"):
            if not it.options or len(it.options) < 2:
                add(f"{where}.options", f"a {it.kind} item needs at least two options")
            else:
                values = [o.value for o in it.options]
                for dup in sorted({v for v in values if values.count(v) > 1}):
                    add(f"{where}.options", f"option value {dup} is used more than once")
                for o in it.options:
                    if o.theme is not None and themes is not None and o.theme not in themes:
                        add(f"{where}.options", f"theme '{o.theme}' does not exist in themes.toml")
        elif it.options is not None:
            add(f"{where}.options", f"a {it.kind} item does not take options")
        if it.mirror is not None:
            other = next((o for o in inst.items if o.id == it.mirror), None)
            if other is None or other.id == it.id:
                add(f"{where}.mirror", f"item '{it.mirror}' does not exist in this file")
            elif other.kind != it.kind or inst.scale(other) != inst.scale(it):
                add(f"{where}.mirror", f"'{it.mirror}' must have the same kind and scale to be compared")
        if it.max_chars is not None and it.kind != "text":
            add(f"{where}.max_chars", "only text items take max_chars")
        if it.private and (it.themes or any(o.theme for o in it.options or ())):
            add(
                f"{where}.themes",
                "a private item cannot carry themes: themes show in shared views and would hint at the answer",
            )
        if themes is not None:
            for th in it.themes:
                if th not in themes:
                    add(f"{where}.themes", f"theme '{th}' does not exist in themes.toml")
        if it.show_if is not None:
            target = it.show_if.item
            if target == it.id:
                add(f"{where}.show_if.item", "an item cannot depend on itself")
            elif target not in seen or seen[target] >= idx:
                later = any(o.id == target for o in inst.items[idx + 1 :])
                add(
                    f"{where}.show_if.item",
                    f"'{target}' is a later item; show_if must point to an earlier one"
                    if later
                    else f"item '{target}' does not exist in this file",
                )
            else:
                depends_on = inst.items[seen[target]]
                if depends_on.kind == "text":
                    add(f"{where}.show_if.item", f"'{target}' is a text item; it has no number to test")
                elif depends_on.private and not it.private:
                    add(
                        f"{where}.show_if.item",
                        f"'{target}' is private: a shared item shown only after some answers to it would tell "
                        "the partner what the private answer was (make this item private too)",
                    )

    if inst.safety:
        for it in inst.items:
            if not it.private:
                add(f"items[{it.id}].private", "every item of a safety check must be private")
        if inst.subscales:
            add("subscales", "a safety check has no subscales: its answers are never scored or charted")

    for sc in inst.subscales:
        where = f"subscales[{sc.id}]"
        items = [it for it in inst.items if it.subscale == sc.id]
        if not items:
            add(where, "no item is scored in this subscale")
            continue
        private = {it.private for it in items}
        if len(private) > 1:
            add(f"{where}", "mixes private and shared items; make them all private or all shared")
        _check_bands(add, where, sc, inst, items)
        if sc.norms is not None:
            _check_norms(add, where, sc, inst, items)
    return problems


def _check_scale(add: Callable[[str, str], None], where: str, sc: Scale, *, need_labels: bool) -> None:
    if sc.max <= sc.min:
        add(f"{where}.max", f"max ({sc.max}) must be greater than min ({sc.min})")
        return
    want = sc.max - sc.min + 1
    if sc.labels is None:
        if need_labels:
            add(f"{where}.labels", f"{want} labels are needed, one for each value {sc.min}..{sc.max}")
    elif len(sc.labels) != want:
        add(
            f"{where}.labels",
            f"{len(sc.labels)} labels given but the range {sc.min}..{sc.max} has {want} values",
        )


def _score_range(sc: Subscale, inst: Instrument, items: Sequence[Item]) -> tuple[float, float]:
    lows = [inst.scale(it)[0] for it in items]
    highs = [inst.scale(it)[1] for it in items]
    if sc.scoring == "sum":
        return float(sum(lows)), float(sum(highs))
    return float(min(lows)), float(max(highs))


def _check_norms(
    add: Callable[[str, str], None], where: str, sc: Subscale, inst: Instrument, items: list[Item]
) -> None:
    norms = sc.norms
    assert norms is not None
    lo, hi = _score_range(sc, inst, items)
    for name in ("clinical_mean", "community_mean"):
        value = getattr(norms, name)
        if not lo <= value <= hi:
            add(f"{where}.norms.{name}", f"{value:g} is outside the possible scores {lo:g}..{hi:g}")
    if norms.clinical_mean == norms.community_mean:
        add(f"{where}.norms", "clinical_mean and community_mean must differ, or there is no cut-off between them")
        return
    community_higher = norms.community_mean > norms.clinical_mean
    if community_higher != (sc.higher_is == "better"):
        add(
            f"{where}.norms",
            f"the community mean should lie on the {'higher' if sc.higher_is == 'better' else 'lower'} side "
            f'of the clinical mean, since higher_is = "{sc.higher_is}"',
        )


def _check_bands(
    add: Callable[[str, str], None], where: str, sc: Subscale, inst: Instrument, items: list[Item]
) -> None:
    if not sc.bands:
        return
    lo, hi = _score_range(sc, inst, items)
    previous: float | None = None
    for i, band in enumerate(sc.bands):
        last = i == len(sc.bands) - 1
        if band.below is None and not last:
            add(f"{where}.bands[{i}].below", "only the last band may leave out 'below'")
        if band.below is not None and last:
            add(f"{where}.bands[{i}].below", "the last band must leave out 'below' (it has no upper bound)")
        if band.below is not None:
            if previous is not None and band.below <= previous:
                add(
                    f"{where}.bands[{i}].below",
                    f"bands are out of order: {band.below:g} does not come after {previous:g}",
                )
            if not lo < band.below <= hi:
                add(
                    f"{where}.bands[{i}].below",
                    f"{band.below:g} is outside the possible scores {lo:g}..{hi:g}",
                )
            previous = band.below


# -- loading ------------------------------------------------------------------------


def _read_toml(path: Path) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        size = path.stat().st_size
        if size > QUESTIONNAIRE_FILE_BYTES_MAX:
            return None, Problem(
                str(path),
                "(file)",
                f"is {size:,} bytes: a questionnaire file is at most {QUESTIONNAIRE_FILE_BYTES_MAX:,}",
            )
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(str(path), "(file)", f"cannot be read ({exc.strerror or exc})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, Problem(str(path), "(file)", "is not UTF-8 text")
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, Problem(str(path), "(file)", f"is not valid TOML: {exc}")


def load_themes(path: Path) -> tuple[dict[str, Theme], list[Problem]]:
    """Read one themes.toml."""
    raw, problem = _read_toml(path)
    if problem is not None:
        return {}, [problem]
    try:
        parsed = _ThemesFile.model_validate(raw)
    except ValidationError as exc:
        return {}, _pydantic_problems(str(path), exc, raw)
    out: dict[str, Theme] = {}
    problems = []
    for th in parsed.themes:
        if th.id in out:
            problems.append(Problem(str(path), f"themes[{th.id}].id", f"duplicate theme id '{th.id}'"))
        out.setdefault(th.id, th)
    return out, problems


def load_instrument(path: Path, theme_ids: Iterable[str] | None = None) -> tuple[Instrument | None, list[Problem]]:
    """Read and validate one instrument file; returns it only when it has no problem."""
    raw, problem = _read_toml(path)
    if problem is not None:
        return None, [problem]
    name = str(path)
    try:
        inst = Instrument.model_validate(raw)
    except ValidationError as exc:
        # schema problems first, then the meaning problems of what remains, in the same pass
        return None, _pydantic_problems(name, exc, raw) + _meaning_of_the_rest(name, raw, exc, theme_ids)
    problems = _check_meaning(name, inst, theme_ids)
    return (None, problems) if problems else (inst, [])


_PLACEHOLDERS: dict[str, Any] = {"id": "x", "title": "x", "summary": "x", "version": 1}


def _meaning_of_the_rest(name: str, raw: Any, exc: ValidationError, theme_ids: Iterable[str] | None) -> list[Problem]:
    """Meaning problems of a file that broke the schema: its broken entries are set aside, the rest checked.

    An item or subscale with a schema problem is left out (and so are meaning problems that only name
    what was left out); a broken top-level value is replaced by a stand-in. Nothing is reported when
    what remains still cannot be read.
    """
    if not isinstance(raw, dict):
        return []
    rest: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in raw.items()}
    dropped: dict[str, set[int]] = {"items": set(), "subscales": set()}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if not loc:
            return []
        top = loc[0]
        if top in dropped and len(loc) > 1 and isinstance(loc[1], int):
            dropped[str(top)].add(loc[1])
        elif top in _PLACEHOLDERS:
            rest[str(top)] = _PLACEHOLDERS[str(top)]
        elif top in ("items", "subscales"):
            return []  # the whole list is unreadable
        else:
            rest.pop(str(top), None)
    gone: set[str] = set()
    emptied: set[str] = set()
    for key, indices in dropped.items():
        entries = rest.get(key)
        if not isinstance(entries, list):
            continue
        for i in indices:
            entry = entries[i] if 0 <= i < len(entries) else None
            if isinstance(entry, dict):
                if isinstance(entry.get("id"), str):
                    gone.add(entry["id"])
                if key == "items" and isinstance(entry.get("subscale"), str):
                    emptied.add(entry["subscale"])
        rest[key] = [e for i, e in enumerate(entries) if i not in indices]
    try:
        inst = Instrument.model_validate(rest)
    except ValidationError:
        return []

    def unsure(p: Problem) -> bool:
        """A problem that may only come from what was set aside."""
        if any(f"'{g}'" in p.message for g in gone):
            return True
        if dropped["subscales"] and p.field.endswith(".subscale"):
            return True
        if dropped["items"] and (p.field.endswith((".show_if.item", ".mirror"))):
            return True
        return p.message == "no item is scored in this subscale" and any(f"[{e}]" in p.field for e in emptied)

    return [p for p in _check_meaning(name, inst, theme_ids) if not unsure(p)]


def assessment_dirs(project_dir: Path | None = None) -> list[Path]:
    """The built-in assessments directory plus any in MENDWELL_ASSESSMENTS."""
    from mendwell.config import builtin_assessments_dir

    dirs = [project_dir or builtin_assessments_dir()]
    extra = os.environ.get("MENDWELL_ASSESSMENTS", "")
    dirs += [Path(p).expanduser() for p in extra.split(os.pathsep) if p.strip()]
    return dirs


def load_catalog(dirs: Sequence[Path], themes_from: Sequence[Path] = ()) -> Catalog:
    """Load every instrument and theme file found in `dirs`, collecting problems.

    `themes_from` are folders whose themes.toml is read first (their instruments are not loaded): how
    `mendwell check-assessments DIR` checks a therapist's folder against the project's own themes.
    """
    problems: list[Problem] = []
    themes: dict[str, Theme] = {}
    files: list[Path] = []
    seen = {d.resolve() for d in dirs if d.is_dir()}
    for base in themes_from:
        tf = base / THEMES_FILE
        if base.resolve() in seen or not tf.exists():
            continue
        found, probs = load_themes(tf)
        problems += probs
        themes.update(found)
    for d in dirs:
        if d.is_file() and d.suffix == ".toml":
            files.append(d)
            continue
        if not d.is_dir():
            problems.append(Problem(str(d), "(directory)", "not found or not a directory"))
            continue
        tf = d / THEMES_FILE
        if tf.exists():
            found, probs = load_themes(tf)
            problems += probs
            for tid, th in found.items():
                if tid in themes:
                    problems.append(
                        Problem(str(tf), f"themes[{tid}].id", f"theme '{tid}' is already defined elsewhere")
                    )
                else:
                    themes[tid] = th
        files += sorted(p for p in d.glob("*.toml") if p.name != THEMES_FILE)

    instruments: dict[str, Instrument] = {}
    sources: dict[str, str] = {}
    for path in files:
        inst, probs = load_instrument(path, themes.keys())
        problems += probs
        if inst is None:
            continue
        if inst.id in instruments:
            problems.append(
                Problem(
                    str(path),
                    "id",
                    f"instrument id '{inst.id}' is already used by {sources[inst.id]}; this file was skipped",
                )
            )
            continue
        instruments[inst.id] = inst
        sources[inst.id] = str(path)
    ordered = tuple(sorted(instruments.values(), key=lambda i: (i.order, i.id)))
    return Catalog(ordered, themes, tuple(problems), sources)
