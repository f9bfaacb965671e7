"""Routes typed text and files to the dialog the person is in (kept in the database).

Which handler takes a flow's text and files is declared once, in ``FLOWS`` beside
``register_handlers`` (bot/telegram/handlers/__init__.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from telegram import Update

from bot.telegram.context import AuditContext
from bot.telegram.refusals import ExplainAs, guarded
from bot.telegram.replies import reply

Handler = Callable[[Update, AuditContext, dict], Awaitable[None]]


@dataclass(frozen=True)
class Flow:
    """What a dialog does with typed text and with files (None: it takes none)."""

    text: Handler | None = None
    media: Handler | None = None
    explain_as: ExplainAs | None = None  # the flow's own way to show a refusal


def router(flows: Mapping[str, Flow]) -> tuple[Handler, Handler]:
    """The handlers of typed text and of files for the declared ``flows``."""

    def route(kind: str, outside: str):
        async def on_message(update: Update, context: AuditContext) -> None:
            state = await context.rt.dialogs.current(context.actor)
            flow = flows.get(state["flow"]) if state else None
            handler = getattr(flow, kind) if flow is not None else None
            if handler is None:
                await reply(update, context, outside, actor=context.actor)  # hints follow the roles
                return
            await guarded(handler, explain_as=flow.explain_as)(update, context, state)

        return on_message

    return route("text", "no_dialog"), route("media", "media_without_dialog")


async def on_other(update: Update, context: AuditContext) -> None:
    """Stickers, locations, contacts, polls …: nothing the bot can file."""
    if update.effective_message is not None:
        await reply(update, context, "unsupported_message")
