"""Rules of one check-in: what an answer may be, which items are asked, progress."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mendwell.errors import AnswerError
from mendwell.instruments import Instrument, Item
from mendwell.limits import TEXT_ANSWER_MAX

__all__ = [
    "Answer",
    "AnswerError",
    "Answers",
    "any_that_fit",
    "hidden_answered",
    "make_answer",
    "open_question",
    "progress",
    "resume_step",
    "unanswered",
    "visible_items",
]


@dataclass(frozen=True)
class Answer:
    """A stored answer: a number, a text, or both (multi: count + JSON list)."""

    value: float | None = None
    text: str | None = None

    def selected(self) -> list[int]:
        """For a multi item: the chosen option values."""
        if not self.text:
            return []
        try:
            data = json.loads(self.text)
        except ValueError:
            return []
        return [int(v) for v in data] if isinstance(data, list) else []


Answers = Mapping[str, Answer]


def make_answer(inst: Instrument, item: Item, raw: object) -> Answer | None:
    """Turn a widget value into a checked Answer (None means 'no answer')."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    if item.kind == "text":
        text = str(raw).replace("\x00", "").strip()
        limit = item.max_chars or TEXT_ANSWER_MAX
        if len(text) > limit:
            raise AnswerError(f"This answer is {len(text)} characters long; the limit is {limit}.")
        return Answer(text=text)
    if item.kind == "multi":
        if not isinstance(raw, list | tuple | set):
            raise AnswerError("Please choose from the options given.")
        allowed = {o.value for o in item.options or ()}
        chosen = sorted({int(v) for v in raw})
        if any(v not in allowed for v in chosen):
            raise AnswerError("Please choose from the options given.")
        return Answer(value=float(len(chosen)), text=json.dumps(chosen))
    try:
        value = float(raw)  # type: ignore[arg-type]  # anything else raises, caught below
    except (TypeError, ValueError):
        raise AnswerError("Please give a number.") from None
    if not math.isfinite(value) or value != int(value):
        raise AnswerError("Please give a whole number.")
    lo, hi = inst.scale(item)
    if item.kind == "choice":
        if int(value) not in {o.value for o in item.options or ()}:
            raise AnswerError("Please choose one of the options given.")
    elif not lo <= value <= hi:
        raise AnswerError(f"Please give a number from {lo} to {hi}.")
    return Answer(value=value)


PRIVATE_NOTICE = "Private: only you will ever see this answer."


def help_for(item: Item) -> str | None:
    """A question's help as the check-in shows it: a private question's says so, once (a file's help may
    already begin with the same words)."""
    text = (item.help or "").strip()
    if item.private and PRIVATE_NOTICE.lower() not in text.lower():
        text = f"{text} {PRIVATE_NOTICE}".strip()
    return text or None


def numeric_answers(answers: Answers) -> dict[str, float | None]:
    """The numbers `show_if` conditions test against."""
    return {k: a.value for k, a in answers.items()}


def visible_items(inst: Instrument, answers: Answers) -> list[Item]:
    """Items to ask now, honouring `show_if`."""
    return inst.visible_items(numeric_answers(answers))


def any_that_fit(item: Item) -> bool:
    """A question of options to choose any of (kind "multi", "Choose any that fit."): choosing none is an answer
    too. Nothing is stored for it (`make_answer` gives None), as nothing was chosen: no theme comes of it."""
    return item.kind == "multi"


def open_question(item: Item, answers: Answers) -> bool:
    """A question still to answer: not answered, and not one that may be left with none chosen (`any_that_fit`).
    What the progress counts, "Next" asks about and a check-in reopens at."""
    return item.id not in answers and not any_that_fit(item)


def unanswered(inst: Instrument, answers: Answers) -> list[Item]:
    """Items asked now and still open (`open_question`)."""
    return [it for it in visible_items(inst, answers) if open_question(it, answers)]


def resume_step(instruments: Sequence[Instrument], answers: Mapping[str, Answers]) -> int:
    """The section a check-in reopens at (an index of `instruments`; their count for the review): the last section
    with an answer while it has a question open, else the next one after it with a question open. A question left
    open in a section before it was left on purpose ("a question left blank is fine"): the review shows it, and
    the partner is not sent back to it. With no answer yet, the first section."""
    touched = [i for i, inst in enumerate(instruments) if answers.get(inst.id)]
    if not touched:
        return 0
    return next(
        (
            i
            for i in range(touched[-1], len(instruments))
            if unanswered(instruments[i], answers.get(instruments[i].id, {}))
        ),
        len(instruments),
    )


def hidden_answered(inst: Instrument, answers: Answers) -> list[str]:
    """Ids of answered items that `show_if` now hides (dropped at submit)."""
    shown = {it.id for it in visible_items(inst, answers)}
    return [item_id for item_id in answers if item_id not in shown]


@dataclass(frozen=True)
class Progress:
    """How far a partner is through a check-in: questions answered of the questions asked now (a "choose any
    that fit" question is answered whatever was chosen, none too: `open_question`).

    A follow-up that appears adds a question, so `answered / asked` can go down as the partner goes
    on. `shown` is what a progress bar draws: that fraction, but never less than the bar drew before.
    """

    answered: int
    asked: int
    shown_before: float = 0.0

    @property
    def fraction(self) -> float:
        """Answered over asked, 1.0 when nothing is asked."""
        return self.answered / self.asked if self.asked else 1.0

    @property
    def shown(self) -> float:
        """The fraction to draw: never back from `shown_before`, never past 1."""
        return min(1.0, max(self.fraction, self.shown_before))


def progress(instruments: Sequence[Instrument], answers: Mapping[str, Answers], shown_before: float = 0.0) -> Progress:
    """Answered vs asked items over all instruments (hidden items not counted); `shown_before` is what the
    progress bar drew last, which it never goes back from."""
    answered = asked = 0
    for inst in instruments:
        mine = answers.get(inst.id, {})
        shown = visible_items(inst, mine)
        asked += len(shown)
        answered += sum(1 for it in shown if not open_question(it, mine))
    return Progress(answered, asked, shown_before)
