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

from bot.services import (
    audit_service,
    capa_service,
    checklist_service,
    people_service,
    programme_service,
)
from bot.telegram.common import guarded
from bot.telegram.handlers import (
    admin,
    audit,
    capa,
    checklists,
    dialog,
    errors,
    gate,
    lead,
    menu,
    programme,
    report,
    review,
    start,
)
from bot.telegram.handlers.dialog import Flow

# Each dialog (dialog_state.flow): what takes the person's typed text and files in it.
FLOWS: dict[str, Flow] = {
    audit_service.FLOW: Flow(text=audit.on_audit_text, media=audit.on_audit_media),
    audit_service.NEW_FLOW: Flow(text=audit.on_new_audit_text),
    capa_service.FLOW: Flow(text=capa.on_capa_text, media=capa.on_capa_media,
                                 explain_as=capa.explain_sending),
    people_service.FLOW: Flow(text=admin.on_admin_text),
    programme_service.FLOW: Flow(text=programme.on_text, media=programme.on_media),
    checklist_service.FLOW: Flow(text=checklists.on_flow_text, media=checklists.on_flow_media,
                                 explain_as=checklists.explain_refusal),
}

COMMANDS = {
    "start": menu.start_command,
    "help": start.help_command,
    "lang": start.lang_command,
    "cancel": start.cancel,
    "invite": admin.invite,
    "departments": admin.departments,
    "users": admin.users,
    "audit": audit.audit_command,
    "resume": audit.resume_command,
    "report": report.report_command,
    "export": report.export_command,
    "capa": capa.capa_command,
    "status": lead.status_command,
    "overdue": lead.overdue_command,
    "reopen": audit.reopen_command,
    "checklists": checklists.checklists_command,
    "review": review.review_command,
    "programme": programme.programme_command,
}


def register_handlers(application: Application) -> None:
    """Every handler, in the order PTB tries them."""
    on_text, on_media = dialog.router(FLOWS)
    application.add_handler(TypeHandler(object, gate.gate), group=-1)
    application.add_handlers(
        [
            *(CommandHandler(name, guarded(handler)) for name, handler in COMMANDS.items()),
            *menu.callback_handlers(),
            *start.callback_handlers(),
            *audit.callback_handlers(),
            *report.callback_handlers(),
            *admin.callback_handlers(),
            *capa.callback_handlers(),
            *lead.callback_handlers(),
            *checklists.callback_handlers(),
            *programme.callback_handlers(),
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


__all__ = ["FLOWS", "CommandHandler", "register_handlers"]
