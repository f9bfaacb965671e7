"""Updates in through the inbox: nothing Telegram delivered is lost, nothing handled twice.

Polling: each batch from getUpdates is written to the inbox table before the next
getUpdates (whose offset confirms the batch to Telegram) is sent. Webhook: ``accept``
writes the update, handles it, and returns only then. Either way an update is handled in
order with the other updates of its chat, and claimed in the transaction of its effect
(storage/claims.py). Replicas (PostgreSQL) take turns at a chat by its lease (a row taken
in a short transaction, renewed while the replica works on the chat, taken over once it
runs out): a replica that cannot have a chat yet holds nothing and asks again shortly.
One that fails is tried again; one that python-telegram-bot cannot parse, or that fails
MAX_ATTEMPTS times, is set aside and the leads are told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import warnings
from collections import deque
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.domain.clock import Clock
from bot.services.inbox_service import CHAT_LEASE, MAX_ATTEMPTS, InboxService, Incoming
from bot.telegram.context import OUTCOME, Outcome
from bot.telegram.delivery.metrics import Metrics
from bot.telegram.delivery.throttle import SenderThrottle, sender_id
from storage import claims
from storage.db import unavailable

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
RETRY_DELAY = 0.5  # seconds before another attempt at a failed update (times the attempt)
POLL_BACKOFF = (1.0, 30.0)  # after a failed getUpdates: first and longest pause
STOP_GRACE = 5.0  # seconds handlers in flight get to finish when the bot stops
BACKLOG_CHECK = 10.0  # seconds between looks at a backlog that keeps getUpdates waiting
LEASE_WAIT = (0.02, 1.0)  # replicas: first and longest pause before asking again for a chat another one holds

# getUpdates is called directly so that its raw JSON can be stored before parsing.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")


class Inbox:
    """Fetches (or accepts) updates, keeps them, and hands them to the Application."""

    def __init__(self, application: Application, service: InboxService, clock: Clock, *,
                 max_concurrent: int = 256, heartbeat: Path | None = None,
                 throttle: SenderThrottle | None = None, max_backlog: int | None = None,
                 metrics: Metrics | None = None):
        self.application = application
        self.metrics = metrics or Metrics(application.bot.token)  # counts and logs each finished update
        self._tracks: dict[int, _Track] = {}  # updates being handled: since when, tries so far
        self.service = service
        self.clock = clock
        self._queues: dict[str, deque[tuple[Incoming, Update | None]]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._waiters: dict[int, list[asyncio.Future]] = {}  # webhook requests waiting for their update
        self._queued: set[int] = set()  # update ids queued or being handled here
        self._slots = asyncio.Semaphore(max_concurrent)
        self._poller: asyncio.Task | None = None
        self._renewer: asyncio.Task | None = None  # replicas: renews this process's chat leases
        self.heartbeat = heartbeat  # touched after every answer from getUpdates (``auditbot health``)
        self.throttle = throttle  # per-sender flood limit on fetched updates (None: none)
        if throttle is not None:
            throttle.describe = self.metrics.chat_hash  # its log line names chats as the update lines do
        self.max_backlog = max_backlog  # updates queued here above which getUpdates waits (None: no bound)
        self._room = asyncio.Event()  # set when the backlog is below max_backlog

    # --- start and stop -------------------------------------------------------------------

    async def start(self) -> None:
        """Handle what a crash left pending (in order), before anything new."""
        if self.service.shared:
            await self.service.release_dead_leases()  # a restart after a kill: its chats at once
            self._renewer = asyncio.create_task(self._renew(), name="inbox-chat-leases")
        for item in await self.service.pending():
            self._enqueue(item)

    def start_polling(self, poll_timeout: float = 10.0) -> None:
        self._poller = asyncio.create_task(self._poll(poll_timeout), name="inbox-poll")

    async def stop(self) -> None:
        """Stop fetching; give handlers in flight a moment; what is left stays pending."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
            self._poller = None
        for queue in self._queues.values():
            queue.clear()  # still pending in the table: the next start handles them
        workers = list(self._workers.values())
        if workers:
            _, late = await asyncio.wait(workers, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*late, return_exceptions=True)
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._renewer
            self._renewer = None
        try:  # the other replicas may take this one's chats at once, without waiting for the leases to run out
            await self.service.release_chats()
        except Exception as exc:
            log.warning("chat leases not given up (%s); they run out by themselves", exc)

    # --- in -----------------------------------------------------------------------------------

    async def accept(self, raw: dict[str, Any]) -> None:
        """Keep one update (a webhook request) and return once it was handled.

        Telegram sends an update again when it got no 200: it may be handled already, being
        handled here, or left pending by a replica that died; only the last is handled again.
        """
        item = incoming(raw)
        fresh = await self.service.keep([item])
        if fresh and not await self._admit(fresh):
            return  # over its sender's flood limit: kept, marked handled, not answered
        done = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(item.update_id, []).append(done)
        if fresh or self.service.shared:
            self._enqueue(item)  # replicas: the chat's turn reads what is still pending
        elif item.update_id not in self._queued and not await self.service.is_pending(item.update_id):
            self._finished(item.update_id)
        elif item.update_id not in self._queued:
            self._enqueue(item)
        await done

    async def _poll(self, poll_timeout: float) -> None:
        bot = self.application.bot
        offset: int | None = None  # the first call gets everything not yet confirmed
        pause = POLL_BACKOFF[0]
        while True:
            await self._wait_for_room()
            try:
                raw_updates = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": offset, "timeout": poll_timeout, "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=poll_timeout + 10,
                )
            except InvalidToken:
                log.error("getUpdates: Telegram refused the token; polling stops")
                return
            except (Conflict, RetryAfter, TimedOut, NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed (%s); again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_BACKOFF[1])
                continue
            pause = POLL_BACKOFF[0]
            if self.heartbeat is not None:
                self.heartbeat.touch()
            batch = [incoming(raw) for raw in raw_updates or () if isinstance(raw, dict) and "update_id" in raw]
            if not batch:
                continue
            fresh = await self._keep(batch)  # committed before the offset confirms them
            for item in await self._admit(fresh):
                self._enqueue(item)
            offset = max(item.update_id for item in batch) + 1

    async def _keep(self, batch: list[Incoming]) -> list[Incoming]:
        """Keep a fetched batch, waiting out a database that is away (the offset waits too)."""
        pause = POLL_BACKOFF[0]
        while True:
            try:
                return await self.service.keep(batch)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                log.warning("the database is away (%s); keeping the updates again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_BACKOFF[1])

    async def _admit(self, items: list[Incoming]) -> list[Incoming]:
        """The kept updates within their sender's flood limit; the others are marked handled.

        Marking them may fail (the database is away): they stay pending, for the next start.
        """
        if self.throttle is None:
            return items
        admitted, over = [], []
        for item in items:
            (admitted if await self.throttle.admit(sender_id(item.raw), item.chat_key) else over).append(item)
        if over:
            try:
                await self.service.handled_many([item.update_id for item in over])
            except Exception as exc:
                log.warning("%d updates over the flood limit stay pending (%s)", len(over), exc)
        return admitted

    async def _wait_for_room(self) -> None:
        """Back-pressure: fetch nothing new while max_backlog updates or more wait here."""
        if self.max_backlog is None or len(self._queued) < self.max_backlog:
            return
        log.warning("%d updates wait to be handled; getUpdates pauses until fewer than %d",
                    len(self._queued), self.max_backlog)
        while len(self._queued) >= self.max_backlog:
            before = len(self._queued)
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), BACKLOG_CHECK)
            if self.heartbeat is not None and len(self._queued) < before:
                self.heartbeat.touch()  # still handling: healthy while getUpdates waits
        log.info("backlog down to %d updates; getUpdates goes on", len(self._queued))

    # --- handling -------------------------------------------------------------------------------

    def _enqueue(self, item: Incoming) -> None:
        self._queued.add(item.update_id)
        queue = self._queues.setdefault(item.chat_key, deque())
        queue.append((item, None))
        if item.chat_key not in self._workers:
            self._workers[item.chat_key] = asyncio.create_task(self._work(item.chat_key),
                                                               name=f"inbox-{item.chat_key}")

    async def _work(self, chat_key: str) -> None:
        """Handle one chat's updates one after another, in the order they came.

        Replicas: while another replica holds the chat, this worker holds nothing (no slot,
        no connection) and asks again after a short pause. Once its queue is empty it gives
        the chat's lease up, still registered: an update queued meanwhile is still its own.
        """
        queue = self._queues[chat_key]
        pause = POLL_BACKOFF[0]
        wait = LEASE_WAIT[0]
        try:
            while queue:
                item, _ = queue[0]
                handled = True
                async with self._slots:
                    try:
                        if self.service.shared:
                            handled = await self._handle_shared(item)
                        else:
                            await self._handle(item)
                    except Exception as exc:
                        if unavailable(exc):  # not the update's fault: the same one again, later
                            log.warning("update %s waits for the database (%s); again in %.0f s",
                                        item.update_id, exc, pause)
                            await asyncio.sleep(pause)
                            pause = min(pause * 2, POLL_BACKOFF[1])
                            continue
                        log.exception("update %s: could not be handled; it stays in the inbox", item.update_id)
                if not handled:  # another replica has the chat now: ask again in a moment
                    await asyncio.sleep(wait * random.uniform(0.5, 1.0))
                    wait = min(wait * 2, LEASE_WAIT[1])
                    continue
                pause, wait = POLL_BACKOFF[0], LEASE_WAIT[0]
                if queue:  # stop() empties the queues: what is left stays pending for the next start
                    queue.popleft()
                self._finished(item.update_id)
                if not queue and self.service.holds(chat_key):
                    await self._release(chat_key)
        finally:
            self._workers.pop(chat_key, None)
            if not queue:
                self._queues.pop(chat_key, None)

    def _finished(self, update_id: int) -> None:
        self._queued.discard(update_id)
        if self.max_backlog is not None and len(self._queued) < self.max_backlog:
            self._room.set()
        for waiter in self._waiters.pop(update_id, ()):
            if not waiter.done():
                waiter.set_result(None)

    async def _handle_shared(self, item: Incoming) -> bool:
        """Replicas: take the chat's lease, then handle its pending updates up to this one,
        in order; False (nothing done) while another replica has the chat and this update
        still waits.

        Another replica may have handled this update already (a retried webhook request), or
        died leaving earlier ones of the chat pending: the inbox, read as the lease is taken,
        says what is left.
        """
        pending = await self.service.take_chat(item.chat_key, item.update_id)
        if pending is None:
            return False
        for left in pending:
            await self._handle(left)
        return True

    async def _release(self, chat_key: str) -> None:
        try:
            await self.service.release_chat(chat_key)
        except Exception as exc:  # it runs out by itself
            log.warning("the lease of a chat was not given up (%s); it runs out in %.0f s",
                        exc, CHAT_LEASE.total_seconds())

    async def _renew(self) -> None:
        """Replicas: renew this process's chat leases, three times in the length of one."""
        every = CHAT_LEASE.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.service.renew_chats()
            except Exception as exc:
                log.warning("chat leases not renewed (%s); again in %.0f s", exc, every)

    async def _handle(self, item: Incoming) -> None:
        """Handle one update, then count it and log its one line (metrics.py).

        Waiting for the database (``_dispatch`` raises) is not the end: the line comes when
        the same update is handled later, its latency and tries counted from the first.
        """
        track = self._tracks.setdefault(item.update_id, _Track(time.perf_counter(), item.attempts))
        outcome = await self._dispatch(item, track)
        self._tracks.pop(item.update_id, None)
        self.metrics.update_handled(item.update_id, item.raw, item.chat_key, time.perf_counter() - track.started,
                                    outcome, track.tries)

    async def _dispatch(self, item: Incoming, track: _Track) -> str:
        """Hand the update to the Application until it is done; returns its outcome."""
        try:
            update = Update.de_json(item.raw, self.application.bot)
        except Exception as exc:
            log.error("update %s cannot be read, set aside: %r", item.update_id, exc)
            await self.service.set_aside(item.update_id, f"unreadable: {exc!r}")
            track.tries += 1
            return "failed"
        attempts = item.attempts
        while True:
            track.tries += 1
            claim = claims.UpdateClaim(item.update_id, self.clock.now(), final=attempts + 1 >= MAX_ATTEMPTS)
            noted = Outcome()
            token, shown = claims.CURRENT.set(claim), OUTCOME.set(noted)
            try:
                await self.application.process_update(update)
            except Exception as exc:  # no error handler took it
                claim.error = exc
            finally:
                OUTCOME.reset(shown)
                claims.CURRENT.reset(token)
            if isinstance(claim.error, claims.AlreadyHandled) or claim.claimed:
                return _outcome(noted, claim, track)
            if claim.error is None:
                await self.service.handled(item.update_id)
                return _outcome(noted, claim, track)
            if unavailable(claim.error):  # the database went away mid-way: wait, then the same again
                raise claim.error
            self.metrics.update_failed(item.raw)
            attempts = await self.service.failed(item.update_id, repr(claim.error))
            if attempts >= MAX_ATTEMPTS:
                log.error("update %s failed %d times, set aside: %r", item.update_id, attempts, claim.error)
                await self.service.set_aside(item.update_id, f"failed {attempts} times: {claim.error!r}")
                return "failed"
            log.warning("update %s failed (attempt %d), trying again: %r", item.update_id, attempts, claim.error)
            await asyncio.sleep(RETRY_DELAY * attempts)


class _Track:
    """One update being handled here: when its first try began, and the tries so far."""

    __slots__ = ("started", "tries")

    def __init__(self, started: float, tries: int):
        self.started = started
        self.tries = tries  # those of an earlier run (the inbox's attempts) count too


def _outcome(noted: Outcome, claim: claims.UpdateClaim, track: _Track) -> str:
    """ok, refused (a refusal was shown), failed (an error after its effect was written:
    the person got the apology), or retried (done, after a failed or interrupted try)."""
    if claim.error is not None and not isinstance(claim.error, claims.AlreadyHandled):
        return "failed"
    if noted.refused is not None:
        return "refused"
    return "retried" if track.tries > 1 else "ok"


def incoming(raw: dict[str, Any]) -> Incoming:
    """An update as the inbox keeps it, ordered by its chat (or its sender)."""
    return Incoming(int(raw["update_id"]), chat_key(raw), raw)


def chat_key(raw: dict[str, Any]) -> str:
    """The chat an update belongs to, from the raw JSON (which may not parse)."""
    for value in raw.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat")
        if not isinstance(chat, dict):
            message = value.get("message")
            chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return f"c{chat['id']}"
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return f"u{sender['id']}"
    return f"x{raw.get('update_id')}"
