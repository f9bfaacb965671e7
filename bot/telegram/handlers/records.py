"""Records the department provides before the audit: the auditor's request (from the plan
card), the clerk's answers (files, photos, "not applicable"), the auditor's returns."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.services.document_request_service import DocumentRequestService, Draft, ItemCard
from bot.telegram import buttons, media
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.records import draft_rows, item_rows, request_rows
from bot.telegram.refusals import auditors, on_press
from bot.telegram.replies import edit_or_send, reply


def service(context: AuditContext) -> DocumentRequestService:
    return context.rt.records


async def show_draft(update: Update, context: AuditContext, draft: Draft, *, edit: bool = True) -> None:
    await edit_or_send(update, context, "records_draft", rows=draft_rows(draft, context.label), draft=draft,
                       edit=edit)


async def show_item(update: Update, context: AuditContext, card: ItemCard) -> None:
    await edit_or_send(update, context, "records_item", rows=item_rows(card, context.label), card=card,
                       edit=False)


# --- the auditor ---------------------------------------------------------------------------


async def on_request(update: Update, context: AuditContext, button: buttons.RecordsRequest) -> None:
    draft = await service(context).start(context.actor, button.audit)
    await update.callback_query.answer()
    await show_draft(update, context, draft, edit=False)  # below the plan card, which stays


async def on_due(update: Update, context: AuditContext, button: buttons.RecordsDue) -> None:
    draft = await service(context).set_due(context.actor, button.audit, button.day)
    await update.callback_query.answer()
    await show_draft(update, context, draft)


async def on_send(update: Update, context: AuditContext, button: buttons.RecordsSend) -> None:
    draft = await service(context).send(context.actor, button.audit)
    await update.callback_query.answer()
    await show_draft(update, context, draft)


async def on_return(update: Update, context: AuditContext, button: buttons.RecordsReturn) -> None:
    draft = await service(context).give_back(context.actor, button.item)
    await update.callback_query.answer()
    await show_draft(update, context, draft)


async def on_ask_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed items of the request (or the reason an item goes back)."""
    draft = await service(context).add_items(context.actor, state, update.message.text or "")
    await show_draft(update, context, draft)


# --- the department ------------------------------------------------------------------------


async def on_item(update: Update, context: AuditContext, button: buttons.RecordsItem) -> None:
    card = await service(context).open_item(context.actor, button.item)
    await update.callback_query.answer()
    await show_item(update, context, card)


async def on_not_applicable(update: Update, context: AuditContext, button: buttons.RecordsNotApplicable) -> None:
    card = await service(context).not_applicable(context.actor, button.item)
    await update.callback_query.answer()
    await show_item(update, context, card)


async def on_list(update: Update, context: AuditContext, button: buttons.RecordsList) -> None:
    card = await service(context).listing(context.actor, button.request)
    await update.callback_query.answer()
    await edit_or_send(update, context, "records_requested", rows=request_rows(card, context.label), card=card,
                       edit=False)


async def on_give_text(update: Update, context: AuditContext, state: dict) -> None:
    """The note of a 'not applicable', or the date the documents bear."""
    card = await service(context).typed(context.actor, state, update.message.text or "")
    await show_item(update, context, card)


async def on_give_media(update: Update, context: AuditContext, state: dict) -> None:
    incoming = await media.download(update.message)
    if incoming is None:
        await reply(update, context, "unsupported_message")
        return
    card = await service(context).add_file(
        context.actor, state, kind=incoming.kind, data=incoming.data, file_name=incoming.file_name,
        mime_type=incoming.mime_type, telegram_file_id=incoming.telegram_file_id, caption=incoming.caption)
    await show_item(update, context, card)


def callback_handlers() -> list[BaseHandler]:
    b = buttons
    return [
        on_press(b.RecordsRequest, on_request, who=auditors),
        on_press(b.RecordsDue, on_due, who=auditors),
        on_press(b.RecordsSend, on_send, who=auditors),
        on_press(b.RecordsReturn, on_return, who=auditors),
        on_press(b.RecordsItem, on_item),
        on_press(b.RecordsNotApplicable, on_not_applicable),
        on_press(b.RecordsList, on_list),
    ]
