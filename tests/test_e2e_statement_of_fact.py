"""Issue 23, point 21 (seen in Chinese): after a nonconformity the card asks for the statement
of fact (what, where, which record, against which requirement); the report prints that
sentence once, as the statement, not again as an evidence note."""

from __future__ import annotations

from tests.audit_fixtures import first_question, jpeg
from tests.defect_fixtures import fetch_report
from tests.harness import AUDITOR


async def test_the_nc_card_asks_for_the_statement_and_the_report_says_it_once(bot):
    card = await first_question(bot, AUDITOR)
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    assert "请输入不符合事实描述" in card.plain_text and "不符合哪项要求" in card.plain_text
    statement = "2026年3月的用印登记表缺少审批签字，不符合7.5.3的要求"
    card = await bot.say(AUDITOR, statement)
    assert "请输入不符合事实描述" not in card.plain_text  # asked once, answered
    card = await bot.send_photo(AUDITOR, jpeg(3, (640, 480)))  # the evidence this question needs
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    document = await fetch_report(bot, AUDITOR)
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert sum(statement in text for text in cells) == 1, [t for t in cells if statement in t]
