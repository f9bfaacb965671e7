"""Routes typed text and files to the dialog the person is in (kept in the database)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.handlers.common import reply
from bot.runtime import AuditContext
from storage.repos import dialogs

Handler = Callable[[Update, AuditContext, dict], Awaitable[None]]

# flow name -> handler of typed text / of files; flows register themselves at import.
TEXT_HANDLERS: dict[str, Handler] = {}
MEDIA_HANDLERS: dict[str, Handler] = {}


async def current_dialog(context: AuditContext) -> dict | None:
    async with context.rt.db.read() as conn:
        row = await dialogs.get(conn, context.actor.id)
    if row is None:
        return None
    state = dict(row)
    state["data"] = dialogs.data_of(row)
    return state


async def on_text(update: Update, context: AuditContext) -> None:
    state = await current_dialog(context)
    handler = TEXT_HANDLERS.get(state["flow"]) if state else None
    if handler is None:
        await reply(update, context, "no_dialog")
        return
    await handler(update, context, state)


async def on_media(update: Update, context: AuditContext) -> None:
    state = await current_dialog(context)
    handler = MEDIA_HANDLERS.get(state["flow"]) if state else None
    if handler is None:
        await reply(update, context, "media_without_dialog", actor=context.actor)  # hints follow the roles
        return
    await handler(update, context, state)


async def on_other(update: Update, context: AuditContext) -> None:
    """Stickers, locations, contacts, polls …: nothing the bot can file."""
    if update.effective_message is not None:
        await reply(update, context, "unsupported_message")
