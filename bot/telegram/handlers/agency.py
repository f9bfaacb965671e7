"""/agency: the agency's profile on every document (leads): a card, a button per field."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.agency import FIELDS
from bot.services.agency_service import AgencyCard
from bot.telegram import buttons, media
from bot.telegram.context import AuditContext
from bot.telegram.refusals import leads, on_press
from bot.telegram.replies import edit_or_send, reply, toast


async def agency_command(update: Update, context: AuditContext) -> None:
    await _show(update, context, await context.rt.agency.card(context.actor))


async def _show(update: Update, context: AuditContext, card: AgencyCard, *, edit: bool = True) -> None:
    """The card: a button per field, and ✖ beside each field that is set."""
    profile, label = card.profile, context.label
    rows = []
    for field in FIELDS:
        value = profile.logo if field == "logo" else getattr(profile, field)
        row = [(label("agency_btn_set", field=label(f"agency_field_{field}")), buttons.AgencyField(field).pack())]
        if value:
            row.append((label("agency_btn_clear"), buttons.AgencyClear(field).pack()))
        rows.append(row)
    await edit_or_send(update, context, "agency_card", card=card, profile=profile, rows=rows, edit=edit)


async def on_field(update: Update, context: AuditContext, button: buttons.AgencyField) -> None:
    card = await context.rt.agency.ask(context.actor, button.field)
    await update.callback_query.answer()
    await reply(update, context, "agency_field_ask", field=button.field, card=card,
                rows=[[(context.label("btn_back"), buttons.LeaveDialog().pack())]])


async def on_clear(update: Update, context: AuditContext, button: buttons.AgencyClear) -> None:
    card = await context.rt.agency.clear(context.actor, button.field)
    await toast(update, context, "agency_cleared")
    await _show(update, context, card)


async def on_text(update: Update, context: AuditContext, state: dict) -> None:
    card = await context.rt.agency.typed(context.actor, update.message.text)
    await _show(update, context, card, edit=False)


async def on_media(update: Update, context: AuditContext, state: dict) -> None:
    """The logo, as a photo or an image file."""
    incoming = await media.download(update.message)
    if incoming is None:
        return
    card = await context.rt.agency.logo(context.actor, incoming.data)
    await _show(update, context, card, edit=False)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.AgencyField, on_field, who=leads), on_press(buttons.AgencyClear, on_clear, who=leads)]
