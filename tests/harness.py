"""Runs the real bot (python-telegram-bot Application) against the Bot API double."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application, start_polling, stop_polling
from bot.domain.clock import Clock, FakeClock
from bot.settings import Settings
from bot.telegram.delivery import scheduler
from devtools.botapi_double import BotApiDouble, Sent, TgUser
from storage.db import Database
from tests import databases
from tests.helpers import invite_code

LEAD = TgUser(id=1001, first_name="Lena", last_name="Lead", username="lena", language_code="en")
AUDITOR = TgUser(id=2002, first_name="Wang", last_name="Auditor", username="wang", language_code="zh-hans")
AUDITOR_EN = TgUser(id=2003, first_name="Ann", last_name="Auditor", language_code="en")
STAFF = TgUser(id=3003, first_name="Zhao", last_name="Clerk", language_code="zh")
STAFF_EN = TgUser(id=3012, first_name="Sun", language_code="en")
OTHER_STAFF = TgUser(id=3010, first_name="Qian", language_code="zh")  # (staff of another department)
OTHER_AUDITOR = TgUser(id=2010, first_name="Sun", language_code="zh")
STRANGER = TgUser(id=9009, first_name="Eve", language_code="en")


class BotHarness:
    """One bot process (in-process Application, or a subprocess for kill tests)."""

    reply_timeout = 5.0  # seconds to wait for the bot's answer (a freshly started process needs more)

    def __init__(self, double: BotApiDouble, data_dir: Path, *, clock: Clock | None = None,
                 admin_ids: tuple[int, ...] = (LEAD.id,), rate_limit: bool = False, reminders: bool = False,
                 durable: bool = True, flood_updates: int = 10_000):
        self.double = double
        # Scripted people press faster than anyone can: the flood limit is the flood tests' to set.
        self.flood_updates = flood_updates
        self.reminders = reminders  # False: no APScheduler job; tests run ``tick()`` when they mean to
        self.data_dir = data_dir
        self.clock = clock or FakeClock()
        self.admin_ids = admin_ids
        self.rate_limit = rate_limit
        self.durable = durable  # False: python-telegram-bot's updater instead of the inbox
        self.app: Application | None = None
        self.proc: subprocess.Popen | None = None

    def settings(self) -> Settings:
        return Settings(
            token=self.double.token,
            api_url=self.double.url,
            data_dir=self.data_dir,
            admin_ids=self.admin_ids,
            database_url=databases.current(),
            flood_updates=self.flood_updates,
            _env_file=None,
        )

    async def start(self) -> Application:
        self.app = build_application(self.settings(), clock=self.clock, rate_limit=self.rate_limit)
        await start_polling(self.app, reminders=self.reminders, durable=self.durable)
        return self.app

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        with contextlib.suppress(Exception):
            await stop_polling(app)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def tick(self) -> None:
        """One reminder pass at the clock's time, as the scheduled job runs it, then settle."""
        await scheduler.tick(self.app)
        await self.settle()

    @property
    def db(self) -> Database:
        return self.app.bot_data["runtime"].db

    # --- a real process, for kill -9 --------------------------------------------------------

    def start_process(self, **extra_env: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
        env.update(
            AUDITBOT_TOKEN=self.double.token,
            AUDITBOT_API_URL=self.double.url,
            AUDITBOT_DATA_DIR=str(self.data_dir),
            AUDITBOT_ADMIN_IDS=",".join(str(i) for i in self.admin_ids),
            AUDITBOT_FLOOD_UPDATES=str(self.flood_updates),
            **extra_env,
        )
        if databases.current():
            env["AUDITBOT_DATABASE_URL"] = databases.current()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill_process(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    # --- conversation helpers ----------------------------------------------------------------

    async def command(self, user: TgUser, command: str, args: str = "", timeout: float | None = None) -> Sent:
        mark = self.double.mark()
        self.double.send_command(user, command, args)
        return await self.double.reply_to(user, timeout=timeout or self.reply_timeout, after=mark)

    async def say(self, user: TgUser, text: str, timeout: float | None = None) -> Sent:
        mark = self.double.mark()
        self.double.send_message(user, text)
        return await self.double.reply_to(user, timeout=timeout or self.reply_timeout, after=mark)

    async def press(self, user: TgUser, data: str, *, message_id: int | None = None,
                    timeout: float | None = None) -> Sent:
        """Press a button; returns the first message sent or edited in the chat after it."""
        mark = self.double.mark()
        self.double.press_button(user, data, message_id=message_id)
        return await self.double.reply_to(user, timeout=timeout or self.reply_timeout, after=mark)

    async def press_for_answer(self, user: TgUser, data: str, *, message_id: int | None = None,
                               check: bool = True) -> Sent:
        """Press a button and return the answerCallbackQuery (toast) it got."""
        mark = self.double.mark()
        query_id = self.double.press_button(user, data, message_id=message_id, check=check)
        return await self.double.wait_for(
            lambda s: s.method == "answerCallbackQuery" and s.params.get("callback_query_id") == query_id,
            after=mark,
        )

    async def send_photo(self, user: TgUser, image: bytes, *, caption: str | None = None,
                         timeout: float | None = None) -> Sent:
        """Send a photo; returns the first message sent or edited in the chat after it."""
        mark = self.double.mark()
        self.double.send_photo(user, image, caption=caption)
        return await self.double.reply_to(user, timeout=timeout or self.reply_timeout, after=mark)

    async def send_document(self, user: TgUser, data: bytes, file_name: str, mime_type: str = "application/pdf",
                            *, file_size: int | None = None, timeout: float | None = None) -> Sent:
        """Send a document; returns the first message sent or edited in the chat after it."""
        mark = self.double.mark()
        self.double.send_document(user, data, file_name, mime_type, file_size=file_size)
        return await self.double.reply_to(user, timeout=timeout or self.reply_timeout, after=mark)

    async def document_after(self, user: TgUser, mark: int, timeout: float = 10.0) -> Sent:
        """The first document the bot sends ``user`` after ``mark``."""
        return await self.double.wait_for(lambda s: s.method == "sendDocument" and s.chat_id == user.id,
                                          after=mark, timeout=timeout)

    async def join(self, user: TgUser, role: str, department: str = "") -> None:
        """Have the lead invite ``user`` and ``user`` join with the link."""
        mark = self.double.mark()
        self.double.send_command(LEAD, "/invite", f"{role} {department}".strip())
        created = await self.double.wait_for(  # a notice to the lead (outbox) may come first
            lambda s: s.chat_id == LEAD.id and "start=" in (s.text or ""), after=mark, timeout=5.0)
        await self.command(user, "/start", invite_code(created))
        await self.settle()

    async def settle(self) -> None:
        """Until the bot is quiet: nothing to deliver, no call in flight, no kicked-off pass or woken
        drain (a commit that queued notices, scheduler.wake) running."""
        await self.double.wait_idle(quiet=0.1)
        while self.app is not None and (kicks := self.app.bot_data.get(scheduler.KICKS)):
            await asyncio.gather(*list(kicks), return_exceptions=True)
            await self.double.wait_idle(quiet=0.1)
        await asyncio.sleep(0)
