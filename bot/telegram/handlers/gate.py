"""Runs first for every update: who is this, may they use the bot at all."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.prompts import lang_from_client
from bot.telegram.context import AuditContext, refused
from bot.telegram.delivery.throttle import THROTTLE
from bot.telegram.handlers.errors import on_error
from bot.telegram.replies import reply, toast


async def gate(update: Update, context: AuditContext) -> None:
    """Identify the person, turn away strangers and group chats.

    Nothing after the gate runs unless it lets the update through: a failure here stops
    the update (PTB would otherwise go on to the next handler group).
    """
    try:
        await _check(update, context)
    except ApplicationHandlerStop:
        raise
    except Exception as exc:
        await on_error(update, _with_error(context, exc))
        raise ApplicationHandlerStop from None


def _with_error(context: AuditContext, exc: Exception) -> AuditContext:
    context.error = exc
    return context


async def _check(update: Update, context: AuditContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    actor = await context.rt.people.identify(
        user.id, name=user.full_name, username=user.username, client_lang=lang_from_client(user.language_code),
    )
    context.actor = actor
    if chat is not None and chat.type != ChatType.PRIVATE:
        if update.message is not None and actor.known:
            await reply(update, context, "private_only")
        raise ApplicationHandlerStop
    if not actor.known and not _is_join(update):
        await _refuse(update, context, "stranger", sparingly=True)
    if actor.known and not actor.active:
        await _refuse(update, context, "deactivated")
    if update.edited_message is not None:
        await reply(update, context, "edit_ignored")
        raise ApplicationHandlerStop


def _is_join(update: Update) -> bool:
    message = update.message
    return bool(message and message.text and message.text.startswith("/start ") and len(message.text) > 7)


async def _refuse(update: Update, context: AuditContext, name: str, *, sparingly: bool = False) -> None:
    if sparingly and not _may_answer(update, context):
        raise ApplicationHandlerStop  # told within AUDITBOT_STRANGER_REPLY_MINUTES: not again
    refused(name)
    if update.callback_query is not None:
        await toast(update, context, name, alert=True)
    elif update.effective_message is not None:
        await reply(update, context, name)
    raise ApplicationHandlerStop


def _may_answer(update: Update, context: AuditContext) -> bool:
    """A stranger is told so once per window (bot/telegram/delivery/throttle.py)."""
    throttle = context.application.bot_data.get(THROTTLE)
    user = update.effective_user
    return throttle is None or user is None or throttle.turned_away.may_answer(user.id)
