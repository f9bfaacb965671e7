"""The closing meeting: the department's contact acknowledges the findings with one tap,
and the report says who acknowledged and when (or that it is pending)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.audit_fixtures import completed_audit
from tests.defect_fixtures import fetch_report
from tests.harness import AUDITOR_EN, LEAD, STAFF, BotHarness


async def report_text(bot: BotHarness) -> str:
    """The body paragraphs of the lead's report of A-2026-001."""
    document = await fetch_report(bot, LEAD, "A-2026-001")
    return "\n".join(p.text for p in document.paragraphs)


async def findings_notice(bot: BotHarness):
    """Zhao joins as Office's contact, an audit of Office is completed: the findings notice to him."""
    await bot.join(STAFF, "staff", "Office")
    mark = bot.double.mark()
    await completed_audit(bot)
    notice = await bot.double.wait_for(
        lambda s: s.chat_id == STAFF.id and "审核发现" in (s.plain_text or ""), after=mark, timeout=15)
    await bot.settle()  # the evidence photos that follow the notice are out before anyone presses
    return notice


async def test_the_department_acknowledges_the_findings(bot):
    notice = await findings_notice(bot)
    assert "NC1" in notice.plain_text and "OBS1" in notice.plain_text and "Two of five" in notice.plain_text
    assert "Acknowledgement of the findings by the department: pending" in await report_text(bot)

    # only the department's contacts acknowledge
    forged = await bot.press_for_answer(AUDITOR_EN, notice.button("确认收到"), check=False)
    assert forged.text.startswith("That is not available")
    done = await bot.press(STAFF, notice.button("确认收到"), message_id=notice.message_id)
    assert "确认收到，谢谢" in done.plain_text and not done.buttons
    again = await bot.press_for_answer(STAFF, notice.button("确认收到"), message_id=notice.message_id, check=False)
    assert not again.text  # pressed twice (an old copy of the button): no harm, no second record
    text = await report_text(bot)
    assert "Findings acknowledged by the department: Zhao Clerk, 20" in text and "pending" not in text


async def test_the_acknowledgement_time_is_the_agencys_time_in_beijing(bot):
    """Issue 23, point 17 (seen in Chinese): not "08:48（UTC）" but the agency's time, 北京时间."""
    notice = await findings_notice(bot)
    done = await bot.press(STAFF, notice.button("确认收到"), message_id=notice.message_id)
    local = bot.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:")
    assert f"已于 {local}" in done.plain_text and "（北京时间）" in done.plain_text, done.plain_text
    assert "UTC" not in done.plain_text
