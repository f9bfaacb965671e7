"""The composition root: the FLOWS and COMMANDS tables, the python-telegram-bot Application
built from them, and starting and stopping it (polling or webhook). Wiring only, no behaviour."""

from __future__ import annotations

import asyncio
import logging

from starlette.applications import Starlette
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.clock import Clock
from bot.domain.vocabulary import AUDITORS, LEADS
from bot.prompts import LANGS, Prompts, default_prompts
from bot.runtime import Runtime, bootstrap
from bot.services import (
    agency_service,
    audit_service,
    capa_service,
    checklist_service,
    document_request_service,
    people_service,
    programme_service,
    report_flow_service,
)
from bot.settings import Settings
from bot.telegram import chat_log, context
from bot.telegram.bot import AuditBot
from bot.telegram.commands import Command, CommandTable
from bot.telegram.context import AuditContext
from bot.telegram.delivery import metrics, webhook
from bot.telegram.delivery.inbox import Inbox
from bot.telegram.delivery.metrics import MeteredRequest, Metrics
from bot.telegram.delivery.outbox_sender import OutboxSender
from bot.telegram.delivery.per_chat import PerChatUpdateProcessor
from bot.telegram.delivery.rate_limit import RetryingRateLimiter
from bot.telegram.delivery.scheduler import schedule, wake
from bot.telegram.delivery.throttle import THROTTLE, build_throttle
from bot.telegram.handlers import (
    admin,
    agency,
    audit,
    capa,
    carry_over,
    checklists,
    dialog,
    errors,
    find,
    gate,
    lead,
    menu,
    na_reason,
    programme,
    records,
    report,
    report_flow,
    review,
    revision,
    start,
)
from bot.telegram.handlers.dialog import Flow

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10

# Each dialog (dialog_state.flow): what takes the person's typed text and files in it.
FLOWS: dict[str, Flow] = {
    audit_service.FLOW: Flow(text=audit.on_audit_text, media=audit.on_audit_media),
    audit_service.NEW_FLOW: Flow(text=audit.on_new_audit_text),
    audit_service.REOPEN_FLOW: Flow(text=audit.on_reopen_reason),
    capa_service.FLOW: Flow(text=capa.on_capa_text, media=capa.on_capa_media, explain_as=capa.explain_sending),
    people_service.FLOW: Flow(text=admin.on_admin_text),
    agency_service.FLOW: Flow(text=agency.on_text, media=agency.on_media),
    report_flow_service.FLOW: Flow(text=report_flow.on_text),
    programme_service.FLOW: Flow(text=programme.on_text, media=programme.on_media),
    checklist_service.FLOW: Flow(text=checklists.on_flow_text, media=checklists.on_flow_media,
                                 explain_as=checklists.explain_refusal),
    document_request_service.ASK_FLOW: Flow(text=records.on_ask_text),
    document_request_service.GIVE_FLOW: Flow(text=records.on_give_text, media=records.on_give_media),
}

# Every command, in menu order: whom it is offered to (None: everyone with a role), whether
# it is a button of the main menu too, and whether the default menu (no role yet) has it. Handlers, the command menus (global and
# each person's), the main menu and /help are all derived from this table.
COMMANDS = CommandTable([
    Command("start", menu.start_command, before_role=True),
    Command("audit", audit.audit_command, AUDITORS, button=True),
    Command("resume", audit.resume_command, AUDITORS, button=True),
    Command("capa", capa.capa_command, button=True),
    Command("report", report.report_command, AUDITORS, button=True),
    Command("find", find.find_command),
    Command("status", lead.status_command, LEADS, button=True),
    Command("overdue", lead.overdue_command, LEADS, button=True),
    Command("reopen", audit.reopen_command, LEADS),
    Command("export", report.export_command, LEADS, button=True),
    Command("checklists", checklists.checklists_command, LEADS, button=True),
    Command("review", review.review_command, LEADS),
    Command("programme", programme.programme_command, LEADS, button=True),
    Command("invite", admin.invite, LEADS, button=True),
    Command("departments", admin.departments, LEADS, button=True),
    Command("users", admin.users, LEADS, button=True),
    Command("agency", agency.agency_command, LEADS),
    Command("lang", start.lang_command, button=True, before_role=True),
    Command("help", start.help_command, button=True, before_role=True),
    Command("cancel", start.cancel),
])


