"""Lead commands about corrective actions: /status and /overdue, and the buttons that open
a department's actions or any one action (the lead acts as its verifier)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.handlers.capa import explain_sending, show_step
from bot.telegram.keyboards.capa import action_rows
from bot.telegram.refusals import leads, on_press
from bot.telegram.replies import reply


async def status_command(update: Update, context: AuditContext) -> None:
    """/status: open audits; where each department's actions are, a button per department."""
    current = await context.rt.status.status(context.actor)
    rows = [[(context.label("lead_department_item", department=d["department"][:40], open=d["open"]),
              buttons.LeadDepartment(d["department_id"]).pack())]
            for d in current.departments if d["open"]]
    reports = await context.rt.report_flow.counts()  # waiting for approval, overdue for issue
    await reply(update, context, "lead_status", rows=rows, status=current, reports=reports)


async def overdue_command(update: Update, context: AuditContext) -> None:
    """/overdue: overdue actions, oldest first, with their owners and days late."""
    overdue = await context.rt.status.overdue(context.actor)
    await reply(update, context, "lead_overdue", rows=action_rows(overdue.items, context.label), overdue=overdue)


async def on_department(update: Update, context: AuditContext, button: buttons.LeadDepartment) -> None:
    actions = await context.rt.status.department(context.actor, button.department)
    await update.callback_query.answer()
    await reply(update, context, "lead_department", rows=action_rows(actions.items, context.label),
                actions=actions)


async def on_action(update: Update, context: AuditContext, button: buttons.LeadAction) -> None:
    step = await context.rt.capa.verify_card(context.actor, button.capa)
    await update.callback_query.answer()
    await show_step(update, context, step)



def callback_handlers() -> list[BaseHandler]:
    return [
        on_press(buttons.LeadDepartment, on_department, who=leads),
        on_press(buttons.LeadAction, on_action, who=leads, explain_as=explain_sending),
    ]
