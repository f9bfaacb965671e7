"""⏯ Back to where the person was: the audit's current card, or the action's step."""

from __future__ import annotations

from telegram import Update

from bot.services.dialog_service import Place
from bot.telegram.context import AuditContext
from bot.telegram.handlers import audit, capa


async def go_on(update: Update, context: AuditContext, place: Place) -> None:
    """Show the card of ``place`` (editing the pressed message, as the ⏯ button would)."""
    message = update.callback_query.message if update.callback_query else None
    if place.flow == "audit":
        view = await audit.service(context).resume(context.actor, place.id,
                                                   message_id=message.message_id if message else None)
        await audit.show(update, context, view)
        return
    step = (await capa.service(context).open(context.actor, place.id) if place.staff
            else await capa.service(context).verify_card(context.actor, place.id))
    await capa.show_step(update, context, step, edit=update.callback_query is not None)
