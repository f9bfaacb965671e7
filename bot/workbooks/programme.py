"""The audit programme as an Excel workbook: written for /programme's export, read back strictly.

One sheet, ``programme``, one planned audit a row (by the columns' codes)::

    id | department | checklist | window_start | window_end | risk | team | state | impartiality

``id`` is empty on a new row; ``team`` lists auditors' names separated by commas; ``state``
and ``impartiality`` are written for the reader and ignored when read. The sheet's and the
columns' names and the risks are written in the reader's language (labels ``wb_pg_sheet_*``,
``wb_pg_col_*``, ``wb_pg_risk_*``; the English ones are the codes) and read in either language
(a risk also as the programme's own words, ``programme_risk_*``: 高风险, High risk). Reading checks the
file the way the checklist workbook does (the guard, bot/workbooks/guard.py: size, zip,
formats; every problem at once with its row and column); what the names mean (departments,
checklists, auditors, windows) is checked by ProgrammeService, which adds its problems to the
same list.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bot.domain.vocabulary import Risk
from bot.prompts import Prompts, default_prompts
from bot.workbooks import guard
from bot.workbooks.words import Choices, Said, Words, labelled

SHEET = "programme"
INSTRUCTIONS = "instructions"
COLUMNS = ("id", "department", "checklist", "window_start", "window_end", "risk", "team", "state", "impartiality")
REQUIRED = ("department", "checklist", "window_start", "window_end", "risk", "team")
MAX_ROWS = 1000
_SPLIT_NAMES = re.compile(r"\s*[,，、;；]\s*")


@dataclass
class Row:
    """One row as typed (checked for form only): its number and each column's index."""

    number: int
    item_id: int | None
    department: str
    checklist: str
    window_start: date | None
    window_end: date | None
    risk: str
    team: list[str]
    column: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # each column's name as written in the file
    sheet: str = SHEET  # the sheet's name as written in the file


@dataclass
class ReadResult:
    rows: list[Row]
    problems: list[guard.Problem]


def problem(code: str, row: Row | None = None, column: str | None = None, /, **values) -> guard.Problem:
    """A problem at ``row`` and ``column`` (a column's code) of the programme sheet."""
    index = row.column.get(column) if row is not None and column else None
    header = row.headers.get(column, column) if row is not None and column else column
    return guard.problem(code, row.sheet if row else SHEET, row.number if row else None, index, header, **values)


# --- the words, in either language -------------------------------------------------------------------

@lru_cache(maxsize=4)
def sheet_words(prompts: Prompts) -> Words:
    return labelled(prompts, (SHEET, INSTRUCTIONS), "wb_pg_sheet_")


@lru_cache(maxsize=4)
def column_words(prompts: Prompts) -> Words:
    return labelled(prompts, COLUMNS, "wb_pg_col_")


@lru_cache(maxsize=4)
def risk_words(prompts: Prompts) -> Words:
    return labelled(prompts, [risk.value for risk in Risk], "wb_pg_risk_", "programme_risk_")


def _column(name: str) -> Said:
    return Said(name, column_words)


# --- writing ---------------------------------------------------------------------------------------

