"""The workbooks and files a lead gets are in the lead's language, and a workbook filled in either
language imports for either lead (issue 23, point 22), through the Bot API double."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bot.telegram import buttons
from devtools.botapi_double import TgUser
from storage.sql import fetch_all
from tests.capa_fixtures import add_person
from tests.harness import LEAD, BotHarness
from tests.helpers import XLSX, workbook_bytes
from tests.programme_fixtures import LAB, OPS, programme_bot

LEAD_ZH = TgUser(id=1060, first_name="李", last_name="组长", language_code="zh")

ZH_QUESTIONS = [  # 章节, 章节标题, 编号, 条款, 问题, 指引, 证据要求
    ("doc", "文件控制", "doc-1", "7.5.2", "文件是否经过审批后发布？", "抽取 3 份现行文件。", "必需"),
    ("doc", None, "doc-2", "7.5.3", "作废文件是否及时收回？", "查看收回记录。", "可选"),
    ("train", "培训", "train-1", "7.2", "新员工是否接受了岗前培训？", "抽取 2 名新员工。", "不需要"),
]


@pytest.fixture
async def bot(double, tmp_path, clock):
    """The programme's bot (its checklist aa-three, LEAD, auditors Wang and Ann) and a Chinese lead."""
    async with programme_bot(double, tmp_path, clock) as harness:
        await add_person(harness.db, LEAD_ZH, "lead", name="李组长")
        yield harness


async def checklist_file(bot: BotHarness, user: TgUser, button: str):
    listing = await bot.command(user, "/checklists")
    mark = bot.double.mark()
    bot.double.press_button(user, button, message_id=listing.message_id)
    return await bot.document_after(user, mark)


