"""A refusal too long for a popup (Telegram takes 200 characters) arrives as a message."""

from __future__ import annotations

from bot.domain.errors import ServiceError
from tests.harness import LEAD


async def test_a_refusal_longer_than_a_popup_is_sent_as_a_message(bot):
    await bot.command(LEAD, "/start")
    choose = await bot.command(LEAD, "/lang")
    people = bot.app.bot_data["runtime"].people

    async def refuse(*args, **kwargs):
        raise ServiceError("invite_usage")  # its template is longer than a popup

    people.set_lang = refuse
    mark = bot.double.mark()
    answer = await bot.press_for_answer(LEAD, choose.buttons[0][0][1], message_id=choose.message_id)
    assert not answer.text  # the press is answered (the spinner stops), without the text
    message = await bot.double.reply_to(LEAD, after=mark)
    assert message.method == "sendMessage" and len(message.text) > 200 and "/invite" in message.text
    await bot.settle()
    assert not [s for s in bot.double.sent[mark:] if "went wrong" in (s.text or "")]
