"""Small helpers every handler uses to answer in the person's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.runtime import AuditContext

# A row of (label text, callback_data) pairs; a url button uses ("text", "url:https://…").
Rows = Sequence[Sequence[tuple[str, str]]]


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of (text, callback_data or 'url:…')."""
    buttons = [
        [
            InlineKeyboardButton(text, url=data[4:]) if data.startswith("url:")
            else InlineKeyboardButton(text, callback_data=data)
            for text, data in row
        ]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(buttons) if buttons else None


async def reply(
    update: Update, context: AuditContext, name: str, /, *, rows: Rows = (), **values: Any
) -> Message | None:
    """Send prompt ``name`` to the chat of ``update``."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, context.text(name, **values), reply_markup=keyboard(rows))


async def edit_or_send(
    update: Update, context: AuditContext, name: str, /, *, rows: Rows = (), **values: Any
) -> Message | None:
    """Edit the message whose button was pressed; send a new one otherwise."""
    query = update.callback_query
    text = context.text(name, **values)
    if query is not None and query.message is not None:
        try:
            result = await query.edit_message_text(text, reply_markup=keyboard(rows))
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return None
    return await reply(update, context, name, rows=rows, **values)


async def toast(update: Update, context: AuditContext, key: str, /, *, alert: bool = False, **values: Any) -> None:
    """Answer a button press with a short label (or a popup when ``alert``).

    If the press was answered already or too long ago (a handler answered, then hit a
    problem; a press handled after a restart), the label goes out as an ordinary message
    instead, so the person still learns of it.
    """
    if update.callback_query is None:
        return
    text = context.label(key, **values)
    if not await update.callback_query.answer(text, show_alert=alert) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=None)


async def ack(update: Update) -> None:
    """Answer a button press silently, so the client stops its spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()
