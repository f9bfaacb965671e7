"""/report and /export: documents built off the event loop and sent as files."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot.domain.vocabulary import AuditStatus
from bot.prompts import file_name
from bot.report import PdfFailed, PdfUnavailable
from bot.services.report_service import AuditRef, ReportService, document_name, safe_name
from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.report_flow import next_button
from bot.telegram.refusals import on_press
from bot.telegram.replies import reply, toast

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between edits of the progress message


def service(context: AuditContext) -> ReportService:
    return context.rt.report


async def report_command(update: Update, context: AuditContext) -> None:
    """``/report`` lists recent audits; ``/report <number> [pdf]`` sends the report."""
    args = context.args or []
    if not args:
        choices = await service(context).choices(context.actor)
        if not choices.audits:
            await reply(update, context, "report_none")
            return
        reopen = context.actor.is_lead  # a lead reopens a completed audit from its row
        states = await context.rt.report_flow.statuses(context.actor, [a.id for a in choices.audits])
        rows = [[(context.label("report_btn_word", number=a.number), buttons.Report(a.id).pack()),
                 *([(context.label("report_btn_pdf"), buttons.Report(a.id, "pdf").pack())] if choices.pdf else []),
                 *([(context.label("report_btn_record"), buttons.RecordPack(a.id).pack())]
                   if a.status == AuditStatus.completed else []),
                 *([next_button(states[a.id], context.label)] if a.id in states else []),
                 *([(context.label("btn_reopen"), buttons.Reopen(a.id).pack())]
                   if reopen and a.status == AuditStatus.completed else [])]
                for a in choices.audits]
        await reply(update, context, "report_choose", rows=rows, choices=choices, states=states)
        return
    want_pdf = len(args) > 1 and args[-1].lower() == "pdf"
    reference = " ".join(args[:-1] if want_pdf else args)
    audit = await service(context).resolve(context.actor, reference)
    await send_report(update, context, audit, want_pdf=want_pdf)


async def on_report_button(update: Update, context: AuditContext, button: buttons.Report) -> None:
    audit = await service(context).resolve(context.actor, str(button.audit))
    await update.callback_query.answer()
    await send_report(update, context, audit, want_pdf=button.format == "pdf")


async def on_record_pack(update: Update, context: AuditContext, button: buttons.RecordPack) -> None:
    """The record pack of a completed audit, sent as a .zip (a refusal answers the press)."""
    chat_id = update.effective_chat.id
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    audit, path = await service(context).record_pack(context.actor, button.audit)
    try:
        await toast(update, context, "report_record_sent")
        with path.open("rb") as handle:
            await context.bot.send_document(
                chat_id, handle, filename=context.label("report_record_file", number=safe_name(audit.number)),
                caption=context.text("report_record_ready", audit=audit))
    finally:
        path.unlink(missing_ok=True)


async def send_report(update: Update, context: AuditContext, audit: AuditRef, *, want_pdf: bool) -> None:
    """Build with a progress message, send the .docx (and the PDF when asked and possible)."""
    chat_id = update.effective_chat.id
    status = await context.bot.send_message(chat_id, context.text("report_building", audit=audit, done=0, total=0))
    progress = _Progress(context, chat_id, status.message_id, audit)
    loop = asyncio.get_running_loop()
    try:
        path = await service(context).build(
            audit, on_progress=lambda done, total: loop.call_soon_threadsafe(progress.update, done, total))
    except Exception:
        log.exception("report of audit %s failed", audit.number)
        await progress.finish("report_failed")
        return
    await progress.finish("report_ready")
    if want_pdf and await _send_pdf(update, context, audit, path):
        return  # the PDF asked for; the .docx goes out when no PDF can be made
    await _send_file(context, chat_id, audit, path, ".docx")


async def _send_pdf(update: Update, context: AuditContext, audit: AuditRef, docx) -> bool:
    """The PDF of ``docx``; False (the person told why) when none can be made here."""
    try:
        pdf = await service(context).pdf(docx)
    except PdfUnavailable:
        await reply(update, context, "report_pdf_unavailable")
        return False
    except PdfFailed:
        await reply(update, context, "report_pdf_failed")
        return False
    await _send_file(context, update.effective_chat.id, audit, pdf, ".pdf")
    return True


async def _send_file(context: AuditContext, chat_id: int, audit: AuditRef, path, suffix: str) -> None:
    """A report file named and captioned with its revision (rev 2 / 第2版) from the second one on."""
    revision = context.label("report_revision", rev=audit.revision) if audit.revision > 1 else ""
    caption = context.label("report_caption", number=audit.number, department=audit.department[:60])
    if revision:
        caption = f"{caption} · {revision}"
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    with path.open("rb") as handle:
        await context.bot.send_document(chat_id, handle, filename=document_name(audit, suffix, revision),
                                        caption=caption, parse_mode=None)


class _Progress:
    """Edits the 'building…' message at most once a second while photos are placed."""

    def __init__(self, context: AuditContext, chat_id: int, message_id: int, audit: AuditRef):
        self.context = context
        self.chat_id = chat_id
        self.message_id = message_id
        self.audit = audit
        self.done = self.total = 0
        self.shown = (0, 0)
        self.task = asyncio.create_task(self._loop())

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            if (self.done, self.total) != self.shown:
                self.shown = (self.done, self.total)
                await self._edit("report_building", done=self.done, total=self.total)

    async def _edit(self, name: str, **values) -> None:
        with contextlib.suppress(TelegramError):
            await self.context.bot.edit_message_text(
                self.context.text(name, audit=self.audit, **values), self.chat_id, self.message_id)

    async def finish(self, name: str) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self._edit(name, done=self.done, total=self.total)


async def export_command(update: Update, context: AuditContext) -> None:
    """/export: the workbook of audits, answers, findings and actions (leads)."""
    path = await service(context).export(context.actor)
    stamp = context.rt.clock.now().astimezone(context.rt.settings.tz).strftime("%Y-%m-%d")
    with path.open("rb") as handle:
        await context.bot.send_document(update.effective_chat.id, handle,
                                        filename=file_name(context.rt.prompts, context.lang, "file_export", date=stamp),
                                        caption=context.text("export_ready"))



def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.Report, on_report_button), on_press(buttons.RecordPack, on_record_pack)]
