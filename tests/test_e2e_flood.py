"""A few accounts flooding the bot do not slow down the people who work with it.

Three strangers send 200 messages each while an auditor answers questions, with the real
send budget (AIORateLimiter, ~30 messages a second for the whole bot). Each stranger is
answered at most once per AUDITOR_STRANGER_REPLY_MINUTES; messages over the per-sender
limit are kept and marked handled without an answer; the auditor's replies stay quick.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from datetime import timedelta

from bot.domain.clock import FakeClock
from bot.settings import Settings
from bot.telegram.delivery.throttle import SenderThrottle, TurnedAway, sender_id
from storage.sql import fetch_value
from tests.audit_fixtures import first_question
from tests.harness import AUDITOR_EN, LEAD, BotHarness, TgUser

STRANGERS = [TgUser(id=9100 + i, first_name=f"Flood{i}", language_code="en") for i in range(3)]
MESSAGES_EACH = 200
ANSWERS = 12


async def _flood(double, rounds: int) -> None:
    """Every stranger sends ``rounds`` messages, ten rounds at a time, as fast as a client can."""
    for start in range(0, rounds, 10):
        for n in range(start, min(start + 10, rounds)):
            for stranger in STRANGERS:
                double.send_message(stranger, f"spam {n}")
        await asyncio.sleep(0.05)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def test_strangers_flooding_do_not_slow_an_auditor(double, tmp_path, clock):
    bot = BotHarness(double, tmp_path / "data", clock=clock, rate_limit=True, flood_updates=20)
    await bot.start()
    try:
        await bot.command(LEAD, "/start")
        card = await first_question(bot, AUDITOR_EN)
        loop = asyncio.get_running_loop()
        mark = double.mark()
        flood = asyncio.create_task(_flood(double, MESSAGES_EACH))
        latencies = []
        for _ in range(ANSWERS):
            started = loop.time()
            card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
            latencies.append(loop.time() - started)
        await flood
        flood_done = loop.time()
        await double.wait_idle(quiet=0.1, timeout=5)  # no queue of 600 refusals at 30 a second
        drained = loop.time() - flood_done
        await bot.settle()

        replies = {s.id: sum(1 for x in double.sent[mark:] if x.chat_id == s.id and x.method == "sendMessage")
                   for s in STRANGERS}
        async with bot.db.read() as conn:
            pending = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state = 'pending'")
        throttle = bot.app.bot_data.get("throttle")
        dropped = throttle.senders.dropped if throttle is not None else 0
        p95 = _p95(latencies)
        print(f"\nflood: {len(STRANGERS)} strangers x {MESSAGES_EACH} messages; auditor answers {ANSWERS}: "
              f"p95 {p95:.3f} s, max {max(latencies):.3f} s, median {statistics.median(latencies):.3f} s; "
              f"replies per stranger {sorted(replies.values())}; over the limit, handled unanswered: {dropped}; "
              f"quiet {drained:.2f} s after the last message")

        assert p95 < 1.0, latencies
        assert all(count <= 1 for count in replies.values()), replies
        assert pending == 0  # every update of the flood was kept and marked handled

        clock.advance(minutes=11)  # the next window: a stranger is answered once more
        await asyncio.sleep(0.6)  # (once the flood limit, 20 in 10 s, has room again)
        again = await bot.say(STRANGERS[0], "still here")
        assert again.text.startswith("This bot is for invited members only")
    finally:
        await bot.stop()


# --- the pieces ---------------------------------------------------------------------------------

async def test_a_sender_over_the_limit_is_dropped_counted_and_logged_once_per_window(caplog):
    throttle = SenderThrottle(3, 0.3, max_senders=2)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.delivery.throttle"):
        assert [await throttle.admit(7, "c7") for _ in range(8)] == [True] * 3 + [False] * 5
        assert await throttle.admit(8, "c8") and await throttle.admit(None)  # others go on
        assert len([r for r in caplog.records if "chat=c7" in r.getMessage()]) == 1
        await asyncio.sleep(0.35)  # the next window: a little room again, and one more line
        assert await throttle.admit(7, "c7")
        while await throttle.admit(7, "c7"):
            pass
        lines = [r.getMessage() for r in caplog.records if "chat=c7" in r.getMessage()]
    assert len(lines) == 2 and "1 update(s)" in lines[0] and "5 update(s)" in lines[1]
    assert throttle.dropped == 6
    await throttle.admit(9)
    assert list(throttle._senders) == [7, 9]  # bounded: the least recently seen (8) is forgotten


def test_a_stranger_is_told_once_per_window():
    clock = FakeClock()
    told = TurnedAway(clock, timedelta(minutes=10), max_people=2)
    assert told.may_answer(1) and not told.may_answer(1) and told.may_answer(2)
    clock.advance(minutes=9)
    assert not told.may_answer(1)
    clock.advance(minutes=1)
    assert told.may_answer(1)
    assert told.may_answer(3) and list(told._told) == [1, 3]
    assert TurnedAway(clock, timedelta(0)).may_answer(1)


def test_the_sender_of_an_update():
    assert sender_id({"update_id": 1, "message": {"from": {"id": 5}, "chat": {"id": 5}}}) == 5
    assert sender_id({"update_id": 2, "callback_query": {"from": {"id": 6}}}) == 6
    assert sender_id({"update_id": 3, "message": {"chat": "not a chat"}}) is None


class _SmallBacklog(BotHarness):
    def settings(self) -> Settings:
        return super().settings().model_copy(update={"inbox_backlog": 5})


async def test_get_updates_waits_while_the_backlog_is_above_the_bound(double, tmp_path, clock, caplog):
    bot = _SmallBacklog(double, tmp_path / "data", clock=clock)
    await bot.start()
    try:
        await bot.command(LEAD, "/start")
        await bot.settle()
        inbox = bot.app.bot_data["inbox"]
        backlog_at_fetch = []
        room = inbox._wait_for_room

        async def before_get_updates() -> None:
            await room()
            backlog_at_fetch.append(len(inbox._queued))

        inbox._wait_for_room = before_get_updates
        double.delay("sendMessage", 0.05, times=40)
        mark = double.mark()
        for n in range(30):
            double.send_message(LEAD, f"note {n}")
        while len(inbox._queued) < 5:
            await asyncio.sleep(0.005)
        peak = len(inbox._queued)
        fetches = len(backlog_at_fetch)
        double.send_command(LEAD, "/help")  # fetched only once the backlog is under the bound
        await double.wait_for(lambda s: s.chat_id == LEAD.id and "/status" in (s.text or ""), after=mark)
        await bot.settle()
        print(f"\nback-pressure: {peak} updates queued with a bound of 5; backlog at each getUpdates "
              f"after that: {backlog_at_fetch[fetches:]}")
        assert peak >= 5 and len(backlog_at_fetch) > fetches
        assert all(size < 5 for size in backlog_at_fetch), backlog_at_fetch
        assert any("getUpdates pauses" in r.getMessage() for r in caplog.records)
        async with bot.db.read() as conn:
            assert await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state = 'pending'") == 0
    finally:
        await bot.stop()