def register_handlers(application: Application) -> None:
    """Every handler, in the order PTB tries them."""
    on_text, on_media = dialog.router(FLOWS)
    application.add_handler(TypeHandler(Update, chat_log.note_incoming), group=-2)  # the chat's newest message
    application.add_handler(TypeHandler(object, gate.gate), group=-1)
    application.add_handlers(
        [
            *COMMANDS.handlers(),
            *menu.callback_handlers(),
            *start.callback_handlers(),
            *audit.callback_handlers(),
            *carry_over.callback_handlers(),
            *na_reason.callback_handlers(),
            *report.callback_handlers(),
            *report_flow.callback_handlers(),
            *admin.callback_handlers(),
            *agency.callback_handlers(),
            *capa.callback_handlers(),
            *lead.callback_handlers(),
            *checklists.callback_handlers(),
            *programme.callback_handlers(),
            *find.callback_handlers(),
            *records.callback_handlers(),
            *revision.callback_handlers(),
            MessageHandler(filters.COMMAND, start.unknown_command),
            MessageHandler(filters.TEXT, on_text),
            checklists.document_handler(FLOWS, on_media),
            MessageHandler(filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO,
                           on_media),
            MessageHandler(filters.ALL, dialog.on_other),
            CallbackQueryHandler(start.stale_button),
        ]
    )
    application.add_error_handler(errors.on_error)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    prompts: Prompts | None = None,
    rate_limit: bool = True,
) -> Application:
    """The bot, talking to ``settings.api_url``; the database opens in post_init."""
    token = settings.require_token()
    meters = Metrics(token)  # the chat hashes of the log are keyed with the token
    bot = AuditBot(
        token,
        base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        request=MeteredRequest(meters, connection_pool_size=settings.http_pool_size),
        get_updates_request=MeteredRequest(meters, connection_pool_size=1),
        rate_limiter=RetryingRateLimiter(max_retries=5) if rate_limit else None,
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=AuditContext))
        .concurrent_updates(PerChatUpdateProcessor(256))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["pending_runtime"] = (settings, clock or Clock(), prompts or default_prompts())
    application.bot_data[context.COMMANDS] = COMMANDS
    application.bot_data[context.METRICS] = meters
    application.bot_data[THROTTLE] = build_throttle(settings, clock or Clock())
    register_handlers(application)
    return application


async def _post_init(application: Application) -> None:
    settings, clock, prompts = application.bot_data.pop("pending_runtime")
    runtime = application.bot_data[context.RUNTIME] = await bootstrap(settings, clock, prompts=prompts)
    outbox = application.bot_data[context.OUTBOX] = OutboxSender(
        runtime.db, runtime.clock, runtime.notices, runtime.prompts, runtime.files, COMMANDS,
        metrics=application.bot_data[context.METRICS])
    # Notices leave as the transaction that queued them commits: here, and on every replica.
    runtime.db.after_commit.append(lambda: wake(application))
    await runtime.db.listen(lambda: wake(application))
    await runtime.people.queue_menus(COMMANDS.names_for)  # each person's own command menu (sent by the outbox)
    # Replicas share the evidence folder: only temp files no write in flight can still own.
    leftovers = runtime.files.remove_leftovers(0 if runtime.db.single_process else 3600)
    in_doubt = await outbox.start()
    if leftovers or in_doubt:
        log.warning("after a crash: %d unfinished evidence files removed, %d notices in doubt", leftovers, in_doubt)
    schedule(application)
    await register_commands(application, prompts)


