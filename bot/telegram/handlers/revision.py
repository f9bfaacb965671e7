"""↩️ Withdraw the revision of a reopened audit: a lead's two taps (ask, confirm); the audit
is back as its last completed revision left it (bot.services.revision_service)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.vocabulary import AuditStatus
from bot.services.revision_service import RevisionService
from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.common import confirm_rows
from bot.telegram.refusals import auditors, on_press
from bot.telegram.replies import edit_or_send


def service(context: AuditContext) -> RevisionService:
    return context.rt.revision


async def on_withdraw(update: Update, context: AuditContext, button: buttons.WithdrawRevision) -> None:
    """↩️ Withdraw the revision: say what goes back, and ask."""
    view = await service(context).withdraw_preview(context.actor, button.audit)
    await update.callback_query.answer()
    # "◀ Keep revising" goes back where the question came from: the closing card, or the summary
    keep = buttons.Resume(button.audit) if view.status == AuditStatus.closing else buttons.SummaryPage(button.audit, 0)
    rows = confirm_rows(context.label, ("btn_withdraw_revision_confirm", buttons.WithdrawRevisionConfirmed(button.audit)),
                        ("btn_withdraw_revision_keep", keep))
    await edit_or_send(update, context, "revision_withdraw_confirm", rows=rows, w=view)


async def on_withdraw_confirmed(update: Update, context: AuditContext,
                                button: buttons.WithdrawRevisionConfirmed) -> None:
    view = await service(context).withdraw(context.actor, button.audit)
    await update.callback_query.answer()
    rows = [[(context.label("btn_report_of", number=view.number), buttons.Report(view.audit_id).pack()),
             (context.label("btn_reopen"), buttons.Reopen(view.audit_id).pack())]]
    await edit_or_send(update, context, "revision_withdrawn_done", rows=rows, w=view)


def callback_handlers() -> list[BaseHandler]:
    """A lead's buttons; an auditor pressing one is told only a lead may."""
    return [on_press(buttons.WithdrawRevision, on_withdraw, who=auditors),
            on_press(buttons.WithdrawRevisionConfirmed, on_withdraw_confirmed, who=auditors)]
