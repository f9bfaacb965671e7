"""/start (and joining by invite), /help, /lang, /cancel, the main menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.handlers.common import edit_or_send, reply, toast
from bot.runtime import AuditContext
from bot.services.people_service import JoinResult
from storage.repos import dialogs


def menu_rows(context: AuditContext) -> list[list[tuple[str, str]]]:
    """The main menu's buttons for this person's roles."""
    from bot.handlers.menu import MENU_ITEMS

    actor = context.actor
    rows: list[list[tuple[str, str]]] = []
    row: list[tuple[str, str]] = []
    for key, allowed, _ in MENU_ITEMS:
        if allowed(actor):
            row.append((context.label(f"menu_{key}"), callbacks.pack("m", key)))
            if len(row) == 2:
                rows.append(row)
                row = []
    rows.append(row)
    return rows


async def show_menu(update: Update, context: AuditContext) -> None:
    await reply(update, context, "menu", rows=menu_rows(context), actor=_actor_view(context))


async def start(update: Update, context: AuditContext) -> None:
    """``/start`` shows the menu; ``/start <code>`` joins with an invite first."""
    if context.args:
        code = context.args[0][:64]
        joined = await context.rt.people.join(context.actor, code, username=update.effective_user.username)
        if joined.result in (JoinResult.invalid, JoinResult.expired, JoinResult.used):
            if context.actor.known:
                await reply(update, context, f"join_{joined.result.value}")
            else:
                await reply(update, context, "stranger")
            return
        context.actor = await context.rt.people.get(context.actor.id)
        if joined.result is JoinResult.joined:
            await reply(update, context, "joined", role=joined.role, department=joined.department)
    await show_menu(update, context)


async def help_command(update: Update, context: AuditContext) -> None:
    await reply(update, context, "help", actor=_actor_view(context))


async def lang_command(update: Update, context: AuditContext) -> None:
    rows = [[("中文", callbacks.pack("lang", "zh")), ("English", callbacks.pack("lang", "en"))]]
    await reply(update, context, "lang_choose", rows=rows)


async def on_lang(update: Update, context: AuditContext) -> None:
    data = callbacks.unpack(update.callback_query.data)
    if data is None or len(data.args) != 1 or data.args[0] not in ("zh", "en"):
        await stale_button(update, context)
        return
    context.actor = await context.rt.people.set_lang(context.actor, data.args[0])
    await toast(update, context, "saved")
    await edit_or_send(update, context, "lang_set")


async def cancel(update: Update, context: AuditContext) -> None:
    """Leave the current dialog; what was saved stays saved."""
    async with context.rt.db.transaction() as conn:
        had = await dialogs.get(conn, context.actor.id)
        await dialogs.clear(conn, context.actor.id)
    await reply(update, context, "cancelled", had_dialog=had is not None)


async def unknown_command(update: Update, context: AuditContext) -> None:
    await reply(update, context, "unknown_command")


async def stale_button(update: Update, context: AuditContext) -> None:
    """A button from an old message, another person's, or made up."""
    await toast(update, context, "stale_button", alert=True)


async def on_menu(update: Update, context: AuditContext) -> None:
    from bot.handlers.menu import MENU_ITEMS

    data = callbacks.unpack(update.callback_query.data)
    for key, allowed, action in MENU_ITEMS:
        if data is not None and data.args == (key,):
            if not allowed(context.actor):
                await toast(update, context, "not_allowed", alert=True)
                return
            await update.callback_query.answer()
            await action(update, context)
            return
    await stale_button(update, context)


def callback_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_lang, pattern=callbacks.pattern("lang")),
        CallbackQueryHandler(on_menu, pattern=callbacks.pattern("m")),
    ]


def _actor_view(context: AuditContext) -> dict:
    actor = context.actor
    return {
        "name": actor.name,
        "is_lead": actor.is_lead,
        "is_auditor": actor.is_auditor,
        "is_staff": actor.is_staff,
    }
