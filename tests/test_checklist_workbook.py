"""Checklist workbooks: the round trip, every kind of problem, and files that must not be opened."""

from __future__ import annotations

import io
import tracemalloc

import openpyxl
import pytest

from bot.domain.checklists import load_all
from bot.workbooks.checklist import (
    CARD_LIMIT,
    MARK_AUTHOR,
    MAX_ROWS,
    mark_problems,
    read_workbook,
    write_workbook,
)
from bot.workbooks.guard import escape, unescape
from tests.checklist_books import ZH_ROWS, book, cell_of, lying_zip_bomb, patch_xml, zip_bomb
from tests.helpers import workbook_bytes


def codes(data: bytes) -> list[str]:
    return [p.code for p in read_workbook(data).problems]


def only(data: bytes, code: str):
    result = read_workbook(data)
    assert result.checklist is None
    found = [p for p in result.problems if p.code == code]
    assert found, [p.line("en") for p in result.problems]
    return found[0]


@pytest.mark.parametrize("checklist_id", ["iso9001-government", "functional-department"])
def test_bundled_checklists_round_trip(checklist_id):
    original = load_all()[checklist_id]
    result = read_workbook(write_workbook(original))
    assert result.problems == []
    assert result.checklist == original


def test_download_layout_drop_down_and_instructions():
    workbook = openpyxl.load_workbook(io.BytesIO(write_workbook(load_all()["functional-department"])))
    assert workbook.sheetnames == ["questions", "settings", "instructions"]
    headers = [c.value for c in workbook["questions"][1]]
    assert headers == ["section", "section_title::zh", "section_title::en", "id", "clause", "question::zh",
                       "question::en", "guidance::zh", "guidance::en", "evidence"]
    rules = workbook["questions"].data_validations.dataValidation
    assert rules and rules[0].formula1 == '"required,optional,none"' and "J2" in str(rules[0].sqref)
    text = "\n".join(str(c.value) for c in workbook["instructions"]["A"] if c.value)
    assert "填写说明" in text and "How to fill" in text
    assert [c.value for c in workbook["settings"][2]][:2] == ["functional-department", 1]


def test_a_chinese_only_checklist_is_valid_and_falls_back():
    result = read_workbook(book())
    assert result.problems == []
    checklist = result.checklist
    assert checklist.languages() == ("zh",)
    assert [s.id for s in checklist.sections] == ["doc", "train"]
    assert [len(s.questions) for s in checklist.sections] == [2, 1]
    _, question = checklist.questions()[0]
    assert question.text.en is None and question.text.get("en") == "文件是否经过审批后发布？"
    assert checklist.title.get("en") == "办公室检查表"
    # and it downloads with Chinese columns only, and reads back the same
    again = read_workbook(write_workbook(checklist))
    assert again.checklist == checklist
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(write_workbook(checklist)))["questions"][1]]
    assert "question::en" not in headers


def test_an_english_only_checklist_is_valid():
    rows = [("s1", None, "q1", "4.1", None, None, "optional")]

    def english(workbook):
        cell_of(workbook, "questions", 2, "section_title::en").value = "Context"
        cell_of(workbook, "questions", 2, "question::en").value = "Is the context reviewed?"
        cell_of(workbook, "questions", 2, "guidance::en").value = "Minutes of the last review."
        cell_of(workbook, "settings", 2, "title::en").value = "Context check"
        cell_of(workbook, "settings", 2, "title::zh").value = None

    checklist = read_workbook(book(rows, edit=english)).checklist
    assert checklist.languages() == ("en",)
    assert checklist.sections[0].questions[0].text.get("zh") == "Is the context reviewed?"


def test_missing_column():
    def drop_clause(workbook):
        workbook["questions"].delete_cols(5)

    problem = only(book(edit=drop_clause), "column_missing")
    assert (problem.sheet, problem.row) == ("questions", 1)
    assert "'clause' is missing" in problem.line("en")
    assert "缺少“条款”列" in problem.line("zh")  # the column as a Chinese reader names it


def test_unknown_evidence_rule():
    rows = [*ZH_ROWS[:2], (*ZH_ROWS[2][:6], "sometimes")]
    problem = only(book(rows), "evidence_unknown")
    assert (problem.sheet, problem.row, problem.column, problem.header) == ("questions", 4, 10, "evidence")
    assert problem.line("en").startswith("Sheet 'questions', row 4, column J (evidence): 'sometimes'")
    assert problem.line("zh").startswith("工作表“questions”第 4 行 J 列（evidence）：“sometimes”")


def test_evidence_rule_in_chinese_or_any_case_is_understood():
    rows = [(*ZH_ROWS[0][:6], "必需"), (*ZH_ROWS[1][:6], "Optional"), (*ZH_ROWS[2][:6], None)]
    checklist = read_workbook(book(rows)).checklist
    assert [q.evidence.value for _, q in checklist.questions()] == ["required", "optional", "optional"]


def test_duplicate_question_id():
    rows = [ZH_ROWS[0], ZH_ROWS[1], ("train", "培训", "DOC-1", "7.2", "问题", "指引", "none")]
    problem = only(book(rows), "id_duplicate")
    assert problem.row == 4 and dict(problem.values)["other"] == 2
    assert "also used in row 2" in problem.line("en")


