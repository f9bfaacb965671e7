"""What the handlers reach through the PTB context: services, prompts, the acting person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.checklists import Checklist
from bot.clock import Clock
from bot.prompts import Prompts
from bot.services.people_service import Actor, PeopleService
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore


@dataclass
class Runtime:
    """The application's shared objects, built once at start."""

    settings: Settings
    db: Database
    clock: Clock
    prompts: Prompts
    files: FileStore
    checklists: dict[str, Checklist]
    people: PeopleService
    services: dict[str, Any] = field(default_factory=dict)


class AuditContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's per-update context, carrying the acting person once the gate knows them."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None

    @property
    def rt(self) -> Runtime:
        return self.application.bot_data["runtime"]

    @property
    def lang(self) -> str:
        return self.actor.lang if self.actor else "en"

    def text(self, name: str, /, **values: Any) -> str:
        """Render prompt ``name`` in the actor's language."""
        return self.rt.prompts.render(self.lang, name, **values)

    def label(self, key: str, /, **values: Any) -> str:
        return self.rt.prompts.label(self.lang, key, **values)
