"""The inbox of updates: kept before Telegram is told they arrived, handled once each.

No Telegram here: updates are raw JSON dicts; bot/telegram/delivery/inbox.py fetches and dispatches them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.clock import Clock
from bot.domain.reminder_rules import not_before
from bot.domain.vocabulary import NoticeKind
from bot.settings import Settings
from storage.db import Database
from storage.repos import inbox, outbox, people

MAX_ATTEMPTS = 3  # a update failing this often is set aside
KEEP_HANDLED = timedelta(days=7)  # a redelivery comes back within seconds; a week is plenty


@dataclass(frozen=True)
class Incoming:
    """One update to handle: its id, the key that orders it (its chat) and its raw JSON."""

    update_id: int
    chat_key: str
    raw: dict[str, Any]
    attempts: int = 0


class InboxService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.rules = settings.rules()

    async def keep(self, batch: list[Incoming]) -> list[Incoming]:
        """Store fetched updates (one transaction); returns those not stored before."""
        now = self.clock.now()
        fresh = []
        async with self.db.transaction(claim=False) as conn:
            for item in batch:
                raw_json = json.dumps(item.raw, ensure_ascii=False, separators=(",", ":"))
                if await inbox.add(conn, item.update_id, item.chat_key, raw_json, now):
                    fresh.append(item)
        return fresh

    async def pending(self) -> list[Incoming]:
        """Updates kept but not handled (a crash came in between), oldest first."""
        async with self.db.read() as conn:
            rows = await inbox.pending(conn)
        return [Incoming(r["update_id"], r["chat_key"], json.loads(r["raw_json"]), r["attempts"]) for r in rows]

    @property
    def shared(self) -> bool:
        """Other processes (replicas) handle updates from the same inbox."""
        return not self.db.single_process

    def chat_turn(self, chat_key: str):
        """Hold a chat for this process while its updates are handled (replicas)."""
        return self.db.chat_turn(chat_key)

    async def pending_of_chat(self, chat_key: str, up_to: int) -> list[Incoming]:
        """The chat's updates still pending up to ``up_to`` (a replica that died left some)."""
        async with self.db.read() as conn:
            rows = await inbox.pending_of_chat(conn, chat_key, up_to)
        return [Incoming(r["update_id"], r["chat_key"], json.loads(r["raw_json"]), r["attempts"]) for r in rows]

    async def is_pending(self, update_id: int) -> bool:
        async with self.db.read() as conn:
            return await inbox.is_pending(conn, update_id)

    async def handled(self, update_id: int) -> None:
        """Mark an update handled whose handling wrote nothing (a menu, a refusal)."""
        async with self.db.transaction(claim=False) as conn:
            await inbox.claim(conn, update_id, self.clock.now())

    async def handled_many(self, update_ids: list[int]) -> None:
        """Mark updates handled that are not handled at all (over a sender's flood limit), at once."""
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            for update_id in update_ids:
                await inbox.claim(conn, update_id, now)

    async def failed(self, update_id: int, error: str) -> int:
        """Count a failed attempt; returns the attempts so far."""
        async with self.db.transaction(claim=False) as conn:
            return await inbox.failed(conn, update_id, error)

    async def set_aside(self, update_id: int, reason: str) -> None:
        """A poison update: never handled again; the leads are told once, through the outbox."""
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            if not await inbox.set_aside(conn, update_id, reason, now):
                return
            for lead in await people.with_role(conn, "lead"):
                await outbox.enqueue(
                    conn, dedupe_key=f"poison:{update_id}:{lead['id']}", chat_id=lead["id"],
                    kind=NoticeKind.lead_poison_update, payload={"update_id": update_id, "reason": reason[:200]},
                    not_before=not_before(self.rules, now), at=now,
                )

    async def prune(self) -> None:
        """Forget the ids of updates handled more than a week ago."""
        async with self.db.transaction(claim=False) as conn:
            await inbox.prune(conn, self.clock.now() - KEEP_HANDLED)
