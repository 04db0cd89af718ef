"""`mendwell account ...` and `mendwell audit ...`: setting up a practice from a script, and the audit trail."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from mendwell import accounts, audit, security
from mendwell.config import db_path
from mendwell.data import Database
from mendwell.errors import InvalidInput, NotFound
from mendwell.model import Account


def read_passcode(prompt: str = "Passcode: ") -> str:
    """A passcode from the terminal (not echoed), or the first line of standard input in a script."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("The same again: ") != first:
            raise InvalidInput("The two passcodes are not the same; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\n")


def _account(db: Database, name: str) -> Account:
    found = db.accounts.by_name(name)
    if found is None:
        raise NotFound(f"There is no account named {name!r}.")
    return found


def cmd_account_add(args: argparse.Namespace) -> int:
    """Add a therapist or a partner account (its passcode from the terminal or standard input)."""
    db = Database(db_path())
    try:
        if args.partner is not None and db.couples.of_partner(args.partner) is None:
            raise NotFound(f"There is no partner with id {args.partner} (see `mendwell couples --partners`).")
        role = accounts.THERAPIST if args.therapist else accounts.PARTNER
        owner = args.owner or db.accounts.count() == 0  # the first account looks after the practice
        made = accounts.create(db, args.name, role, read_passcode(), partner_id=args.partner, is_owner=owner)
        audit.record(db, audit.OPERATOR, audit.ACCOUNT, db.couples.of_partner(args.partner) if args.partner else None,
                     f"{audit.actor(made)} added ({role}{', owner' if owner else ''})")  # fmt: skip
    finally:
        db.close()
    print(f"Added {made.name} ({role}{', practice owner' if owner else ''}).")
    return 0


def cmd_account_grant(args: argparse.Namespace) -> int:
    """Let a therapist see a couple."""
    db = Database(db_path())
    try:
        account = _account(db, args.name)
        if not account.is_therapist:
            raise InvalidInput(f"{account.name} is a partner; couples are granted to therapists.")
        db.accounts.grant(account.account_id, args.couple)
        audit.record(db, audit.OPERATOR, audit.ACCOUNT, args.couple, f"granted to {audit.actor(account)}")
    finally:
        db.close()
    print(f"{account.name} can now see couple {args.couple}.")
    return 0


def cmd_account_list(args: argparse.Namespace) -> int:
    """Every account, with role and couples."""
    db = Database(db_path())
    try:
        rows = []
        for a in db.accounts.all():
            couples = (
                [db.couples.of_partner(a.partner_id)] if a.partner_id is not None else db.accounts.granted(a.account_id)
            )
            rows.append((a, ", ".join(str(c) for c in couples if c is not None) or "-"))
    finally:
        db.close()
    print("name\trole\towner\tsecond step\tcouples")
    for a, couples_text in rows:
        print(
            f"{a.name}\t{a.role}\t{'yes' if a.is_owner else ''}\t{'on' if a.has_second_factor else ''}\t{couples_text}"
        )
    return 0


def cmd_account_reset(args: argparse.Namespace) -> int:
    """Set a new passcode for a forgotten one; that account's sign-ins end."""
    db = Database(db_path())
    try:
        account = _account(db, args.name)
        passcode = read_passcode("New passcode: ")
        security.check_new_passcode(passcode)
        accounts.reset_passcode(db, account.account_id, passcode)
        audit.record(db, audit.OPERATOR, audit.ACCOUNT, None, f"passcode reset for {audit.actor(account)}")
    finally:
        db.close()
    note = " Private notes sealed with the old passcode stay sealed." if account.is_partner else ""
    print(f"New passcode set for {account.name}; their open sign-ins have ended.{note}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit trail (or, with `verify`, check it and exit 1 when it was altered)."""
    db = Database(db_path())
    try:
        if args.action == "verify":
            verdict = audit.verify(db)
            if verdict.ok:
                print(f"The audit log is whole: {verdict.entries} entries.")
                return 0
            for problem in verdict.problems:
                print(f"audit log: {problem}", file=sys.stderr)
            return 1
        since = dt.date.fromisoformat(args.since) if args.since else None
        found = audit.readable(db, audit.entries(db, args.couple, since))
    except ValueError:
        raise InvalidInput("--since takes a date as YYYY-MM-DD.") from None
    finally:
        db.close()
    print("seq\tat\tactor\taction\tcouple\tdetail")
    for e in found:
        couple = "" if e.couple_id is None else str(e.couple_id)
        print(f"{e.seq}\t{e.at:%Y-%m-%d %H:%M:%S}\t{e.actor}\t{e.action}\t{couple}\t{e.detail}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]  # argparse's private generic
    """Add `account` and `audit` to the command line."""
    acc = sub.add_parser("account", help="add accounts, grant couples to therapists, list, reset a passcode")
    verbs = acc.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="add an account; the passcode is read from standard input in a script")
    add.add_argument("name")
    kind = add.add_mutually_exclusive_group(required=True)
    kind.add_argument("--therapist", action="store_true", help="a therapist (sees the couples granted to them)")
    kind.add_argument("--partner", type=int, metavar="PARTNER_ID", help="the account of this partner")
    add.add_argument("--owner", action="store_true", help="the practice owner (the first account always is)")
    add.set_defaults(func=cmd_account_add)
    grant = verbs.add_parser("grant", help="let a therapist see a couple")
    grant.add_argument("name")
    grant.add_argument("--couple", type=int, required=True)
    grant.set_defaults(func=cmd_account_grant)
    verbs.add_parser("list", help="every account").set_defaults(func=cmd_account_list)
    reset = verbs.add_parser("reset", help="set a new passcode for a forgotten one")
    reset.add_argument("name")
    reset.set_defaults(func=cmd_account_reset)

    aud = sub.add_parser("audit", help="print the audit trail; `audit verify` checks it was not altered")
    aud.add_argument("action", nargs="?", choices=["verify"], help="check the chain; exit 1 when altered")
    aud.add_argument("--couple", type=int, default=None)
    aud.add_argument("--since", default=None, help="YYYY-MM-DD")
    aud.set_defaults(func=cmd_audit)
