"""What a handler reaches through python-telegram-bot's per-update context: the runtime,
the acting person and their language; and the names under which the composition root
(bot/app.py) keeps the runtime, the command table and the outbox sender in ``bot_data``."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Runtime
from bot.services.people_service import Actor

RUNTIME = "runtime"  # bot_data keys, set by the composition root (bot/app.py)
COMMANDS = "commands"
OUTBOX = "outbox"
METRICS = "metrics"


@dataclass
class Outcome:
    """What became of the update being handled, for its log line and its count
    (bot/telegram/delivery/inbox.py sets one per attempt)."""

    refused: str | None = None  # the code of the first refusal shown (a ServiceError, a stranger, …)


OUTCOME: ContextVar[Outcome | None] = ContextVar("auditbot_update_outcome", default=None)


def refused(code: str) -> None:
    """Note that the update being handled was answered with a refusal (``code``)."""
    outcome = OUTCOME.get()
    if outcome is not None and outcome.refused is None:
        outcome.refused = code


class AuditContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's per-update context, carrying the acting person once the gate knows them."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None

    @property
    def rt(self) -> Runtime:
        return self.application.bot_data[RUNTIME]

    @property
    def lang(self) -> str:
        return self.actor.lang if self.actor else "en"

    def text(self, name: str, /, **values: Any) -> str:
        """Render prompt ``name`` in the actor's language."""
        return self.rt.prompts.render(self.lang, name, **values)

    def label(self, key: str, /, **values: Any) -> str:
        return self.rt.prompts.label(self.lang, key, **values)
