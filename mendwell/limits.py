"""Every limit of the app, defined once. Whoever checks or stores a value imports its limit from here.

The archive importer accepts exactly what the app itself can store, so its
checks use these same numbers (and `sealed_length`, for private text that a
passcode has encrypted).
"""

from __future__ import annotations

import math

# -- people and couples ------------------------------------------------------------------------
NAME_MAX = 80  # characters in a couple's or a partner's name
PARTNERS_PER_COUPLE = 2
CHECKIN_DAY_MIN = 1
CHECKIN_DAY_MAX = 28  # so the day exists in every month
CHECKIN_DAY_DEFAULT = 28

# -- what a partner writes ----------------------------------------------------------------------
NOTE_MAX = 4000  # characters in a check-in's note
TEXT_ANSWER_MAX = 4000  # characters in a free-text answer, unless the item sets a lower `max_chars`

# -- questionnaire files (written by therapists) --------------------------------------------------------
QUESTIONNAIRE_ITEMS_MAX = 150  # questions in one file: the check-in is done on a phone (the built-in total is 59)
QUESTIONNAIRE_FILE_BYTES_MAX = 512 * 1024  # a file larger than this is refused before it is read

# -- passcodes ----------------------------------------------------------------------------------
PASSCODE_MIN = 4
PASSCODE_MAX = 256
# scrypt is memory-hard: ~16 MiB per check, so guessing is slow even with the file in hand.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024**2
KEY_BYTES = 32
SALT_BYTES = 16
FREE_ATTEMPTS = 3  # wrong passcodes before each further try has to wait
MAX_WAIT_SECONDS = 300

# -- private text sealed with a partner's key (AES-GCM) ----------------------------------------------
SEALED_PREFIX = "enc:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16


def sealed_length(chars: int) -> int:
    """The longest stored form of `chars` characters once sealed: prefix + base64(nonce + UTF-8 + tag).

    A character takes at most 4 bytes in UTF-8.
    """
    raw = NONCE_BYTES + 4 * chars + TAG_BYTES
    return len(SEALED_PREFIX) + 4 * math.ceil(raw / 3)


def stored_text_max(chars: int, text: str) -> int:
    """How long `text` may be when stored, for a limit of `chars` characters (longer when it is sealed)."""
    return sealed_length(chars) if text.startswith(SEALED_PREFIX) else chars


# -- archives -----------------------------------------------------------------------------------
ARCHIVE_MAX_BYTES = 2 * 1024**3  # the archive file itself
ARCHIVE_UNPACKED_MAX_BYTES = 8 * 1024**3  # everything in it, unpacked
ARCHIVE_MANIFEST_MAX_BYTES = 1024**2  # manifest.json, unpacked (a real one is about 1 KB); larger: refused unread
# the zip's list of members, which Python reads whole (and makes an object of each entry) to open a zip: a real
# archive's, nine members, is under 1 KB; larger: refused unopened
ARCHIVE_DIRECTORY_MAX_BYTES = 64 * 1024


def human_bytes(n: int) -> str:
    """A size in plain words, e.g. 8 GB."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"  # "2 MB", "1.5 GB": never "2.00001 MB"
    return f"{n} bytes"


# -- sign-in ------------------------------------------------------------------------------------
IDLE_MINUTES_DEFAULT = 15  # a sign-in ends after this long without activity (MENDWELL_IDLE_MINUTES)
SHARE_IDLE_MINUTES = 60  # ... or, while it shares a couple's charts, this long at least (a session, talking)
SIGN_IN_TOUCH_SECONDS = 30  # activity is written back at most this often per sign-in
TOTP_VALID_WINDOW = 1  # codes from the step before and after are accepted too (clock drift)


# -- honest numbers (see mendwell/stats.py) ------------------------------------------------------
# A reference population for reliable change: the first check-ins of at least this many partners
# give the SD (when a subscale has no published norms) and the measured reliability (Cronbach's alpha).
MIN_REFERENCE_PARTNERS = 30
MIN_TREND_POINTS = 5  # monthly points before "moving up/down" is said (an exact Mann-Kendall test needs 5)
TREND_MONTHS = 12  # "at a glance" looks for a trend over at most this many recent months
GLANCE_MAX = 3  # "at a glance" leads with at most this many things
THEMES_SHOWN = 3  # themes ranked first per partner (the rest are one click away)
# rows in any one table of an archive: a practice of 500 couples over ten years holds about 7 million answers.
# Parquet packs a column of one value repeated into a few bytes, so this many rows can fit in a small file
ARCHIVE_ROWS_MAX = 30_000_000
ARCHIVE_MAX_RATIO = 100  # unpacked / packed for any one member: more is a zip bomb, not a Mendwell archive
ARCHIVE_CHUNK_BYTES = 1024**2  # members are unpacked to disk this much at a time, never whole into memory
INVITATION_DAYS = 7  # an invitation link works this many days, once
