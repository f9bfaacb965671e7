"""The ``auditbot`` command: run the bot, check checklists, back up, demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.domain import checklists
from bot.settings import Settings, SettingsError, load_settings
from storage.instance_lock import DataDirBusy

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except (SettingsError, DataDirBusy) as exc:
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

    health = sub.add_parser("health", help="exit 0 when the running bot is healthy (container health check)")
    health.set_defaults(func=cmd_health)

    lists = sub.add_parser("checklists", help="list or validate checklists")
    lists_sub = lists.add_subparsers(title="checklist commands")
    ls = lists_sub.add_parser("list", help="the checklists the bot offers")
    ls.set_defaults(func=cmd_checklists_list)
    validate = lists_sub.add_parser("validate", help="check checklist files, .yaml or .xlsx (default: those on offer)")
    validate.add_argument("files", nargs="*", type=Path)
    validate.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the problems")
    validate.set_defaults(func=cmd_checklists_validate)
    imp = lists_sub.add_parser("import", help="check a workbook (.xlsx) or .yaml and keep it as a draft")
    imp.add_argument("file", type=Path)
    imp.add_argument("--publish", action="store_true", help="publish it at once (on offer for new audits)")
    imp.add_argument("--as-version", type=int, default=None, help="publish as this version")
    imp.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the problems")
    imp.set_defaults(func=cmd_checklists_import)
    exp = lists_sub.add_parser("export", help="write a checklist as an .xlsx workbook")
    exp.add_argument("id")
    exp.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx file to write")
    exp.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the sheets and columns")
    exp.set_defaults(func=cmd_checklists_export)
    tpl = lists_sub.add_parser("template", help="write the blank checklist workbook")
    tpl.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx file to write")
    tpl.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the sheets and columns")
    tpl.set_defaults(func=cmd_checklists_template)

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

    pack = sub.add_parser("record-pack", help="write the record pack (.zip of Word documents) of a completed audit")
    pack.add_argument("audit", help="the audit's number (A-2026-001) or id")
    pack.add_argument("-o", "--output", type=Path, required=True, help="the .zip file to write")
    pack.set_defaults(func=cmd_record_pack)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(title="database commands")
    upgrade = db_sub.add_parser("upgrade", help="apply the schema migrations to the configured database")
    upgrade.set_defaults(func=cmd_db_upgrade)
    copy = db_sub.add_parser("copy", help="copy the configured SQLite database into an empty PostgreSQL one")
    copy.add_argument("--to", required=True, metavar="URL", help="the target, e.g. postgresql://user@host/db")
    copy.set_defaults(func=cmd_db_copy)

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

    person = sub.add_parser("person", help="a person's data (PIPL, GDPR): export it, or erase it")
    person_sub = person.add_subparsers(title="person commands")
    person_export = person_sub.add_parser("export", help="everything held about a person, as a zip")
    person_export.add_argument("telegram_id", type=int)
    person_export.add_argument("-o", "--output", type=Path, default=None,
                               help="the .zip file to write (default: person-<id>.zip)")
    person_export.set_defaults(func=cmd_person_export)
    person_erase = person_sub.add_parser("erase", help="erase a person's personal data (records stay, pseudonymised)")
    person_erase.add_argument("telegram_id", type=int)
    person_erase.add_argument("--yes", action="store_true", help="really erase (it cannot be undone)")
    person_erase.set_defaults(func=cmd_person_erase)
    return parser


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A log record's own attributes; whatever else it carries came as ``extra`` (the update line's fields).
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """AUDITBOT_LOG_FORMAT=json: one JSON object a line (time, level, logger, message, the
    record's extra fields such as the update line's kind, chat, latency_ms and outcome)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update((key, value) for key, value in vars(record).items()
                    if key not in _RECORD_ATTRIBUTES and not key.startswith("_"))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _logging(verbose: bool = False, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    logging.getLogger("httpx").setLevel(logging.WARNING)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_application, run_until_stopped
    from storage.instance_lock import hold_data_dir

    settings = load_settings()
    settings.require_token()
    settings.prepare_data_dir()
    # One process per SQLite database; PostgreSQL is shared by replicas.
    lock = hold_data_dir(settings.data_dir) if settings.database_path is not None else None  # noqa: F841
    _check_database(settings)
    _logging(args.verbose, settings.log_format)
    application = build_application(settings, rate_limit=settings.telegram_rate_limit)
    asyncio.run(run_until_stopped(application, settings))
    return 0


HEARTBEAT_MAX_AGE = 90  # seconds: a long poll (10 s) plus the longest back-off (30 s), twice


def cmd_health(args: argparse.Namespace) -> int:
    """Webhook mode: /healthz answers 200 (the database answers). Polling: the poll loop's
    heartbeat is fresh, and /healthz answers 200 too when AUDITBOT_METRICS_PORT is set."""
    import time

    settings = load_settings()
    if settings.webhook:
        host, _, port = (settings.webhook_listen or "").rpartition(":")
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "[::]") else host
        return _healthz(host, port)
    try:
        age = time.time() - settings.heartbeat_path.stat().st_mtime
    except FileNotFoundError:
        print("auditbot: unhealthy: no heartbeat yet (is the bot running?)", file=sys.stderr)
        return 1
    if age > HEARTBEAT_MAX_AGE:
        print(f"auditbot: unhealthy: Telegram last answered {age:.0f} s ago", file=sys.stderr)
        return 1
    if settings.metrics_port:
        return _healthz("127.0.0.1", settings.metrics_port)
    return 0


