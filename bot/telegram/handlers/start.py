"""/help, /lang, /cancel, unknown commands and stale buttons (/start and the menu: menu.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.services.dialog_service import Place
from bot.telegram import buttons
from bot.telegram.commands import command_table
from bot.telegram.context import AuditContext, refused
from bot.telegram.refusals import on_press
from bot.telegram.replies import edit_or_send, reply, toast


async def help_command(update: Update, context: AuditContext) -> None:
    """/help: the person's commands from the command table, by section, one line each."""
    await reply(update, context, "help", sections=help_sections(context))


def help_sections(context: AuditContext) -> list[dict]:
    label = context.label
    return [{"title": label(f"help_section_{section}"),
             "tip": label(f"help_tip_{section}") if context.rt.prompts.has_label(f"help_tip_{section}") else None,
             "lines": [(row.name, label(row.help_key)) for row in rows]}
            for section, rows in command_table(context).help_for(context.actor)]


async def lang_command(update: Update, context: AuditContext) -> None:
    rows = [[("中文", buttons.Lang("zh").pack()), ("English", buttons.Lang("en").pack())]]
    await reply(update, context, "lang_choose", rows=rows)


async def on_lang(update: Update, context: AuditContext, button: buttons.Lang) -> None:
    context.actor = await context.rt.people.set_lang(context.actor, button.lang)
    await toast(update, context, "saved")
    await edit_or_send(update, context, "lang_set")


async def cancel(update: Update, context: AuditContext) -> None:
    """Leave the current dialog; what was saved stays saved; a button back to the audit or
    the action one was at."""
    done = await context.rt.dialogs.cancel(context.actor)
    await reply(update, context, "cancelled", rows=place_rows(context, done.place), had_dialog=done.had_dialog,
                place=done.place)


def place_rows(context: AuditContext, place: Place | None) -> list[list[tuple[str, str]]]:
    """⏯ Continue: the audit (its place is kept), or the action's card (staff or verifier)."""
    if place is None:
        return []
    if place.flow == "audit":
        target = buttons.Resume(place.id)
    else:
        target = buttons.CapaOpen(place.id) if place.staff else buttons.CapaView(place.id)
    return [[(context.label("btn_continue_place", number=place.number), target.pack())]]


async def unknown_command(update: Update, context: AuditContext) -> None:
    refused("unknown_command")
    await reply(update, context, "unknown_command")


async def stale_button(update: Update, context: AuditContext) -> None:
    """A button from an old message, another person's, or made up."""
    refused("stale_button")
    await toast(update, context, "stale_button", alert=True)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.Lang, on_lang)]


def actor_view(context: AuditContext) -> dict:
    actor = context.actor
    return {
        "name": actor.name,
        "is_lead": actor.is_lead,
        "is_auditor": actor.is_auditor,
        "is_staff": actor.is_staff,
    }
