"""The inbox of updates: kept before Telegram is told they arrived, handled once each.

No Telegram here: updates are raw JSON dicts; bot/telegram/delivery/inbox.py fetches and dispatches them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.clock import Clock
from bot.domain.reminder_rules import not_before
from bot.domain.vocabulary import NoticeKind
from bot.settings import Settings
from storage.db import Database
from storage.repos import inbox, leases, outbox, people

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a update failing this often is set aside
KEEP_HANDLED = timedelta(days=7)  # a redelivery comes back within seconds; a week is plenty
CHAT_LEASE = timedelta(seconds=15)  # replicas: a chat's lease runs out this long after it was last renewed


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
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # of the chat leases
        self._held: dict[str, int] = {}  # the chats whose lease this process took (and has not given up)
        self._takes = 0  # …by the take that (re)took each

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

    async def release_dead_leases(self) -> int:
        """At start: the leases of a process on this host that is gone (killed, and this is its
        restart) are given up at once, instead of its chats waiting for them to run out."""
        if not self.shared:
            return 0
        host = socket.gethostname()
        async with self.db.transaction(claim=False) as conn:
            released = 0
            for owner in await leases.owners_like(conn, f"{host}:%"):
                # LIKE's _ matches any character: only this very host's owners (host:pid:token)
                owner_host, _, rest = owner.partition(":")
                pid = rest.partition(":")[0]
                if owner_host == host and owner != self.owner and pid.isdigit() and not _process_alive(int(pid)):
                    released += await leases.release_all(conn, owner)
            return released

    async def take_chat(self, chat_key: str, up_to: int) -> list[Incoming] | None:
        """Replicas: the chat's turn for this process, in one short transaction.

        The chat's lease is taken (or renewed, or taken over from a replica whose lease ran
        out) and its updates still pending up to ``up_to`` are returned, oldest first (a
        replica that died may have left earlier ones). ``[]`` when ``up_to`` was handled
        meanwhile by whoever holds the chat; None while another replica holds the chat and
        ``up_to`` still waits: ask again a moment later (no connection is held meanwhile).
        """
        async with self.db.transaction(claim=False) as conn:
            if not await leases.take(conn, chat_key, self.owner, CHAT_LEASE.total_seconds()):
                return None if await inbox.is_pending(conn, up_to) else []
            rows = await inbox.pending_of_chat(conn, chat_key, up_to)
        self._takes += 1
        self._held[chat_key] = self._takes
        return [Incoming(r["update_id"], r["chat_key"], json.loads(r["raw_json"]), r["attempts"]) for r in rows]

    def holds(self, chat_key: str) -> bool:
        """Whether this process took the chat's lease (and has not given it up)."""
        return chat_key in self._held

    async def release_chat(self, chat_key: str) -> None:
        """Give the chat's lease up: another replica may take the chat at once."""
        if self._held.pop(chat_key, None) is None:
            return
        async with self.db.transaction(claim=False) as conn:
            await leases.release(conn, chat_key, self.owner)

    async def renew_chats(self) -> None:
        """Renew the chat leases this process holds (one statement). A lease that ran out
        before (the process stalled) may be another replica's now: that is logged, and this
        process asks for the chat again before its next update (the claims keep any update
        from being handled twice meanwhile)."""
        if not self._held:
            return
        before = dict(self._held)
        async with self.db.transaction(claim=False) as conn:
            still = await leases.renew(conn, list(before), self.owner, CHAT_LEASE.total_seconds())
        lost = [key for key, take in before.items() if key not in still and self._held.get(key) == take]
        if lost:  # (one given up or taken again meanwhile is not)
            log.warning("%d chat leases ran out before they were renewed; another replica may have them", len(lost))
            for key in lost:
                del self._held[key]

    async def release_chats(self) -> None:
        """Give up every chat lease of this process (it stops)."""
        self._held.clear()
        if not self.shared:
            return
        async with self.db.transaction(claim=False) as conn:
            await leases.release_all(conn, self.owner)

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


def _process_alive(pid: int) -> bool:
    """Whether a process with ``pid`` runs on this host (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
