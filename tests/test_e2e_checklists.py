"""/checklists through the Bot API double: a lead's own checklist from a workbook to an audit."""

from __future__ import annotations

import io

import openpyxl

from bot.workbooks.checklist import read_workbook
from tests.audit_fixtures import first_question, start_audit, through_opening
from tests.checklist_books import ZH_ROWS, book
from tests.harness import AUDITOR_EN, LEAD, BotHarness
from tests.helpers import XLSX, button_labels


async def send_file(bot: BotHarness, user, data: bytes, name: str = "office.xlsx", **kw):
    """Send a workbook; returns the first message the bot sends back."""
    return await bot.send_document(user, data, name, XLSX, timeout=10, **kw)


async def test_list_downloads_and_template(bot):
    listing = await bot.command(LEAD, "/checklists")
    assert "iso9001-government v1 · 74 questions · 中文 + English · used in 0 audits" in listing.plain_text
    mark = bot.double.mark()
    bot.double.press_button(LEAD, listing.button("Blank template"), message_id=listing.message_id)
    sent = await bot.document_after(LEAD, mark)
    assert sent.file_name == "checklist-template.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(sent.file_bytes)).sheetnames == ["questions", "settings", "instructions"]
    mark = bot.double.mark()
    bot.double.press_button(LEAD, listing.button("⬇️ Audit checklist for a gov"), message_id=listing.message_id)
    sent = await bot.document_after(LEAD, mark)
    assert sent.file_name == "functional-department-v1.xlsx"
    assert read_workbook(sent.file_bytes).checklist.id == "functional-department"
    help_text = await bot.command(LEAD, "/help")
    assert "/checklists" in help_text.plain_text
    assert "checklists" in [c["command"] for c in bot.double.calls_of("setMyCommands")[-1]["commands"]]


async def test_from_workbook_to_an_audit_on_it(bot):
    """A Chinese-only checklist: one round of problems, fixed, published, then audited in English."""
    await bot.command(LEAD, "/checklists")
    bad_rows = [ZH_ROWS[0], ("doc", None, "doc-1", "7.5.3", "作废文件是否及时收回？", "查看收回记录。", "sometimes"),
                ZH_ROWS[2]]
    mark = bot.double.mark()
    problems = await send_file(bot, LEAD, book(bad_rows))
    assert "2 problems" in problems.plain_text
    assert "Sheet 'questions', row 3, column D (id): Question id 'doc-1' is also used in row 2" in problems.plain_text
    assert "row 3, column J (evidence): 'sometimes' is not an evidence rule" in problems.plain_text
    marked = await bot.document_after(LEAD, mark)
    assert marked.file_name == "office-problems.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(marked.file_bytes))
    assert workbook.sheetnames[0] == "problems" and workbook["questions"]["J3"].comment is not None

    draft = await send_file(bot, LEAD, book())
    assert "Draft: 办公室检查表" in draft.plain_text and "3 questions in 2 sections" in draft.plain_text
    assert "文件是否经过审批后发布" in draft.plain_text and "A new checklist" in draft.plain_text
    published = await bot.press(LEAD, draft.button("Publish"), message_id=draft.message_id)
    assert "Published" in published.plain_text and "office-zh version 1" in published.plain_text

    listing = await bot.command(LEAD, "/checklists")
    assert "office-zh v1 · 3 questions · 中文 · used in 0 audits" in listing.plain_text
    await bot.join(AUDITOR_EN, "auditor")
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "办公室检查表", "Office"))
    assert "文件是否经过审批后发布" in card.plain_text and "1/3" in card.plain_text  # the language the checklist has
    listing = await bot.command(LEAD, "/checklists")
    assert "office-zh v1 · 3 questions · 中文 · used in 1 audit\n" in listing.plain_text


async def test_the_same_workbook_twice_asks_for_a_version(bot):
    await bot.command(LEAD, "/checklists")
    first = await send_file(bot, LEAD, book())
    second = await send_file(bot, LEAD, book())
    done = await bot.press(LEAD, first.button("Publish"), message_id=first.message_id)
    assert "version 1" in done.plain_text
    asked = await bot.press(LEAD, second.button("Publish"), message_id=second.message_id)
    assert "Version 1 of office-zh is already published. Publish this one as version 2?" in asked.plain_text
    done = await bot.press(LEAD, asked.button("Publish as version 2"), message_id=asked.message_id)
    assert "office-zh version 2" in done.plain_text
    third = await send_file(bot, LEAD, book())
    assert "Version 2 of office-zh is published; this draft becomes version 3" in third.plain_text
    assert "same as the published" in third.plain_text
    discarded = await bot.press(LEAD, third.button("Discard"), message_id=third.message_id)
    assert "Draft discarded" in discarded.plain_text
    runtime = bot.app.bot_data["runtime"]
    assert runtime.checklists["office-zh"].version == 2
    kept = sorted(p.name for p in (runtime.settings.checklists_dir / "versions").iterdir())
    assert kept == ["office-zh.v1.yaml", "office-zh.v2.yaml"]


