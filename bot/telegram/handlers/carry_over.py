"""The second year on the question card: ✅ Effective / ❌ Not effective on last time's closed
action (the reason for "not effective" is typed next and arrives as the audit's typed text)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.handlers.audit import _pressed_id, plan_defaults, service, show
from bot.telegram.refusals import auditors, on_press
from bot.telegram.replies import reply, toast


async def on_verdict(update: Update, context: AuditContext, button: buttons.CarryVerdict) -> None:
    svc, actor = service(context), context.actor
    if button.verdict == "e":
        judged = await svc.verify_effective(actor, button.audit, button.index, message_id=_pressed_id(update))
        await toast(update, context, "carry_effective_recorded" if judged.changed else "carry_effective_already")
        await show(update, context, judged.view)
        return
    carried = await svc.ask_not_effective(actor, button.audit, button.index)
    await update.callback_query.answer()
    await reply(update, context, "audit_not_effective_ask", c=carried,
                rows=[[(context.label("carry_btn_back"), buttons.Jump(button.audit, button.index).pack())]])


async def on_like_last_time(update: Update, context: AuditContext, button: buttons.LikeLastTime) -> None:
    """🔁 Like last time: the new audit's plan card, prefilled from the department's last audit."""
    view = await service(context).like_last_time(context.actor, button.department, plan_defaults=plan_defaults(context))
    await update.callback_query.answer()
    await show(update, context, view)


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.CarryVerdict, on_verdict, who=auditors),
            on_press(buttons.LikeLastTime, on_like_last_time, who=auditors)]
