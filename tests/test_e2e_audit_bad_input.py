"""What a person can do wrong during an audit, and what the bot answers (nothing changes)."""

from __future__ import annotations

import pytest

from storage.sql import execute
from tests.audit_fixtures import first_question, jpeg, start_audit
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, STRANGER, BotHarness
from tests.helpers import button_labels


async def answers(bot: BotHarness) -> list:
    async with bot.db.read() as conn:
        return list((await execute(conn, "SELECT question_id, result FROM answers")).fetchall())


async def test_text_and_sticker_where_a_button_is_needed(bot):
    await bot.join(AUDITOR_EN, "auditor")
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    await bot.settle()  # (the department question is deleted once the plan card is there)
    before = bot.double.mark()
    reply = await bot.say(AUDITOR_EN, "hello?")
    assert reply.text == "Please use the buttons of the card, or /cancel."
    mark = bot.double.mark()
    bot.double.send_sticker(AUDITOR_EN)
    reply = await bot.double.reply_to(AUDITOR_EN, after=mark)
    assert "cannot use this kind of message" in reply.text
    # nothing changes: the two replies are all the bot sent; the plan card is neither edited nor
    # deleted nor sent again, its buttons still there to use; the audit is still being planned
    await bot.settle()
    assert [s.method for s in bot.double.sent[before:] if s.chat_id == AUDITOR_EN.id] == ["sendMessage"] * 2
    card = bot.double.message(AUDITOR_EN.id, plan.message_id)
    assert card is not None and card["text"] == plan.plain_text and card["reply_markup"] == plan.reply_markup
    async with bot.db.read() as conn:
        assert (await execute(conn, "SELECT status FROM audits")).fetchall() == [("planning",)]


async def test_double_tap_records_one_answer(bot):
    card = await first_question(bot)
    conform = card.button("Conform")
    first = await bot.press_for_answer(AUDITOR_EN, conform, message_id=card.message_id)
    second = await bot.press_for_answer(AUDITOR_EN, conform, message_id=card.message_id)
    assert first.text == "Recorded: Conform for question 1. ◀ Back changes it."
    assert second.text == "Already recorded: Conform for question 1."  # it moved on once, not twice
    assert len(await answers(bot)) == 1
    assert "2/41" in bot.double.last_bot_message(AUDITOR_EN.id)["text"]
    async with bot.db.read() as conn:
        trail = (await execute(conn, "SELECT COUNT(*) FROM audit_trail WHERE entity = 'answer'")).fetchone()
    assert trail[0] == 1


async def test_button_of_an_old_card_changes_nothing(bot):
    card = await first_question(bot)
    old_conform = card.button("Conform")
    card = await bot.press(AUDITOR_EN, card.button("Skip"), message_id=card.message_id)
    assert "2/41" in card.text
    # the old card's data (question 1) pressed again: it is not the live question any more
    toast = await bot.press_for_answer(AUDITOR_EN, old_conform, message_id=card.message_id, check=False)
    assert "out of date" in toast.text
    assert await answers(bot) == []


async def test_forged_and_foreign_buttons(bot):
    card = await first_question(bot)
    for forged in ("1|q|1|0|zz", "1|q|999|0|c", "1|q|1|x|c", "9|q|1|0|c", "1|q|1|0|c|extra", "garbage"):
        mark = bot.double.mark()
        bot.double.press_button(AUDITOR_EN, forged, message_id=card.message_id, check=False)
        toast = await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery", after=mark)
        assert "out of date" in toast.text, forged
    # another auditor, not in the team, presses a forwarded button of this audit
    await bot.join(AUDITOR, "auditor")
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR, card.button("Conform"), message_id=card.message_id, check=False)
    toast = await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery", after=mark)
    assert "审核组" in toast.text  # not in the team (in their language)
    # department staff and strangers cannot press audit buttons at all
    await bot.join(STAFF, "staff", "Office")
    for user in (STAFF, STRANGER):
        mark = bot.double.mark()
        bot.double.press_button(user, card.button("Conform"), message_id=card.message_id, check=False)
        toast = await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery", after=mark)
        assert toast.text
    assert await answers(bot) == []


