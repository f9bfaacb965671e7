"""The ``auditbot`` command: run the bot, check checklists, back up, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
from pathlib import Path

from bot import checklists
from bot.settings import SettingsError, load_settings

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"auditbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auditbot", description="Telegram assistant for ISO 9001 audits")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(title="commands")

    run = sub.add_parser("run", help="run the bot (long polling)")
    run.set_defaults(func=cmd_run)

    lists = sub.add_parser("checklists", help="list or validate checklists")
    lists_sub = lists.add_subparsers(title="checklist commands")
    ls = lists_sub.add_parser("list", help="the checklists the bot offers")
    ls.set_defaults(func=cmd_checklists_list)
    validate = lists_sub.add_parser("validate", help="check YAML checklists (default: the bundled ones)")
    validate.add_argument("files", nargs="*", type=Path)
    validate.set_defaults(func=cmd_checklists_validate)

    backup = sub.add_parser("backup", help="copy the live database and evidence files to a folder")
    backup.add_argument("dest", type=Path)
    backup.set_defaults(func=cmd_backup)

    demo = sub.add_parser("demo", help="run a scripted conversation against a local Bot API double")
    demo.add_argument("--data-dir", type=Path, default=None, help="where the demo keeps its data")
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser("report", help="write the Word report of an audit")
    report.add_argument("audit", help="the audit's number (A-2026-001) or id")
    report.add_argument("-o", "--output", type=Path, required=True, help="the .docx file to write")
    report.add_argument("--pdf", action="store_true", help="also make a PDF of it with LibreOffice")
    report.set_defaults(func=cmd_report)

    export = sub.add_parser("export", help="write every audit, answer, finding and action to a workbook")
    export.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx file to write")
    export.set_defaults(func=cmd_export)

    review = sub.add_parser("review", help="write the management-review pack (ISO 9001 9.3.2) of a period")
    review.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-01-01")
    review.add_argument("--to", dest="end", required=True, help="last day, e.g. 2026-12-31")
    review.add_argument("-o", "--output", type=Path, required=True, help="the .docx file to write")
    review.add_argument("--xlsx", type=Path, default=None, help="also write its figures to this .xlsx")
    review.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the pack (default: en)")
    review.set_defaults(func=cmd_review)
    return parser


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_application, run_until_stopped
    from bot.instance_lock import hold_data_dir

    settings = load_settings()
    settings.require_token()
    settings.prepare_data_dir()
    lock = hold_data_dir(settings.data_dir)  # noqa: F841 - held until the process ends
    _logging(args.verbose)
    application = build_application(settings)
    asyncio.run(run_until_stopped(application, settings))
    return 0


def cmd_checklists_list(args: argparse.Namespace) -> int:
    extra = _extra_checklist_dirs()
    status = 0
    for path in checklists.checklist_files(extra):
        try:
            checklist = checklists.load_checklist(path)
        except checklists.ChecklistError as exc:
            print(f"{path}: INVALID ({len(exc.problems)} problems; run 'auditbot checklists validate {path}')")
            status = 1
            continue
        print(f"{checklist.id}  v{checklist.version}  {len(checklist.question_ids())} questions  "
              f"{checklist.title.en} / {checklist.title.zh}  ({path})")
    return status


def cmd_checklists_validate(args: argparse.Namespace) -> int:
    files = args.files or checklists.checklist_files(_extra_checklist_dirs())
    failed = 0
    ids: dict[str, Path] = {}
    for path in files:
        try:
            checklist = checklists.load_checklist(path)
        except checklists.ChecklistError as exc:
            failed += 1
            for problem in exc.problems:
                print(f"{path}: {problem}")
            continue
        if checklist.id in ids and not args.files:
            print(f"{path}: id: {checklist.id!r} is also the id of {ids[checklist.id]} (this one wins)")
        ids[checklist.id] = path
        print(f"{path}: ok ({checklist.id} v{checklist.version}, {len(checklist.question_ids())} questions)")
    return 1 if failed else 0


def _extra_checklist_dirs() -> list[Path]:
    try:
        return [load_settings().checklists_dir]
    except SettingsError:
        return []


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.db import Database

    settings = load_settings()
    if not settings.database_path.exists():
        raise SettingsError(f"AUDITBOT_DATA_DIR: no database at {settings.database_path}")
    dest: Path = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / settings.database_path.name
    if target.exists():
        target.unlink()

    async def _backup() -> None:
        db = await Database(settings.database_path).open()
        try:
            await db.backup(target)
        finally:
            await db.close()

    asyncio.run(_backup())
    copied = 0
    source_dir = settings.evidence_dir
    if source_dir.is_dir():
        for path in source_dir.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                out = dest / "evidence" / path.relative_to(source_dir)
                if not out.exists():
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, out)
                    copied += 1
    print(f"backup: {target} and {copied} new evidence files in {dest / 'evidence'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(args.data_dir))


def _existing_database(settings) -> Path:
    """The database of AUDITBOT_DATA_DIR; a SettingsError when there is none."""
    if not settings.database_path.exists():
        raise SettingsError(f"AUDITBOT_DATA_DIR: no database at {settings.database_path}")
    return settings.database_path


def cmd_report(args: argparse.Namespace) -> int:
    from bot.report import PdfFailed, PdfUnavailable, build_report, to_pdf
    from storage.db import Database
    from storage.files import FileStore
    from storage.repos.reports import resolve_audit

    settings = load_settings()
    path = _existing_database(settings)

    async def _report() -> Path | None:
        async with Database(path) as db:
            async with db.read() as conn:
                audit = await resolve_audit(conn, args.audit)
            if audit is None:
                return None
            return await build_report(db, audit["id"], FileStore(settings.evidence_dir), settings.tz,
                                      args.output, max_bytes=None,
                                      photo_cache=settings.photo_cache_dir)

    written = asyncio.run(_report())
    if written is None:
        print(f"auditbot: no audit {args.audit!r} (give its number, e.g. A-2026-001, or its id)",
              file=sys.stderr)
        return 1
    print(f"report: {written} ({written.stat().st_size / 1e6:.1f} MB)")
    if args.pdf:
        try:
            print(f"pdf: {to_pdf(written)}")
        except (PdfUnavailable, PdfFailed) as exc:
            print(f"auditbot: {exc}", file=sys.stderr)
            return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.report import build_export
    from storage.db import Database

    settings = load_settings()
    path = _existing_database(settings)

    async def _export() -> Path:
        async with Database(path) as db:
            return await build_export(db, settings.tz, args.output)

    written = asyncio.run(_export())
    print(f"export: {written} ({written.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.report.review import PeriodError, build_review, parse_period
    from storage.db import Database

    settings = load_settings()
    path = _existing_database(settings)
    today = datetime.now(settings.tz).date()
    try:
        period = parse_period(f"{args.start}..{args.end}", today)
    except PeriodError as exc:
        problem = {"reversed": "--to is before --from", "too_long": "the period is longer than ten years"}
        print(f"auditbot: {problem.get(exc.code, 'give --from and --to as dates, e.g. 2026-01-01')}",
              file=sys.stderr)
        return EXIT_USAGE

    async def _review():
        async with Database(path) as db:
            return await build_review(db, period, settings.tz, today, args.lang, args.output, args.xlsx)

    figures = asyncio.run(_review())
    print(f"review: {args.output} ({args.output.stat().st_size / 1e6:.1f} MB), {period.label()},"
          f" {figures.done} audits")
    if args.xlsx:
        print(f"figures: {args.xlsx}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
