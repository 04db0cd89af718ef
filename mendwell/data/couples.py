"""Couples and partners: create, list, rename, the monthly check-in day, and erasing a couple."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mendwell.data.engine import Cursor, Engine
from mendwell.data.settings import vault_salt_key
from mendwell.errors import InvalidInput, NotFound
from mendwell.limits import CHECKIN_DAY_DEFAULT, CHECKIN_DAY_MAX, CHECKIN_DAY_MIN, PARTNERS_PER_COUPLE
from mendwell.model import Couple, Partner, clean_name, different_names

_PARTNER_COLS = "partner_id, couple_id, slot, name"


def _partner(row: tuple[Any, ...]) -> Partner:
    return Partner(int(row[0]), int(row[1]), int(row[2]), str(row[3]))


class Couples:
    """Couples and their partners."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, name: str, partner_names: Sequence[str]) -> int:
        """Add a couple with its two partners; returns the couple id."""
        name = clean_name(name, "couple name")
        if len(partner_names) != PARTNERS_PER_COUPLE:
            raise InvalidInput("A couple has two partners.")
        names = [clean_name(n, "partner name") for n in partner_names]
        different_names(names)

        def write(cur: Cursor) -> int:
            row = cur.execute("INSERT INTO couples (name) VALUES (?) RETURNING couple_id", [name]).fetchone()
            assert row is not None
            couple_id = int(row[0])
            for slot, pname in enumerate(names, start=1):
                cur.execute("INSERT INTO partners (couple_id, slot, name) VALUES (?, ?, ?)", [couple_id, slot, pname])
            return couple_id

        couple_id = self._engine.transaction(write)
        self._engine.bump(couple_id)
        return couple_id

    def all(self) -> list[Couple]:
        """Every couple with its partners, oldest first."""
        return self._with_partners(None)

    def of(self, couple_ids: Sequence[int]) -> list[Couple]:
        """These couples with their partners (ids that name no couple are left out), oldest first."""
        return self._with_partners([int(c) for c in couple_ids])

    def _with_partners(self, ids: list[int] | None) -> list[Couple]:
        where = "WHERE $ids IS NULL OR list_contains($ids, couple_id)"
        with self._engine.cursor() as cur:
            crow = cur.execute(
                f"SELECT couple_id, name FROM couples {where} ORDER BY couple_id", {"ids": ids}
            ).fetchall()
            prow = cur.execute(
                f"SELECT {_PARTNER_COLS} FROM partners {where} ORDER BY couple_id, slot", {"ids": ids}
            ).fetchall()
        by_couple: dict[int, list[Partner]] = {}
        for p in prow:
            by_couple.setdefault(int(p[1]), []).append(_partner(p))
        return [Couple(int(c[0]), str(c[1]), tuple(by_couple.get(int(c[0]), []))) for c in crow]

    def get(self, couple_id: int) -> Couple | None:
        """One couple with its partners, or None."""
        with self._engine.cursor() as cur:
            c = cur.execute("SELECT couple_id, name FROM couples WHERE couple_id = ?", [couple_id]).fetchone()
            if c is None:
                return None
            ps = cur.execute(
                f"SELECT {_PARTNER_COLS} FROM partners WHERE couple_id = ? ORDER BY slot", [couple_id]
            ).fetchall()
        return Couple(int(c[0]), str(c[1]), tuple(_partner(p) for p in ps))

    def of_partner(self, partner_id: int) -> int | None:
        """The couple a partner belongs to, or None."""
        row = self._engine.one("SELECT couple_id FROM partners WHERE partner_id = ?", [partner_id])
        return int(row[0]) if row else None

    def count(self) -> int:
        """How many couples the database holds."""
        row = self._engine.one("SELECT count(*) FROM couples")
        return int(row[0]) if row else 0

    def rename(self, couple_id: int, name: str) -> None:
        """Change a couple's name."""
        name = clean_name(name, "couple name")
        self._engine.transaction(
            lambda cur: cur.execute("UPDATE couples SET name = ? WHERE couple_id = ?", [name, couple_id])
        )
        self._engine.bump(couple_id)

    def rename_partner(self, partner_id: int, name: str) -> None:
        """Change a partner's name (never to their partner's: `model.different_names`)."""
        self.rename_partners({partner_id: name})

    def rename_partners(self, names: Mapping[int, str]) -> None:
        """Change partners' names (partner id -> new name) in one transaction: the names of each couple are checked
        as they will be, so two partners can swap names, and no partner can take the other's."""
        cleaned = {int(pid): clean_name(n, "partner name") for pid, n in names.items()}

        def write(cur: Cursor) -> set[int]:
            couples: set[int] = set()
            for pid, name in cleaned.items():
                row = cur.execute(
                    "UPDATE partners SET name = ? WHERE partner_id = ? RETURNING couple_id", [name, pid]
                ).fetchone()
                if row is None:
                    raise NotFound("That partner no longer exists.")
                couples.add(int(row[0]))
            for couple_id in couples:
                rows = cur.execute("SELECT name FROM partners WHERE couple_id = ?", [couple_id]).fetchall()
                different_names([str(r[0]) for r in rows])  # refused: the transaction is rolled back
            return couples

        for couple_id in self._engine.transaction(write):
            self._engine.bump(couple_id)

    def checkin_day(self, couple_id: int) -> int:
        """The day of the month the couple checks in (1..28)."""
        row = self._engine.one("SELECT checkin_day FROM couples WHERE couple_id = ?", [couple_id])
        return int(row[0]) if row and row[0] else CHECKIN_DAY_DEFAULT

    def set_checkin_day(self, couple_id: int, day: int) -> None:
        """Change the couple's monthly check-in day."""
        if not CHECKIN_DAY_MIN <= int(day) <= CHECKIN_DAY_MAX:
            raise InvalidInput(
                f"Please choose a day from {CHECKIN_DAY_MIN} to {CHECKIN_DAY_MAX}, so it exists in every month."
            )
        self._engine.transaction(
            lambda cur: cur.execute("UPDATE couples SET checkin_day = ? WHERE couple_id = ?", [int(day), couple_id])
        )
        self._engine.bump(couple_id)

    def erase(self, couple_id: int) -> None:
        """Delete everything of one couple, then rewrite the file so no trace is left."""
        if self.get(couple_id) is None:
            raise NotFound(f"There is no couple with id {couple_id}.")

        def delete(cur: Cursor) -> None:
            partner_ids = [r[0] for r in cur.execute(
                "SELECT partner_id FROM partners WHERE couple_id = ?", [couple_id]).fetchall()]  # fmt: skip
            subjects = [f"partner:{p}" for p in partner_ids]
            mine = "SELECT checkin_id FROM checkins WHERE couple_id = ?"
            cur.execute(f"DELETE FROM responses WHERE checkin_id IN ({mine})", [couple_id])
            cur.execute(f"DELETE FROM notes WHERE checkin_id IN ({mine})", [couple_id])
            cur.execute("DELETE FROM checkins WHERE couple_id = ?", [couple_id])
            cur.execute("DELETE FROM secrets WHERE list_contains(?, subject)", [subjects])
            cur.execute("DELETE FROM auth_failures WHERE list_contains(?, subject)", [subjects])
            cur.execute("DELETE FROM notices WHERE list_contains(?, subject)", [subjects])
            cur.execute("DELETE FROM settings WHERE list_contains(?, key)", [[vault_salt_key(p) for p in partner_ids]])
            held = "SELECT account_id, name_key FROM accounts WHERE list_contains(?, partner_id)"
            found = cur.execute(held, [partner_ids]).fetchall()
            accounts = [r[0] for r in found]
            # the slow-down records of their names and second steps name them too
            throttles = [f"signin:{r[1]}" for r in found] + [f"totp:{r[0]}" for r in found]
            cur.execute("DELETE FROM auth_failures WHERE list_contains(?, subject)", [throttles])
            cur.execute("DELETE FROM sign_ins WHERE list_contains(?, account_id)", [accounts])
            cur.execute("DELETE FROM accounts WHERE list_contains(?, account_id)", [accounts])
            cur.execute("DELETE FROM sign_ins WHERE share_couple_id = ?", [couple_id])
            cur.execute("DELETE FROM grants WHERE couple_id = ?", [couple_id])
            cur.execute("DELETE FROM invitations WHERE list_contains(?, partner_id)", [partner_ids])
            cur.execute("DELETE FROM baselines WHERE couple_id = ?", [couple_id])
            cur.execute("DELETE FROM partners WHERE couple_id = ?", [couple_id])
            cur.execute("DELETE FROM couples WHERE couple_id = ?", [couple_id])

        self._engine.transaction(delete)
        self._engine.rewrite()
        self._engine.bump(couple_id)

    def erase_all(self) -> None:
        """Delete every couple and all their data (settings too), then rewrite the file."""

        def delete(cur: Cursor) -> None:
            for table in ("responses", "notes", "checkins", "partners", "couples", "secrets", "auth_failures",
                          "notices", "settings", "sign_ins", "grants", "accounts", "invitations",
                          "baselines"):  # fmt: skip
                cur.execute(f"DELETE FROM {table}")

        self._engine.transaction(delete)
        self._engine.rewrite()
        self._engine.bump_all()
