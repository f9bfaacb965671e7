"""Small helpers every handler uses to answer in the person's language."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.domain.errors import ServiceError
from bot.runtime import AuditContext
from bot.services.people_service import Actor
from bot.telegram.callbacks import Button

POPUP_LIMIT = 200  # characters Telegram takes in the answer to a button press

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
    await answer(update, context, context.label(key, **values), alert=alert)


async def answer(update: Update, context: AuditContext, text: str, *, alert: bool) -> None:
    """Answer a press with ``text``; as a message when the press was answered already or
    too long ago (AuditBot then returns False instead of raising), or when the text is
    longer than a popup may be (Telegram refuses those)."""
    fits = len(text) <= POPUP_LIMIT
    answered = await update.callback_query.answer(text if fits else None, show_alert=alert and fits)
    if (not answered or not fits) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=None)


# --- refusals, in one place --------------------------------------------------------------------

# A flow's own way to show a refusal (e.g. the step the person is still at, with the
# problem); returns False to leave it to ``explain``.
ExplainAs = Callable[[Update, AuditContext, ServiceError], Awaitable[bool]]


async def explain(update: Update, context: AuditContext, error: ServiceError) -> None:
    """Tell the person in one line, in their language, why that did not happen.

    A press gets a popup (a short toast for quiet codes); typed text gets a reply: the
    template named like the refusal when there is one, else its label. The refusal's
    ``details`` fill the template.
    """
    key, details = error.label_key, error.details
    prompts = context.rt.prompts
    if update.callback_query is not None:
        text = context.label(key, **details) if prompts.has_label(key) else context.text(key, **details)
        await answer(update, context, text, alert=error.alert)
    elif prompts.has_template(key):
        await reply(update, context, key, **details)
    else:
        await reply(update, context, "refusal", key=key)


def guarded(handler: Callable[..., Awaitable[None]], *, explain_as: ExplainAs | None = None):
    """``handler`` with its refusals explained (by ``explain_as`` first, when given)."""

    @functools.wraps(handler)
    async def run(update: Update, context: AuditContext, *args: Any) -> None:
        try:
            await handler(update, context, *args)
        except ServiceError as error:
            if explain_as is None or not await explain_as(update, context, error):
                await explain(update, context, error)

    return run


def on_press(
    button: type[Button],
    handler: Callable[[Update, AuditContext, Any], Awaitable[None]],
    *,
    who: Callable[[Actor], bool] | None = None,
    explain_as: ExplainAs | None = None,
) -> CallbackQueryHandler:
    """The handler of one button route: parse the press, check who pressed, explain refusals.

    A stale or forged press (not this route's shape) and one by a person whose roles do
    not allow it are answered here; ``handler`` gets the typed button.
    """
    guarded_handler = guarded(handler, explain_as=explain_as)

    async def run(update: Update, context: AuditContext) -> None:
        pressed = button.parse(update.callback_query.data)
        if pressed is None:
            await toast(update, context, "stale_button", alert=True)
        elif who is not None and not who(context.actor):
            await toast(update, context, "not_allowed", alert=True)
        else:
            await guarded_handler(update, context, pressed)

    return CallbackQueryHandler(run, pattern=button.pattern())
