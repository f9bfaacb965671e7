"""The optional reason of a one-tap N/A, from the row on the next card: a common reason in one
tap, or ✍️ typed next (it arrives as the audit's typed text)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.handlers.audit import _pressed_id, service, show
from bot.telegram.keyboards.common import back_rows
from bot.telegram.refusals import auditors, on_press
from bot.telegram.replies import reply, toast

REASONS = {"s": "scope", "n": "none", "o": "outsourced"}  # the button's codes: the service's names


async def on_na_reason(update: Update, context: AuditContext, button: buttons.NaReason) -> None:
    svc, actor = service(context), context.actor
    if button.reason == "w":
        number = await svc.ask_na_reason(actor, button.audit, button.index)
        await update.callback_query.answer()
        await reply(update, context, "audit_na_reason_ask", number=number, rows=back_rows(context.label))
        return
    noted = await svc.na_reason(actor, button.audit, button.index, REASONS[button.reason],
                                message_id=_pressed_id(update))
    await toast(update, context, "audit_na_reason_recorded" if noted.changed else "audit_na_reason_already",
                number=noted.index + 1)
    await show(update, context, noted.view)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.NaReason, on_na_reason, who=auditors)]