async def _post_shutdown(application: Application) -> None:
    runtime: Runtime | None = application.bot_data.get(context.RUNTIME)
    if runtime is not None:
        await runtime.close()


async def register_commands(application: Application, prompts: Prompts) -> None:
    """The default command menu (what a person sees before they have a role: /start, /lang,
    /help), once per language (English is also the default); each person's own menu is
    set by the outbox sender."""
    for lang in LANGS:
        commands = COMMANDS.bot_commands(prompts, lang)
        await application.bot.set_my_commands(commands, language_code=lang)
        if lang == "en":
            await application.bot.set_my_commands(commands)


async def _start(application: Application, reminders: bool) -> None:
    from bot.telegram.delivery import scheduler

    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    if not reminders and application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name(scheduler.JOB_NAME):
            job.schedule_removal()
    await application.start()


async def _start_inbox(application: Application) -> Inbox:
    runtime: Runtime = application.bot_data[context.RUNTIME]
    inbox = application.bot_data["inbox"] = Inbox(application, runtime.inbox, runtime.clock,
                                                  heartbeat=runtime.settings.heartbeat_path,
                                                  throttle=application.bot_data[THROTTLE].senders,
                                                  max_backlog=runtime.settings.inbox_backlog,
                                                  metrics=application.bot_data[context.METRICS])
    await inbox.start()
    return inbox


async def start_polling(application: Application, *, reminders: bool = True, poll_timeout: int = 1,
                        durable: bool = True) -> None:
    """Start the bot inside an event loop someone else runs (``run``, the demo, tests, benchmarks).

    Updates come in through the inbox (bot/telegram/delivery/inbox.py): kept before Telegram is told they
    arrived, what a crash left pending handled first. ``durable=False`` uses
    python-telegram-bot's own updater instead (no inbox; for measuring what the inbox
    costs). ``reminders=False`` leaves the reminder job out, so whoever drives the bot
    runs its passes itself.
    """
    await _start(application, reminders)
    if not durable:
        await application.updater.start_polling(poll_interval=0, timeout=poll_timeout, bootstrap_retries=0)
        return
    await application.bot.delete_webhook()  # getUpdates is refused while a webhook is set
    inbox = await _start_inbox(application)
    inbox.start_polling(poll_timeout)


async def start_webhook(application: Application, *, reminders: bool = True) -> Starlette:
    """Start the bot in webhook mode; returns the ASGI app to serve (``stop_polling`` undoes it)."""
    await _start(application, reminders)
    inbox = await _start_inbox(application)
    settings: Settings = application.bot_data[context.RUNTIME].settings
    secret = webhook.webhook_secret(settings)
    await webhook.set_webhook(application, settings, secret)
    return webhook.web_app(application, inbox, settings, secret)


async def stop_polling(application: Application) -> None:
    """Undo ``start_polling``, whatever part of it ran."""
    inbox: Inbox | None = application.bot_data.pop("inbox", None)
    if inbox is not None:
        await inbox.stop()
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def run_until_stopped(application: Application, settings: Settings) -> None:
    """``auditbot run``: poll (or serve the webhook) until SIGINT or SIGTERM, then stop cleanly."""
    import signal

    if settings.webhook:
        import uvicorn

        asgi = await start_webhook(application)
        host, _, port = (settings.webhook_listen or "").rpartition(":")
        server = uvicorn.Server(uvicorn.Config(asgi, host=host, port=int(port), log_level="warning",
                                               lifespan="off", log_config=None))  # logs as ours (cli.py)
        try:
            await server.serve()  # until SIGINT or SIGTERM
        finally:
            await stop_polling(application)
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # /metrics and /healthz on 127.0.0.1 (webhook mode has them on the webhook's port)
    http = await metrics.serve(application, settings.metrics_port) if settings.metrics_port else None
    try:
        await start_polling(application, poll_timeout=LONG_POLL_SECONDS)
        try:
            await stop.wait()
        finally:
            await stop_polling(application)
    finally:
        if http is not None:
            await http.stop()
