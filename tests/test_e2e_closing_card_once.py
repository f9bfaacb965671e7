"""Issue 23, point 14 (seen in Chinese): a second closing-meeting card, both live.

A due date chosen from the quick choices turns that prompt into the closing card: the
earlier closing card loses its buttons (its text stays), so only one card of the audit
answers presses.
"""

from __future__ import annotations

from tests.audit_fixtures import first_question
from tests.harness import AUDITOR


def _buttons_of(bot, message_id: int) -> list:
    markup = (bot.double.message(AUDITOR.id, message_id) or {}).get("reply_markup") or {}
    return markup.get("inline_keyboard") or []


async def test_a_due_date_chosen_leaves_one_live_closing_card(bot):
    card = await first_question(bot, AUDITOR, "法制办公室")
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    await bot.say(AUDITOR, "两份岗位说明书未经签发。")
    card = await bot.command(AUDITOR, "/resume")
    summary = await bot.press(AUDITOR, card.button("汇总"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    assert "到期" in str(closing.buttons)
    ask = await bot.press(AUDITOR, closing.button("到期"), message_id=closing.message_id)
    assert ask.method == "sendMessage" and ask.message_id != closing.message_id
    again = await bot.press(AUDITOR, ask.button("+60"), message_id=ask.message_id)
    assert again.message_id == ask.message_id and "到期" in str(again.buttons)  # the prompt became the card
    await bot.settle()
    assert _buttons_of(bot, closing.message_id) == []  # the earlier closing card: no buttons, its text kept
    assert bot.double.message(AUDITOR.id, closing.message_id)["text"]
    assert _buttons_of(bot, again.message_id)

    # the card now live keeps working: another due date, and the card is edited in place
    ask = await bot.press(AUDITOR, again.button("到期"), message_id=again.message_id)
    card = await bot.press(AUDITOR, ask.button("+90"), message_id=ask.message_id)
    await bot.settle()
    assert _buttons_of(bot, again.message_id) == [] and _buttons_of(bot, card.message_id)
    live = [m for m in bot.double.messages_in(AUDITOR.id) if "到期" in str(m.get("reply_markup"))]
    assert [m["message_id"] for m in live] == [card.message_id]