def write_programme(items: list[dict], lang: str, prompts: Prompts | None = None) -> bytes:
    """``items``: dicts with the COLUMNS' values (team a list of names; impartiality a text)."""
    prompts = prompts or default_prompts()
    columns, risks, sheets = column_words(prompts), risk_words(prompts), sheet_words(prompts)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheets.show(lang, SHEET)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for index, name in enumerate(COLUMNS, 1):
        cell = sheet.cell(1, index, columns.show(lang, name))
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(index)].width = (8, 24, 24, 13, 13, 9, 30, 14, 40)[index - 1]
    for number, item in enumerate(items, 2):
        values = [item["id"], item["department"], item["checklist"], item["window_start"].isoformat(),
                  item["window_end"].isoformat(), risks.show(lang, item["risk"]), ", ".join(item["team"]),
                  prompts.label(lang, f"programme_state_{item['state']}"), item.get("impartiality", "")]
        for index, value in enumerate(values, 1):
            cell = sheet.cell(number, index, guard.escape(value) if isinstance(value, str) else value)
            cell.alignment = Alignment(vertical="top", wrap_text=index in (7, 9))
    letter = get_column_letter(COLUMNS.index("risk") + 1)
    rule = DataValidation(type="list", formula1=f'"{",".join(risks.choices(lang))}"', allow_blank=True,
                          showErrorMessage=True, errorTitle=columns.show(lang, "risk"),
                          error=prompts.label(lang, "wb_dv_error", choices=Choices(risk_words).text(lang, prompts)))
    rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    note = book.create_sheet(sheets.show(lang, INSTRUCTIONS))
    for number, line in enumerate(prompts.label(lang, "wb_pg_instructions").split("\n"), 1):
        note.cell(number, 1, line)
    note.column_dimensions["A"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------------

def read_programme(data: bytes, prompts: Prompts | None = None) -> ReadResult:
    """The rows of a programme workbook in either language, or every problem of form."""
    prompts = prompts or default_prompts()
    columns, risks, sheets = column_words(prompts), risk_words(prompts), sheet_words(prompts)
    try:
        guard.precheck(data)
    except guard.Refused as refused:
        return ReadResult([], [refused.problem])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return ReadResult([], [guard.problem("broken")])
    try:
        sheet = next((name for name in book.sheetnames if sheets.read(name) == SHEET), None)
        if sheet is None:
            return ReadResult([], [guard.problem("sheet_missing", expected=Said(SHEET, sheet_words),
                                                 found=", ".join(book.sheetnames))])
        raw = guard.rows_of(book[sheet])
    except Exception:
        return ReadResult([], [guard.problem("broken")])
    finally:
        book.close()
    if len(raw) > MAX_ROWS + 1:
        return ReadResult([], [guard.problem("too_many_rows", sheet, sheet=sheet, count=len(raw), limit=MAX_ROWS)])
    if not raw or not any(guard.cell_text(v) for v in raw[0]):
        return ReadResult([], [guard.problem("sheet_empty", sheet)])
    header: dict[str, int] = {}
    found: dict[str, str] = {}
    for index, value in enumerate(raw[0]):
        name = columns.read(guard.cell_text(value))
        if name is not None and name not in header:
            header[name], found[name] = index, guard.cell_text(value)
    problems = [guard.problem("column_missing", sheet, None, None, None, column=_column(name))
                for name in ("id", *REQUIRED) if name not in header]
    if problems:
        return ReadResult([], problems)
    column = {name: header[name] + 1 for name in COLUMNS if name in header}
    rows = []
    for number, values in enumerate(raw[1:], 2):
        cells = {name: guard.cell_text(values[header[name]]) if header[name] < len(values) else "" for name in column}
        if not any(cells.get(name) for name in ("id", *REQUIRED)):
            continue  # an empty row
        row = Row(number, None, cells["department"], cells["checklist"], None, None,
                  risks.read(cells["risk"]) or "", [n for n in _SPLIT_NAMES.split(cells["team"]) if n], column,
                  found, sheet)
        if cells["id"]:
            if cells["id"].isdigit() and len(cells["id"]) <= 12:
                row.item_id = int(cells["id"])
            else:
                problems.append(problem("pg_id_bad", row, "id", value=cells["id"]))
        for name in REQUIRED:
            if not cells[name]:
                problems.append(problem("required", row, name, column=_column(name)))
        for name in ("window_start", "window_end"):
            if cells[name]:
                try:
                    setattr(row, name, date.fromisoformat(cells[name][:10]))
                except ValueError:
                    problems.append(problem("pg_date_bad", row, name, value=cells[name]))
        if cells["risk"] and not row.risk:
            problems.append(problem("pg_risk_bad", row, "risk", value=cells["risk"], choices=Choices(risk_words)))
        rows.append(row)
    return ReadResult(rows, problems)
