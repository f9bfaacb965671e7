"""/review [period]: the management-review pack (Word document and workbook) for leads."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.prompts import file_name
from bot.services.review_service import ReviewError, ReviewService
from bot.telegram.context import AuditContext
from bot.telegram.replies import reply

log = logging.getLogger(__name__)


def service(context: AuditContext) -> ReviewService:
    return context.rt.review


async def review_command(update: Update, context: AuditContext) -> None:
    """``/review`` (the last 12 months) or ``/review 2026-Q3``: the .docx, then the .xlsx."""
    try:
        period = service(context).period(context.actor, " ".join(context.args or []))
    except ReviewError as error:
        await reply(update, context, "review_not_allowed" if error.code == "not_allowed" else "review_bad_period",
                    code=error.code)
        return
    chat_id = update.effective_chat.id
    status = await reply(update, context, "review_building", period=period)
    try:
        pack = await service(context).build(context.actor, period)
    except Exception:
        log.exception("management review %s failed", period.label())
        await _edit(context, chat_id, status, "review_failed", period=period)
        return
    await _edit(context, chat_id, status, "review_ready", period=period, audits=pack.audits)
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    stem = period.file_stem()
    name = (file_name(context.rt.prompts, context.lang, "file_review_year", year=stem) if stem.isdigit()
            else file_name(context.rt.prompts, context.lang, "file_review", period=stem))
    for path, suffix in ((pack.docx, ".docx"), (pack.xlsx, ".xlsx")):
        with path.open("rb") as handle:
            await context.bot.send_document(chat_id, handle, filename=name + suffix)


async def _edit(context: AuditContext, chat_id: int, status, name: str, **values) -> None:
    if status is None:
        return
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(context.text(name, **values), chat_id, status.message_id)
