"""Flood control: a per-sender rate limit in front of the handlers, and strangers answered sparingly.

``SenderThrottle`` (used by the inbox, bot/telegram/delivery/inbox.py): each sender has an
aiolimiter ``AsyncLimiter`` (``AUDITBOT_FLOOD_UPDATES`` per ``AUDITBOT_FLOOD_SECONDS``,
sustained, with a burst of as many), kept in a bounded LRU dict. An update over the limit
is still kept in the inbox but marked handled without being handled: no answer, no send
budget spent. Drops are counted and logged once per window and sender.

``TurnedAway`` (used by the gate, bot/telegram/handlers/gate.py): a stranger (never
invited) is told so at most once per ``AUDITBOT_STRANGER_REPLY_MINUTES``; what else they
send meanwhile is handled without an answer. Both live in this process's memory: replicas each
keep their own (a stranger may hear once per window from each replica), and a restart
forgets them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiolimiter import AsyncLimiter

from bot.domain.clock import Clock
from bot.settings import Settings

log = logging.getLogger(__name__)

THROTTLE = "throttle"  # bot_data key (bot/app.py sets it)
MAX_SENDERS = 10_000  # senders remembered; the least recently seen is forgotten first


@dataclass
class _Sender:
    limiter: AsyncLimiter
    dropped: int = 0  # over the limit since the last log line
    logged_at: float | None = None  # loop time of the last log line


class SenderThrottle:
    """Per-sender leaky buckets; ``admit`` says whether an update of a sender may go on."""

    def __init__(self, updates: int, seconds: float, *, max_senders: int = MAX_SENDERS):
        self.updates = updates
        self.seconds = seconds
        self.max_senders = max_senders
        self._senders: OrderedDict[int, _Sender] = OrderedDict()
        self.dropped = 0  # updates over the limit since the start
        self.describe: Callable[[str], str] = str  # a chat in the log (the inbox: its keyed hash)

    async def admit(self, sender: int | None, chat_key: str = "") -> bool:
        """Take one update of ``sender`` from its bucket; False (and counted) when it is full."""
        if sender is None:
            return True
        state = self._senders.get(sender)
        if state is None:
            state = self._senders[sender] = _Sender(AsyncLimiter(self.updates, self.seconds))
            while len(self._senders) > self.max_senders:
                self._senders.popitem(last=False)
        else:
            self._senders.move_to_end(sender)
        if state.limiter.has_capacity():
            await state.limiter.acquire()  # has capacity: returns without waiting
            return True
        self.dropped += 1
        state.dropped += 1
        now = asyncio.get_running_loop().time()
        if state.logged_at is None or now - state.logged_at >= self.seconds:
            log.warning("a sender (chat=%s) is over %d updates in %g s: %d update(s) marked handled unanswered",
                        self.describe(chat_key or f"u{sender}"), self.updates, self.seconds, state.dropped)
            state.logged_at = now
            state.dropped = 0
        return False


@dataclass
class TurnedAway:
    """When each stranger was last told they are not invited; at most once per ``every``."""

    clock: Clock
    every: timedelta
    max_people: int = MAX_SENDERS
    _told: OrderedDict[int, datetime] = field(default_factory=OrderedDict)

    def may_answer(self, person: int) -> bool:
        """True (and remembered) when ``person`` was not told within the window."""
        now = self.clock.now()
        last = self._told.get(person)
        if last is not None and now - last < self.every:
            return False
        self._told[person] = now
        self._told.move_to_end(person)
        while len(self._told) > self.max_people:
            self._told.popitem(last=False)
        return True


@dataclass
class Throttle:
    """What flood control keeps for one bot process (``bot_data[THROTTLE]``)."""

    senders: SenderThrottle
    turned_away: TurnedAway


def build_throttle(settings: Settings, clock: Clock) -> Throttle:
    """The throttle of ``settings`` (AUDITBOT_FLOOD_*, AUDITBOT_STRANGER_REPLY_MINUTES)."""
    return Throttle(
        SenderThrottle(settings.flood_updates, settings.flood_seconds),
        TurnedAway(clock, timedelta(minutes=settings.stranger_reply_minutes)),
    )


def sender_id(raw: dict[str, Any]) -> int | None:
    """The user who sent an update, from its raw JSON (which may not parse)."""
    for value in raw.values():
        if isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return sender["id"]
    return None
