"""The real bot (its python-telegram-bot Application, in this process) against the Bot API
double, and the scripted people's helpers: what the end-to-end tests (tests/harness.py adds
pytest's database choice and a bot in a process of its own) and the benchmarks drive.

Only runtime code and the double (devtools/botapi_double.py, which needs aiohttp: the
``devtools`` extra) are imported here, so a benchmark runs without the test dependencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

import yaml
from PIL import Image
from telegram.ext import Application

from bot.app import build_application, start_polling, stop_polling
from bot.domain.clock import Clock, FakeClock
from bot.settings import Settings
from bot.telegram.delivery import scheduler
from devtools.botapi_double import BotApiDouble, Sent, TgUser
from storage.db import Database

CHECKLIST_ID = "test-sixty"


class BotHarness:
    """One bot, an in-process Application, against ``double``."""

    reply_timeout = 5.0  # seconds to wait for the bot's answer (a freshly started process needs more)

    def __init__(self, double: BotApiDouble, data_dir: Path, *, clock: Clock | None = None,
                 admin_ids: tuple[int, ...] = (), rate_limit: bool = False, reminders: bool = False,
                 durable: bool = True, flood_updates: int = 10_000, database_url: str | None = None):
        self.double = double
        # Scripted people press faster than anyone can: the flood limit is the flood tests' to set.
        self.flood_updates = flood_updates
        self.reminders = reminders  # False: no APScheduler job; tests run ``tick()`` when they mean to
        self.data_dir = data_dir
        self.clock = clock or FakeClock()
        self.admin_ids = admin_ids
        self.rate_limit = rate_limit
        self.durable = durable  # False: python-telegram-bot's updater instead of the inbox
        self.database_url = database_url  # None: the SQLite file in the data dir
        self.app: Application | None = None

    def settings(self) -> Settings:
        return Settings(
            token=self.double.token,
            api_url=self.double.url,
            data_dir=self.data_dir,
            admin_ids=self.admin_ids,
            database_url=self.database_url,
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

    async def settle(self) -> None:
        """Until the bot is quiet: nothing to deliver, no call in flight, no kicked-off pass or woken
        drain (a commit that queued notices, scheduler.wake) running."""
        await self.double.wait_idle(quiet=0.1)
        while self.app is not None and (kicks := self.app.bot_data.get(scheduler.KICKS)):
            await asyncio.gather(*list(kicks), return_exceptions=True)
            await self.double.wait_idle(quiet=0.1)
        await asyncio.sleep(0)


# --- what the scripted people bring ---------------------------------------------------------

def write_sixty_question_checklist(folder: Path, questions: int = 60, sections: int = 6) -> None:
    """A bilingual checklist of ``questions`` questions, every third requiring evidence."""
    per = questions // sections
    data = {
        "id": CHECKLIST_ID,
        "version": 1,
        "title": {"zh": "六十题测试检查表", "en": "Sixty-question test checklist"},
        "sections": [
            {
                "id": f"s{s}",
                "title": {"zh": f"第{s}章", "en": f"Section {s}"},
                "questions": [
                    {
                        "id": f"q{s}-{q}",
                        "clause": f"{4 + s % 7}.{q}",
                        "text": {"zh": f"问题 {s}.{q}？", "en": f"Question {s}.{q}?"},
                        "guidance": {"zh": f"抽查记录 {s}.{q}", "en": f"Sample records {s}.{q}"},
                        "evidence": "required" if q % 3 == 0 else "optional",
                    }
                    for q in range(1, per + 1)
                ],
            }
            for s in range(1, sections + 1)
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{CHECKLIST_ID}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small distinct JPEG."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()