async def test_deactivated_auditor(bot):
    card = await first_question(bot)
    people = await bot.command(LEAD, "/users")
    person = await bot.press(LEAD, people.button("Ann"), message_id=people.message_id)
    ask = await bot.press(LEAD, person.button("Deactivate"), message_id=person.message_id)
    assert "lose access" in ask.text  # asked first
    await bot.press(LEAD, ask.button("Yes, deactivate"), message_id=ask.message_id)
    reply = await bot.say(AUDITOR_EN, "/resume")
    assert "switched off" in reply.text
    toast = await bot.press_for_answer(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    assert "switched off" in toast.text
    assert await answers(bot) == []


async def test_file_over_twenty_megabytes(bot):
    await first_question(bot)
    reply = await bot.send_document(AUDITOR_EN, b"%PDF small", "scan.pdf", file_size=30 * 1024 * 1024)
    assert "30.0 MB" in reply.text and "20 MB" in reply.text
    async with bot.db.read() as conn:
        assert ((await execute(conn, "SELECT COUNT(*) FROM evidence")).fetchone())[0] == 0


async def test_photo_with_no_audit_open(bot):
    await bot.join(AUDITOR_EN, "auditor")
    reply = await bot.send_photo(AUDITOR_EN, jpeg(1))
    assert "No audit question is open" in reply.text


async def test_photo_on_the_plan_card(bot):
    await bot.join(AUDITOR_EN, "auditor")
    await start_audit(bot, AUDITOR_EN, "functional", "Office")
    reply = await bot.send_photo(AUDITOR_EN, jpeg(2))
    assert "Open a question first" in reply.text


async def test_edited_message_is_not_applied(bot):
    await first_question(bot)
    note = bot.double.send_message(AUDITOR_EN, "first version")
    await bot.settle()
    mark = bot.double.mark()
    bot.double.edit_message(AUDITOR_EN, note["message_id"], "second version")
    reply = await bot.double.reply_to(AUDITOR_EN, after=mark)
    assert "Edited messages are not applied" in reply.text
    async with bot.db.read() as conn:
        notes = [r[0] for r in (await execute(conn, "SELECT text FROM notes")).fetchall()]
    assert notes == ["first version"]


async def test_group_chat(bot):
    mark = bot.double.mark()
    bot.double.send_message(LEAD, "/audit", chat_id=-100123)
    reply = await bot.double.wait_for(lambda s: s.chat_id == -100123, after=mark)
    assert "private chats" in reply.text


async def test_not_in_questions_and_cancel(bot):
    await bot.join(AUDITOR_EN, "auditor")
    await start_audit(bot, AUDITOR_EN, "functional", "Office")
    reply = await bot.say(AUDITOR_EN, "/cancel")
    assert "Everything already saved is kept" in reply.text
    reply = await bot.say(AUDITOR_EN, "some text")
    assert "not waiting for text" in reply.text
    card = await bot.command(AUDITOR_EN, "/resume")
    assert "Audit plan" in card.text


@pytest.fixture
async def limited_bot(double, tmp_path, clock):
    harness = BotHarness(double, tmp_path / "data", clock=clock, rate_limit=True)
    await harness.start()
    yield harness
    await harness.stop()


async def test_bot_api_429_and_500_for_a_while(limited_bot):
    bot = limited_bot
    card = await first_question(bot)
    bot.double.fail("editMessageText", 429, times=1, retry_after=1)
    bot.double.fail("editMessageText", 500, times=2)
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    edited = await bot.double.wait_for(lambda s: s.method == "editMessageText", after=mark, timeout=10)
    assert "<b>2/41</b>" in edited.text  # recorded, and on to the next question
    assert "Conform" in (await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery", after=mark)).text
    assert len(await answers(bot)) == 1
    # a note sent while sendMessage fails twice still gets its card
    bot.double.fail("sendMessage", 502, times=2, description="Bad Gateway")
    reply = await bot.say(AUDITOR_EN, "note during an outage", timeout=10)
    assert "Note saved" in reply.text


async def test_chinese_auditor_sees_chinese_cards(bot):
    card = await first_question(bot, AUDITOR, "法制办公室")
    assert "1/41" in card.text and "结果" in card.text
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    assert "✅ 轻微不符合" in button_labels(card)
