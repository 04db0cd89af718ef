"""The `mendwell` command line."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mendwell import __version__, audit
from mendwell.cli_accounts import add_parsers as add_account_parsers
from mendwell.config import db_path
from mendwell.data import Database
from mendwell.errors import DatabaseBusy, MendwellError, NotFound
from mendwell.instruments import Catalog, assessment_dirs, load_catalog


def _catalog(extra: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    dirs = assessment_dirs() + [Path(d) for d in extra]
    return load_catalog(dirs)


def cmd_demo(args: argparse.Namespace) -> int:
    from mendwell.demo import generate

    catalog = _catalog()
    for p in catalog.problems:
        print(f"warning: {p}", file=sys.stderr)
    if not catalog.instruments:
        print("No instrument could be loaded, so there is nothing to answer.", file=sys.stderr)
        return 1
    from mendwell.demo import add_demo_accounts, demo_sign_ins

    db = Database(db_path())
    try:
        if args.if_empty and db.couples.count():
            print(f"{db.path} already holds {db.couples.count()} couple(s); no demo added.")
            for line in demo_sign_ins(db):
                print(line)
            return 0
        result = generate(db, catalog, couples=args.couples, months=args.months, seed=args.seed)
        sign_ins = add_demo_accounts(db) if not args.no_accounts else []
    finally:
        db.close()
    print(
        f"Added {result.couples} demo couple(s): {result.checkins:,} check-ins, "
        f"{result.responses:,} answers in {result.seconds:.1f} s -> {db.path}"
    )
    for line in sign_ins:
        print(line)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from mendwell.config import builtin_assessments_dir

    dirs = [Path(d) for d in args.dirs] if args.dirs else assessment_dirs()
    # a therapist's folder may use the project's own themes as well as its own
    catalog = load_catalog(dirs, themes_from=[builtin_assessments_dir()] if args.dirs else [])
    for p in catalog.problems:
        print(p)
    ok = len(catalog.instruments)
    if args.stats:
        _print_stats(catalog)
    if catalog.problems:
        files = len(catalog.bad_files)
        print(f"\n{len(catalog.problems)} problem(s) in {files} file(s); {ok} instrument(s) are fine.", file=sys.stderr)
        return 1
    print(f"All good: {ok} instrument(s) and {len(catalog.themes)} theme(s) loaded.", file=sys.stderr)
    return 0


def _print_stats(catalog: Catalog) -> None:
    """Per subscale: the declared reliability beside the one measured from the database, and which is used."""
    import pandas as pd

    from mendwell.caseload import reliability_rows
    from mendwell.limits import MIN_REFERENCE_PARTNERS

    path = db_path()
    ref = pd.DataFrame(columns=["instrument_id", "subscale_id"]).set_index(["instrument_id", "subscale_id"])
    where = f"no database at {path}: declared figures only"
    if path.exists():
        try:
            db = Database(path)
        except DatabaseBusy:
            where = f"{path} is held by the running app: declared figures only (stop the app to measure)"
        else:
            from mendwell.analysis import reference

            try:
                ref = reference(db).set_index(["instrument_id", "subscale_id"])
            finally:
                db.close()
            where = f"measured from the first check-ins in {path} (at least {MIN_REFERENCE_PARTNERS} partners needed)"
    rows = reliability_rows(ref, catalog)
    print(f"\nReliability per subscale, {where}:")
    print("instrument/subscale\tdeclared\tmeasured alpha (complete first check-ins)\tused\tSD from")
    for r in rows.itertuples():
        declared = "-" if pd.isna(r.declared) else f"{r.declared:.2f}"
        measured = "-" if pd.isna(r.measured_alpha) else f"{r.measured_alpha:.2f} ({r.complete_first_checkins})"
        print(f"{r.instrument_id}/{r.subscale_id}\t{declared}\t{measured}\t{r.used}\t{r.sd_from}")


def cmd_export(args: argparse.Namespace) -> int:
    from mendwell import audit
    from mendwell.export import EVERYTHING, SHARED_ONLY, export

    scope = SHARED_ONLY if args.shared_only else EVERYTHING
    db = Database(db_path())
    try:
        db.definitions.register(_catalog().instruments)
        written = export(db, Path(args.outdir), args.format, args.couple, scope)
        what = "shared items only" if args.shared_only else "everything, private answers and notes included"
        audit.record(db, audit.OPERATOR, audit.EXPORT, args.couple, f"{args.format}, {what}")
    finally:
        db.close()
    for table, path in written.items():
        print(f"{table}: {path}")
    if args.shared_only:
        print("This export holds no private answer, private note or private score.")
    else:
        print(
            "This export holds EVERYTHING, private answers and private notes included (the private safety check "
            "never). Keep it safe; use --shared-only to leave private items out."
        )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    db = Database(db_path())
    try:
        print(f"database: {db.path} (schema {db.engine.schema_version()})")
        for table, n in db.engine.table_counts().items():
            print(f"{table}: {n:,}")

    finally:
        db.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from mendwell.periods import parse_period
    from mendwell.report import PAPERS, build_report, default_range, range_label, report_size

    try:
        start = parse_period(args.start) if args.start else None
        end = parse_period(args.end) if args.end else None
    except ValueError as exc:
        raise MendwellError(str(exc)) from None
    out = Path(args.out)
    if os.path.isdir(out):  # os.path never raises, e.g. for a name too long for the file system
        raise MendwellError(f"{out} is a folder; please give a file name, e.g. {out / 'report.html'}.")
    if not os.path.isdir(out.parent):
        raise MendwellError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    as_pdf = out.suffix.lower() == ".pdf"
    if as_pdf:
        from mendwell.pdf import unavailable_reason

        if (why := unavailable_reason()) is not None:  # said before any work is done
            raise MendwellError(why)
    elif args.paper is not None:
        raise MendwellError("--paper is for a PDF: name the file OUT.pdf (an HTML report prints on any paper).")
    path = db_path()
    if not path.exists():
        raise MendwellError(f"There is no database at {path} (set MENDWELL_DB to the file the app uses).")
    catalog = _catalog()
    for p in catalog.problems:
        print(f"warning: {p}", file=sys.stderr)
    db = Database(path)
    try:
        if db.couples.get(args.couple) is None:
            ids = ", ".join(str(c.couple_id) for c in db.couples.all()) or "none yet"
            raise MendwellError(f"There is no couple with id {args.couple} (couple ids here: {ids}).")
        start, end = default_range(db, args.couple, start, end)
        if start > end:
            to = f"--to ({end:%Y-%m})" if args.end else f"the last month a report can show yet ({end:%Y-%m})"
            raise MendwellError(f"--from ({start:%Y-%m}) is after {to}; the report needs a start on or before its end.")
        html = build_report(db, catalog, args.couple, start, end)
        audit.record(db, audit.OPERATOR, audit.REPORT, args.couple, f"prepared, {start:%Y-%m} to {end:%Y-%m}")
    finally:
        db.close()
    content: str | bytes = html
    paper = ""
    if as_pdf:
        from mendwell.pdf import DEFAULT_PAPER, html_to_pdf

        content = html_to_pdf(html, args.paper or DEFAULT_PAPER)
        paper = f", {PAPERS[args.paper or DEFAULT_PAPER]}"
    part = out.with_name(f".{out.name}.part")
    try:  # written whole or not at all
        if isinstance(content, bytes):
            part.write_bytes(content)
        else:
            part.write_text(content, encoding="utf-8")
        os.replace(part, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise MendwellError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    print(f"Wrote {out} ({report_size(content)}{paper}): {range_label(start, end)}.")
    return 0


def cmd_couples(args: argparse.Namespace) -> int:
    db = Database(db_path())
    try:
        couples = db.couples.all()
    finally:
        db.close()
    if not couples:
        print("No couples yet.", file=sys.stderr)
        return 0
    print("id\tcouple\tpartners")
    for c in couples:
        print(f"{c.couple_id}\t{c.name}\t{' & '.join(p.name for p in c.partners)}")
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from mendwell.archive import export_archive
    from mendwell.backup_requests import ask_app_for_archive

    try:
        db = Database(db_path())
    except DatabaseBusy:  # the app serves it: it writes the archive on its own connection
        out = ask_app_for_archive(db_path(), Path(args.out), args.couple)
        print(f"Wrote {out} ({out.stat().st_size / 1024**2:.1f} MB, made by the running app).")
        return 0
    try:
        db.definitions.register(_catalog().instruments)
        out = export_archive(db, Path(args.out), args.couple)
        audit.record(db, audit.OPERATOR, audit.ARCHIVE, args.couple)
    finally:
        db.close()
    print(f"Wrote {out} ({out.stat().st_size / 1024**2:.1f} MB).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mendwell.archive import import_archive, preview_archive

    db = Database(db_path())
    try:
        plan = preview_archive(db, Path(args.file))
        print("This archive would add:")
        for line in plan.lines:
            print(f"  {line}")
        if args.preview:
            return 0
        if not any(plan.values()):
            print("Nothing new: everything in this archive is already here.")
            return 0
        if sys.stdin.isatty() and not args.yes and input("Import it? Type 'yes' to go on: ").strip() != "yes":
            print("Nothing was imported.")
            return 1
        added = import_archive(db, Path(args.file))
        audit.record(db, audit.OPERATOR, audit.IMPORT, None, added.counts)
    finally:
        db.close()
    print("Imported: " + ", ".join(f"{n:,} {table}" for table, n in added.items() if n))
    return 0


def _confirm(prompt: str, expected: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        print("This cannot be undone. Run it again with --yes to confirm.", file=sys.stderr)
        return False
    return input(f"{prompt} Type {expected!r} to confirm: ").strip() == expected


def _backups_note(delete: bool) -> None:
    """Backups and archives made earlier still hold what was erased: say so, and delete the backups if asked."""
    from mendwell.backups import backups_folder, delete_backups, list_backups

    found = list_backups(db_path())
    if found and delete:
        delete_backups(db_path())
        print(f"Deleted {len(found)} backup file(s) in {backups_folder(db_path())}.")
    elif found:
        print(
            f"Note: {len(found)} backup file(s) in {backups_folder(db_path())} still hold what was erased. "
            "Run this again with --delete-backups to delete them, or delete them yourself."
        )
    print("Archives you downloaded or copied elsewhere still hold it too: delete them yourself.")


def cmd_erase(args: argparse.Namespace) -> int:
    try:
        db = Database(db_path())
    except DatabaseBusy:
        raise DatabaseBusy(
            f"The database {db_path()} is in use by another Mendwell process (most likely the app). Stop it "
            "(Ctrl+C in its terminal) and run this again, or erase from the Data page of the app, which waits for "
            "the other windows to finish first."
        ) from None
    try:
        if args.all:
            if not _confirm("This erases every couple and all their answers.", "erase everything", args.yes):
                return 1
            db.erase_all()
            audit.record(db, audit.OPERATOR, audit.ERASE, None, "everything")
            print("Erased everything. The database file was rewritten, so no trace is left in it.")
        else:
            couple = db.couples.get(args.couple)
            if couple is None:
                raise NotFound(f"There is no couple with id {args.couple}.")
            if not _confirm(f"This erases {couple.name} and all their answers.", "erase", args.yes):
                return 1
            db.couples.erase(args.couple)
            audit.record(db, audit.OPERATOR, audit.ERASE, args.couple)
            print(f"Erased couple {args.couple}. The database file was rewritten, so no trace is left in it.")
    finally:
        db.close()
    _backups_note(args.delete_backups)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from mendwell.backup_requests import ask_app_for_backup

    out = Path(args.out)
    try:
        db = Database(db_path())
    except DatabaseBusy:
        done = ask_app_for_backup(db_path(), out)
        print(f"Backed up to {done} (made by the running app).")
        return 0
    try:
        done = db.backup(out)
    finally:
        db.close()
    print(f"Backed up to {done}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""
    parser = argparse.ArgumentParser(
        prog="mendwell",
        description="Mendwell: a monthly check-in for couples. The database is MENDWELL_DB "
        "(default data/mendwell.duckdb); extra instrument directories come from MENDWELL_ASSESSMENTS.",
    )
    parser.add_argument("--version", action="version", version=f"mendwell {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="add synthetic couples with realistic histories")
    # 16 couples: 32 partners, enough first check-ins (limits.MIN_REFERENCE_PARTNERS) for reliable change
    demo.add_argument("--couples", type=int, default=16, help="how many couples (default 16)")
    demo.add_argument("--months", type=int, default=24, help="months of history each (default 24)")
    demo.add_argument("--seed", type=int, default=7, help="random seed, for repeatable data")
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no couple yet")
    demo.add_argument("--no-accounts", action="store_true", help="add no demo sign-ins")
    demo.set_defaults(func=cmd_demo)

    check = sub.add_parser("check-assessments", help="validate instrument files; exit 1 on any problem")
    check.add_argument("dirs", nargs="*", help="directories or files (default: the ones the app loads)")
    check.add_argument(
        "--stats", action="store_true", help="also show each subscale's declared and measured reliability"
    )
    check.set_defaults(func=cmd_check)

    exp = sub.add_parser("export", help="write each table to OUTDIR as csv, parquet or json")
    exp.add_argument("outdir")
    exp.add_argument("--format", choices=["csv", "parquet", "json"], default="csv")
    exp.add_argument("--couple", type=int, default=None, help="only this couple id")
    exp.add_argument(
        "--shared-only", action="store_true", help="leave out every private answer, private note and private score"
    )
    exp.set_defaults(func=cmd_export)

    rep = sub.add_parser(
        "report",
        help="write a couple's session report as one HTML file that opens offline, or as a PDF",
        description="Write a couple's session report (what screen-share mode shows: each month once both "
        "partners have checked in for it, never anything private) as one self-contained HTML file, or as a PDF "
        "when OUT ends in .pdf (printed offline by Chromium, which must be installed; MENDWELL_CHROMIUM names "
        "another one). Months are inclusive; by default the 12 months up to the latest month open to both.",
    )
    rep.add_argument("out", metavar="OUT.html|OUT.pdf", help="the file to write (a PDF when it ends in .pdf)")
    rep.add_argument(
        "--paper", choices=["a4", "letter"], type=str.lower, default=None, help="a PDF's paper (default: a4)"
    )
    rep.add_argument(
        "--couple", type=int, required=True, help="the couple id (1 for the first couple added, and so on)"
    )
    rep.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (default: 11 months before --to)")
    rep.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month (default: the latest open to both)")
    rep.set_defaults(func=cmd_report)

    arc = sub.add_parser(
        "archive", help="write everything (or one couple) to a single archive file, also while the app is serving"
    )
    arc.add_argument("out")
    arc.add_argument("--couple", type=int, default=None, help="only this couple id")
    arc.set_defaults(func=cmd_archive)

    imp = sub.add_parser(
        "import", help="check an archive completely, say what it would add, then add it in one transaction"
    )
    imp.add_argument("file")
    imp.add_argument("--preview", action="store_true", help="only say what would be added")
    imp.add_argument("--yes", action="store_true", help="do not ask for confirmation at a terminal")
    imp.set_defaults(func=cmd_import)

    era = sub.add_parser("erase", help="erase a couple (or everything) and rewrite the file: no trace left")
    which = era.add_mutually_exclusive_group(required=True)
    which.add_argument("--couple", type=int, help="the couple id to erase")
    which.add_argument("--all", action="store_true", help="erase every couple")
    era.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    era.add_argument("--delete-backups", action="store_true", help="also delete the app's backups (they hold it too)")
    era.set_defaults(func=cmd_erase)

    bak = sub.add_parser("backup", help="a consistent copy of the database, also while the app is serving")
    bak.add_argument("out")
    bak.set_defaults(func=cmd_backup)

    add_account_parsers(sub)

    couples = sub.add_parser("couples", help="list couples with their ids (for --couple)")
    couples.set_defaults(func=cmd_couples)

    info = sub.add_parser("info", help="show the database file and row counts")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mendwell` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "couples", 1) < 0 or getattr(args, "months", 1) < 1:
        print("--couples must be 0 or more and --months 1 or more.", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except MendwellError as exc:
        print(f"mendwell: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
