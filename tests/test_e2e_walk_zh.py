"""What the Chinese walk of the audit year still found (walk 24), each seen in Chinese.

1. A plan the auditor returned is back with the department, yet its card, the clerk's /capa
   list and the lead's lists called it "计划待审查" (while /status counted it as waiting for a
   plan), and its reminder told the clerk to mark it implemented.
2. After a one-tap N/A the next card offers an optional reason "in the last row"; the auditor
   typed the reason, and it became a note on the next question (the report's N/A row kept no
   reason). The card says how to type a reason and where typed text goes.
3. The blank checklist template's caption sends the lead to the "instructions" sheet of a
   workbook whose sheet is called 填写说明.
4. Completing a revision moved the audit's completion date to the day of the revision: the
   rev 2 report said the audit was conducted 2026-03-09 – 2026-04-20, and the management
   review counted the audit in the quarter of the revision, with a negative number of days
   to close its action. The audit keeps its date; the revision has its own in the history.
5. Every corrective-action message had two empty lines under the action's card (and /capa two
   under its title): on a phone, a gap that reads like the end of the message.
6. /report says "点击 PDF 可同时获取 PDF" (Word and PDF both) while 📕 PDF sends the PDF only.
7. A clerk's /status answers "您没有此项权限。" and nothing more: the refusal says where to look.
8. The management review's rate tables print "符合 3 · 适用的回答 8 · 符合率 62.5%": the rate
   counts observations, OFIs and good practice as conforming, the "符合" column did not, and
   the definition still said "符合的回答 ÷ …". The column is the rate's numerator, named so.
9. /programme's "➕ 添加" asks "计划审核哪个部门？" with no way back, and the empty programme says
   "点按计划审核可修改" with nothing to tap.
10. Asking for a later due date takes a typed date only ("下周五" is refused), while the plan's
   date step has one-tap dates: the prompt offers two weeks and a month after the due date.
"""

from __future__ import annotations

import io

import openpyxl

from tests.audit_fixtures import first_question
from tests.capa_fixtures import local
from tests.harness import AUDITOR, LEAD, STAFF, BotHarness
from tests.helpers import button_labels
from tests.test_e2e_capa_return import returned_to_the_root_cause


async def test_a_returned_plan_is_waiting_for_the_department_everywhere(bot, clock):
    _action, _review, returned = await returned_to_the_root_cause(bot, clock)
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


async def test_action_messages_have_no_double_empty_lines(bot, clock):
    _action, _review, returned = await returned_to_the_root_cause(bot, clock)
    assert "\n\n\n" not in returned.plain_text
    new = next(s for s in bot.double.sent_to(STAFF.id) if "新的纠正措施" in (s.plain_text or ""))
    assert "\n\n\n" not in new.plain_text and "\n\n请点击“✍️ 回复”" in new.plain_text
    card = await bot.press(STAFF, returned.button("回复"), message_id=returned.message_id)
    assert "\n\n\n" not in card.plain_text
    listing = await bot.command(STAFF, "/capa")
    assert "\n\n\n" not in listing.plain_text and "🛠 纠正措施\n\n本部门未关闭的措施" in listing.plain_text
    nothing = await bot.command(AUDITOR, "/capa")
    assert "\n\n\n" not in nothing.plain_text


async def test_the_report_list_says_what_the_pdf_button_sends(bot: BotHarness):
    from tests.test_e2e_revision_record import completed_by

    await completed_by(bot, AUDITOR)
    listing = await bot.command(AUDITOR, "/report")
    if "📕 PDF" in str(listing.buttons):  # offered where LibreOffice is installed
        assert "同时" not in listing.plain_text and "点击“📕 PDF”获取 PDF 版" in listing.plain_text


async def test_a_refused_command_says_where_to_look(bot: BotHarness):
    from tests.test_e2e_revision_record import completed_by

    await completed_by(bot, AUDITOR)  # Zhao (STAFF) joins as Office's clerk
    refused = await bot.command(STAFF, "/status")
    assert refused.plain_text.startswith("您没有此项权限") and "/help" in refused.plain_text


async def test_the_review_packs_rate_tables_add_up(bot: BotHarness):
    from tests.test_e2e_revision_record import completed_by, lead_in_chinese

    await completed_by(bot, AUDITOR)  # conform, a minor NC, an observation: 2 of 3 without an NC
    await lead_in_chinese(bot)
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/review")
    book = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and (s.file_name or "").endswith(".xlsx"),
                                     after=mark, timeout=60)
    workbook = openpyxl.load_workbook(io.BytesIO(book.file_bytes))
    for sheet in ("审核", "各部门符合率"):
        rows = list(workbook[sheet].iter_rows(values_only=True))
        head, row = rows[0], rows[1]
        got = dict(zip(head, row, strict=False))
        assert got["无不符合项"] == 2 and got["适用的回答"] == 3
        assert abs(got["符合率"] - 2 / 3) < 1e-9
    definitions = dict(workbook["数据定义"].iter_rows(values_only=True))
    assert definitions["符合率"].startswith("无不符合项的回答 ÷ 适用的回答")


async def test_adding_to_the_programme_has_a_way_back_and_an_empty_one_no_tap_hint(bot: BotHarness):
    from tests.test_e2e_revision_record import lead_in_chinese

    await bot.join(STAFF, "staff", "Office")
    await lead_in_chinese(bot)
    listing = await bot.command(LEAD, "/programme")
    assert "尚无计划的审核" in listing.plain_text and "点按计划审核可修改" not in listing.plain_text
    choose = await bot.press(LEAD, listing.button("添加"), message_id=listing.message_id)
    assert "计划审核哪个部门" in choose.plain_text and "« 审核方案" in button_labels(choose)
    back = await bot.press(LEAD, choose.button("« 审核方案"), message_id=choose.message_id)
    assert "审核方案" in back.plain_text and "➕ 添加" in button_labels(back)


async def test_a_later_due_date_in_one_tap(bot, clock):
    from storage.repos import capa_history
    from tests.test_e2e_extension_mid_plan import _at_the_root_cause

    action, card = await _at_the_root_cause(bot, clock)  # due 2026-12-02
    card = await bot.press(STAFF, card.button("申请延期"), message_id=card.message_id)
    assert "请点击日期按钮" in card.plain_text
    assert button_labels(card)[:2] == ["延后两周 · 2026-12-16", "延后一个月 · 2027-01-02"]
    prompt = card
    card = await bot.press(STAFF, card.button("延后两周"), message_id=card.message_id)
    assert "为什么需要延至 2026-12-16" in card.plain_text
    toast = await bot.press_for_answer(STAFF, prompt.button("延后一个月"), message_id=prompt.message_id,
                                       check=False)  # the other date, pressed late: nothing changes
    assert toast.params.get("text") == "这一步已经完成。"
    card = await bot.say(STAFF, "需要局务会审议。")
    assert "已申请延期至 2026-12-16" in card.plain_text and "2/6 原因分析" in card.plain_text
    async with bot.db.read() as conn:
        asked = await capa_history.latest_extension(conn, action.capa_id)
    assert asked["state"] == "pending" and str(asked["requested_date"]).startswith("2026-12-16")
