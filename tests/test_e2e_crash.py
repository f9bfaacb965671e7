"""kill -9 of the real bot process between updates: every conversation continues where it was."""

from __future__ import annotations

import asyncio

import pytest

from storage.sql import execute
from tests import databases
from tests.audit_fixtures import start_audit, through_opening
from tests.harness import AUDITOR_EN, LEAD, BotHarness


async def wait_ready(bot: BotHarness) -> None:
    """Until the new process answers /start (it polls the double)."""
    reply = await bot.command(LEAD, "/start", timeout=30)
    assert "Hello" in reply.text


@pytest.fixture
async def process_bot(double, tmp_path):
    harness = BotHarness(double, tmp_path / "data")
    harness.start_process()
    yield harness
    harness.kill_process()


async def restart_after_kill(bot: BotHarness) -> None:
    bot.kill_process()
    bot.start_process()
    await wait_ready(bot)


async def test_kill_between_updates_loses_nothing(process_bot):
    bot = process_bot
    await wait_ready(bot)
    await bot.join(AUDITOR_EN, "auditor")
    await restart_after_kill(bot)

    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    await restart_after_kill(bot)
    card = await through_opening(bot, AUDITOR_EN, plan)  # the plan card's buttons still work
    assert "1/41" in card.text
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    await restart_after_kill(bot)
    card = await bot.say(AUDITOR_EN, "Two job descriptions unsigned", timeout=10)
    assert "Note saved" in card.text and "✅ Minor NC" in str(card.buttons)
    await restart_after_kill(bot)
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id, timeout=10)
    assert "2/41" in card.text
    await restart_after_kill(bot)
    card = await bot.command(AUDITOR_EN, "/resume", timeout=10)
    assert "2/41" in card.text

    bot.kill_process()
    await asyncio.sleep(0)
    from storage.db import Database

    db = await Database(bot.settings().database).open()
    try:
        assert await db.integrity_check() == "ok"
        assert db.dialect == ("postgresql" if databases.ON_POSTGRES else "sqlite")
        async with db.read() as conn:
            answers = (await execute(conn, "SELECT result FROM answers")).fetchall()
            notes = (await execute(conn, "SELECT text FROM notes")).fetchall()
        assert [a[0] for a in answers] == ["minor"]
        assert [n[0] for n in notes] == ["Two job descriptions unsigned"]
    finally:
        await db.close()


@databases.sqlite_only
async def test_a_second_process_on_the_same_sqlite_database_is_refused(process_bot):
    import os
    import subprocess
    import sys

    bot = process_bot
    await wait_ready(bot)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
    env.update(AUDITBOT_TOKEN=bot.double.token, AUDITBOT_API_URL=bot.double.url,
               AUDITBOT_DATA_DIR=str(bot.data_dir))
    second = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "run"], env=env,
                                     capture_output=True, text=True, timeout=60)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditbot: AUDITBOT_DATA_DIR: another auditbot is already running")
    assert "Hello" in (await bot.command(LEAD, "/start", timeout=10)).text  # the first one goes on


async def test_health_follows_the_polling_loop(process_bot):
    import os
    import subprocess
    import sys

    bot = process_bot
    await wait_ready(bot)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
    env.update(AUDITBOT_DATA_DIR=str(bot.data_dir))

    def health() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True,
                              timeout=60)

    assert (await asyncio.to_thread(health)).returncode == 0
    bot.kill_process()
    old = (bot.data_dir / "heartbeat").stat().st_mtime - 600
    os.utime(bot.data_dir / "heartbeat", (old, old))
    stale = await asyncio.to_thread(health)
    assert stale.returncode == 1 and "unhealthy" in stale.stderr
