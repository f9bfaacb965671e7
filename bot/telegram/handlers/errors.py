"""The last resort: log the failure with its update's id, kind and a hash of its chat (never
what the person wrote), tell the person in one line in their language, tell the leads (at most
once every 10 minutes), show no traceback."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.prompts import lang_from_client
from bot.telegram.context import METRICS, AuditContext
from bot.telegram.delivery.metrics import update_kind
from storage import claims

log = logging.getLogger(__name__)

LEAD_NOTICE_EVERY = timedelta(minutes=10)
_LAST_NOTICE = "errors.last_lead_notice"


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
    log.error("update %s failed (%s)", getattr(update, "update_id", "?"), described(update, context),
              exc_info=error)
    if "runtime" not in context.application.bot_data:  # failed before the bot was set up
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        await _apologise(update, context)
    await _tell_leads(context, error)


def described(update: object, context: AuditContext) -> str:
    """The failed update for the log: its kind and a keyed hash of its chat, as in the update's
    own log line (bot/telegram/delivery/metrics.py), never its contents (PIPL, GDPR)."""
    if not isinstance(update, Update):
        return type(update).__name__
    chat = update.effective_chat
    return f"{update_kind(update.to_dict())}, chat {_chat_hash(context, chat.id) if chat else '-'}"


def _chat_hash(context: AuditContext, chat_id: int) -> str:
    meters = context.application.bot_data.get(METRICS)
    if meters is not None:
        return meters.chat_hash(f"c{chat_id}")  # the inbox's key of a chat
    return hmac.new(context.bot.token.encode(), f"c{chat_id}".encode(), hashlib.sha256).hexdigest()[:12]


async def _lang(update: Update, context: AuditContext) -> str:
    """The person's language: PTB gives the error handler a fresh context, without the actor."""
    if context.actor is not None:
        return context.actor.lang
    user = update.effective_user
    if user is None:
        return "en"
    try:
        person = await context.rt.people.get(user.id)
    except Exception:  # the database may be what failed
        person = None
    return person.lang if person is not None else lang_from_client(user.language_code)


async def _apologise(update: Update, context: AuditContext) -> None:
    lang = await _lang(update, context)
    prompts = context.rt.prompts
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(prompts.label(lang, "error_toast"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, prompts.render(lang, "error"))
    except Exception:  # the apology itself failed (Telegram down); the log has it
        log.warning("could not tell chat %s about the failure", update.effective_chat.id)


async def _tell_leads(context: AuditContext, error: BaseException | None) -> None:
    """One short notice to each lead, at most once every 10 minutes."""
    rt = context.rt
    now = rt.clock.now()
    last = context.application.bot_data.get(_LAST_NOTICE)
    if last is not None and now - last < LEAD_NOTICE_EVERY:
        return
    context.application.bot_data[_LAST_NOTICE] = now
    try:
        leads = await rt.people.leads()
    except Exception:
        log.warning("could not look up the leads to tell them of a failure")
        return
    name = type(error).__name__ if error is not None else "?"
    for lead_id, lang in leads:
        try:
            await context.bot.send_message(lead_id, rt.prompts.label(lang, "error_lead_notice", error=name),
                                           parse_mode=None)
        except TelegramError:
            log.warning("could not tell lead %s about a failure", lead_id)
