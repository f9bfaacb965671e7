"""The .xlsx export: sheets, headers, frozen header rows, filters, real dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from bot.report import build_export, load_export_rows, write_workbook
from bot.report.xlsx_export import SHEETS
from storage.files import FileStore
from tests.report_fixtures import HOSTILE_TEXT, NOW, TZ, create_sample_audit

FORMULA_TEXT = "=HYPERLINK(\"http://evil.example\", \"click\")"


@pytest.fixture
async def workbook(db, tmp_path):
    files = FileStore(tmp_path / "evidence")
    await create_sample_audit(db, files, lang="zh", questions=12, photos=2)
    await create_sample_audit(db, files, lang="en", questions=9, photos=1, text=FORMULA_TEXT + HOSTILE_TEXT)
    await create_sample_audit(db, files, lang="en", questions=5, photos=0, complete=False)
    rows = await load_export_rows(db)
    path = write_workbook(rows, tmp_path / "out" / "export.xlsx", TZ, today=date(2026, 11, 2))
    return openpyxl.load_workbook(path)


def _column(sheet, header: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_sheets_headers_frozen_and_filtered(workbook):
    assert workbook.sheetnames == ["Audits", "Answers", "Findings", "Actions"]
    for title, (_, columns) in SHEETS.items():
        sheet = workbook[title]
        assert [cell.value for cell in sheet[1]] == [column.header for column in columns]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet.auto_filter.ref.endswith(str(sheet.max_row))
    assert workbook["Audits"].max_row == 4
    assert workbook["Answers"].max_row - 1 == (12 - 1) + (9 - 1) + (5 - 1)  # answered + skipped rows


def test_times_are_real_local_dates(workbook):
    audits = workbook["Audits"]
    started = audits.cell(row=2, column=[c.value for c in audits[1]].index("Started") + 1)
    assert started.is_date and isinstance(started.value, datetime)
    assert started.value == NOW.astimezone(TZ).replace(tzinfo=None)  # 02:00 UTC is 10:00 in Shanghai
    assert started.number_format == "yyyy-mm-dd hh:mm"
    actions = workbook["Actions"]
    due = actions.cell(row=2, column=[c.value for c in actions[1]].index("Due date") + 1)
    assert due.is_date and due.value.date() == date(2026, 10, 1)
    assert _column(actions, "Days late")[0] == 32


def test_numbers_are_numbers_and_text_never_a_formula(workbook):
    rates = _column(workbook["Audits"], "Conformity rate")
    assert isinstance(rates[0], float) and 0 < rates[0] < 1
    assert all(isinstance(n, int) for n in _column(workbook["Audits"], "Questions"))
    statements = _column(workbook["Findings"], "Statement")
    hostile = [s for s in statements if s.startswith("=HYPERLINK")]
    assert hostile and all(len(s) <= 32_767 for s in statements)
    sheet = workbook["Findings"]
    column = [c.value for c in sheet[1]].index("Statement")
    assert all(row[column].data_type == "s" for row in sheet.iter_rows(min_row=2))
    assert "\x07" not in hostile[0] and "😀" in hostile[0]


def test_answer_rows_carry_clause_and_question(workbook):
    answers = workbook["Answers"]
    assert "7.5.3" in _column(answers, "Clause")
    assert any("如何控制成文信息" in q for q in _column(answers, "Question"))
    assert set(_column(answers, "Result")) >= {"conform", "minor", "major", "na", "skipped"}


async def test_build_export_for_the_bot(db, tmp_path):
    await create_sample_audit(db, FileStore(tmp_path / "evidence"), questions=4, photos=0)
    path = await build_export(db, TZ, tmp_path / "export.xlsx")
    assert openpyxl.load_workbook(path)["Audits"]["A2"].value == "A-2026-001"
