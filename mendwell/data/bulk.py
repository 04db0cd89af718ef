"""Bulk loading of whole tables (the demo generator), as Arrow tables in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pyarrow as pa

from mendwell.data.engine import Cursor, Engine

T = TypeVar("T")

# Tables a bulk load may fill, and the id sequences it may draw from.
_TABLES = {"couples", "partners", "checkins", "responses", "notes"}
_SEQUENCES = {"couple_ids", "partner_ids", "checkin_ids"}


class BulkLoad:
    """Inside one bulk-load transaction: draw ids, append Arrow tables."""

    def __init__(self, cur: Cursor) -> None:
        self._cur = cur

    def ids(self, sequence: str, n: int) -> np.ndarray:
        """`n` fresh ids from one of the id sequences."""
        if sequence not in _SEQUENCES:
            raise ValueError(f"unknown sequence {sequence!r}")
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        rows = self._cur.execute(f"SELECT nextval('{sequence}') FROM range(?)", [n]).fetchnumpy()
        return np.asarray(next(iter(rows.values())), dtype=np.int64)

    def append(self, table: str, data: pa.Table) -> None:
        """Append `data` (columns named as in the table) to `table`."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        view = f"bulk_{table}"
        self._cur.register(view, data)
        try:
            cols = ", ".join(f'"{c}"' for c in data.column_names)
            self._cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
        finally:
            self._cur.unregister(view)


def bulk_load(engine: Engine, work: Callable[[BulkLoad], T]) -> T:
    """Run `work` in one transaction, all or nothing (no retries: a bulk load owns the file)."""
    return engine.transaction(lambda cur: work(BulkLoad(cur)), retries=0)
