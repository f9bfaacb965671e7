"""/start (and joining by invite) and the main menu.

The menu's buttons are the command table's (bot/app.py): each runs the same function as its
command, for the same roles, so a button and a command never differ.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.errors import NotAllowed, StaleButton
from bot.services.people_service import JoinResult
from bot.telegram import buttons
from bot.telegram.commands import command_table
from bot.telegram.context import AuditContext
from bot.telegram.handlers import start
from bot.telegram.handlers.going_on import go_on
from bot.telegram.refusals import on_press
from bot.telegram.replies import reply

MAIN = "main"


def menu_rows(context: AuditContext) -> list[list[tuple[str, str]]]:
    """The main menu's buttons for this person's roles (the command table's buttons)."""
    entries = [(context.label(row.button_key), buttons.Menu(row.name).pack())
               for row in command_table(context).buttons_for(context.actor)]
    return [entries[i:i + 2] for i in range(0, len(entries), 2)] or [[]]


async def show_menu(update: Update, context: AuditContext) -> None:
    """The menu; above it, where the person left off in an audit or an action (with ⏯)."""
    place = await context.rt.dialogs.place(context.actor) if context.actor.known else None
    await reply(update, context, "menu", rows=start.place_rows(context, place) + menu_rows(context),
                actor=start.actor_view(context), place=place)


async def start_command(update: Update, context: AuditContext) -> None:
    """``/start`` shows the menu; ``/start <code>`` joins with an invite first."""
    if context.args:
        code = context.args[0][:64]
        joined = await context.rt.people.join(context.actor, code, username=update.effective_user.username)
        if joined.result in (JoinResult.invalid, JoinResult.expired, JoinResult.used):
            # an expired, revoked or used link says so (ask for a new one); a made-up code
            # gets a stranger only the stranger's line
            if context.actor.known or joined.result is not JoinResult.invalid:
                await reply(update, context, f"join_{joined.result.value}")
            else:
                await reply(update, context, "stranger")
            return
        context.actor = await context.rt.people.get(context.actor.id)
        if joined.result is JoinResult.joined:
            await reply(update, context, "joined", role=joined.role, department=joined.department)
    await show_menu(update, context)


async def on_menu(update: Update, context: AuditContext, button: buttons.Menu) -> None:
    if button.key == MAIN:  # the menu itself (e.g. from the pause message)
        await update.callback_query.answer()
        await show_menu(update, context)
        return
    row = command_table(context).get(button.key)
    if row is None or not row.button:
        raise StaleButton()
    if not row.allows(context.actor.roles):
        raise NotAllowed()
    await update.callback_query.answer()
    await row.handler(update, context)


async def on_leave_dialog(update: Update, context: AuditContext, button: buttons.LeaveDialog) -> None:
    """◀ Back from a typed prompt: as /cancel, then the card the prompt came from (the audit's,
    the action's), else the menu."""
    done = await context.rt.dialogs.cancel(context.actor)
    await update.callback_query.answer()
    if done.place is not None:
        await go_on(update, context, done.place)
    else:
        await show_menu(update, context)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.Menu, on_menu), on_press(buttons.LeaveDialog, on_leave_dialog)]
