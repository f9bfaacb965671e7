"""Lead commands about corrective actions: /status and /overdue."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import reply
from bot.runtime import AuditContext
from bot.services.status_service import StatusService


def service(context: AuditContext) -> StatusService:
    return context.rt.services["status"]


async def status_command(update: Update, context: AuditContext) -> None:
    """/status: open audits; open, overdue and closed actions per department."""
    try:
        current = await service(context).status(context.actor)
    except PermissionError:
        await reply(update, context, "not_allowed")
        return
    await reply(update, context, "lead_status", status=current)


async def overdue_command(update: Update, context: AuditContext) -> None:
    """/overdue: overdue actions, oldest first, with their owners and days late."""
    try:
        overdue = await service(context).overdue(context.actor)
    except PermissionError:
        await reply(update, context, "not_allowed")
        return
    await reply(update, context, "lead_overdue", overdue=overdue)
