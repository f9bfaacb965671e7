"""/start (and joining by invite) and the main menu: (key, who may use it, what it does).

Each entry runs the same function as its command, so a button and a command never differ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.errors import NotAllowed, StaleButton
from bot.runtime import AuditContext
from bot.services.people_service import Actor, JoinResult
from bot.telegram import buttons
from bot.telegram.common import on_press, reply
from bot.telegram.handlers import admin, audit, capa, checklists, lead, programme, report, start

Action = Callable[[Update, AuditContext], Awaitable[None]]


def _lead(actor: Actor) -> bool:
    return actor.is_lead


def _anyone(actor: Actor) -> bool:
    return True


def _auditor(actor: Actor) -> bool:
    return actor.is_auditor


MENU_ITEMS: list[tuple[str, Callable[[Actor], bool], Action]] = [
    ("audit", _auditor, audit.audit_command),
    ("resume", _auditor, audit.resume_command),
    ("report", _auditor, report.report_command),
    ("capa", _anyone, capa.capa_command),
    ("export", _lead, report.export_command),
    ("status", _lead, lead.status_command),
    ("overdue", _lead, lead.overdue_command),
    ("invite", _lead, admin.invite),
    ("users", _lead, admin.users),
    ("departments", _lead, admin.departments),
    ("checklists", _lead, checklists.checklists_command),
    ("programme", _lead, programme.programme_command),
    ("lang", _anyone, start.lang_command),
    ("help", _anyone, start.help_command),
]
MAIN = "main"
_BY_KEY = {key: (allowed, action) for key, allowed, action in MENU_ITEMS}


def menu_rows(context: AuditContext) -> list[list[tuple[str, str]]]:
    """The main menu's buttons for this person's roles."""
    entries = [(context.label(f"menu_{key}"), buttons.Menu(key).pack())
               for key, allowed, _ in MENU_ITEMS if allowed(context.actor)]
    return [entries[i:i + 2] for i in range(0, len(entries), 2)] or [[]]


async def show_menu(update: Update, context: AuditContext) -> None:
    await reply(update, context, "menu", rows=menu_rows(context), actor=start.actor_view(context))


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
    if button.key not in _BY_KEY:
        raise StaleButton()
    allowed, action = _BY_KEY[button.key]
    if not allowed(context.actor):
        raise NotAllowed()
    await update.callback_query.answer()
    await action(update, context)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.Menu, on_menu)]
