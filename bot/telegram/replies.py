"""Answering in the person's language: keyboards, replies, toasts, and the one rule for
showing a view (edit the message in place, or send it anew)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.telegram.context import AuditContext

POPUP_LIMIT = 200  # characters Telegram takes in the answer to a button press

# A row of (label text, callback_data) pairs; a url button uses ("text", "url:https://…").
Rows = Sequence[Sequence[tuple[str, str]]]
Label = Callable[..., str]  # a label in one person's language: label(key, **values)


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
    update: Update, context: AuditContext, name: str, /, *, rows: Rows = (), live: int | None = None,
    edit: bool = True, **values: Any,
) -> Message | None:
    """Show prompt ``name`` as a view, the one way every card is shown.

    A press edits the pressed message in place (unless ``edit`` is False); typed text or a
    file edits the person's ``live`` card when given; otherwise, or when the edit fails, the
    view goes out as a new message at the bottom. "Message is not modified" counts as
    shown. Returns the new message when one was sent (its id is the new live card).
    """
    text = context.text(name, **values)
    markup = keyboard(rows)
    query = update.callback_query
    chat = update.effective_chat
    try:
        if query is not None and query.message is not None and edit:
            await query.edit_message_text(text, reply_markup=markup)
            return None
        if query is None and live is not None and chat is not None:
            await context.bot.edit_message_text(text, chat_id=chat.id, message_id=live, reply_markup=markup)
            return None
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return None
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def toast(update: Update, context: AuditContext, key: str, /, *, alert: bool = False, **values: Any) -> None:
    """Answer a button press with a short label (or a popup when ``alert``).

    If the press was answered already or too long ago (a handler answered, then hit a
    problem; a press handled after a restart), the label goes out as an ordinary message
    instead, so the person still learns of it.
    """
    if update.callback_query is None:
        return
    await answer(update, context, context.label(key, **values), alert=alert)


async def answer(update: Update, context: AuditContext, text: str, *, alert: bool) -> None:
    """Answer a press with ``text``; as a message when the press was answered already or
    too long ago (AuditBot then returns False instead of raising), or when the text is
    longer than a popup may be (Telegram refuses those)."""
    fits = len(text) <= POPUP_LIMIT
    answered = await update.callback_query.answer(text if fits else None, show_alert=alert and fits)
    if (not answered or not fits) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=None)
