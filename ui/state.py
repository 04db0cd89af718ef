"""Every key this app keeps in `st.session_state`, defined once.

Keys that are built per object (a widget per answer, a step per check-in) are
functions, so their shape is also written once.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

COUPLE = "couple_id"  # the chosen couple, held by id
NEXT_COUPLE = "_mendwell_next_couple"  # a couple chosen by a page, applied before the chooser is drawn
ADDRESS_READ = "_mendwell_address_read"  # the address's ?couple= was read (once, at the session's first run)
ADDRESS_REFUSED = "_mendwell_address_refused"  # the address named a couple this person may not see: say so once
PUT_AWAY = "_mendwell_put_away"  # while sharing, an address of a page not shared was opened: say so once, on Home
NEUTRAL = "neutral_page"  # "Leave now" was pressed: only the neutral page until the person returns
CONFIRM_STOP_SHARING = "confirm_stop_sharing"
CHECKIN_PERIOD = "checkin_period"
SECTION_READ = "checkin_section_read"  # the check-in's section in the address was read (once a session)
TOGETHER_MONTH = "together_month"  # the month open on Together (set by the check-in's thank-you, too)
ANSWER_ERRORS = "answer_errors"
NOTE_ERROR = "note_error"
SAVED = "saved_flash"  # (the form an action was done from, what to say under it): `ui.feedback.done`
ERASE_FLASH = "erase_flash"
IMPORT_FLASH = "import_flash"  # what an import added, said once the page is drawn again without its file
IMPORT_UPLOADS = "import_uploads"  # how many archives were imported this session: the uploader's key changes
CONFIRM_DELETE_BACKUPS = "confirm_delete_backups"
BACKUPS_FLASH = "backups_flash"
EXPORT_ZIP = "export_zip"  # (couple id, the prepared export as zip bytes)
REPORT_HTML = "report_html"
CASELOAD_PICK = "caseload_pick"  # the couple chosen under "Open a couple"
CASELOAD_ROW_PICKED = "caseload_row_picked"  # the couple of the row last turned into that choice
CASELOAD_VIEWED = "caseload_viewed"  # the couple opened under "Open a couple" whose view was logged last

# Prefixes of per-check-in screen state, forgotten by "Leave now".
CHECKIN_SCREEN_PREFIXES = ("a:", "step", "note", "opened:", "bar:")


def caseload_board(order: Sequence[int]) -> str:
    """The caseload board's key for one order of its rows (couple ids): a row is chosen by its position, so
    when the order changes (another couple's flag), a row chosen before is let go instead of naming another
    couple."""
    return "caseload_board_" + format(zlib.crc32(",".join(map(str, order)).encode()), "08x")


def answer_widget(checkin_id: int, instrument_id: str, item_id: str) -> str:
    """The widget key of one answer in one check-in."""
    return f"a:{checkin_id}:{instrument_id}:{item_id}"


def step(checkin_id: int) -> str:
    """Which section of a check-in is open."""
    return f"step:{checkin_id}"


def opened(checkin_id: int) -> str:
    """How many times a section of a check-in was opened by a tap (Begin, Next, Back, Change answers)."""
    return f"opened:{checkin_id}"


def asked_once(checkin_id: int, step: int) -> str:
    """The partner tapped "Next" on a section with questions still open and was asked once (a second tap goes on)."""
    return f"step_asked:{checkin_id}:{step}"


def bar(checkin_id: int) -> str:
    """The fraction the check-in's progress bar drew last (it never goes back)."""
    return f"bar:{checkin_id}"


def note_field(checkin_id: int) -> str:
    """The note text box of a check-in."""
    return f"note:{checkin_id}"


def note_visibility(checkin_id: int) -> str:
    """The note's "who can read it" choice."""
    return f"note_vis:{checkin_id}"


LAST_VIEW = "_mendwell_last_view"  # (page, couple) last recorded in the audit trail
TOTP_PENDING = "_mendwell_totp_pending"  # a second-factor secret shown for enrolment, not yet confirmed
INVITES = "_mendwell_invites"  # {partner_id: invitation secret} made in this session, shown until used
