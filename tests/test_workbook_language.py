"""Workbooks in the reader's language, read back in either: the words, the checklist and the
programme workbooks' round trips (zh → read, en → read, mixed), the problems' wording, file names."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from bot.domain.checklists import load_all
from bot.prompts import default_prompts, file_name
from bot.workbooks import checklist as cw
from bot.workbooks import programme as pw
from bot.workbooks.guard import problem
from bot.workbooks.words import Choices, Said, labelled, normal
from tests.helpers import workbook_bytes

PROMPTS = default_prompts()


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _headers(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


# --- the words ------------------------------------------------------------------------------------

def test_a_word_is_shown_in_each_language_and_read_from_any_spelling():
    evidence = cw.evidence_words(PROMPTS)
    assert evidence.show("zh", "required") == "必需" and evidence.show("en", "required") == "required"
    assert evidence.choices("zh") == ["必需", "可选", "不需要"]
    for text, code in (("必需", "required"), ("REQUIRED", "required"), (" 必填 ", "required"), ("选填", "optional"),
                       ("None", "none"), ("不适用", "none"), ("mandatory", "required")):
        assert evidence.read(text) == code, text
    assert evidence.read("sometimes") is None and evidence.read("") is None


def test_full_width_and_half_width_forms_and_spaces_are_the_same_name():
    assert normal("问题（中文）") == normal("问题 (中文)") == normal("问题(中文)")
    words = cw.question_words(PROMPTS)
    assert words.read("问题(中文)") == "question::zh" and words.read("Question::EN") == "question::en"
    assert words.show("zh", "guidance::en") == "指引（英文）" and words.show("en", "guidance::en") == "guidance::en"


def test_the_programmes_risks_read_in_its_own_words_too():
    risks = pw.risk_words(PROMPTS)
    assert risks.choices("zh") == ["低", "中", "高"] and risks.choices("en") == ["low", "normal", "high"]
    for text, code in (("高", "high"), ("高风险", "high"), ("High risk", "high"), ("一般", "normal"),
                       ("一般风险", "normal"), ("medium", "normal"), ("LOW", "low")):
        assert risks.read(text) == code, text


def test_a_problems_value_is_worded_when_shown():
    found = problem("column_missing", "questions", 1, column=Said("clause", cw.question_words))
    assert found.message("zh") == "缺少“条款”列：请在第一行添加。"
    assert found.message("en") == "Column 'clause' is missing: add it to the first row."
    assert dict(found.values)["column"] == "clause"  # equal to its code meanwhile
    choices = Choices(cw.evidence_words)
    assert choices.text("zh", PROMPTS) == "必需、可选、不需要" and choices.text("en", PROMPTS) == "required, optional, none"


def test_labelled_words_take_the_first_prefix_as_shown():
    words = labelled(PROMPTS, ["high"], "programme_risk_", "wb_pg_risk_")
    assert words.show("zh", "high") == "高风险" and words.read("高") == "high"


def test_file_names_are_in_the_readers_language_and_safe_on_a_phone():
    assert file_name(PROMPTS, "zh", "file_programme", year=2026) == "2026年审核方案.xlsx"
    assert file_name(PROMPTS, "en", "file_programme", year=2026) == "programme-2026.xlsx"
    assert file_name(PROMPTS, "zh", "file_review_year", year="2026") == "2026年管理评审"
    assert file_name(PROMPTS, "zh", "file_checklist_template") == "检查表模板.xlsx"
    name = file_name(PROMPTS, "zh", "file_checklist", title="办公室/档案: 检查\n表", id="x", version=2)
    assert name == "办公室_档案_ 检查_表 第2版.xlsx"
    assert "/" not in name and ":" not in name
    assert file_name(PROMPTS, "zh", "file_report_issued", number="A-2026-001", department="办公室/综合",
                     rev=2) == "A-2026-001 办公室_综合 第2版.docx"
    assert file_name(PROMPTS, "en", "file_report_draft", number="A-2026-001", rev=1) == "A-2026-001 draft rev1.docx"
    assert file_name(PROMPTS, "zh", "file_person_export", id=3003, name="赵/办事员") == "个人数据 赵_办事员 3003.zip"


# --- the checklist workbook -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_checklist_round_trips_in_either_language(lang):
    checklist = load_all()["functional-department"]
    data = cw.write_workbook(checklist, lang=lang)
    read = cw.read_workbook(data)
    assert read.problems == [] and read.checklist == checklist


def test_a_chinese_download_shows_chinese_words_and_an_english_one_the_codes():
    checklist = load_all()["functional-department"]
    zh, en = _book(cw.write_workbook(checklist, lang="zh")), _book(cw.write_workbook(checklist, lang="en"))
    assert zh.sheetnames == ["检查问题", "设置", "填写说明"] and en.sheetnames == ["questions", "settings", "instructions"]
    assert _headers(zh["设置"])[:2] == ["检查表编号", "版本"] and _headers(en["settings"])[:2] == ["id", "version"]
    zh_rules = {c.value for c in zh["检查问题"]["J"][1:]}
    en_rules = {c.value for c in en["questions"]["J"][1:]}
    assert zh_rules <= {"必需", "可选", "不需要"} and en_rules <= {"required", "optional", "none"}
    assert len(zh_rules) > 1
    assert zh["检查问题"]["A1"].comment.text.startswith("章节编号")  # the reader's help first
    assert en["questions"]["A1"].comment.text.startswith("Section id")
    assert zh["填写说明"]["A1"].value == "检查表工作簿填写说明"


def test_mixed_names_and_values_import():
    checklist = load_all()["functional-department"]
    book = _book(cw.write_workbook(checklist, lang="zh"))
    questions = book["检查问题"]
    headers = _headers(questions)
    for code in ("section", "id", "question::en"):  # some columns renamed as in the English file
        questions.cell(1, headers.index(cw.question_words(PROMPTS).show("zh", code)) + 1, code)
    evidence = headers.index("证据要求") + 1
    rules = [questions.cell(r, evidence).value for r in range(2, questions.max_row + 1)]
    for r, rule in enumerate(rules, 2):  # the English words for the rules, in the Chinese file
        questions.cell(r, evidence, cw.evidence_words(PROMPTS).show("en", cw.evidence_words(PROMPTS).read(rule)))
    book["设置"].title = "settings"
    read = cw.read_workbook(workbook_bytes(book))
    assert read.problems == [] and read.checklist == checklist


def test_a_problem_in_a_chinese_file_names_its_columns_for_each_reader():
    book = _book(cw.write_workbook(None, lang="zh"))
    questions = book["检查问题"]
    questions.append(["s1", "第一章", None, None, None, "问题", None, "指引", None, "有时"])
    book["设置"]["A2"], book["设置"]["C2"] = "my-list", "我的检查表"
    problems = cw.read_workbook(workbook_bytes(book)).problems
    by_code = {p.code: p for p in reversed(problems)}  # the first of each kind
    assert {"required", "evidence_unknown"} <= set(by_code), problems
    assert by_code["required"].line("zh").startswith("工作表“检查问题”第 2 行 D 列（编号）：“编号”为空")
    assert by_code["required"].line("en").startswith("Sheet '检查问题', row 2, column D (编号): 'id' is empty")
    assert "（必需、可选、不需要）" in by_code["evidence_unknown"].message("zh")


def test_misspelt_chinese_names_get_a_chinese_suggestion():
    book = _book(cw.write_workbook(None, lang="zh"))
    book["检查问题"].cell(1, 8).value = "指导（中文）"
    book["设置"].title = "设置页"
    problems = cw.read_workbook(workbook_bytes(book)).problems
    misspelt = {p.code: dict(p.values) for p in problems if p.code.endswith("misspelt")}
    assert misspelt["column_misspelt"]["expected"] == "指引（中文）"
    assert misspelt["sheet_misspelt"]["expected"] == "设置"


def test_a_chinese_marked_copy_replaces_an_english_problems_sheet():
    book = _book(cw.write_workbook(None, lang="zh"))
    book["检查问题"].append(["s1", "第一章", None, "q1", "7.1", "问题", None, "指引", None, "有时"])
    book["设置"]["A2"], book["设置"]["C2"] = "my-list", "我的检查表"
    data = workbook_bytes(book)
    first = cw.mark_problems(data, cw.read_workbook(data).problems, "en")
    assert _book(first).sheetnames[0] == "problems"
    second = cw.mark_problems(first, cw.read_workbook(first).problems, "zh")
    assert _book(second).sheetnames == ["问题清单", "检查问题", "设置", "填写说明"]


# --- the programme workbook -----------------------------------------------------------------------

ITEMS = [{"id": 7, "department": "办公室", "checklist": "aa-three", "window_start": date(2027, 3, 1),
          "window_end": date(2027, 3, 31), "risk": "high", "team": ["王", "Ann"], "state": "planned",
          "impartiality": ""}]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_programme_round_trips_in_either_language(lang):
    data = pw.write_programme(ITEMS, lang)
    read = pw.read_programme(data)
    assert read.problems == []
    row = read.rows[0]
    assert (row.item_id, row.department, row.checklist, row.window_start, row.window_end, row.risk, row.team) == (
        7, "办公室", "aa-three", date(2027, 3, 1), date(2027, 3, 31), "high", ["王", "Ann"])


def test_the_programme_in_chinese_and_mixed():
    book = _book(pw.write_programme(ITEMS, "zh"))
    sheet = book["审核方案"]
    assert _headers(sheet) == ["编号", "部门", "检查表", "开始日期", "结束日期", "风险", "审核组", "状态", "公正性说明"]
    assert sheet["F2"].value == "高" and sheet["H2"].value == PROMPTS.label("zh", "programme_state_planned")
    assert book.sheetnames == ["审核方案", "填写说明"]
    sheet["F1"], sheet["F2"] = "risk", "Normal risk"  # an English column name and value in the Chinese file
    read = pw.read_programme(workbook_bytes(book))
    assert read.problems == [] and read.rows[0].risk == "normal"


def test_programme_problems_name_the_column_as_the_file_does_and_as_the_reader_says_it():
    book = _book(pw.write_programme(ITEMS, "zh"))
    book["审核方案"]["F2"], book["审核方案"]["G2"] = "很高", None
    problems = pw.read_programme(workbook_bytes(book)).problems
    lines = {p.code: (p.line("zh"), p.line("en")) for p in problems}
    assert lines["pg_risk_bad"][0] == "工作表“审核方案”第 2 行 F 列（风险）：“很高”不是风险等级：请填低、中、高之一。"
    assert lines["pg_risk_bad"][1] == ("Sheet '审核方案', row 2, column F (风险): '很高' is not a risk: "
                                       "use one of low, normal, high.")
    assert lines["required"][1].endswith("'team' is empty; it is required.")
    book["审核方案"].delete_cols(2)
    missing = pw.read_programme(workbook_bytes(book)).problems
    assert [p.message("zh") for p in missing] == ["缺少“部门”列：请在第一行添加。"]


def test_the_command_line_writes_the_template_in_chinese(tmp_path, monkeypatch):
    from bot import cli

    monkeypatch.setenv("AUDITBOT_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["checklists", "template", "--lang", "zh", "-o", str(tmp_path / "t.xlsx")]) == 0
    assert _book((tmp_path / "t.xlsx").read_bytes()).sheetnames == ["检查问题", "设置", "填写说明"]
    assert cli.main(["checklists", "template", "-o", str(tmp_path / "e.xlsx")]) == 0
    assert _book((tmp_path / "e.xlsx").read_bytes()).sheetnames == ["questions", "settings", "instructions"]
