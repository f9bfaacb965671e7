"""Lead commands about corrective actions: /status and /overdue."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import reply
from bot.runtime import AuditContext


async def status_command(update: Update, context: AuditContext) -> None:
    """/status: open audits; open, overdue and closed actions per department."""
    current = await context.rt.status.status(context.actor)
    await reply(update, context, "lead_status", status=current)


async def overdue_command(update: Update, context: AuditContext) -> None:
    """/overdue: overdue actions, oldest first, with their owners and days late."""
    overdue = await context.rt.status.overdue(context.actor)
    await reply(update, context, "lead_overdue", overdue=overdue)
