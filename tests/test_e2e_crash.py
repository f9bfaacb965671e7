"""kill -9 of the real bot process between updates: every conversation continues where it was."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import execute
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
