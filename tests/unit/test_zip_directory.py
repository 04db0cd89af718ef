"""`zip_directory.directory_size` reads a zip's list of members' size as Python's zipfile will read it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mendwell.zip_directory import directory_size

CENTRAL_ENTRY = 46  # the fixed part of one entry in the list, before its name, extra field and comment


def listed_bytes(path: Path) -> int:
    """The list's size as zipfile saw it, entry by entry."""
    with zipfile.ZipFile(path) as zf:
        return sum(CENTRAL_ENTRY + len(i.filename.encode()) + len(i.extra) + len(i.comment) for i in zf.infolist())


@pytest.mark.parametrize(
    ("members", "comment"),
    [(1, b""), (12, b""), (12, b"a comment, as zip tools allow"), (0x10000, b"")],
    ids=["one member", "a dozen", "a comment", "zip64"],
)
def test_the_size_read_is_the_size_zipfile_reads(tmp_path: Path, members: int, comment: bytes) -> None:
    path = tmp_path / "listed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(members):
            zf.writestr(f"member-{n}.parquet", b"x" * (n % 7))
        zf.comment = comment
    assert directory_size(path) == listed_bytes(path)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x05\x06"], ids=["empty", "text", "cut short"])
def test_a_file_without_an_end_record_has_no_size(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not.zip"
    path.write_bytes(content)
    assert directory_size(path) is None