def _healthz(host: str, port: str | int) -> int:
    """0 when the bot's /healthz answers 200 (it is running and its database answers)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=4) as answer:
            healthy = answer.status == 200
    except urllib.error.HTTPError as exc:  # 503: stopping, or the database does not answer
        print(f"auditbot: unhealthy: /healthz: {exc.code} {exc.read().decode(errors='replace').strip()}",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"auditbot: unhealthy: /healthz: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


def _database_variable(settings) -> str:
    return "AUDITBOT_DATABASE_URL" if settings.database_url is not None else "AUDITBOT_DATA_DIR"


def _check_database(settings) -> None:
    """Open (and migrate) the database once; a SettingsError naming the variable when that fails."""
    from storage.db import DatabaseUnavailable, probe

    try:
        asyncio.run(probe(settings.database))
    except DatabaseUnavailable as exc:
        raise SettingsError(f"{_database_variable(settings)}: {exc}") from None


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.url import normalise, shown

    settings = load_settings()
    if settings.database_path is not None:
        settings.prepare_data_dir()
    _check_database(settings)
    print(f"db upgrade: {shown(normalise(settings.database))} is at the newest schema")
    return 0


def _sqlite_file(settings: Settings, not_sqlite: str) -> Path:
    """The SQLite database file a command works on; a SettingsError when there is none."""
    source = settings.database_path
    if source is None:
        raise SettingsError(f"AUDITBOT_DATABASE_URL: {not_sqlite}")
    if not source.exists():
        raise SettingsError(f"AUDITBOT_DATA_DIR: no database at {source}")
    return source


def cmd_db_copy(args: argparse.Namespace) -> int:
    from storage.copy import CopyRefused, copy_database
    from storage.db import DatabaseUnavailable, probe
    from storage.url import normalise, shown

    settings = load_settings()
    source = _sqlite_file(settings, "db copy reads a SQLite database; point it at the SQLite file")
    try:
        target = normalise(args.to) if "://" in args.to else None
    except ValueError as exc:
        raise SettingsError(f"--to: {exc}") from None
    if target is None or target.get_backend_name() != "postgresql":
        raise SettingsError("--to: give a PostgreSQL URL (postgresql://user@host/db)")

    def report(copied) -> None:
        print(f"  {copied.table}: {copied.rows} rows")

    print(f"db copy: {source} -> {shown(target)}")
    url = target.render_as_string(hide_password=False)
    try:
        asyncio.run(probe(url))
        copied = asyncio.run(copy_database(source, url, progress=report))
    except CopyRefused as exc:
        print(f"auditbot: db copy: {exc}; nothing was copied", file=sys.stderr)
        return 1
    except DatabaseUnavailable as exc:
        raise SettingsError(f"--to: {exc}") from None
    print(f"db copy: {len(copied)} tables, {sum(c.rows for c in copied)} rows, counts match")
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
              f"{' / '.join(t for t in (checklist.title.en, checklist.title.zh) if t)}  ({path})")
    return status


def cmd_checklists_validate(args: argparse.Namespace) -> int:
    from bot.workbooks.checklist import read_checklist_file

    files = args.files or checklists.checklist_files(_extra_checklist_dirs())
    failed = 0
    ids: dict[str, Path] = {}
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            failed += 1
            print(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        result = read_checklist_file(path.name, data)
        if result.checklist is None:
            failed += 1
            for problem in result.problems:
                print(f"{path}: {problem.line(args.lang)}")
            continue
        checklist = result.checklist
        if checklist.id in ids and not args.files:
            print(f"{path}: id: {checklist.id!r} is also the id of {ids[checklist.id]} (this one wins)")
        ids[checklist.id] = path
        print(f"{path}: ok ({checklist.id} v{checklist.version}, {len(checklist.question_ids())} questions, "
              f"{'+'.join(checklist.languages())})")
    return 1 if failed else 0


def _checklist_service():
    from bot.services.checklist_service import ChecklistService

    settings = load_settings()
    live = checklists.load_all([settings.checklists_dir])
    return ChecklistService(None, None, settings, live)


def cmd_checklists_import(args: argparse.Namespace) -> int:
    from bot.services.people_service import Actor

    service = _checklist_service()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"auditbot: {args.file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 1
    operator = Actor(id=0, name="command line", lang=args.lang, active=True, roles=frozenset({"lead"}))
    outcome = service.check_and_draft(operator, args.file.name, data)
    if outcome.draft is None:
        for problem in outcome.problems:
            print(f"{args.file}: {problem.line(args.lang)}")
        if outcome.marked is not None:
            marked = args.file.with_name(outcome.marked_name)
            marked.write_bytes(outcome.marked)
            print(f"{len(outcome.problems)} problems; the workbook with them marked: {marked}")
        return 1
    draft = outcome.draft
    print(f"{args.file}: ok ({draft.id}, {draft.questions} questions in {len(draft.sections) + draft.more_sections}"
          f" sections, {'+'.join(draft.languages)}); draft {draft.draft_id}")
    if not args.publish:
        print(f"not published: run again with --publish (it would be version {draft.version})")
        return 0
    published = service.publish_draft(draft.draft_id, args.as_version or draft.version)
    if isinstance(published, int):
        print(f"auditbot: {draft.id} already has version {published - 1}: use --as-version {published}",
              file=sys.stderr)
        return 1
    print(f"published {published.id} version {published.version} "
          f"(a running bot takes it in at the next /checklists or start)")
    return 0


def cmd_checklists_export(args: argparse.Namespace) -> int:
    from bot.workbooks.checklist import write_workbook

    checklist = _checklist_service().find(args.id)
    if checklist is None:
        print(f"auditbot: no checklist {args.id!r} (see 'auditbot checklists list')", file=sys.stderr)
        return 1
    args.output.write_bytes(write_workbook(checklist, lang=args.lang))
    print(f"export: {args.output} ({checklist.id} v{checklist.version}, {len(checklist.question_ids())} questions)")
    return 0


def cmd_checklists_template(args: argparse.Namespace) -> int:
    from bot.workbooks.checklist import write_workbook

    args.output.write_bytes(write_workbook(None, lang=args.lang))
    print(f"template: {args.output}")
    return 0


def _extra_checklist_dirs() -> list[Path]:
    try:
        return [load_settings().checklists_dir]
    except SettingsError:
        return []


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.db import Database

    settings = load_settings()
    source = _sqlite_file(settings, "backup copies the SQLite file; back up PostgreSQL with pg_dump")
    dest: Path = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / source.name
    if target.exists():
        target.unlink()

    async def _backup() -> None:
        db = await Database(source).open()
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
    try:
        from devtools.demo import run_demo
    except ImportError as exc:  # aiohttp, which the double needs, is in the devtools extra
        raise SettingsError(f"auditbot demo needs the devtools extra ({exc.name}): "
                            "pip install 'auditbot[devtools]', or run 'make demo'") from None
    return asyncio.run(run_demo(args.data_dir))


def _existing_database(settings) -> str:
    """The configured database; a SettingsError when it is a SQLite file that does not exist."""
    path = settings.database_path
    if path is not None and not path.exists():
        raise SettingsError(f"AUDITBOT_DATA_DIR: no database at {path}")
    _check_database(settings)
    return settings.database


def cmd_report(args: argparse.Namespace) -> int:
    from bot.report import PdfFailed, PdfUnavailable, to_pdf
    from bot.runtime import bootstrap

    settings = load_settings()
    _existing_database(settings)

    async def _report() -> Path | None:
        rt = await bootstrap(settings)
        try:
            audit = await rt.report.find(args.audit)
            if audit is None:
                return None
            return await rt.report.build(audit, out=args.output, max_bytes=None)
        finally:
            await rt.close()

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


def cmd_record_pack(args: argparse.Namespace) -> int:
    from bot.domain.errors import ServiceError
    from bot.runtime import bootstrap

    settings = load_settings()
    _existing_database(settings)

    async def _pack() -> Path | str:
        rt = await bootstrap(settings)
        try:
            audit = await rt.report.find(args.audit)
            if audit is None:
                return f"no audit {args.audit!r} (give its number, e.g. A-2026-001, or its id)"
            try:
                return await rt.report.record_pack_of(audit, out=args.output)
            except ServiceError:
                return f"audit {audit.number} is not completed: its record pack is made once it is"
        finally:
            await rt.close()

    written = asyncio.run(_pack())
    if isinstance(written, str):
        print(f"auditbot: {written}", file=sys.stderr)
        return 1
    print(f"record pack: {written} ({written.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.runtime import bootstrap

    settings = load_settings()
    _existing_database(settings)

    async def _export() -> Path:
        rt = await bootstrap(settings)
        try:
            return await rt.report.export_to(args.output)
        finally:
            await rt.close()

    written = asyncio.run(_export())
    print(f"export: {written} ({written.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.report.review.pack import PeriodError, build_review, parse_period
    from storage.db import Database
    from storage.files import FileStore

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
            return await build_review(db, period, settings.tz, today, args.lang, args.output, args.xlsx,
                                      files=FileStore(settings.evidence_dir))

    figures = asyncio.run(_review())
    print(f"review: {args.output} ({args.output.stat().st_size / 1e6:.1f} MB), {period.label()},"
          f" {figures.done} audits")
    if args.xlsx:
        print(f"figures: {args.xlsx}")
    return 0


def _person_command(settings, telegram_id: int, work):
    """Run ``work(runtime)`` on the configured database; None (and a line) when nobody has the id."""
    from bot.runtime import bootstrap
    from bot.services.privacy_service import PrivacyError

    async def _run():
        rt = await bootstrap(settings)
        try:
            return await work(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(_run())
    except PrivacyError:
        print(f"auditbot: nobody with Telegram id {telegram_id} is known (erased already?)", file=sys.stderr)
        return None


def cmd_person_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    _existing_database(settings)
    out = args.output or Path(f"person-{args.telegram_id}.zip")
    export = _person_command(settings, args.telegram_id, lambda rt: rt.privacy.export(None, args.telegram_id, out))
    if export is None:
        return 1
    rows = ", ".join(f"{name} {count}" for name, count in export.tables.items() if count)
    print(f"person export: {export.path} ({export.size / 1e6:.1f} MB): {rows};"
          f" {export.files} evidence files" + (f", {export.missing} not on this disk" if export.missing else ""))
    return 0


def cmd_person_erase(args: argparse.Namespace) -> int:
    settings = load_settings()
    _existing_database(settings)
    if not args.yes:
        print(f"auditbot: erasing the personal data of {args.telegram_id} cannot be undone (their records stay,"
              " as 'former staff #n'); run again with --yes", file=sys.stderr)
        return EXIT_USAGE
    erased = _person_command(settings, args.telegram_id, lambda rt: rt.privacy.erase(None, args.telegram_id))
    if erased is None:
        return 1
    removed = ", ".join(f"{name} {count}" for name, count in erased.removed.items() if count) or "nothing"
    moved = ", ".join(f"{name} {count}" for name, count in erased.moved.items()) or "nothing"
    print(f"person erase: {args.telegram_id} is now {erased.pseudonym!r}; deleted: {removed}; kept as"
          f" {erased.pseudonym!r}: {moved}; {erased.scrubbed} texts rewritten; {erased.files_deleted} generated"
          " files deleted")
    if erased.admin:
        print(f"auditbot: {args.telegram_id} is still in AUDITBOT_ADMIN_IDS: take it out, or they become a lead"
              " again the next time they write", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
