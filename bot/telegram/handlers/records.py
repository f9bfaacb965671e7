"""Records the department provides before the audit: the auditor's request (from the plan
card), the clerk's answers (files, photos, "not applicable"), the auditor's returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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


async def on_ask_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed items of the request (or the reason an item goes back)."""
    draft = await service(context).add_items(context.actor, state, update.message.text or "")
    await show_draft(update, context, draft)


# --- the department ------------------------------------------------------------------------


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


def _pressed(show: Callable[..., Awaitable[None]], call: Callable[[DocumentRequestService, Any, Any], Awaitable[Any]]):
    """A press whose work is one service call and the view it returns (the draft, an item)."""

    async def pressed(update: Update, context: AuditContext, button: Any) -> None:
        view = await call(service(context), context.actor, button)
        await update.callback_query.answer()
        await show(update, context, view)

    return pressed


def callback_handlers() -> list[BaseHandler]:
    b = buttons
    return [
        on_press(b.RecordsRequest, on_request, who=auditors),
        on_press(b.RecordsDue, _pressed(show_draft, lambda s, a, p: s.set_due(a, p.audit, p.day)), who=auditors),
        on_press(b.RecordsSend, _pressed(show_draft, lambda s, a, p: s.send(a, p.audit)), who=auditors),
        on_press(b.RecordsReturn, _pressed(show_draft, lambda s, a, p: s.give_back(a, p.item)), who=auditors),
        on_press(b.RecordsItem, _pressed(show_item, lambda s, a, p: s.open_item(a, p.item))),
        on_press(b.RecordsNotApplicable, _pressed(show_item, lambda s, a, p: s.not_applicable(a, p.item))),
        on_press(b.RecordsList, on_list),
    ]