def headers(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def fill(sheet, row: int, values: dict[str, object]) -> None:
    names = headers(sheet)
    for name, value in values.items():
        sheet.cell(row, names.index(name) + 1, value)


def column(sheet, name: str) -> list:
    index = headers(sheet).index(name)
    return [row[index].value for row in sheet.iter_rows(min_row=2)]


# --- the checklist workbook -----------------------------------------------------------------------

async def test_a_chinese_template_is_in_chinese_and_imports_for_an_english_lead(bot):
    sent = await checklist_file(bot, LEAD_ZH, buttons.ChecklistTemplate().pack())
    assert sent.file_name == "检查表模板.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    assert book.sheetnames == ["检查问题", "设置", "填写说明"]
    questions, settings = book["检查问题"], book["设置"]
    assert headers(questions) == ["章节", "章节标题（中文）", "章节标题（英文）", "编号", "条款", "问题（中文）",
                                  "问题（英文）", "指引（中文）", "指引（英文）", "证据要求"]
    assert headers(settings) == ["检查表编号", "版本", "标题（中文）", "标题（英文）", "说明（中文）", "说明（英文）"]
    rule = questions.data_validations.dataValidation[0]
    assert rule.formula1 == '"必需,可选,不需要"' and "J2" in str(rule.sqref)
    assert book["填写说明"]["A1"].value == "检查表工作簿填写说明"
    for row, (section, title, qid, clause, text, guidance, evidence) in enumerate(ZH_QUESTIONS, 2):
        fill(questions, row, {"章节": section, "章节标题（中文）": title, "编号": qid, "条款": clause,
                              "问题（中文）": text, "指引（中文）": guidance, "证据要求": evidence})
    fill(settings, 2, {"检查表编号": "office-zh", "标题（中文）": "办公室检查表"})

    await bot.command(LEAD, "/checklists")  # the English lead imports the Chinese workbook
    draft = await bot.send_document(LEAD, workbook_bytes(book), "办公室.xlsx", XLSX, timeout=10)
    assert "Draft: 办公室检查表" in draft.plain_text
    assert "3 questions in 2 sections" in draft.plain_text and "evidence required on 1" in draft.plain_text
    published = await bot.press(LEAD, draft.button("Publish"), message_id=draft.message_id)
    assert "office-zh version 1" in published.plain_text

    zh = await checklist_file(bot, LEAD_ZH, buttons.ChecklistDownload("office-zh").pack())
    assert zh.file_name == "办公室检查表 第1版.xlsx"
    assert column(openpyxl.load_workbook(io.BytesIO(zh.file_bytes))["检查问题"], "证据要求") == ["必需", "可选", "不需要"]
    en = await checklist_file(bot, LEAD, buttons.ChecklistDownload("office-zh").pack())
    assert en.file_name == "office-zh-v1.xlsx"
    en_book = openpyxl.load_workbook(io.BytesIO(en.file_bytes))
    assert en_book.sheetnames == ["questions", "settings", "instructions"]
    assert column(en_book["questions"], "evidence") == ["required", "optional", "none"]


async def test_an_english_download_imports_for_the_chinese_lead_and_mixed_names_do_too(bot):
    en = await checklist_file(bot, LEAD, buttons.ChecklistDownload("aa-three").pack())
    book = openpyxl.load_workbook(io.BytesIO(en.file_bytes))
    questions = book["questions"]
    questions.cell(1, headers(questions).index("evidence") + 1, "证据要求")  # one column renamed in Chinese
    questions.cell(2, headers(questions).index("证据要求") + 1, "必需")  # and a Chinese value in it
    questions.cell(3, headers(questions).index("证据要求") + 1, "Required")
    for row in (2, 3, 4):  # its questions are in both languages, its guidance only in English
        questions.cell(row, headers(questions).index("guidance::zh") + 1, "查看")
    book["settings"].title = "设置"  # a Chinese sheet name among English ones
    await bot.command(LEAD_ZH, "/checklists")
    draft = await bot.send_document(LEAD_ZH, workbook_bytes(book), "aa-three-v1.xlsx", XLSX, timeout=10)
    assert "草稿" in draft.plain_text and "三题检查表" in draft.plain_text, draft.plain_text
    assert "aa-three" in draft.plain_text and "3 个问题" in draft.plain_text, draft.plain_text
    assert "2 个问题要求证据" in draft.plain_text  # 必需 and Required both read as required


async def test_problems_in_a_chinese_workbook_are_told_in_the_readers_language(bot):
    sent = await checklist_file(bot, LEAD_ZH, buttons.ChecklistTemplate().pack())
    book = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    questions = book["检查问题"]
    for row, (section, title, qid, clause, text, guidance, _) in enumerate(ZH_QUESTIONS, 2):
        fill(questions, row, {"章节": section, "章节标题（中文）": title, "编号": qid, "条款": clause,
                              "问题（中文）": text, "指引（中文）": guidance, "证据要求": "有时"})
    fill(questions, 3, {"证据要求": "必需"})
    fill(questions, 4, {"证据要求": "必需"})
    fill(book["设置"], 2, {"检查表编号": "office-zh", "标题（中文）": "办公室检查表"})
    data = workbook_bytes(book)

    mark = bot.double.mark()
    problems = await bot.send_document(LEAD_ZH, data, "办公室.xlsx", XLSX, timeout=10)
    assert "工作表“检查问题”第 2 行 J 列（证据要求）：“有时”不是有效的证据要求：请从下拉列表中选择（必需、可选、不需要）" \
        in problems.plain_text, problems.plain_text
    marked = await bot.document_after(LEAD_ZH, mark)
    assert marked.file_name == "办公室-问题.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(marked.file_bytes)).sheetnames[0] == "问题清单"

    await bot.command(LEAD, "/checklists")
    mark = bot.double.mark()
    problems = await bot.send_document(LEAD, data, "办公室.xlsx", XLSX, timeout=10)
    assert ("Sheet '检查问题', row 2, column J (证据要求): '有时' is not an evidence rule: choose one from the "
            "drop-down (required, optional, none)") in problems.plain_text, problems.plain_text
    marked = await bot.document_after(LEAD, mark)
    assert marked.file_name == "办公室-problems.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(marked.file_bytes)).sheetnames[0] == "problems"

    no_clause = openpyxl.load_workbook(io.BytesIO(data))
    no_clause["检查问题"].delete_cols(headers(no_clause["检查问题"]).index("条款") + 1)
    answer = await bot.send_document(LEAD_ZH, workbook_bytes(no_clause), "办公室.xlsx", XLSX, timeout=10)
    assert "缺少“条款”列" in answer.plain_text, answer.plain_text


# --- the programme workbook -----------------------------------------------------------------------

async def programme_file(bot: BotHarness, user: TgUser, year: int):
    listing = await bot.command(user, "/programme", str(year))
    mark = bot.double.mark()
    bot.double.press_button(user, buttons.ProgrammeExport(year).pack(), message_id=listing.message_id)
    return await bot.document_after(user, mark, timeout=5.0)


async def import_programme(bot: BotHarness, user: TgUser, data: bytes):
    listing = await bot.command(user, "/programme")
    await bot.press(user, buttons.ProgrammeImport().pack(), message_id=listing.message_id)
    return await bot.send_document(user, data, "方案.xlsx", XLSX, timeout=10)


async def planned(bot: BotHarness) -> list[tuple]:
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT d.name AS department, g.window_start, g.risk FROM programme g"
                                     " JOIN departments d ON d.id = g.department_id WHERE g.status = 'active'"
                                     " ORDER BY g.id")
    return [(r["department"], r["window_start"], r["risk"]) for r in rows]


