"""The report's lifecycle in the chat: its card, submit, approve or request changes, issue,
the distribution list, receipts, the department's comments and the reason of a late issue."""

from __future__ import annotations

import contextlib
import logging

from telegram import InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot.services.report_flow_service import ReportFlowService, ReportStatus
from bot.services.report_service import AuditRef
from bot.telegram import buttons
from bot.telegram import report_buttons as rb
from bot.telegram.context import AuditContext
from bot.telegram.handlers.admin import show_person_card
from bot.telegram.keyboards.report_flow import card_rows, distribution_rows
from bot.telegram.refusals import leads, on_press
from bot.telegram.replies import edit_or_send, reply, toast

log = logging.getLogger(__name__)


def service(context: AuditContext) -> ReportFlowService:
    return context.rt.report_flow


async def show_card(update: Update, context: AuditContext, status: ReportStatus, *, edit: bool = True) -> None:
    await edit_or_send(update, context, "rf_card", s=status, rows=card_rows(status, context.label), edit=edit)


async def on_card(update: Update, context: AuditContext, button: rb.ReportCard) -> None:
    status = await service(context).status(context.actor, button.audit)
    await update.callback_query.answer()
    await show_card(update, context, status, edit=False)


async def on_submit(update: Update, context: AuditContext, button: rb.ReportSubmit) -> None:
    status = await service(context).submit(context.actor, button.audit, button.rev)
    await toast(update, context, "rf_submitted")
    await show_card(update, context, status, edit=False)


async def on_approve(update: Update, context: AuditContext, button: rb.ReportApprove) -> None:
    status = await service(context).approve(context.actor, button.audit, button.rev)
    await toast(update, context, "rf_approved")
    await show_card(update, context, status, edit=False)


async def on_changes(update: Update, context: AuditContext, button: rb.ReportChanges) -> None:
    asked = await service(context).ask_changes(context.actor, button.audit, button.rev)
    await update.callback_query.answer()
    await _ask(update, context, asked)


async def on_issue(update: Update, context: AuditContext, button: rb.ReportIssue) -> None:
    issued = await service(context).issue(context.actor, button.audit, button.rev)
    await toast(update, context, "rf_issued_toast")
    await reply(update, context, "rf_issued", s=issued.status, sent=issued.sent, skipped=issued.skipped)
    document = await context.rt.report.issued_document(button.audit, button.rev, context.lang)
    if document is not None:  # the issuer's own copy of the official file
        sha, name = document
        await context.bot.send_document(update.effective_chat.id, InputFile(context.rt.files.get(sha), filename=name),
                                        caption=context.label("rf_issued_caption", number=issued.status.number,
                                                              rev=button.rev), parse_mode=None)
    await show_card(update, context, issued.status, edit=False)


async def on_received(update: Update, context: AuditContext, button: rb.ReportReceived) -> None:
    status = await service(context).receive(context.actor, button.audit, button.rev)
    await toast(update, context, "rf_received", number=status.number, rev=button.rev)
    with contextlib.suppress(TelegramError):
        await update.callback_query.edit_message_reply_markup(None)


async def on_recipients(update: Update, context: AuditContext, button: rb.ReportRecipients) -> None:
    if button.person is None:
        status = await service(context).status(context.actor, button.audit)
        await update.callback_query.answer()
    else:
        status = await service(context).toggle_recipient(context.actor, button.audit, button.person)
        await toast(update, context, "saved")
    await edit_or_send(update, context, "rf_distribution", s=status, rows=distribution_rows(status, context.label))


async def on_for_comment(update: Update, context: AuditContext, button: rb.ReportForComment) -> None:
    """The draft, built now, goes to the department's contacts to comment on."""
    flow = service(context)
    await flow.check_send_for_comment(context.actor, button.audit, button.rev)
    await update.callback_query.answer()
    status = await flow.status(context.actor, button.audit)
    sha = await context.rt.report.store_build(AuditRef(status.audit_id, status.number, status.department,
                                                       status.audit_status))
    status = await flow.send_for_comment(context.actor, button.audit, button.rev, sha)
    await reply(update, context, "rf_sent_for_comment", s=status)


async def on_agree(update: Update, context: AuditContext, button: rb.ReportAgree) -> None:
    status = await service(context).agree(context.actor, button.audit, button.rev)
    await toast(update, context, "rf_agreed", number=status.number)
    with contextlib.suppress(TelegramError):
        await update.callback_query.edit_message_reply_markup(None)


async def on_disagree(update: Update, context: AuditContext, button: rb.ReportDisagree) -> None:
    asked = await service(context).ask_disagreement(context.actor, button.audit, button.rev)
    await update.callback_query.answer()
    await _ask(update, context, asked)


async def on_delay(update: Update, context: AuditContext, button: rb.ReportDelay) -> None:
    asked = await service(context).ask_delay_reason(context.actor, button.audit, button.rev)
    await update.callback_query.answer()
    await _ask(update, context, asked)


async def _ask(update: Update, context: AuditContext, asked) -> None:
    await reply(update, context, f"rf_ask_{asked.ask}", asked=asked,
                rows=[[(context.label("back"), buttons.LeaveDialog().pack())]])


async def on_text(update: Update, context: AuditContext, state: dict) -> None:
    """The reason typed after ↩️ Request changes, ✖ Disagree or ✍️ Reason of the delay."""
    ask, status = await service(context).typed(context.actor, update.message.text)
    await reply(update, context, f"rf_done_{ask}", s=status)


async def on_approver(update: Update, context: AuditContext, button: rb.ReportApprover) -> None:
    """A lead makes a person a report approver (or no longer), from the person card."""
    on = await service(context).toggle_approver(context.actor, button.person)
    await toast(update, context, "rf_approver_on" if on else "rf_approver_off")
    await show_person_card(update, context, await context.rt.people.card(context.actor, button.person))


def callback_handlers() -> list[BaseHandler]:
    return [
        on_press(rb.ReportCard, on_card),
        on_press(rb.ReportSubmit, on_submit),
        on_press(rb.ReportApprove, on_approve),
        on_press(rb.ReportChanges, on_changes),
        on_press(rb.ReportIssue, on_issue),
        on_press(rb.ReportReceived, on_received),
        on_press(rb.ReportRecipients, on_recipients),
        on_press(rb.ReportForComment, on_for_comment),
        on_press(rb.ReportAgree, on_agree),
        on_press(rb.ReportDisagree, on_disagree),
        on_press(rb.ReportDelay, on_delay),
        on_press(rb.ReportApprover, on_approver, who=leads),
    ]