def test_empty_question():
    rows = [ZH_ROWS[0], ("doc", None, "doc-2", "7.5.3", None, "查看作废文件清单。", "optional")]
    problem = only(book(rows), "question_empty")
    assert (problem.row, problem.header) == (3, "question::zh")


def test_missing_translation_in_a_bilingual_checklist():
    def english_first_row(workbook):
        cell_of(workbook, "questions", 2, "question::en").value = "Are documents approved?"
        cell_of(workbook, "questions", 2, "guidance::en").value = "Sample three."
        cell_of(workbook, "questions", 2, "section_title::en").value = "Documents"
        cell_of(workbook, "settings", 2, "title::en").value = "Office"

    problem = only(book(edit=english_first_row), "translation_missing")
    assert problem.row == 3 and problem.header == "question::en"
    assert "English questions" in problem.line("en")


def test_misspelt_sheet_and_column_name_the_likely_one():
    def misspell(workbook):
        workbook["questions"].title = "Questons"
        workbook["Questons"].cell(1, 8).value = "guidence::zh"

    result = read_workbook(book(edit=misspell))
    lines = [p.line("en") for p in result.problems]
    assert any("'Questons' is not a sheet the bot knows; did you mean 'questions'?" in line for line in lines), lines

    def misspell_column(workbook):
        workbook["questions"].cell(1, 8).value = "guidence::zh"

    problem = only(book(edit=misspell_column), "column_misspelt")
    assert dict(problem.values)["expected"] == "guidance::zh" and problem.column == 8


def test_text_too_long_for_a_card():
    long_rows = [("doc", "文件控制", "doc-1", "7.5.2", "问" * 1400, "查" * 1450, "required")]
    problem = only(book(long_rows), "card_too_long")
    assert dict(problem.values)["limit"] == CARD_LIMIT
    too_long = [("doc", "文件控制", "doc-1", "7.5.2", "问" * 1600, "查", "required")]
    assert only(book(too_long), "too_long").header == "question::zh"


def test_every_problem_is_reported_at_once():
    rows = [
        ("doc", "文件控制", "doc-1", "7.5.2", "问题一", "指引", "required"),
        ("doc", None, "doc-1", None, "问题二", "指引", "maybe"),
        ("Bad Section", "章节", "q 3", "7.1", None, "指引", None),
    ]
    found = codes(book(rows, settings={"id": "Office Checklist", "version": "two"}))
    for code in ("id_duplicate", "required", "evidence_unknown", "id_bad", "question_empty", "version_bad"):
        assert code in found, found
    assert len(found) >= 7


def test_an_empty_workbook_and_one_with_only_instructions():
    empty = workbook_bytes(openpyxl.Workbook())
    assert codes(empty) == ["sheet_missing", "sheet_missing"]
    assert "There is no sheet named 'questions'. The workbook's sheets: Sheet." in \
        read_workbook(empty).problems[0].line("en")

    def only_instructions(workbook):
        workbook.remove(workbook["questions"])
        workbook.remove(workbook["settings"])

    assert codes(book(edit=only_instructions)) == ["sheet_missing", "sheet_missing"]


def test_the_blank_template_has_no_questions_yet():
    assert "no_questions" in codes(write_workbook(None))


def test_csv_renamed_xlsx_encrypted_and_old_xls():
    assert codes("section,id,question\ns1,q1,什么？\n".encode()) == ["not_xlsx_text"]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
    assert codes(ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100) == ["encrypted"]
    assert codes(ole + b"Workbook" + b"\x00" * 100) == ["xls_old"]
    assert codes(b"") == ["file_empty"]
    assert codes(b"PK\x03\x04 not really a zip") == ["broken"]
    assert "password" in read_workbook(ole + "EncryptedPackage".encode("utf-16-le")).problems[0].line("en")


def test_size_sheets_and_rows_are_refused_before_parsing():
    problem = only(b"PK\x03\x04" + b"\x00" * (30 * 1024 * 1024), "file_too_big")
    assert "30 MB" in problem.line("en")

    def many_sheets(workbook):
        for n in range(20):
            workbook.create_sheet(f"extra{n}")

    assert codes(book(edit=many_sheets)) == ["too_many_sheets"]

    def many_rows(workbook):
        sheet = workbook["questions"]
        for row in range(2, MAX_ROWS + 10):
            sheet.cell(row, 1, "s")

    problem = only(book(edit=many_rows), "too_many_rows")
    assert dict(problem.values)["sheet"] == "questions"


