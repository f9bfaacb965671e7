"""The outbox sender and the scheduled job against the Bot API double: 429, 5xx, blocked users, restarts."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram.delivery import scheduler
from storage.repos import people
from tests.capa_fixtures import (
    DEPARTMENT,
    DUE,
    add_person,
    cast,
    is_report_deadline,
    local,
    make_action,
)
from tests.harness import AUDITOR, LEAD, STAFF, BotHarness, TgUser
from tests.helpers import messages_to, outbox

SECOND_STAFF = TgUser(id=3011, first_name="Sun", language_code="en")


def cards_to(bot: BotHarness, chat_id: int, marker: str) -> list[str]:
    return [s.plain_text for s in messages_to(bot, chat_id, marker) if not is_report_deadline(s.plain_text)]


async def test_a_429_storm_delays_but_loses_nothing(bot, clock):
    await cast(bot.db)
    await add_person(bot.db, SECOND_STAFF, "staff", DEPARTMENT)
    first = await make_action(bot.db, due=DUE)
    for index in (1, 2):
        await make_action(bot.db, due=DUE, audit_id=first.audit_id, index=index)
    clock.set(local(11, 2))
    bot.double.fail(None, 429, times=5, retry_after=1)
    await bot.tick()
    assert cards_to(bot, STAFF.id, "新的纠正措施") == []
    ticks = 1
    while any(r["state"] == "pending" for r in await outbox(bot)):
        assert ticks < 20, "the outbox never drained"
        await bot.tick()  # flood control: nothing goes out before retry_after has passed …
        clock.advance(seconds=1)  # … then it does
        await bot.tick()
        ticks += 1
    assert ticks >= 5
    assert len(cards_to(bot, STAFF.id, "新的纠正措施")) == 3 == len(cards_to(bot, SECOND_STAFF.id, "New corrective action"))
    assert len(cards_to(bot, LEAD.id, "Daily digest")) == 1
    rows = await outbox(bot)
    assert {r["state"] for r in rows} == {"sent"} and sum(r["attempts"] for r in rows) == len(rows) + 5


async def test_server_errors_are_retried_with_backoff(bot, clock):
    await cast(bot.db)
    await make_action(bot.db, due=DUE)
    clock.set(local(11, 2, 8, 30))  # before the digest time: the card is the only message
    bot.double.fail("sendMessage", 502, times=2, description="Bad Gateway")
    await bot.tick()
    (row,) = [r for r in await outbox(bot) if r["kind"] == "capa_new"]
    assert row["state"] == "pending" and row["attempts"] == 1 and "Bad Gateway" in row["last_error"]
    for wait in (29, 1, 59, 1):  # 30 s, then 60 s
        clock.advance(seconds=wait)
        await bot.tick()
    assert len(cards_to(bot, STAFF.id, "新的纠正措施")) == 1
    (row,) = [r for r in await outbox(bot) if r["kind"] == "capa_new"]
    assert (row["state"], row["attempts"]) == ("sent", 3)


async def test_a_blocked_user_is_flagged_and_the_lead_told_once(bot, clock):
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    bot.double.block_user(STAFF.id)
    await bot.tick()
    assert [r["state"] for r in await outbox(bot) if r["chat_id"] == STAFF.id] == ["blocked"]
    async with bot.db.read() as conn:
        assert (await people.get(conn, STAFF.id))["blocked_bot"] == 1
    assert len(cards_to(bot, LEAD.id, "has blocked the bot")) == 1
    clock.set(local(11, 25))
    await bot.tick()  # the 7-days reminder: blocked again, the lead is not told twice
    assert len(cards_to(bot, LEAD.id, "has blocked the bot")) == 1
    bot.double.unblock_user(STAFF.id)
    clock.set(local(12, 1))
    await bot.tick()
    assert len(cards_to(bot, STAFF.id, "明天到期")) == 1
    async with bot.db.read() as conn:
        assert (await people.get(conn, STAFF.id))["blocked_bot"] == 0
    assert action.capa_id


async def test_the_scheduled_job_runs_at_start_and_survives_restarts(double, tmp_path, clock):
    harness = BotHarness(double, tmp_path / "data", clock=clock, reminders=True)
    await harness.start()
    try:
        (job,) = harness.app.job_queue.get_jobs_by_name(scheduler.JOB_NAME)
        assert job.job.trigger.interval == timedelta(seconds=scheduler.TICK_SECONDS)
        await cast(harness.db)
        await make_action(harness.db, due=DUE)
        scheduler.kick(harness.app)  # a pass out of turn
        await double.wait_for(lambda s: s.chat_id == STAFF.id and "新的纠正措施" in (s.plain_text or ""))
        clock.set(local(11, 25))
        await harness.restart()  # the job's first run, at start, finds the 7-days reminder
        await double.wait_for(lambda s: s.chat_id == STAFF.id and "还有 7 天到期" in (s.plain_text or ""))
        await harness.restart()
        await harness.settle()
        assert len(cards_to(harness, STAFF.id, "还有 7 天到期")) == 1
        assert len(cards_to(harness, AUDITOR.id, "")) == 0
    finally:
        await harness.stop()


async def test_actions_wait_for_the_first_staff_member(bot, clock):
    await add_person(bot.db, LEAD, "lead")
    await add_person(bot.db, AUDITOR, "auditor")
    await make_action(bot.db, due=DUE, department="财务科")
    clock.set(local(11, 2, 10))
    await bot.tick()
    assert cards_to(bot, LEAD.id, "nobody of that department") == []  # a lead may invite someone at once …
    clock.advance(minutes=10)
    await bot.tick()  # … if not, they are told
    (told,) = cards_to(bot, LEAD.id, "nobody of that department")
    assert "/invite staff 财务科" in told
    await bot.join(STAFF, "staff", "财务科")
    await bot.tick()
    assert len(cards_to(bot, STAFF.id, "新的纠正措施")) == 1
    await bot.tick()
    assert len(cards_to(bot, STAFF.id, "新的纠正措施")) == 1
