"""Issue 23, point 14 (seen in Chinese): a corrective-action step edited in place above newer
messages is off-screen on a phone.

When something came after the card (a notice, another card, something the clerk typed),
the next step goes out at the bottom and the card it replaces loses its buttons (its text
stays); while the card is the newest message it is edited in place, as before. A press on
a card whose buttons were taken off does nothing but show the current card at the bottom.
"""

from __future__ import annotations

from storage.repos import findings
from tests.capa_fixtures import DUE, cast, day, local, make_action
from tests.harness import STAFF
from tests.helpers import button_labels, last_to


def _buttons_of(bot, message_id: int) -> list:
    markup = (bot.double.message(STAFF.id, message_id) or {}).get("reply_markup") or {}
    return markup.get("inline_keyboard") or []


async def test_the_next_step_comes_at_the_bottom_when_newer_messages_follow_the_card(bot, clock):
    await cast(bot.db)
    first = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    live = card.message_id
    card = await bot.say(STAFF, "已补签两份岗位说明书。")
    assert (card.method, card.message_id) == ("editMessageText", live)  # the newest message: edited in place
    assert "2/6 原因分析" in card.plain_text

    # a notice of another action comes in below the card: the next step goes to the bottom
    await make_action(bot.db, due=DUE, index=1, audit_id=first.audit_id, statement="培训记录缺失。")
    await day(bot, clock, local(11, 3))
    clock.set(local(11, 3, 10))
    assert last_to(bot, STAFF.id, "新的纠正措施").message_id > live
    mark = bot.double.mark()
    card = await bot.say(STAFF, "模板没有签发栏。")
    assert card.method == "sendMessage" and card.message_id > live
    assert "这是根本原因吗" in card.plain_text and "再问一次" in str(card.buttons)
    await bot.settle()
    assert _buttons_of(bot, live) == []  # the old card keeps its text, not its buttons
    assert "2/6 原因分析" in bot.double.message(STAFF.id, live)["text"]
    stripped = [s for s in bot.double.sent[mark:] if s.method == "editMessageReplyMarkup"]
    assert [s.message_id for s in stripped] == [live]
    live = card.message_id

    # nothing below it: a press edits it in place
    card = await bot.press(STAFF, card.button("继续"), message_id=live)
    assert (card.method, card.message_id) == ("editMessageText", live)
    assert "3/6 举一反三" in card.plain_text

    # the clerk typed a command in between: the step after the press goes to the bottom
    await bot.command(STAFF, "/capa")
    stale = card
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=live)
    assert card.method == "sendMessage" and card.message_id > live and "4/6" in card.plain_text
    await bot.settle()
    assert _buttons_of(bot, live) == []
    live = card.message_id

    # typed answers to the newest card still edit it in place, one after the other
    card = await bot.say(STAFF, "修订模板，增加签发栏。")
    assert (card.method, card.message_id) == ("editMessageText", live) and "5/6" in card.plain_text
    async with bot.db.read() as conn:
        assert (await findings.get_capa(conn, first.capa_id))["elsewhere"]  # the press on the old card counted once

    # a press on the superseded card (a client still showing its buttons): nothing changes,
    # a short answer and the current card at the bottom; the card it replaces loses its buttons
    toast = await bot.press_for_answer(STAFF, stale.button("其他地方未发现"), message_id=stale.message_id,
                                       check=False)
    assert "这张卡片已过时" in toast.params.get("text", "")
    fresh = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and s.method == "sendMessage"
                                      and "旧卡片" in (s.plain_text or ""), after=toast.index)
    assert "5/6 计划完成日期" in fresh.plain_text and "两周后" in str(fresh.buttons)
    await bot.settle()
    assert _buttons_of(bot, live) == []
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, first.capa_id)
        assert row["action_plan"] == "修订模板，增加签发栏。" and row["target_date"] is None

    # the fresh card is the live one: a typed date edits it
    card = await bot.say(STAFF, "2026-11-30")
    assert (card.method, card.message_id) == ("editMessageText", fresh.message_id)
    assert "6/6 确认" in card.plain_text and "✅ 确认计划" in button_labels(card)


async def test_a_new_card_for_the_same_action_takes_the_buttons_off_the_earlier_one(bot, clock):
    await cast(bot.db)
    await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    first = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    first = await bot.say(STAFF, "已补签两份岗位说明书。")  # at the root cause: the card has a button
    assert _buttons_of(bot, first.message_id)
    again = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)  # the notice, again
    assert again.method == "sendMessage" and "2/6 原因分析" in again.plain_text
    await bot.settle()
    assert _buttons_of(bot, first.message_id) == []  # one live card per action
    assert _buttons_of(bot, notice.message_id)  # the notice keeps its button

    # a wrong answer: the problem goes out next to it as the new card, the old one loses its buttons
    card = await bot.say(STAFF, "   ")
    assert card.method == "sendMessage" and "请输入文字" in card.plain_text
    await bot.settle()
    assert _buttons_of(bot, again.message_id) == []


async def test_after_a_restart_a_notice_below_the_card_still_sends_the_step_to_the_bottom(bot, clock):
    await cast(bot.db)
    first = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    await make_action(bot.db, due=DUE, index=1, audit_id=first.audit_id, statement="培训记录缺失。")
    await day(bot, clock, local(11, 3))
    await bot.restart()  # what the bot saw of the chat is gone
    clock.set(local(11, 3, 10))
    answer = await bot.say(STAFF, "已补签两份岗位说明书。")
    assert answer.method == "sendMessage" and "2/6 原因分析" in answer.plain_text
    await bot.settle()
    assert _buttons_of(bot, card.message_id) == []
    again = await bot.say(STAFF, "模板没有签发栏。")  # right below it now: edited in place
    assert (again.method, again.message_id) == ("editMessageText", answer.message_id)
