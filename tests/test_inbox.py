"""The inbox end to end: strangers are not kept, poison updates are set aside, failures retried."""

from __future__ import annotations

from storage.repos import people
from storage.sql import fetch_all
from tests.harness import AUDITOR_EN, LEAD, STRANGER


async def _inbox_rows(bot, where: str = "1 = 1") -> list[dict]:
    async with bot.db.read() as conn:
        rows = await fetch_all(
            conn, f"SELECT update_id, state, attempts, last_error FROM inbox WHERE {where} ORDER BY update_id")
    return [dict(r) for r in rows]


async def test_a_stranger_is_answered_but_not_kept(bot):
    reply = await bot.command(STRANGER, "/start")
    assert reply.text.startswith("This bot is for invited members only")
    bot.double.send_message(STRANGER, "hello, I am Eve")  # told once already: handled, not answered
    await bot.settle()
    assert len(bot.double.sent_to(STRANGER.id)) == 1
    async with bot.db.read() as conn:
        assert await people.get(conn, STRANGER.id) is None
    assert await _inbox_rows(bot, "state != 'done'") == []


async def test_a_joining_person_is_kept_from_the_moment_the_code_is_good(bot):
    await bot.command(STRANGER, "/start", "not-a-real-code")
    async with bot.db.read() as conn:
        assert await people.get(conn, STRANGER.id) is None
    await bot.join(AUDITOR_EN, "auditor")
    async with bot.db.read() as conn:
        assert (await people.get(conn, AUDITOR_EN.id))["name"] == "Ann Auditor"


async def test_an_unreadable_update_is_set_aside_and_the_leads_are_told(bot):
    await bot.command(LEAD, "/start")
    poison = bot.double.inject_update({"message": {"message_id": 1, "date": 0, "chat": "not a chat"}})
    reply = await bot.command(LEAD, "/help")  # handling goes on
    assert "/status" in reply.text
    await bot.settle()
    rows = await _inbox_rows(bot, f"update_id = {poison}")
    assert rows[0]["state"] == "poison" and "unreadable" in rows[0]["last_error"]
    # the leads' notice left as the set-aside was committed (no reminder pass needed)
    notice = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "set aside" in (s.text or ""))
    assert str(poison) in notice.text
    assert len(bot.double.calls_of("getUpdates")) < 200  # it was not fetched again and again


async def test_an_update_that_keeps_failing_is_tried_three_times_then_set_aside(bot):
    await bot.command(LEAD, "/start")
    await bot.join(AUDITOR_EN, "auditor")
    people_service = bot.app.bot_data["runtime"].people
    real_identify = people_service.identify
    tries = []

    async def broken_identify(user_id, **kwargs):
        if user_id == AUDITOR_EN.id:
            tries.append(user_id)
            raise RuntimeError("disk on fire")
        return await real_identify(user_id, **kwargs)

    people_service.identify = broken_identify
    mark = bot.double.mark()
    bot.double.send_message(AUDITOR_EN, "a note that cannot be filed")
    apology = await bot.double.reply_to(AUDITOR_EN, after=mark, timeout=10)
    assert apology.text.startswith("Something went wrong")
    await bot.settle()
    assert len(tries) == 3
    assert len([s for s in bot.double.sent[mark:] if s.chat_id == AUDITOR_EN.id]) == 1  # one apology, not three
    rows = await _inbox_rows(bot, "state = 'poison'")
    assert rows and rows[-1]["attempts"] == 3 and "disk on fire" in rows[-1]["last_error"]

    people_service.identify = real_identify
    assert "/audit" in (await bot.command(AUDITOR_EN, "/help")).text  # the chat goes on


async def test_a_failure_that_passes_is_retried_silently(bot):
    await bot.command(LEAD, "/start")
    people_service = bot.app.bot_data["runtime"].people
    real_identify = people_service.identify
    failures = [RuntimeError("database is locked")]

    async def flaky_identify(user_id, **kwargs):
        if failures:
            raise failures.pop()
        return await real_identify(user_id, **kwargs)

    people_service.identify = flaky_identify
    reply = await bot.command(LEAD, "/help", timeout=10)
    assert "/status" in reply.text and not failures
    await bot.settle()
    assert await _inbox_rows(bot, "state != 'done'") == []
