"""/checklists: the team's own checklists, as Excel workbooks in and out of the chat.

A lead sees the list, downloads a checklist or the blank template, sends a filled workbook
(or a .yaml) back: problems come back listed and marked in the workbook; a correct file
becomes a draft with a preview, Publish and Discard. A workbook sent outside /checklists
gets an "Import as checklist" button on a reply to it (the button finds the file through
the message it replies to, so nothing is kept in between).
"""

from __future__ import annotations

import io

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.handlers import dialog
from bot.handlers.common import edit_or_send, keyboard, reply, toast
from bot.runtime import AuditContext
from bot.services.checklist_service import (
    FLOW,
    ChecklistRefused,
    ChecklistRow,
    ChecklistService,
    DraftView,
    ImportOutcome,
)

BUTTON_TITLE = 28  # characters of a title on a download button

CHECKLIST_FILES = (
    filters.Document.FileExtension("xlsx")
    | filters.Document.FileExtension("yaml")
    | filters.Document.FileExtension("yml")
)


def service(context: AuditContext) -> ChecklistService:
    return context.rt.services["checklists"]


# --- the list -------------------------------------------------------------------------------------


async def checklists_command(update: Update, context: AuditContext) -> None:
    try:
        items = await service(context).overview(context.actor)
    except ChecklistRefused as refused:
        await reply(update, context, "checklist_refused", code=refused.code)
        return
    await reply(update, context, "checklists_list", rows=_list_rows(context, items), items=items)


def _list_rows(context: AuditContext, items: list[ChecklistRow]) -> list[list[tuple[str, str]]]:
    rows = []
    shown = [i for i in items if not i.archived][:15] + [i for i in items if i.archived][:5]
    for item in shown:
        title = item.title if len(item.title) <= BUTTON_TITLE else item.title[:BUTTON_TITLE - 1] + "…"
        manage = (context.label("cl_restore", id=item.id), callbacks.pack("clr", item.id)) if item.archived \
            else (context.label("cl_archive", id=item.id), callbacks.pack("cla", item.id))
        rows.append([(context.label("cl_download", title=title), callbacks.pack("clx", item.id)), manage])
    rows.append([(context.label("cl_template"), callbacks.pack("clt"))])
    return rows


async def on_download(update: Update, context: AuditContext) -> None:
    """A checklist (``clx|id``) or the blank template (``clt``) as a workbook."""
    data = callbacks.unpack(update.callback_query.data)
    checklist_id = data.args[0] if data is not None and data.route == "clx" and data.args else None
    if data is None or (data.route == "clx" and checklist_id is None):
        await toast(update, context, "stale_button", alert=True)
        return
    try:
        book = await service(context).workbook(context.actor, checklist_id)
    except ChecklistRefused as refused:
        await toast(update, context, "not_allowed" if refused.code == "not_allowed" else "stale_button", alert=True)
        return
    await update.callback_query.answer()
    caption = context.text("checklist_workbook_caption", problems=0, title=book.title, version=book.version)
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.UPLOAD_DOCUMENT)
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(book.data), filename=book.name,
                                    caption=caption)


async def on_archive(update: Update, context: AuditContext) -> None:
    """``cla|id`` archives, ``clr|id`` brings back; the list is shown again."""
    data = callbacks.unpack(update.callback_query.data)
    if data is None or len(data.args) != 1:
        await toast(update, context, "stale_button", alert=True)
        return
    try:
        if data.route == "cla":
            items = await service(context).archive(context.actor, data.args[0])
        else:
            items = await service(context).restore(context.actor, data.args[0])
    except ChecklistRefused as refused:
        await toast(update, context, "not_allowed" if refused.code == "not_allowed" else "stale_button", alert=True)
        return
    await toast(update, context, "cl_archived_toast" if data.route == "cla" else "cl_restored_toast")
    await edit_or_send(update, context, "checklists_list", rows=_list_rows(context, items), items=items)


# --- import -----------------------------------------------------------------------------------------


async def on_checklist_document(update: Update, context: AuditContext) -> None:
    """An .xlsx or .yaml sent at any time: evidence for an open audit or CAPA step, else an import."""
    state = await dialog.current_dialog(context)
    flow = state["flow"] if state else None
    if flow is not None and flow != FLOW and flow in dialog.MEDIA_HANDLERS:
        await dialog.on_media(update, context)
        return
    if flow == FLOW:
        await import_document(update, context, update.effective_message)
        return
    if not context.actor.is_lead:
        await reply(update, context, "checklist_refused", code="import_not_allowed")
        return
    message = update.effective_message
    rows = [[(context.label("cl_import"), callbacks.pack("cli"))]]
    await message.reply_text(context.text("checklist_offer_import", name=message.document.file_name or ""),
                             reply_markup=keyboard(rows), do_quote=True)


