"""SQL kept in files: the numbered schema migrations and the longer analytic queries.

Queries use bound parameters only (`?` or `$name`); no value is ever formatted
into SQL text. A query file may include another whole file as a common table
expression with a line `-- include: NAME`, which keeps one scores query for
every analysis that builds on it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

_INCLUDE = "-- include: "


@cache
def query(name: str) -> str:
    """The text of `sql/NAME.sql`, with its includes expanded."""
    text = resources.files("mendwell.data.sql").joinpath(f"{name}.sql").read_text("utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith(_INCLUDE):
            lines.append(query(line[len(_INCLUDE) :].strip()))
        else:
            lines.append(line)
    return "\n".join(lines)


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every schema migration, in order."""
    files = resources.files("mendwell.data.migrations")
    out = []
    for entry in files.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(out)


LATEST_SCHEMA = migrations()[-1][0]