def read_measured(data: bytes):
    """``read_workbook(data)``, and the peak of the memory allocated while it ran."""
    tracemalloc.start()
    try:
        result = read_workbook(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_zip_bomb_is_refused_without_inflating_it():
    bomb = zip_bomb(60)
    assert len(bomb) < 1024 * 1024
    result, peak = read_measured(bomb)
    assert [p.code for p in result.problems] == ["zip_bomb"]
    assert peak < 10 * 1024 * 1024


def test_a_zip_bomb_that_lies_about_its_size_is_refused_without_inflating_it():
    bomb = lying_zip_bomb(100)
    result, peak = read_measured(bomb)
    assert [p.code for p in result.problems] == ["broken"]
    assert peak < 20 * 1024 * 1024


def test_formulas_are_taken_as_saved_values_or_refused():
    data = book()
    # version typed as a formula whose saved result is 2
    with_value = patch_xml(data, "xl/worksheets/sheet2.xml", b'<c r="B2" t="n"><v>1</v></c>',
                           b'<c r="B2"><f>1+1</f><v>2</v></c>')
    assert read_workbook(with_value).checklist.version == 2

    def formula_clause(workbook):
        cell_of(workbook, "questions", 2, "clause").value = '="7."&"5"'

    problem = only(book(edit=formula_clause), "formula_no_value")
    assert (problem.row, problem.header) == (2, "clause")


def test_numbers_and_dates_typed_in_cells():
    import datetime

    rows = [("doc", "文件", 1, 4.1, "问题", "指引", "none"),
            ("doc", None, 2, datetime.datetime(2026, 4, 1), "问", "指", "none")]
    result = read_workbook(book(rows))
    assert [p.code for p in result.problems] == ["date"]
    rows = rows[:1]
    question = read_workbook(book(rows)).checklist.sections[0].questions[0]
    assert (question.id, question.clause) == ("1", "4.1")


def test_cells_that_look_like_formulas_are_written_escaped():
    for text in ("=SUM(A1)", "+1", "-2 checks", "@here", "'=x", "plain"):
        assert unescape(escape(text)) == text
    rows = [("doc", "文件", "d1", "7.5", "placeholder", "-看记录", "none")]

    def text_like_a_formula(workbook):  # as Excel keeps '=… typed with a leading apostrophe
        cell = cell_of(workbook, "questions", 2, "question::zh")
        cell.value = '=HYPERLINK("http://x")'
        cell.data_type = "s"

    checklist = read_workbook(book(rows, edit=text_like_a_formula)).checklist
    assert checklist.sections[0].questions[0].text.zh == '=HYPERLINK("http://x")'
    workbook = openpyxl.load_workbook(io.BytesIO(write_workbook(checklist)))
    cell = cell_of(workbook, "questions", 2, "question::zh")
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert read_workbook(write_workbook(checklist)).checklist == checklist


def test_marked_workbook_highlights_and_comments_each_bad_cell():
    rows = [ZH_ROWS[0], ("doc", None, "doc-1", "7.5.3", "问题", "指引", "sometimes")]
    data = book(rows)
    problems = read_workbook(data).problems
    marked = mark_problems(data, problems, "zh")
    workbook = openpyxl.load_workbook(io.BytesIO(marked))
    assert workbook.sheetnames[0] == "问题清单"  # in the reader's language
    bad = cell_of(workbook, "questions", 3, "evidence")
    assert bad.fill.fgColor.rgb.endswith("FFC7CE") and "证据要求" in bad.comment.text
    assert bad.comment.author == MARK_AUTHOR
    listing = [[c.value for c in row] for row in workbook["问题清单"].iter_rows(min_row=2)]
    assert len(listing) == len(problems) == 2
    # fixed and sent again: the old marks go, the new round marks what is left
    bad.value = "required"
    fixed = workbook_bytes(workbook)
    again = read_workbook(fixed)
    assert [p.code for p in again.problems] == ["id_duplicate"]
    remarked = openpyxl.load_workbook(io.BytesIO(mark_problems(fixed, again.problems, "en")))
    assert cell_of(remarked, "questions", 3, "evidence").comment is None
    assert "also used in row 2" in cell_of(remarked, "questions", 3, "id").comment.text
    assert len(list(remarked["problems"].iter_rows(min_row=2))) == 1
    assert mark_problems(b"not a workbook", [], "en") is None


def test_a_wrong_stated_dimension_does_not_hide_columns():
    data = book()
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        dimension = re.search(rb'<dimension ref="[^"]+"/>', archive.read("xl/worksheets/sheet1.xml")).group(0)
    wrong = patch_xml(data, "xl/worksheets/sheet1.xml", dimension, b'<dimension ref="A1"/>')
    assert read_workbook(wrong).checklist == read_workbook(data).checklist


def test_the_card_limit_leaves_a_question_card_within_telegrams_limit():
    from bot.prompts import TELEGRAM_TEXT_LIMIT, Prompts
    from bot.services.audit_service import QuestionView
    from devtools.botapi_double import render_text

    quarter = CARD_LIMIT // 4
    for lang in ("zh", "en"):
        view = QuestionView(
            audit_id=1, number="A-2026-001", department="部" * 80, index=499, total=500,
            section_title="章" * quarter, clause="7.1.5.1", text="问" * quarter, guidance="查" * (CARD_LIMIT - 3 * quarter),
            evidence_rule="required", result="minor", notes=["记" * 400] * 5, evidence_count=12, answered=499,
        )
        text = Prompts().render(lang, "audit_question_card", q=view, saved="note")
        plain, _ = render_text(text, "HTML")
        assert len(plain) <= TELEGRAM_TEXT_LIMIT, len(plain)
