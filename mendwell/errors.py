"""Errors by kind. Every error a person should read derives from `MendwellError`.

Its message is written for the person using the app, in plain words; pages
show it through one helper (`ui.feedback`), the command line prints it.
Anything else that escapes is a bug, logged and answered with a calm
generic message.
"""

from __future__ import annotations

from mendwell.text import counted


class MendwellError(Exception):
    """A problem the person using the app should read, in plain words."""


class DatabaseError(MendwellError):
    """The database file cannot be opened or written (a full disk, a read-only folder, a newer schema)."""


class DatabaseBusy(DatabaseError):
    """Another process holds the database file."""


class NotFound(MendwellError):
    """A couple, partner or check-in that no longer exists."""


class InvalidInput(MendwellError):
    """A name, note, day or setting that the app cannot store as given."""


class NameTaken(InvalidInput):
    """A sign-in name another account already has (whatever its case and spacing)."""


class AlreadySubmitted(MendwellError):
    """A change to a check-in that was already submitted."""


class AnswerError(InvalidInput):
    """An answer that does not fit its question."""


class PasscodeError(MendwellError):
    """A passcode that cannot be set, or private text that this passcode cannot open."""


class ArchiveError(MendwellError):
    """An archive that cannot be imported; `problems` lists every reason found, and nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"- {p}" for p in self.problems[:30])
        more = f"\n- … and {len(self.problems) - 30} more" if len(self.problems) > 30 else ""
        found = counted(len(self.problems), "problem")
        super().__init__(f"Nothing was imported: the file has {found}.\n{shown}{more}")


class ReportError(MendwellError):
    """A session report that cannot be made."""
