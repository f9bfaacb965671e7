"""/checklists: the team's own checklists, as Excel workbooks in and out of the chat.

A lead sees the list, downloads a checklist or the blank template, sends a filled workbook
(or a .yaml) back: problems come back listed and marked in the workbook; a correct file
becomes a draft with a preview, Publish and Discard. A workbook sent outside /checklists
gets an "Import as checklist" button on a reply to it (the button finds the file through
the message it replies to, so nothing is kept in between).
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Mapping

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.domain.errors import ServiceError
from bot.services.checklist_service import (
    ChecklistRefused,
    ChecklistRow,
    ChecklistService,
    DraftView,
    ImportOutcome,
)
from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.handlers.dialog import Flow
from bot.telegram.refusals import guarded, on_press
from bot.telegram.replies import edit_or_send, keyboard, reply, toast

MessageCallback = Callable[[Update, AuditContext], Awaitable[None]]
BUTTON_TITLE = 28  # characters of a title on a download button

CHECKLIST_FILES = (
    filters.Document.FileExtension("xlsx")
    | filters.Document.FileExtension("yaml")
    | filters.Document.FileExtension("yml")
)


def service(context: AuditContext) -> ChecklistService:
    return context.rt.checklist_admin


async def explain_refusal(update: Update, context: AuditContext, error: ServiceError) -> bool:
    """A checklist refusal: a popup for a press, the reason (by code) for a file or text."""
    if not isinstance(error, ChecklistRefused):
        return False
    if update.callback_query is None:
        await reply(update, context, "checklist_refused", code=error.code)
        return True
    await toast(update, context, "not_allowed" if error.code == "not_allowed" else "stale_button", alert=True)
    if error.code == "draft_gone":
        await edit_or_send(update, context, "checklist_refused", code=error.code)
    return True


# --- the list -------------------------------------------------------------------------------------


async def _checklists_command(update: Update, context: AuditContext) -> None:
    items = await service(context).overview(context.actor)
    await reply(update, context, "checklists_list", rows=_list_rows(context, items), items=items)


checklists_command = guarded(_checklists_command, explain_as=explain_refusal)


def _list_rows(context: AuditContext, items: list[ChecklistRow]) -> list[list[tuple[str, str]]]:
    rows = []
    shown = [i for i in items if not i.archived][:15] + [i for i in items if i.archived][:5]
    for item in shown:
        title = item.title if len(item.title) <= BUTTON_TITLE else item.title[:BUTTON_TITLE - 1] + "…"
        manage = (context.label("cl_restore", id=item.id), buttons.ChecklistRestore(item.id).pack()) \
            if item.archived else (context.label("cl_archive", id=item.id), buttons.ChecklistArchive(item.id).pack())
        rows.append([(context.label("cl_download", title=title), buttons.ChecklistDownload(item.id).pack()), manage])
    rows.append([(context.label("cl_template"), buttons.ChecklistTemplate().pack())])
    return rows


async def on_download(update: Update, context: AuditContext,
                      button: buttons.ChecklistDownload | buttons.ChecklistTemplate) -> None:
    """A checklist or the blank template as a workbook."""
    checklist_id = button.checklist if isinstance(button, buttons.ChecklistDownload) else None
    book = await service(context).workbook(context.actor, checklist_id)
    await update.callback_query.answer()
    caption = context.text("checklist_workbook_caption", problems=0, title=book.title, version=book.version)
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.UPLOAD_DOCUMENT)
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(book.data), filename=book.name,
                                    caption=caption)


async def on_archive(update: Update, context: AuditContext,
                     button: buttons.ChecklistArchive | buttons.ChecklistRestore) -> None:
    """Archive or bring back a checklist; the list is shown again."""
    archive = isinstance(button, buttons.ChecklistArchive)
    if archive:
        items = await service(context).archive(context.actor, button.checklist)
    else:
        items = await service(context).restore(context.actor, button.checklist)
    await toast(update, context, "cl_archived_toast" if archive else "cl_restored_toast")
    await edit_or_send(update, context, "checklists_list", rows=_list_rows(context, items), items=items)


# --- import -----------------------------------------------------------------------------------------


async def on_checklist_document(update: Update, context: AuditContext, flows: Mapping[str, Flow],
                                on_media: MessageCallback) -> None:
    """An .xlsx or .yaml sent at any time: evidence for an open audit or CAPA step, else an import."""
    state = await context.rt.dialogs.current(context.actor)
    flow = flows.get(state["flow"]) if state else None
    if flow is not None and flow.media is not None:  # this flow's own files (the import, or evidence)
        await on_media(update, context)
        return
    if not context.actor.is_lead:
        await reply(update, context, "checklist_refused", code="import_not_allowed")
        return
    message = update.effective_message
    rows = [[(context.label("cl_import"), buttons.ChecklistImport().pack())]]
    await message.reply_text(context.text("checklist_offer_import", name=message.document.file_name or ""),
                             reply_markup=keyboard(rows), do_quote=True)


async def on_import_button(update: Update, context: AuditContext, button: buttons.ChecklistImport) -> None:
    """Import the document the pressed message replies to."""
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

    outcome = await service(context).import_file(context.actor, document.file_name, document.file_size, fetch)
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
        [(publish, buttons.ChecklistPublish(draft.draft_id, version).pack())],
        [(context.label("cl_discard"), buttons.ChecklistDiscard(draft.draft_id).pack())],
    ]


async def on_publish(update: Update, context: AuditContext, button: buttons.ChecklistPublish) -> None:
    """Publish a draft; an existing higher version asks for the next one."""
    outcome = await service(context).publish(context.actor, button.draft, button.version)
    if outcome.checklist is None:
        await update.callback_query.answer()
        await edit_or_send(update, context, "checklist_draft", d=outcome.draft, needs_version=outcome.needs_version,
                           rows=_draft_rows(context, outcome.draft, outcome.needs_version))
        return
    await update.callback_query.answer()
    await edit_or_send(update, context, "checklist_published", c=outcome.checklist)


async def on_discard(update: Update, context: AuditContext, button: buttons.ChecklistDiscard) -> None:
    await service(context).discard(context.actor, button.draft)
    await toast(update, context, "cl_discarded_toast")
    await edit_or_send(update, context, "checklist_discarded")


# --- registration -----------------------------------------------------------------------------------


def document_handler(flows: Mapping[str, Flow], on_media: MessageCallback) -> BaseHandler:
    """Before the general media handler: workbooks and .yaml files."""

    async def on_document(update: Update, context: AuditContext) -> None:
        await on_checklist_document(update, context, flows, on_media)

    return MessageHandler(CHECKLIST_FILES, guarded(on_document, explain_as=explain_refusal))


def callback_handlers() -> list[BaseHandler]:
    pressed = [
        (buttons.ChecklistDownload, on_download), (buttons.ChecklistTemplate, on_download),
        (buttons.ChecklistArchive, on_archive), (buttons.ChecklistRestore, on_archive),
        (buttons.ChecklistImport, on_import_button), (buttons.ChecklistPublish, on_publish),
        (buttons.ChecklistDiscard, on_discard),
    ]
    return [on_press(button, handler, explain_as=explain_refusal) for button, handler in pressed]
