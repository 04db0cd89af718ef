"""The private safety check: who sees what, and where to find help.

Answers to an instrument with `safety = true` are private to the partner who
gives them. A "yes" to any of its questions shows that partner, and only
them, a calm message with where to find help. Whether the therapist sees a
flag on the caseload is a setting, off by default; the flag never says which
question was answered or how, and only a check-in sent while its partner was
told so (the flag on, a therapist granted) can raise it.
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
# when the flag was last turned on: only check-ins sent from then on can raise it (absent where it was turned on
# before this was kept, and then every check-in counts, as it did)
FLAG_SINCE_KEY = "safety_flag_for_therapist_since"
EVERY_CHECKIN = "1970-01-01 00:00:00"

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
    """Turn the caseload safety flag on or off. Turning it on counts only check-ins sent from now on: answers
    given while the check-in said they were only for the partner stay that way."""
    if on and not therapist_sees_flag(db):
        db.settings.stamp(FLAG_SINCE_KEY)  # first: a flag on without its moment would count every check-in
    db.settings.set(THERAPIST_FLAG_KEY, "on" if on else "off")


def flag_counts_from(db: Database) -> str:
    """The moment from which a sent check-in can raise the caseload flag (`set_therapist_sees_flag`)."""
    return db.settings.get(FLAG_SINCE_KEY) or EVERY_CHECKIN


THERAPIST_TOLD = (
    "In this practice your therapist sees a flag on their list of couples when one of these is answered “yes”: "
    "never which one, never your answers, and never your partner."
)


def therapist_told(db: Database, couple_id: int) -> bool:
    """Whether a "yes" here raises a flag a therapist of this couple sees (the setting is on and the couple has a
    therapist): the check-in then says so, so that what it says of who sees what is never more than true."""
    return therapist_sees_flag(db) and db.accounts.has_therapist(couple_id)


def recent_flags(db: Database, couple_ids: Sequence[int], months: int = 3) -> pd.DataFrame:
    """couple_id, partner_id (of `couple_ids`) where a safety check raised a concern in the last `months` months,
    in a check-in sent since the flag was turned on."""
    since = add_months(month_start(), -(months - 1))
    return db.analytics.safety_flags(since, list(couple_ids), flag_counts_from(db))
