"""How large a zip's directory (its list of members) says it is, read from the zip's end record alone.

Python's `zipfile` reads the whole directory into memory when it opens a zip, and makes an object of each
entry in it, before anything can be checked: a 47 MB file of one-letter entries took 370 MB and 5 s to open,
and a file at the archive limit would take gigabytes. Reading the few bytes at the end first lets an import
refuse such a zip unopened. The end record is found as `zipfile` finds it (the last 22 bytes, else the last
signature within the comment's reach), and its Zip64 record is followed when there is one, so the size read
here is the size `zipfile` would read.
"""

from __future__ import annotations

import struct
from pathlib import Path

_END = b"PK\x05\x06"  # end of central directory record
_END_SIZE = 22
_COMMENT_MAX = 0xFFFF
_LOCATOR = b"PK\x06\x07"  # Zip64 end of central directory locator, just before the end record
_LOCATOR_SIZE = 20
_END64 = b"PK\x06\x06"  # Zip64 end of central directory record
_END64_SIZE = 56


def directory_size(path: Path) -> int | None:
    """The bytes of `path`'s central directory as its end records give them; None if no end record is found
    (then the file is not a zip `zipfile` can open either)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        length = f.tell()
        tail_from = max(length - _END_SIZE - _COMMENT_MAX, 0)
        f.seek(tail_from)
        tail = f.read()
        no_comment = tail[-_END_SIZE : -_END_SIZE + 4] == _END and tail[-2:] == b"\0\0"
        at = len(tail) - _END_SIZE if no_comment else tail.rfind(_END)
        if at < 0 or len(tail) - at < _END_SIZE:
            return None
        size = int(struct.unpack_from("<I", tail, at + 12)[0])
        end_at = tail_from + at
        if end_at < _LOCATOR_SIZE:
            return size
        f.seek(end_at - _LOCATOR_SIZE)
        locator = f.read(_LOCATOR_SIZE)
        if locator[:4] != _LOCATOR:
            return size
        if end_at < _LOCATOR_SIZE + _END64_SIZE:
            return size  # zipfile cannot open it
        f.seek(end_at - _LOCATOR_SIZE - _END64_SIZE)  # where zipfile reads the Zip64 record
        record = f.read(_END64_SIZE)
        if len(record) < _END64_SIZE or record[:4] != _END64:
            return size
        return int(struct.unpack_from("<Q", record, 40)[0])
