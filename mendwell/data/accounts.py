"""Accounts, the couples granted to therapists, and sign-ins (the server side of a browser's cookie)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from mendwell.data.engine import Cursor, Engine
from mendwell.errors import InvalidInput, NameTaken, NotFound
from mendwell.model import Account, SignIn

_COLS = "account_id, name, role, is_owner, partner_id, totp_secret IS NOT NULL"
_SIGN_IN_COLS = "sign_in_id, account_id, started_at, last_seen, ended_at, share_couple_id"


def name_key(name: str) -> str:
    """What sign-in matches a name by: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def _account(row: tuple[Any, ...] | None) -> Account | None:
    if row is None:
        return None
    return Account(int(row[0]), str(row[1]), str(row[2]), bool(row[3]), row[4], bool(row[5]))


class Accounts:
    """Accounts and grants."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, name: str, role: str, *, is_owner: bool = False, partner_id: int | None = None) -> int:
        """Add an account; its name must be new (whatever its case and spacing)."""

        def write(cur: Cursor) -> int:
            if (
                partner_id is not None
                and cur.execute("SELECT 1 FROM partners WHERE partner_id = ?", [partner_id]).fetchone() is None
            ):
                raise NotFound("That partner does not exist.")
            # said plainly, each for what it is (a therapist was told "or that partner already has an account")
            if cur.execute("SELECT 1 FROM accounts WHERE name_key = ?", [name_key(name)]).fetchone() is not None:
                raise NameTaken(f"There is already an account named {name!r}. Please choose another name.")
            if (
                partner_id is not None
                and cur.execute("SELECT 1 FROM accounts WHERE partner_id = ?", [partner_id]).fetchone() is not None
            ):
                raise InvalidInput("That partner already has an account.")
            try:
                row = cur.execute(
                    "INSERT INTO accounts (name, name_key, role, is_owner, partner_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, current_timestamp) RETURNING account_id",
                    [name, name_key(name), role, is_owner, partner_id],
                ).fetchone()
            except duckdb.ConstraintException:  # made by another at the same moment
                raise NameTaken(f"There is already an account named {name!r}. Please choose another name.") from None
            assert row is not None
            return int(row[0])

        return self._engine.transaction(write, retries=0)

    def get(self, account_id: int) -> Account | None:
        """One account, or None."""
        return _account(self._engine.one(f"SELECT {_COLS} FROM accounts WHERE account_id = ?", [account_id]))

    def by_name(self, name: str) -> Account | None:
        """The account with that name (any case and spacing), or None."""
        return _account(self._engine.one(f"SELECT {_COLS} FROM accounts WHERE name_key = ?", [name_key(name)]))

    def for_partner(self, partner_id: int) -> Account | None:
        """The account of a partner, or None."""
        return _account(self._engine.one(f"SELECT {_COLS} FROM accounts WHERE partner_id = ?", [partner_id]))

    def all(self) -> list[Account]:
        """Every account, owners first, then by name."""
        rows = self._engine.rows(f"SELECT {_COLS} FROM accounts ORDER BY is_owner DESC, name_key")
        return [a for a in (_account(r) for r in rows) if a is not None]

    def count(self) -> int:
        """How many accounts exist."""
        row = self._engine.one("SELECT count(*) FROM accounts")
        return int(row[0]) if row else 0

    def set_owner(self, account_id: int, owner: bool) -> None:
        """Make an account the practice owner, or not."""
        self._engine.transaction(
            lambda cur: cur.execute("UPDATE accounts SET is_owner = ? WHERE account_id = ?", [owner, account_id])
        )

    def totp_secret(self, account_id: int) -> str | None:
        """The account's second-factor secret, when enrolled."""
        row = self._engine.one("SELECT totp_secret FROM accounts WHERE account_id = ?", [account_id])
        return str(row[0]) if row and row[0] else None

    def set_totp_secret(self, account_id: int, secret: str | None) -> None:
        """Enrol (or remove, with None) a second factor."""
        self._engine.transaction(
            lambda cur: cur.execute("UPDATE accounts SET totp_secret = ? WHERE account_id = ?", [secret, account_id])
        )

    def delete(self, account_id: int) -> None:
        """Remove an account, its grants and its sign-ins."""

        def write(cur: Cursor) -> None:
            cur.execute("DELETE FROM grants WHERE account_id = ?", [account_id])
            cur.execute("UPDATE sign_ins SET ended_at = current_timestamp WHERE account_id = ?", [account_id])
            cur.execute("DELETE FROM accounts WHERE account_id = ?", [account_id])

        self._engine.transaction(write)

    # -- grants ---------------------------------------------------------------------------------
    def grant(self, account_id: int, couple_id: int) -> None:
        """Let a therapist see a couple."""

        def write(cur: Cursor) -> None:
            if cur.execute("SELECT 1 FROM couples WHERE couple_id = ?", [couple_id]).fetchone() is None:
                raise NotFound(f"There is no couple with id {couple_id}.")
            cur.execute(
                "INSERT INTO grants VALUES (?, ?, current_timestamp) ON CONFLICT DO NOTHING", [account_id, couple_id]
            )

        self._engine.transaction(write)

    def revoke(self, account_id: int, couple_id: int) -> None:
        """Stop a therapist seeing a couple."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "DELETE FROM grants WHERE account_id = ? AND couple_id = ?", [account_id, couple_id]
            )
        )

    def has_therapist(self, couple_id: int) -> bool:
        """Whether any therapist account is granted this couple."""
        return self._engine.one("SELECT 1 FROM grants WHERE couple_id = ? LIMIT 1", [couple_id]) is not None

    def granted(self, account_id: int) -> list[int]:
        """The couples granted to an account, in id order."""
        return [
            int(r[0])
            for r in self._engine.rows(
                "SELECT couple_id FROM grants WHERE account_id = ? ORDER BY couple_id", [account_id]
            )
        ]


class SignIns:
    """Sign-ins: started by the sign-in page, checked on every run, ended by signing out or idling."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self, sign_in_id: str, account_id: int, now: dt.datetime) -> None:
        """Record a new sign-in."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "INSERT INTO sign_ins VALUES (?, ?, ?, ?, NULL, NULL)", [sign_in_id, account_id, now, now]
            )
        )

    def get(self, sign_in_id: str) -> SignIn | None:
        """A sign-in, or None."""
        row = self._engine.one(f"SELECT {_SIGN_IN_COLS} FROM sign_ins WHERE sign_in_id = ?", [sign_in_id])
        return SignIn(*row) if row else None

    def touch(self, sign_in_id: str, now: dt.datetime) -> None:
        """Note activity (keeps the sign-in from idling out)."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "UPDATE sign_ins SET last_seen = ? WHERE sign_in_id = ? AND ended_at IS NULL", [now, sign_in_id]
            )
        )

    def end(self, sign_in_id: str, now: dt.datetime) -> None:
        """End a sign-in (signing out, idling out, Leave now)."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "UPDATE sign_ins SET ended_at = ?, share_couple_id = NULL WHERE sign_in_id = ? AND ended_at IS NULL",
                [now, sign_in_id],
            )
        )

    def end_all(self, account_id: int, now: dt.datetime) -> None:
        """End every sign-in of an account (its passcode was reset)."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "UPDATE sign_ins SET ended_at = ?, share_couple_id = NULL WHERE account_id = ? AND ended_at IS NULL",
                [now, account_id],
            )
        )

    def set_share(self, sign_in_id: str, couple_id: int | None) -> None:
        """Bind this sign-in's screen share to a couple (None: stop sharing)."""
        self._engine.transaction(
            lambda cur: cur.execute(
                "UPDATE sign_ins SET share_couple_id = ? WHERE sign_in_id = ?", [couple_id, sign_in_id]
            )
        )
