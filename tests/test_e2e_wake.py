"""Notices wake on commit: each leaves within a second of the transaction that queued it.

The reminder job is off (the harness runs no periodic pass) and no test here runs one, so
only the wake can deliver: the COMMIT of a transaction that wrote outbox rows (storage/wake.py)
starts a drain of the outbox (bot/telegram/delivery/scheduler.py ``wake``). On PostgreSQL
the commit NOTIFYs too, and every replica's LISTEN wakes its sender (tests/test_storage.py).
"""

from __future__ import annotations

import asyncio
import time

from bot.telegram.delivery import scheduler
from tests.audit_fixtures import first_question
from tests.capa_fixtures import local
from tests.defect_fixtures import label, send_photo
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness
from tests.helpers import invite_code
from tests.programme_fixtures import LAB, OPS, programme_bot

WITHIN = 1.0  # seconds from the action (before its commit) to the notice reaching Telegram


async def arrives(bot: BotHarness, mark: int, chat_id: int, text: str):
    """The first message to ``chat_id`` containing ``text`` sent after ``mark``, within WITHIN seconds."""
    started = time.monotonic()
    sent = await bot.double.wait_for(lambda s: s.chat_id == chat_id and text in (s.plain_text or ""),
                                     after=mark, timeout=WITHIN)
    assert time.monotonic() - started < WITHIN
    return sent


def no_periodic_pass(bot: BotHarness) -> None:
    assert not bot.app.job_queue.get_jobs_by_name(scheduler.JOB_NAME)


async def test_a_join_a_new_action_and_a_plan_for_review_each_leave_at_their_commit(bot: BotHarness):
    no_periodic_pass(bot)
    # a join: the lead who invited them is told (lead_joined)
    asked = bot.double.mark()
    bot.double.send_command(LEAD, "/invite", "staff Office")
    created = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "start=" in (s.text or ""), after=asked)
    mark = bot.double.mark()
    bot.double.send_command(STAFF, "/start", invite_code(created))
    await arrives(bot, mark, LEAD.id, "joined with your invite as Staff of Office")
    await bot.settle()

    # completing an audit with a nonconformity: the department's staff get the action (capa_new)
    card = await first_question(bot, AUDITOR_EN, "Office")
    card = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "result_minor")), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Two job descriptions unsigned")
    card = await send_photo(bot, AUDITOR_EN, 7)
    summary = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_summary")), message_id=card.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button(label(AUDITOR_EN, "btn_closing")), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button(label(AUDITOR_EN, "btn_complete")),
                              message_id=closing.message_id)
    await bot.settle()
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR_EN, confirm.button(label(AUDITOR_EN, "btn_complete_confirm")),
                            message_id=confirm.message_id)
    notice = await arrives(bot, mark, STAFF.id, "有一项新的纠正措施")
    await bot.settle()

    # the staff confirm a plan: the finding's auditor is asked to review it (capa_planned)
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    card = await bot.say(STAFF, "已补签两份岗位说明书。")
    card = await bot.say(STAFF, "模板没有签发栏。")
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    card = await bot.say(STAFF, "修订模板，增加签发栏；人事科每季度抽查。")
    card = await bot.press(STAFF, card.button("两周后"), message_id=card.message_id)
    await bot.settle()
    mark = bot.double.mark()
    bot.double.press_button(STAFF, card.button("确认计划"), message_id=card.message_id)
    await arrives(bot, mark, AUDITOR_EN.id, "Action plan received from Office")
    await bot.settle()


async def test_a_programme_reminder_leaves_when_the_planning_pass_commits(double, tmp_path, clock):
    async with programme_bot(double, tmp_path, clock) as bot:
        no_periodic_pass(bot)
        menu = await bot.command(LEAD, "/programme")
        found = await bot.press(LEAD, menu.button("Suggested"), message_id=menu.message_id)
        accepted = await bot.press(LEAD, found.button(f"✅ {OPS}"), message_id=found.message_id)
        found = await bot.press(LEAD, accepted.button("Suggested"), message_id=accepted.message_id)
        await bot.press(LEAD, found.button(f"✅ {LAB}"), message_id=found.message_id)
        await bot.settle()
        clock.set(local(11, 17, 9, 0))  # 14 days before the December window
        mark = bot.double.mark()
        queued = await bot.app.bot_data["runtime"].programme.plan_notices()  # the planning pass, no drain
        assert queued
        await arrives(bot, mark, AUDITOR.id, "14 天后有审核")
        await arrives(bot, mark, AUDITOR_EN.id, "Audit coming up in 14 days")
        await bot.settle()


async def test_wakes_are_debounced_one_drain_running_and_one_more(bot: BotHarness):
    sender = bot.app.bot_data["outbox"]
    real_drain = sender.drain
    drains = []
    release = asyncio.Event()

    async def slow_drain(tg_bot):
        drains.append(time.monotonic())
        await release.wait()
        return await real_drain(tg_bot)

    sender.drain = slow_drain
    try:
        for _ in range(3):  # before the drain began: it sends what they queued
            scheduler.wake(bot.app)
        await asyncio.sleep(0.05)
        for _ in range(10):  # while it runs: one more drain after it, not ten
            scheduler.wake(bot.app)
        assert len(drains) == 1
        release.set()
        await bot.settle()
        assert len(drains) == 2
    finally:
        sender.drain = real_drain
