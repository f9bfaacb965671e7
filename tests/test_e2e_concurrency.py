"""Other chats are answered while one chat waits; one chat's updates keep their order."""

from __future__ import annotations

from tests.audit_fixtures import first_question, jpeg
from tests.harness import AUDITOR_EN, LEAD


async def test_slow_download_holds_up_nobody_else_and_keeps_order(bot):
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)

    bot.double.delay("getFile", 1.5)
    mark = bot.double.mark()
    bot.double.send_photo(AUDITOR_EN, jpeg(3))
    bot.double.send_message(AUDITOR_EN, "typed right after the photo")
    bot.double.send_command(LEAD, "/help")

    lead_reply = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id, after=mark)
    auditor_replies = [s for s in bot.double.sent[mark:lead_reply.index] if s.chat_id == AUDITOR_EN.id
                       and s.method == "sendMessage"]
    assert auditor_replies == [], "the lead waited for the auditor's download"

    first = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR_EN.id and s.method == "sendMessage",
                                      after=mark, timeout=5)
    assert "Evidence saved" in first.text and "📝" not in first.text
    second = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR_EN.id and s.method == "sendMessage",
                                       after=first.index + 1, timeout=5)
    assert "Note saved" in second.text and "typed right after the photo" in second.text