async def test_the_programme_in_chinese_round_trips_for_both_leads(bot):
    listing = await bot.command(LEAD, "/programme")
    found = await bot.press(LEAD, listing.button("Suggested"), message_id=listing.message_id)
    await bot.press(LEAD, found.button(f"✅ {OPS}"), message_id=found.message_id)

    sent = await programme_file(bot, LEAD_ZH, 2026)
    assert sent.file_name == "2026年审核方案.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    assert book.sheetnames == ["审核方案", "填写说明"]
    sheet = book["审核方案"]
    assert headers(sheet) == ["编号", "部门", "检查表", "开始日期", "结束日期", "风险", "审核组", "状态", "公正性说明"]
    assert [c.value for c in sheet[2]][1:6] == [OPS, "aa-three", "2026-12-01", "2026-12-31", "中"]
    assert sheet.data_validations.dataValidation[0].formula1 == '"低,中,高"'
    sheet["D2"], sheet["E2"], sheet["F2"] = "2027-01-05", "2027-01-20", "高"
    sheet.append([None, LAB, "三题检查表", "2027-02-01", "2027-02-28", "低风险", "Ann"])  # the programme's own word
    done = await import_programme(bot, LEAD_ZH, workbook_bytes(book))
    assert "审核方案已导入：修改 1 项，新增 1 项" in done.plain_text, done.plain_text
    assert await planned(bot) == [(OPS, "2027-01-05", "high"), (LAB, "2027-02-01", "low")]

    en = await programme_file(bot, LEAD, 2027)
    assert en.file_name == "programme-2027.xlsx"
    en_book = openpyxl.load_workbook(io.BytesIO(en.file_bytes))
    assert headers(en_book["programme"])[:7] == ["id", "department", "checklist", "window_start", "window_end",
                                                 "risk", "team"]
    assert column(en_book["programme"], "risk") == ["high", "low"]
    en_book["programme"]["F3"] = "中"  # a Chinese value in the English file
    done = await import_programme(bot, LEAD, workbook_bytes(en_book))
    assert "1 planned audit changed, 0 added" in done.plain_text, done.plain_text
    assert await planned(bot) == [(OPS, "2027-01-05", "high"), (LAB, "2027-02-01", "normal")]

    sheet = book["审核方案"]  # the Chinese file again, now with the ids of both rows, for the English lead
    sheet["A3"], sheet["F3"] = (await _ids(bot))[1], "高"
    done = await import_programme(bot, LEAD, workbook_bytes(book))
    assert "1 planned audit changed, 0 added" in done.plain_text, done.plain_text
    assert await planned(bot) == [(OPS, "2027-01-05", "high"), (LAB, "2027-02-01", "high")]


async def _ids(bot: BotHarness) -> list[int]:
    async with bot.db.read() as conn:
        return [r["id"] for r in await fetch_all(conn, "SELECT id FROM programme WHERE status = 'active' ORDER BY id")]


async def test_a_bad_risk_in_chinese_is_told_in_chinese(bot):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "审核方案"
    sheet.append(["编号", "部门", "检查表", "开始日期", "结束日期", "风险", "审核组"])
    sheet.append([None, OPS, "aa-three", "2027-01-01", "2027-01-31", "严重", "Wang"])
    sheet.append([None, LAB, "aa-three", "2027-01-01", "2027-01-31", "中", ""])
    answer = await import_programme(bot, LEAD_ZH, workbook_bytes(book))
    text = answer.plain_text
    assert "未作任何修改" in text
    assert "工作表“审核方案”第 2 行 F 列（风险）：“严重”不是风险等级：请填低、中、高之一。" in text, text
    assert "工作表“审核方案”第 3 行 G 列（审核组）：“审核组”为空，此项必填。" in text, text
    assert await planned(bot) == []
    no_sheet = openpyxl.Workbook()
    answer = await import_programme(bot, LEAD_ZH, workbook_bytes(no_sheet))
    assert "没有名为“审核方案”的工作表" in answer.plain_text, answer.plain_text


# --- the other files ------------------------------------------------------------------------------

async def test_the_review_and_the_export_are_named_in_chinese(bot):
    mark = bot.double.mark()
    bot.double.send_command(LEAD_ZH, "/review", "2026")
    names = []
    for _ in range(2):
        sent = await bot.double.wait_for(lambda s: s.method == "sendDocument" and s.chat_id == LEAD_ZH.id
                                         and s.file_name not in names, after=mark, timeout=30)
        names.append(sent.file_name)
    assert names == ["2026年管理评审.docx", "2026年管理评审.xlsx"]

    mark = bot.double.mark()
    bot.double.send_command(LEAD_ZH, "/export")
    sent = await bot.document_after(LEAD_ZH, mark, timeout=30)
    assert sent.file_name.startswith("审核数据 2026-") and sent.file_name.endswith(".xlsx")
    export = openpyxl.load_workbook(io.BytesIO(sent.file_bytes))
    assert export.sheetnames[0] == "审核"
    assert column(export["审核"], "语言") == ["英文"]  # the audit of the history was run in English
