"""Sends the outbox: due rows one at a time, in order, within Telegram's limits.

Each row is claimed before it is sent (state 'sending', a lease, the attempt counted, in a
committed transaction), and marked sent right after Telegram's answer, with nothing else
awaited in between: a crash can only fall between Telegram's answer and that one commit.
A row found 'sending' after its lease ran out is in doubt and is sent again (losing a
notice is worse than repeating one); the log says so and outbox.in_doubt counts it.

Success marks a row sent; 429 keeps it queued until Telegram's retry_after has passed (and
pauses the whole sender as long); a 5xx, a timeout or a network error retries it later
with a growing back-off and ends this drain (the next tick goes on); "bot was blocked by the user" marks it blocked and tells the
leads; a 400 (Telegram will never take it) gives up on it. Sequential on purpose: the
AIORateLimiter configured in bot/app.py spaces the calls. Built by bot/app.py (it needs
the command table for people's own menus) and kept in ``bot_data``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot, BotCommandScopeChat, InputFile, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.clock import Clock
from bot.domain.vocabulary import NoticeKind
from bot.prompts import Prompts
from bot.services.notices import Notice, NoticeService
from bot.telegram.commands import CommandTable
from bot.telegram.delivery.metrics import Metrics
from bot.telegram.keyboards.notices import notice_rows
from bot.telegram.media import media_source
from bot.telegram.replies import keyboard
from storage.db import Database
from storage.files import FileStore

log = logging.getLogger(__name__)

MAX_PER_DRAIN = 500
MAX_ATTEMPTS = 10
BACKOFF_FIRST = 30.0  # seconds; doubles per attempt
BACKOFF_MAX = 3600.0
LEASE = timedelta(minutes=2)  # longer than one send, rate-limit waits included


@dataclass
class Drained:
    sent: int = 0
    retried: int = 0
    dropped: int = 0
    blocked: int = 0
    stopped: bool = False
    in_doubt: int = 0


class OutboxSender:
    def __init__(self, db: Database, clock: Clock, notices: NoticeService, prompts: Prompts, files: FileStore,
                 commands: CommandTable, metrics: Metrics | None = None):
        self.db = db
        self.metrics = metrics or Metrics()  # notices sent, resends in doubt
        self.commands = commands
        self.clock = clock
        self.notices = notices
        self.prompts = prompts
        self.files = files
        self._lock = asyncio.Lock()  # one drain at a time: a row is never picked up twice
        self._paused_until: datetime | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    async def start(self) -> int:
        """After a (re)start: rows a dead process was sending are in doubt from now on."""
        return await self.notices.release_leases()

    async def drain(self, bot: Bot) -> Drained:
        """Send what is due now; stops early when Telegram asks to slow down."""
        result = Drained()
        async with self._lock:
            for _ in range(MAX_PER_DRAIN):
                now = self.clock.now()
                if self._paused_until is not None and now < self._paused_until:
                    result.stopped = True
                    break
                claimed = await self.notices.claim_next(self.owner, LEASE)
                if claimed is None:
                    break
                row, in_doubt = claimed
                if in_doubt:
                    result.in_doubt += 1
                    self.metrics.in_doubt.inc()
                    log.warning("outbox %s was being sent when the bot stopped: sending it again", row["id"])
                await self._deliver(bot, row, result)
                if result.stopped:
                    break
        return result

    async def _deliver(self, bot: Bot, row, result: Drained) -> None:
        outbox_id, chat_id = row["id"], row["chat_id"]
        try:
            notice = await self.notices.compose(row["kind"], chat_id, row["payload_json"])
        except Exception as exc:  # a broken row must not stop the others
            log.exception("outbox %s: cannot compose", outbox_id)
            await self.notices.drop(outbox_id, f"compose: {exc!r}")
            result.dropped += 1
            return
        if notice is None:
            await self.notices.drop(outbox_id, "obsolete")
            result.dropped += 1
            return
        now = self.clock.now()
        try:
            await self._send(bot, chat_id, notice)
        except RetryAfter as exc:
            until = now + timedelta(seconds=_retry_seconds(exc))
            self._paused_until = until
            await self.notices.retry(outbox_id, until, str(exc))
            result.retried += 1
            result.stopped = True
        except Forbidden as exc:
            await self.notices.blocked(outbox_id, chat_id, str(exc))
            result.blocked += 1
        except BadRequest as exc:
            log.warning("outbox %s refused: %s", outbox_id, exc)
            await self.notices.drop(outbox_id, str(exc))
            result.dropped += 1
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            if row["attempts"] >= MAX_ATTEMPTS:
                await self.notices.drop(outbox_id, f"gave up: {exc}")
                result.dropped += 1
            else:
                delay = min(BACKOFF_FIRST * 2 ** (row["attempts"] - 1), BACKOFF_MAX)
                await self.notices.retry(outbox_id, now + timedelta(seconds=delay), str(exc))
                result.retried += 1
            result.stopped = True  # Telegram is unwell: the next tick tries again, not the next row
        else:
            await self.notices.sent(outbox_id, chat_id, notice.recipient_blocked)
            result.sent += 1
            self.metrics.notice_sent(row["kind"])

    async def _send(self, bot: Bot, chat_id: int, notice: Notice) -> None:
        if notice.photos:
            await self._send_album(bot, chat_id, notice)
            return
        if notice.kind == NoticeKind.commands:
            names = self.commands.names_for(notice.values["roles"])
            await bot.set_my_commands(self.commands.bot_commands(self.prompts, notice.lang, names),
                                      scope=BotCommandScopeChat(chat_id))
            return
        text = self.prompts.render(notice.lang, notice.kind, **notice.values)

        def label(key: str, /, **values: object) -> str:
            return self.prompts.label(notice.lang, key, **values)

        markup = keyboard(notice_rows(notice.kind, notice.values, label))
        if notice.document is not None:  # a report: the file, the text as its caption
            sha, name = notice.document
            await bot.send_document(chat_id, InputFile(self.files.get(sha), filename=name), caption=text,
                                    reply_markup=markup, protect_content=notice.protect or None)
            return
        await bot.send_message(chat_id, text, reply_markup=markup)

    async def _send_album(self, bot: Bot, chat_id: int, notice: Notice) -> None:
        caption = self.prompts.label(notice.lang, "capa_photo_caption", number=notice.values["capa"].number)
        media = [await media_source(self.files, p) for p in notice.photos]
        if len(media) == 1:
            await bot.send_photo(chat_id, media[0], caption=caption, parse_mode=None)
            return
        album = [InputMediaPhoto(m, caption=caption if i == 0 else None, parse_mode=None) for i, m in enumerate(media)]
        await bot.send_media_group(chat_id, album)


def _retry_seconds(exc: RetryAfter) -> float:
    raw = getattr(exc, "_retry_after", None)  # a timedelta in PTB ≥ 22.2 (no deprecation warning)
    if raw is None:
        raw = exc.retry_after
    seconds = raw.total_seconds() if isinstance(raw, timedelta) else float(raw)
    return max(seconds, 1.0)
