"""What the Chinese walk of the audit year still found (walk 24), each seen in Chinese.

1. A plan the auditor returned is back with the department, yet its card, the clerk's /capa
   list and the lead's lists called it "计划待审查" (while /status counted it as waiting for a
   plan), and its reminder told the clerk to mark it implemented.
"""

from __future__ import annotations

import io

import openpyxl

from tests.audit_fixtures import first_question
from tests.capa_fixtures import local
from tests.harness import AUDITOR, LEAD, STAFF, BotHarness
from tests.helpers import button_labels
from tests.test_e2e_capa_return import REASON, plan_for_review


async def _returned(bot, clock):
    """A plan confirmed, then returned by the auditor to the root cause."""
    action, review = await plan_for_review(bot, clock, "已补签两份岗位说明书。", "模板没有签发栏。")
    await bot.press(AUDITOR, review.button("退回：原因分析"), message_id=review.message_id)
    mark = bot.double.mark()
    await bot.say(AUDITOR, REASON)
    returned = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "计划被退回" in (s.plain_text or ""),
                                         after=mark)
    await bot.settle()
    return action, returned


async def test_a_returned_plan_is_waiting_for_the_department_everywhere(bot, clock):
    _action, returned = await _returned(bot, clock)
    assert "待制定计划" in returned.plain_text and "计划待审查" not in returned.plain_text

    listing = await bot.command(STAFF, "/capa")
    assert "待制定计划" in listing.plain_text and "计划待审查" not in listing.plain_text
    assert any("待制定计划" in label for label in button_labels(listing))

    # a week before the due date the clerk, who has not confirmed the plan again, is reminded
    mark = bot.double.mark()
    clock.set(local(11, 25, 9, 30))  # DUE - 7 days
    await bot.tick()
    reminder = next(s for s in bot.double.sent[mark:] if s.chat_id == STAFF.id and "提醒" in (s.plain_text or ""))
    assert "尚未提交纠正措施计划" in reminder.plain_text
    assert "标记为已实施" not in reminder.plain_text
    assert "待制定计划" in reminder.plain_text

    status = await bot.command(LEAD, "/status")
    department = next(label for label in button_labels(status) if label.startswith("🏢"))
    listing = await bot.press(LEAD, status.button(department), message_id=status.message_id)  # the lead reads English
    assert "waiting for a plan" in listing.plain_text and "plan to review" not in listing.plain_text


async def test_the_na_reason_row_says_how_to_type_a_reason_and_where_text_goes(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "办公室")
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)
    assert "2/41" in card.plain_text
    hint = next(line for line in card.plain_text.splitlines() if "理由（可选）" in line)
    assert "“✍️ 其他”" in hint and "直接输入的文字将作为第2题的备注" in hint


async def test_the_blank_template_caption_names_its_instructions_sheet_in_chinese(bot: BotHarness):
    choose = await bot.command(LEAD, "/lang")
    await bot.press(LEAD, choose.button("中文"), message_id=choose.message_id)
    listing = await bot.command(LEAD, "/checklists")
    mark = bot.double.mark()
    bot.double.press_button(LEAD, listing.button("空白模板"), message_id=listing.message_id)
    sent = await bot.document_after(LEAD, mark)
    sheets = openpyxl.load_workbook(io.BytesIO(sent.file_bytes)).sheetnames
    assert "填写说明" in sheets
    assert "“填写说明”工作表" in sent.plain_text and "instructions" not in sent.plain_text


async def test_a_revision_keeps_the_audits_completion_date(bot: BotHarness, clock):
    from datetime import timedelta

    from storage.sql import fetch_value
    from tests.defect_fixtures import fetch_report
    from tests.helpers import body_text
    from tests.test_e2e_revision_record import completed_by, lead_in_chinese, reopen

    await completed_by(bot, AUDITOR)
    async with bot.db.read() as conn:
        completed = await fetch_value(conn, "SELECT completed_at FROM audits")
    first_day = clock.now().astimezone(bot.app.bot_data["runtime"].settings.tz).date()
    clock.advance(days=40)
    await lead_in_chinese(bot)
    await reopen(bot, "补充了培训评价记录", summary_word="汇总")
    card = await bot.say(LEAD, "3")
    card = await bot.press(LEAD, card.button("符合"), message_id=card.message_id)  # OBS1 withdrawn
    for word in ("汇总并结束", "末次会议", "完成审核", "确认完成"):
        card = await bot.press(LEAD, card.button(word), message_id=card.message_id)
    assert "第 2 版" in card.plain_text
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT completed_at FROM audits") == completed
    report = body_text(await fetch_report(bot, LEAD))
    later = (first_day + timedelta(days=40)).isoformat()
    lines = report.splitlines()
    period = lines[lines.index("审核实施时间") + 1]  # the cover's row: its label, then its value
    assert first_day.isoformat() in period and later not in period
    assert later in report  # the revision's own date, in the revision history
    status = await bot.command(LEAD, "/status")
    assert "逾期未发布 0" in status.plain_text  # the revision's report is not overdue on its first day