async def on_import_button(update: Update, context: AuditContext) -> None:
    """``cli``: import the document the pressed message replies to."""
    message = update.callback_query.message
    source = getattr(message, "reply_to_message", None)
    if source is None or source.document is None:
        await toast(update, context, "stale_button", alert=True)
        return
    await update.callback_query.answer()
    await import_document(update, context, source)


async def on_flow_text(update: Update, context: AuditContext, state: dict) -> None:
    await reply(update, context, "checklist_send_file")


async def on_flow_media(update: Update, context: AuditContext, state: dict) -> None:
    await import_document(update, context, update.effective_message)


async def import_document(update: Update, context: AuditContext, message: Message) -> None:
    document = message.document
    if document is None:
        await reply(update, context, "checklist_send_file")
        return

    async def fetch() -> bytes:
        telegram_file = await document.get_file()
        return bytes(await telegram_file.download_as_bytearray())

    try:
        outcome = await service(context).import_file(context.actor, document.file_name, document.file_size, fetch)
    except ChecklistRefused as refused:
        await reply(update, context, "checklist_refused", code=refused.code)
        return
    await show_outcome(update, context, outcome, document.file_name or "")


async def show_outcome(update: Update, context: AuditContext, outcome: ImportOutcome, name: str) -> None:
    if outcome.draft is not None:
        await reply(update, context, "checklist_draft", rows=_draft_rows(context, outcome.draft), d=outcome.draft)
        return
    lines = [problem.line(context.lang) for problem in outcome.problems]
    await reply(update, context, "checklist_problems", name=name, problems=lines, marked=outcome.marked is not None)
    if outcome.marked is not None:
        chat_id = update.effective_chat.id
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        caption = context.text("checklist_workbook_caption", problems=len(lines), title=None, version=None)
        await context.bot.send_document(chat_id, io.BytesIO(outcome.marked), filename=outcome.marked_name,
                                        caption=caption)


def _draft_rows(context: AuditContext, draft: DraftView, version: int | None = None) -> list:
    version = version or draft.version
    publish = context.label("cl_publish_as", version=version) if draft.published_version is not None \
        else context.label("cl_publish")
    return [
        [(publish, callbacks.pack("clp", draft.draft_id, version))],
        [(context.label("cl_discard"), callbacks.pack("cld", draft.draft_id))],
    ]


async def on_publish(update: Update, context: AuditContext) -> None:
    """``clp|draft|version``: publish; an existing higher version asks for the next one."""
    data = callbacks.unpack(update.callback_query.data)
    try:
        draft_id, version = data.args[0], data.int(1)
    except (AttributeError, IndexError, ValueError):
        await toast(update, context, "stale_button", alert=True)
        return
    try:
        outcome = await service(context).publish(context.actor, draft_id, version)
    except ChecklistRefused as refused:
        await toast(update, context, "not_allowed" if refused.code == "not_allowed" else "stale_button", alert=True)
        if refused.code == "draft_gone":
            await edit_or_send(update, context, "checklist_refused", code=refused.code)
        return
    if outcome.checklist is None:
        await update.callback_query.answer()
        await edit_or_send(update, context, "checklist_draft", d=outcome.draft, needs_version=outcome.needs_version,
                           rows=_draft_rows(context, outcome.draft, outcome.needs_version))
        return
    await update.callback_query.answer()
    await edit_or_send(update, context, "checklist_published", c=outcome.checklist)


async def on_discard(update: Update, context: AuditContext) -> None:
    data = callbacks.unpack(update.callback_query.data)
    if data is None or len(data.args) != 1:
        await toast(update, context, "stale_button", alert=True)
        return
    try:
        await service(context).discard(context.actor, data.args[0])
    except ChecklistRefused as refused:
        await toast(update, context, "not_allowed" if refused.code == "not_allowed" else "stale_button", alert=True)
        return
    await toast(update, context, "cl_discarded_toast")
    await edit_or_send(update, context, "checklist_discarded")


# --- registration -----------------------------------------------------------------------------------


def command_handlers() -> list[BaseHandler]:
    return [CommandHandler("checklists", checklists_command)]


def document_handlers() -> list[BaseHandler]:
    """Before the general media handler: workbooks and .yaml files."""
    return [MessageHandler(CHECKLIST_FILES, on_checklist_document)]


def callback_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_download, pattern=callbacks.pattern("clx")),
        CallbackQueryHandler(on_download, pattern=callbacks.pattern("clt")),
        CallbackQueryHandler(on_archive, pattern=callbacks.pattern("cla")),
        CallbackQueryHandler(on_archive, pattern=callbacks.pattern("clr")),
        CallbackQueryHandler(on_import_button, pattern=callbacks.pattern("cli")),
        CallbackQueryHandler(on_publish, pattern=callbacks.pattern("clp")),
        CallbackQueryHandler(on_discard, pattern=callbacks.pattern("cld")),
    ]


dialog.TEXT_HANDLERS[FLOW] = on_flow_text
dialog.MEDIA_HANDLERS[FLOW] = on_flow_media
