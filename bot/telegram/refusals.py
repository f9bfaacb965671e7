"""Refusals, in one place: a ``ServiceError`` becomes a popup for a press or a reply for
typed text, in the person's language; and the handler of one button route, which parses
the press and checks who pressed before the service is called."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.errors import ServiceError
from bot.services.people_service import Actor
from bot.telegram.callbacks import Button
from bot.telegram.context import AuditContext
from bot.telegram.context import refused as mark_refused
from bot.telegram.replies import answer, reply, toast

# A flow's own way to show a refusal (e.g. the step the person is still at, with the
# problem); returns False to leave it to ``explain``.
ExplainAs = Callable[[Update, AuditContext, ServiceError], Awaitable[bool]]
Who = Callable[[Actor], bool]


def leads(actor: Actor) -> bool:
    return actor.is_lead


def auditors(actor: Actor) -> bool:
    """Auditors and leads (leads run audits too)."""
    return actor.is_auditor


async def explain(update: Update, context: AuditContext, error: ServiceError) -> None:
    """Tell the person in one line, in their language, why that did not happen.

    A press gets a popup (a short toast for quiet codes); typed text gets a reply: the
    template named like the refusal when there is one, else its label. The refusal's
    ``details`` fill the template.
    """
    key, details = error.label_key, error.details
    prompts = context.rt.prompts
    if update.callback_query is not None:
        text = context.label(key, **details) if prompts.has_label(key) else context.text(key, **details)
        await answer(update, context, text, alert=error.alert)
    elif prompts.has_template(key):
        await reply(update, context, key, **details)
    else:
        await reply(update, context, "refusal", key=key)


def guarded(handler: Callable[..., Awaitable[None]], *, explain_as: ExplainAs | None = None):
    """``handler`` with its refusals explained (by ``explain_as`` first, when given)."""

    @functools.wraps(handler)
    async def run(update: Update, context: AuditContext, *args: Any) -> None:
        try:
            await handler(update, context, *args)
        except ServiceError as error:
            mark_refused(error.code)
            if explain_as is None or not await explain_as(update, context, error):
                await explain(update, context, error)

    return run


def on_press(
    button: type[Button],
    handler: Callable[[Update, AuditContext, Any], Awaitable[None]],
    *,
    who: Who | None = None,
    explain_as: ExplainAs | None = None,
) -> CallbackQueryHandler:
    """The handler of one button route: parse the press, check who pressed, explain refusals.

    A stale or forged press (not this route's shape) and one by a person whose roles do
    not allow it are answered here; ``handler`` gets the typed button.
    """
    guarded_handler = guarded(handler, explain_as=explain_as)

    async def run(update: Update, context: AuditContext) -> None:
        pressed = button.parse(update.callback_query.data)
        if pressed is None:
            mark_refused("stale_button")
            await toast(update, context, "stale_button", alert=True)
        elif who is not None and not who(context.actor):
            mark_refused("not_allowed")
            await toast(update, context, "not_allowed", alert=True)
        else:
            await guarded_handler(update, context, pressed)

    return CallbackQueryHandler(run, pattern=button.pattern())
