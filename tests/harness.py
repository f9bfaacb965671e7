"""Runs the real bot (python-telegram-bot Application) against the Bot API double: the
harness of devtools/harness.py, on the test's database, plus a bot in a process of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from bot.app import build_application, start_webhook, stop_polling
from bot.settings import Settings
from devtools import harness
from devtools.botapi_double import BotApiDouble, TgUser
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


class BotHarness(harness.BotHarness):
    """One bot process (in-process Application, or a subprocess for kill tests), on the
    test's database (tests/databases.py), with Lena as the lead."""

    def __init__(self, double: BotApiDouble, data_dir: Path, *, admin_ids: tuple[int, ...] = (LEAD.id,),
                 **options):
        super().__init__(double, data_dir, admin_ids=admin_ids, database_url=databases.current(), **options)
        self.proc: subprocess.Popen | None = None

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

    # --- conversation helpers (the others are devtools.harness.BotHarness's) ----------------

    async def join(self, user: TgUser, role: str, department: str = "") -> None:
        """Have the lead invite ``user`` and ``user`` join with the link."""
        mark = self.double.mark()
        self.double.send_command(LEAD, "/invite", f"{role} {department}".strip())
        created = await self.double.wait_for(  # a notice to the lead (outbox) may come first
            lambda s: s.chat_id == LEAD.id and "start=" in (s.text or ""), after=mark, timeout=5.0)
        await self.command(user, "/start", invite_code(created))
        await self.settle()


@contextlib.asynccontextmanager
async def hooked_at(double, tmp_path, clock, url: str):
    """The bot in webhook mode at ``url``, and an HTTP client on its ASGI app."""
    settings = Settings(token=double.token, api_url=double.url, data_dir=tmp_path / "data",
                        admin_ids=(LEAD.id,), webhook_url=url, webhook_listen="127.0.0.1:8443", _env_file=None)
    application = build_application(settings, clock=clock, rate_limit=False)
    asgi = await start_webhook(application, reminders=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://bot")
    try:
        yield application, client
    finally:
        await client.aclose()
        await stop_polling(application)
