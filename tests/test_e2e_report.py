"""/report and /export through the Bot API double: the documents a team lead receives."""

from __future__ import annotations

import io
from datetime import datetime

import docx
import openpyxl

from tests.audit_fixtures import completed_audit
from tests.capa_fixtures import add_person
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, TgUser
from tests.helpers import button_labels, document_text


async def test_report_on_command(bot):
    await completed_audit(bot)
    listing = await bot.command(AUDITOR_EN, "/report")
    assert "A-2026-001 · Office · completed · 2026-" in listing.plain_text  # its state and date
    labels = button_labels(listing)
    # PDF where LibreOffice is; the record pack; the leader's next step of the report's lifecycle (issue 20)
    assert labels[0] == "📄 A-2026-001 · Word" and set(labels[1:]) <= {"📕 PDF", "🗂 Record pack", "📨 Submit"}
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR_EN, listing.button("A-2026-001"), message_id=listing.message_id)
    sent = await bot.document_after(AUDITOR_EN, mark, timeout=20)
    assert sent.file_name == "A-2026-001 Office.docx"
    document = docx.Document(io.BytesIO(sent.file_bytes))
    text = document_text(document)
    assert "A-2026-001" in text and "Office" in text
    assert "Two of five job descriptions unsigned" in text
    assert len(document.inline_shapes) >= 1
    status = [s for s in bot.double.sent[mark:] if s.method == "editMessageText" and s.chat_id == AUDITOR_EN.id]
    assert status and "ready" in status[-1].text


async def test_report_rights_and_bad_numbers(bot):
    await completed_audit(bot)
    await bot.join(AUDITOR, "auditor")
    refused = await bot.command(AUDITOR, "/report", "A-2026-001")
    assert "没有找到" in refused.text  # not in the team: as if it did not exist
    missing = await bot.command(AUDITOR_EN, "/report", "A-1999-999")
    assert "found no audit" in missing.text
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "a-2026-001 pdf")  # leads get every audit; any case
    await bot.document_after(LEAD, mark, timeout=20)
    pdf_answer = await bot.double.wait_for(
        lambda s: s.chat_id == LEAD.id and ((s.method == "sendDocument" and (s.file_name or "").endswith(".pdf"))
                                            or "PDF" in (s.text or "")), after=mark, timeout=120)
    assert pdf_answer


async def test_export_for_leads_only(bot):
    await completed_audit(bot)
    refused = await bot.command(AUDITOR_EN, "/export")
    assert "team leads" in refused.text
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/export")
    sent = await bot.document_after(LEAD, mark, timeout=20)
    assert sent.file_name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    assert {"Audits", "Answers", "Findings", "Actions"} <= set(workbook.sheetnames)


async def test_export_in_the_leads_language(bot):
    await completed_audit(bot)
    zh_lead = TgUser(id=1009, first_name="Zhou", language_code="zh")
    await add_person(bot.db, zh_lead, "lead", lang="zh")
    mark = bot.double.mark()
    bot.double.send_command(zh_lead, "/export")
    sent = await bot.document_after(zh_lead, mark, timeout=20)
    workbook = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    assert workbook.sheetnames == ["审核", "回答", "发现", "纠正措施"]
    actions = workbook["纠正措施"]
    headers = [cell.value for cell in actions[1]]
    assert {"整改期限", "原整改期限", "延期后期限", "按原期限逾期天数", "关闭用时（天）", "状态"} <= set(headers)
    row = dict(zip(headers, next(actions.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row["状态"] == "待制定计划" and row["类型"] in ("轻微不符合", "严重不符合")
    assert isinstance(row["整改期限"], datetime) and row["延期后期限"] is None
    answers = workbook["回答"]
    results = {r[[c.value for c in answers[1]].index("结果")] for r in answers.iter_rows(min_row=2, values_only=True)}
    assert results <= {"符合", "轻微不符合", "严重不符合", "观察项", "改进机会", "良好实践", "不适用", "跳过"}
    audits = workbook["审核"]
    status = [c.value for c in audits[1]].index("状态")
    assert next(audits.iter_rows(min_row=2, values_only=True))[status] == "已完成"