async def test_a_workbook_any_time_offers_the_import(bot):
    offer = await send_file(bot, LEAD, book(), name="我的检查表.xlsx")
    assert "Import it" in offer.plain_text
    assert offer.params["reply_parameters"]["message_id"]
    draft = await bot.press(LEAD, offer.button("Import as checklist"), message_id=offer.message_id)
    assert "Draft: 办公室检查表" in draft.plain_text


async def test_non_lead_and_oversized_files_are_refused(bot):
    await bot.join(AUDITOR_EN, "auditor")
    refused = await send_file(bot, AUDITOR_EN, book())
    assert "Only team leads import" in refused.plain_text
    refused = await bot.command(AUDITOR_EN, "/checklists")
    assert "Only team leads" in refused.plain_text
    await bot.command(LEAD, "/checklists")
    too_big = await send_file(bot, LEAD, b"PK\x03\x04", file_size=30 * 1024 * 1024)
    assert "The file is 30 MB; at most 5 MB is accepted" in too_big.plain_text
    assert bot.double.calls_of("getFile") == []  # refused before downloading
    csv = await send_file(bot, LEAD, b"section,id\ns1,q1\n", name="renamed.xlsx")
    assert "text (CSV) file" in csv.plain_text
    other = await send_file(bot, LEAD, b"%PDF-1.4", name="scan.pdf")
    assert "not an Excel workbook" in other.plain_text


async def test_archive_and_bring_back(bot):
    listing = await bot.command(LEAD, "/checklists")
    archived = await bot.press(LEAD, listing.button("Archive functional-department"),
                               message_id=listing.message_id)
    assert "Archived" in archived.plain_text
    choose = await bot.command(LEAD, "/audit")
    assert all("government functional" not in text for text in button_labels(choose))
    back = await bot.press(LEAD, archived.button("Bring back functional-department"),
                           message_id=archived.message_id)
    assert "Archived" not in back.plain_text
    choose = await bot.command(LEAD, "/audit")
    assert any("government functional" in text for text in button_labels(choose))


async def test_archive_survives_a_restart_and_a_workbook_stays_evidence_in_an_audit(bot):
    listing = await bot.command(LEAD, "/checklists")
    await bot.press(LEAD, listing.button("Archive iso9001-government"), message_id=listing.message_id)
    await bot.restart()
    assert "iso9001-government" not in bot.app.bot_data["runtime"].checklists
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    saved = await send_file(bot, AUDITOR_EN, book(), name="sample-records.xlsx")
    assert "Evidence saved" in saved.plain_text


async def test_a_chinese_speaking_lead_gets_the_problems_in_chinese(bot):
    choose = await bot.command(LEAD, "/lang")
    await bot.press(LEAD, choose.button("中文"), message_id=choose.message_id)
    listing = await bot.command(LEAD, "/checklists")
    assert "检查表" in listing.plain_text and "空白模板" in str(listing.buttons)
    mark = bot.double.mark()
    problems = await send_file(bot, LEAD, book([("doc", "文件控制", "doc-1", "7.5.2", None, "指引", "required")]))
    assert "工作表“questions”第 2 行 F 列（question::zh）：问题为空" in problems.plain_text
    marked = await bot.document_after(LEAD, mark)
    assert marked.file_name == "office-问题.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(marked.file_bytes))
    assert "问题为空" in workbook["questions"]["F2"].comment.text


async def test_an_audit_keeps_the_version_it_ran(bot):
    await bot.command(LEAD, "/checklists")
    draft = await send_file(bot, LEAD, book())
    await bot.press(LEAD, draft.button("Publish"), message_id=draft.message_id)
    await bot.join(AUDITOR_EN, "auditor")
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "办公室检查表", "Office"))
    assert "文件是否经过审批后发布" in card.plain_text

    await bot.command(LEAD, "/checklists")
    changed = [("doc", "文件控制", "doc-1", "7.5.2", "第二版的问题：文件是否受控？", "抽查。", "required")]
    draft = await send_file(bot, LEAD, book(changed))
    asked = await bot.press(LEAD, draft.button("Publish as version 2"), message_id=draft.message_id)
    assert "version 2" in asked.plain_text

    resumed = await bot.command(AUDITOR_EN, "/resume")
    if "文件是否经过审批后发布" not in resumed.plain_text:  # a list of audits to pick from
        resumed = await bot.press(AUDITOR_EN, resumed.buttons[0][0][1], message_id=resumed.message_id)
    assert "文件是否经过审批后发布" in resumed.plain_text and "1/3" in resumed.plain_text
    await bot.command(AUDITOR_EN, "/cancel")
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "办公室检查表", "Office"))
    assert "第二版的问题" in card.plain_text and "1/1" in card.plain_text
