"""The last resort: log the failure, tell the person in one line, show no traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.runtime import AuditContext
from storage import claims

log = logging.getLogger(__name__)


async def on_error(update: object, context: AuditContext) -> None:
    error = context.error
    claim = claims.current()
    if claim is not None:
        claim.error = error
        if isinstance(error, claims.AlreadyHandled):
            log.info("update %s was handled before; dropped", claim.update_id)
            return
        if not claim.claimed and not claim.final:  # nothing written: the inbox tries it again
            log.warning("update %s failed, to be tried again: %r", claim.update_id, error)
            return
    if isinstance(error, (NetworkError, RetryAfter, TimedOut, Forbidden)) and not isinstance(update, Update):
        log.warning("Telegram: %s", error)
        return
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(context.label("error_toast"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, context.text("error"))
    except Exception:  # the apology itself failed (Telegram down); the log has it
        log.warning("could not tell chat %s about the failure", update.effective_chat.id)
