"""Builds the python-telegram-bot Application: wiring only, no behaviour."""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import checklists as checklist_loader
from bot.clock import Clock
from bot.concurrency import PerChatUpdateProcessor
from bot.handlers import register_handlers
from bot.outbox_sender import OutboxSender
from bot.prompts import LANGS, Prompts, default_prompts
from bot.rate_limit import RetryingRateLimiter
from bot.runtime import AuditContext, Runtime
from bot.scheduler import notify_new_actions, schedule
from bot.services.audit_service import AuditService
from bot.services.capa_service import CapaService
from bot.services.checklist_service import ChecklistService
from bot.services.notices import NoticeService
from bot.services.people_service import PeopleService
from bot.services.reminder_service import ReminderService
from bot.services.report_service import ReportService
from bot.services.status_service import StatusService
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore

log = logging.getLogger(__name__)

# (command, label key of its description); the order is the menu's.
COMMANDS = (
    ("start", "cmd_start"),
    ("audit", "cmd_audit"),
    ("resume", "cmd_resume"),
    ("capa", "cmd_capa"),
    ("report", "cmd_report"),
    ("status", "cmd_status"),
    ("overdue", "cmd_overdue"),
    ("export", "cmd_export"),
    ("invite", "cmd_invite"),
    ("checklists", "cmd_checklists"),
    ("departments", "cmd_departments"),
    ("users", "cmd_users"),
    ("lang", "cmd_lang"),
    ("help", "cmd_help"),
    ("cancel", "cmd_cancel"),
)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    prompts: Prompts | None = None,
    rate_limit: bool = True,
) -> Application:
    """The bot, talking to ``settings.api_url``; the database opens in post_init."""
    token = settings.require_token()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=AuditContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatUpdateProcessor(256))
        .connection_pool_size(64)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit:
        builder = builder.rate_limiter(RetryingRateLimiter(max_retries=5))
    application = builder.build()
    application.bot_data["pending_runtime"] = (settings, clock or Clock(), prompts or default_prompts())
    register_handlers(application)
    return application


async def _post_init(application: Application) -> None:
    settings, clock, prompts = application.bot_data.pop("pending_runtime")
    settings.prepare_data_dir()
    db = await Database(settings.database_path).open()
    runtime = Runtime(
        settings=settings,
        db=db,
        clock=clock,
        prompts=prompts,
        files=FileStore(settings.evidence_dir),
        checklists=checklist_loader.load_all([settings.checklists_dir]),
        people=PeopleService(db, clock, settings),
    )
    reports = runtime.services["report"] = ReportService(db, clock, settings, runtime.files)
    runtime.services["audit"] = AuditService(db, clock, settings, runtime.checklists, runtime.files,
                                             on_photo=reports.photo_arrived)
    status = runtime.services["status"] = StatusService(db, clock, settings)
    runtime.services["capa"] = CapaService(db, clock, settings, runtime.files)
    runtime.services["reminders"] = ReminderService(db, clock, settings)
    runtime.services["checklists"] = ChecklistService(db, clock, settings, runtime.checklists)
    notices = NoticeService(db, clock, settings, status)
    runtime.services["outbox"] = OutboxSender(db, clock, notices, prompts, runtime.files)
    application.bot_data["runtime"] = runtime
    application.bot_data["notify_new_actions"] = notify_new_actions
    schedule(application)
    await register_commands(application, prompts)


async def _post_shutdown(application: Application) -> None:
    runtime: Runtime | None = application.bot_data.get("runtime")
    if runtime is not None:
        await runtime.db.close()


async def register_commands(application: Application, prompts: Prompts) -> None:
    """setMyCommands once per language (English is also the default)."""
    for lang in LANGS:
        commands = [BotCommand(name, prompts.label(lang, key)) for name, key in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=lang)
        if lang == "en":
            await application.bot.set_my_commands(commands)


async def start_polling(application: Application, *, reminders: bool = True, poll_timeout: int = 1) -> None:
    """Start the bot inside an event loop someone else runs (the demo, tests, benchmarks).

    What ``run_polling`` does, in pieces; ``reminders=False`` leaves the reminder job out,
    so whoever drives the bot runs its passes itself.
    """
    from bot import scheduler

    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    if not reminders and application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name(scheduler.JOB_NAME):
            job.schedule_removal()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=poll_timeout, bootstrap_retries=0)


async def stop_polling(application: Application) -> None:
    """Undo ``start_polling``, whatever part of it ran."""
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
