"""The private safety check: who sees what, and where to find help.

Answers to an instrument with `safety = true` are private to the partner who
gives them. A "yes" to any of its questions shows that partner, and only
them, a calm message with where to find help. Whether the therapist sees a
flag on the caseload is a setting, off by default; the flag never says which
question was answered or how.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mendwell.checkin import Answer
from mendwell.data import Database
from mendwell.instruments import Instrument
from mendwell.periods import add_months, month_start

RESOURCES_KEY = "safety_resources"
THERAPIST_FLAG_KEY = "safety_flag_for_therapist"

DEFAULT_RESOURCES = (
    "If you are in danger right now, call your local emergency number.\n\n"
    "You can talk in confidence, for free, to a domestic abuse or family violence helpline in your "
    "country; many offer chat and text as well as phone, and can help you think through what you "
    "want, at your own pace.\n\n"
    "If you see a therapist, you can ask to speak with them on your own."
)

DEVICE_NOTE = (
    "If someone else can use this phone or computer, or see your screen, they may be able to see that Mendwell is "
    "open. Your answers here are private, but a passcode keeps your check-in closed to them, and the "
    "Leave now button takes you to a neutral page at once."
)


def concerning(inst: Instrument, answers: dict[str, Answer]) -> bool:
    """True when a safety check has any 'yes' (or any answer above the lowest)."""
    if not inst.safety:
        return False
    return any(
        a.value is not None and a.value > inst.scale(inst.item(item_id))[0]
        for item_id, a in answers.items()
        if any(it.id == item_id for it in inst.items)
    )


def resources(db: Database) -> str:
    """The help text shown after a concerning answer (configurable in Settings)."""
    return db.settings.get(RESOURCES_KEY) or DEFAULT_RESOURCES


def set_resources(db: Database, text: str) -> None:
    """Change the help text; an empty text restores the default."""
    db.settings.set(RESOURCES_KEY, text.strip() or DEFAULT_RESOURCES)


def therapist_sees_flag(db: Database) -> bool:
    """Whether the caseload shows a safety flag (off by default)."""
    return db.settings.get(THERAPIST_FLAG_KEY, "off") == "on"


def set_therapist_sees_flag(db: Database, on: bool) -> None:
    """Turn the caseload safety flag on or off."""
    db.settings.set(THERAPIST_FLAG_KEY, "on" if on else "off")


THERAPIST_TOLD = (
    "In this practice your therapist sees a flag on their list of couples when one of these is answered “yes”: "
    "never which one, never your answers, and never your partner."
)


def therapist_told(db: Database, couple_id: int) -> bool:
    """Whether a "yes" here raises a flag a therapist of this couple sees (the setting is on and the couple has a
    therapist): the check-in then says so, so that "only for you" is never more than true."""
    return therapist_sees_flag(db) and db.accounts.has_therapist(couple_id)


def recent_flags(db: Database, couple_ids: Sequence[int], months: int = 3) -> pd.DataFrame:
    """couple_id, partner_id (of `couple_ids`) where a safety check raised a concern in the last `months` months."""
    since = add_months(month_start(), -(months - 1))
    return db.analytics.safety_flags(since, list(couple_ids))
