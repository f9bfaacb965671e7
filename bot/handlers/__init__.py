"""Telegram handlers: translate updates into service calls and results into prompts."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import admin, audit, capa, dialog, errors, gate, lead, report, review, start


def register_handlers(application: Application) -> None:
    """Every handler, in the order PTB tries them."""
    application.add_handler(TypeHandler(object, gate.gate), group=-1)
    application.add_handlers(
        [
            CommandHandler("start", start.start),
            CommandHandler("help", start.help_command),
            CommandHandler("lang", start.lang_command),
            CommandHandler("cancel", start.cancel),
            CommandHandler("invite", admin.invite),
            CommandHandler("departments", admin.departments),
            CommandHandler("users", admin.users),
            *audit.command_handlers(),
            *report.command_handlers(),
            *review.command_handlers(),
            CommandHandler("capa", capa.capa_command),
            CommandHandler("status", lead.status_command),
            CommandHandler("overdue", lead.overdue_command),
            *start.callback_handlers(),
            *audit.callback_handlers(),
            *report.callback_handlers(),
            *admin.callback_handlers(),
            *capa.callback_handlers(),
            MessageHandler(filters.COMMAND, start.unknown_command),
            MessageHandler(filters.TEXT, dialog.on_text),
            MessageHandler(filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO,
                           dialog.on_media),
            MessageHandler(filters.ALL, dialog.on_other),
            CallbackQueryHandler(start.stale_button),
        ]
    )
    application.add_error_handler(errors.on_error)


__all__ = ["CommandHandler", "register_handlers"]
