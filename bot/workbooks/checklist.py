"""Checklists as Excel workbooks: written for a download or a blank template, read back strictly.

The workbook (in the spirit of XLSForm), by its codes::

    questions     section | section_title::zh | section_title::en | id | clause |
                  question::zh | question::en | guidance::zh | guidance::en | evidence
    settings      id | version | title::zh | title::en | description::zh | description::en
    instructions  how to fill it (ignored when read)

It is written in the reader's language: sheet names, column names and the evidence rules are
the labels ``wb_sheet_*``, ``wb_head_*`` and ``wb_evidence_*`` (bot/workbooks/words.py); the
English ones are the codes. It is read back in either language, or with the codes.

Reading checks the whole file and returns every problem at once, each with its sheet,
row and column, worded in the reader's language (``Problem.line(lang)``). Before openpyxl
sees a byte, the workbook guard (bot/workbooks/guard.py) checks the file's size, the zip's
declared sizes and ratios, the number of sheets and of rows, so an oversized file or a zip
bomb is refused cheaply.
"""

from __future__ import annotations

import difflib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError

from bot.domain.checklists import (
    LANGS,
    Checklist,
    ChecklistError,
    EvidenceRule,
    checklist_from_yaml,
)
from bot.prompts import Prompts, default_prompts
from bot.workbooks.guard import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    Problem,
    Refused,
    cell_text,
    escape,
    precheck,
    problem,
    rows_of,
    too_big,
)
from bot.workbooks.words import Choices, Said, Words, labelled, normal

SHEET_QUESTIONS = "questions"
SHEET_SETTINGS = "settings"
SHEET_INSTRUCTIONS = "instructions"
SHEET_PROBLEMS = "problems"
KNOWN_SHEETS = (SHEET_QUESTIONS, SHEET_SETTINGS, SHEET_INSTRUCTIONS, SHEET_PROBLEMS)

TEXT_LIMIT = 1500  # a question, a guidance or a section title (the schema's limit)
TITLE_LIMIT = 120  # a checklist title: shown on a button
CLAUSE_LIMIT = 20
ID_LIMIT = 40  # an id travels in callback data
CARD_LIMIT = 2800  # section title + clause + question + guidance of one question card
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")

# question-sheet columns: (base name, per language?)
QUESTION_COLUMNS = (
    ("section", False), ("section_title", True), ("id", False), ("clause", False),
    ("question", True), ("guidance", True), ("evidence", False),
)
SETTINGS_COLUMNS = (("id", False), ("version", False), ("title", True), ("description", True))
HELP_KEYS = {
    (SHEET_QUESTIONS, "section"): "wb_help_section", (SHEET_QUESTIONS, "section_title"): "wb_help_section_title",
    (SHEET_QUESTIONS, "id"): "wb_help_id", (SHEET_QUESTIONS, "clause"): "wb_help_clause",
    (SHEET_QUESTIONS, "question"): "wb_help_question", (SHEET_QUESTIONS, "guidance"): "wb_help_guidance",
    (SHEET_QUESTIONS, "evidence"): "wb_help_evidence", (SHEET_SETTINGS, "id"): "wb_help_settings_id",
    (SHEET_SETTINGS, "version"): "wb_help_version", (SHEET_SETTINGS, "title"): "wb_help_title",
    (SHEET_SETTINGS, "description"): "wb_help_description",
}
LANG_ALIASES = {
    "zh": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "cn": "zh", "chinese": "zh", "中文": "zh",
    "en": "en", "en-us": "en", "en-gb": "en", "english": "en", "英文": "en",
}
MARK_AUTHOR = "auditbot check"
MARK_FILL = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NO_FILL = PatternFill(fill_type=None)


def column_name(base: str, lang: str | None = None) -> str:
    return f"{base}::{lang}" if lang else base


# --- the words, in either language ---------------------------------------------------------------

@lru_cache(maxsize=4)
def sheet_words(prompts: Prompts) -> Words:
    return labelled(prompts, KNOWN_SHEETS, "wb_sheet_")


def _header_words(prompts: Prompts, spec: tuple[tuple[str, bool], ...], prefix: str) -> Words:
    names = [column_name(base, lang) for base, per_lang in spec for lang in (LANGS if per_lang else (None,))]

    def spell(reader: str) -> dict[str, list[str]]:
        found = {}
        for name in names:
            base, _, lang = name.partition("::")
            values = {"code": lang, "language": prompts.label(reader, f"lang_name_{lang}")} if lang else {}
            found[name] = [prompts.label(reader, prefix + base, **values)]
        return found
    return Words(names, spell)


@lru_cache(maxsize=4)
def question_words(prompts: Prompts) -> Words:
    return _header_words(prompts, QUESTION_COLUMNS, "wb_head_")


@lru_cache(maxsize=4)
def settings_words(prompts: Prompts) -> Words:
    return _header_words(prompts, SETTINGS_COLUMNS, "wb_head_settings_")


@lru_cache(maxsize=4)
def evidence_words(prompts: Prompts) -> Words:
    return labelled(prompts, [rule.value for rule in EvidenceRule], "wb_evidence_")


def _q(name: str) -> Said:
    return Said(name, question_words)


def _s(name: str) -> Said:
    return Said(name, settings_words)


@dataclass
class ReadResult:
    """A checklist when the file is correct; otherwise every problem found."""

    checklist: Checklist | None
    problems: list[Problem] = field(default_factory=list)
    opened: bool = False  # openpyxl could open it (a marked-up copy can be made)


# --- writing ------------------------------------------------------------------------------------


def question_headers(langs: Sequence[str]) -> list[str]:
    return [column_name(base, lang) for base, per_lang in QUESTION_COLUMNS
            for lang in (langs if per_lang else (None,))]


def settings_headers(langs: Sequence[str]) -> list[str]:
    return [column_name(base, lang) for base, per_lang in SETTINGS_COLUMNS
            for lang in (langs if per_lang else (None,))]


def write_workbook(checklist: Checklist | None, *, lang: str = "en", prompts: Prompts | None = None) -> bytes:
    """The workbook of ``checklist``, or the blank template when it is None, in ``lang``."""
    prompts = prompts or default_prompts()
    sheets, evidence = sheet_words(prompts), evidence_words(prompts)
    langs = checklist.languages() if checklist is not None else LANGS
    workbook = openpyxl.Workbook()
    questions = workbook.active
    questions.title = sheets.show(lang, SHEET_QUESTIONS)
    headers = question_headers(langs)
    _write_header(questions, SHEET_QUESTIONS, question_words(prompts), headers, lang, prompts)
    if checklist is not None:
        row = 2
        for section in checklist.sections:
            for index, question in enumerate(section.questions):
                values: dict[str, object] = {"section": section.id, "id": question.id, "clause": question.clause,
                                             "evidence": evidence.show(lang, question.evidence.value)}
                for content in langs:  # the checklist's languages (``lang`` is the reader's)
                    if index == 0:
                        values[column_name("section_title", content)] = _lang_text(section.title, content)
                    values[column_name("question", content)] = _lang_text(question.text, content)
                    values[column_name("guidance", content)] = _lang_text(question.guidance, content)
                for col, name in enumerate(headers, 1):
                    _put(questions.cell(row, col), values.get(name))
                row += 1
    evidence_col = get_column_letter(headers.index("evidence") + 1)
    rule = DataValidation(type="list", formula1=f'"{",".join(evidence.choices(lang))}"', allow_blank=True,
                          showErrorMessage=True, errorTitle=prompts.label(lang, "wb_dv_title"),
                          error=prompts.label(lang, "wb_dv_error", choices=Choices(evidence_words).text(lang, prompts)))
    rule.add(f"{evidence_col}2:{evidence_col}{MAX_ROWS + 1}")
    questions.add_data_validation(rule)
    widths = {"section": 12, "id": 12, "clause": 10, "evidence": 11}
    for col, name in enumerate(headers, 1):
        base = name.split("::")[0]
        questions.column_dimensions[get_column_letter(col)].width = widths.get(base, 45)
        if base in ("section", "id", "clause"):
            questions.column_dimensions[get_column_letter(col)].number_format = "@"

    settings = workbook.create_sheet(sheets.show(lang, SHEET_SETTINGS))
    s_headers = settings_headers(langs)
    _write_header(settings, SHEET_SETTINGS, settings_words(prompts), s_headers, lang, prompts)
    s_values: dict[str, object] = {"version": 1}
    if checklist is not None:
        s_values = {"id": checklist.id, "version": checklist.version}
        for content in langs:
            s_values[column_name("title", content)] = _lang_text(checklist.title, content)
            if checklist.description is not None:
                s_values[column_name("description", content)] = _lang_text(checklist.description, content)
    for col, name in enumerate(s_headers, 1):
        _put(settings.cell(2, col), s_values.get(name))
        settings.column_dimensions[get_column_letter(col)].width = 16 if col <= 2 else 45

    instructions = workbook.create_sheet(sheets.show(lang, SHEET_INSTRUCTIONS))
    instructions.column_dimensions["A"].width = 140
    row = 1
    for text_lang in _reader_first(lang):  # the other language's too: both kinds of names are read
        for number, line in enumerate(prompts.label(text_lang, "wb_instructions").splitlines()):
            cell = instructions.cell(row, 1, line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if number == 0:
                cell.font = Font(bold=True, size=13)
            row += 1
        row += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _reader_first(lang: str) -> tuple[str, ...]:
    """Both languages, the reader's first."""
    return tuple(sorted(LANGS, key=lambda other: other != lang))


def _lang_text(text, lang: str) -> str | None:
    return (text.zh if lang == "zh" else text.en) if text is not None else None


def _write_header(sheet, sheet_name: str, words: Words, headers: list[str], lang: str, prompts: Prompts) -> None:
    """Row 1: each column's name in ``lang``, with its help (in both languages) as a comment."""
    for col, name in enumerate(headers, 1):
        cell = sheet.cell(1, col, words.show(lang, name))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        key = HELP_KEYS.get((sheet_name, name.split("::")[0]))
        if key:
            help_text = "\n".join(prompts.label(text_lang, key) for text_lang in _reader_first(lang))
            cell.comment = Comment(help_text, "auditbot", width=320, height=130)
    sheet.freeze_panes = "A2"


def _put(cell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, str):
        cell.value = escape(value)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    else:
        cell.value = value


# --- reading ------------------------------------------------------------------------------------


def read_workbook(data: bytes, *, prompts: Prompts | None = None) -> ReadResult:
    """The checklist in ``data`` (an .xlsx file, in either language), or every problem with it."""
    try:
        has_formulas = precheck(data)
    except Refused as refused:
        return ReadResult(None, [refused.problem])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return ReadResult(None, [problem("broken")])
    try:
        sheets = {name: rows_of(workbook[name]) for name in workbook.sheetnames}
    except Exception:
        return ReadResult(None, [problem("broken")])
    finally:
        workbook.close()
    formulas: dict[str, set[tuple[int, int]]] = {}
    if has_formulas:
        formulas = _formula_cells(data)
    reader = _Reader(sheets, formulas, prompts or default_prompts())
    checklist = reader.read()
    return ReadResult(checklist if not reader.problems else None, reader.problems, opened=True)


def _formula_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Per sheet, the (row, column) of every formula cell."""
    found: dict[str, set[tuple[int, int]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for name in workbook.sheetnames:
            for r, row in enumerate(rows_of(workbook[name]), 1):
                for c, value in enumerate(row, 1):
                    if isinstance(value, str) and value.startswith("="):
                        found.setdefault(name, set()).add((r, c))
    finally:
        workbook.close()
    return found


@dataclass
class _Column:
    index: int  # 1-based
    name: str  # as canonical: base or base::lang
    base: str
    lang: str | None
    found: str = ""  # as written in the file


@dataclass
class _SectionDraft:
    id: str
    row: int
    titles: dict[str, tuple[str, int]] = field(default_factory=dict)  # lang -> (title, row)
    questions: list[dict] = field(default_factory=list)


class _Reader:
    """Reads the sheets' cell values into a checklist, collecting every problem."""

    def __init__(self, sheets: dict[str, list[tuple]], formulas: dict[str, set[tuple[int, int]]],
                 prompts: Prompts):
        self.sheets = sheets
        self.formulas = formulas
        self.prompts = prompts
        self.problems: list[Problem] = []
        self.settings_sheet: str | None = None
        self.settings_columns: dict[str, _Column] | None = None

    def add(self, code: str, sheet: str | None = None, row: int | None = None, col: _Column | int | None = None,
            /, **values: Any) -> None:
        if isinstance(col, _Column):
            self.problems.append(problem(code, sheet, row, col.index, col.found or col.name, **values))
        else:
            self.problems.append(problem(code, sheet, row, col, None, **values))

    # --- sheets

    def read(self) -> Checklist | None:
        names = self._sheet_names()
        settings = self._settings(names.get(SHEET_SETTINGS))
        sections, langs = self._questions(names.get(SHEET_QUESTIONS))
        if self.problems or settings is None or sections is None:
            return None
        title = {lang: settings["title"][lang] for lang in langs if lang in settings["title"]}
        description = {lang: settings["description"][lang] for lang in langs if lang in settings["description"]}
        raw = {
            "id": settings["id"], "version": settings["version"], "title": title,
            "description": description or None,
            "sections": [
                {"id": s.id, "title": {lang: s.titles[lang][0] for lang in langs}, "questions": s.questions}
                for s in sections
            ],
        }
        try:
            return Checklist.model_validate(raw)
        except ValidationError as exc:  # what the checks above missed, named as the schema names it
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(top)"
                self.add("yaml", text=f"{where}: {err['msg'].removeprefix('Value error, ')}")
            return None

    def _sheet_names(self) -> dict[str, str]:
        """Known sheet -> the workbook's name for it; misspelt and missing sheets reported."""
        words = sheet_words(self.prompts)
        found: dict[str, str] = {}
        others = []
        for name in self.sheets:
            key = words.read(name)
            if key is not None and key not in found:
                found[key] = name
            else:
                others.append(name)
        for expected in (SHEET_QUESTIONS, SHEET_SETTINGS):
            if expected in found:
                continue
            spellings = {text: shown for text, shown in words.spellings.items() if words.read(text) == expected}
            close = [(n, match[0]) for n in others
                     if (match := difflib.get_close_matches(normal(n), list(spellings), n=1, cutoff=0.6))]
            if close:
                self.add("sheet_misspelt", close[0][0], found=close[0][0], expected=spellings[close[0][1]])
                others.remove(close[0][0])
            else:
                self.add("sheet_missing", expected=Said(expected, sheet_words), found=", ".join(self.sheets) or "—")
        return found

    def _header(self, sheet: str, spec: tuple[tuple[str, bool], ...]) -> dict[str, _Column] | None:
        rows = self.sheets[sheet]
        header = rows[0] if rows else ()
        if not any(cell_text(v) for v in header):
            self.add("sheet_empty", sheet)
            return None
        known = {base: per_lang for base, per_lang in spec}
        words = question_words(self.prompts) if spec is QUESTION_COLUMNS else settings_words(self.prompts)
        said = _q if spec is QUESTION_COLUMNS else _s
        columns: dict[str, _Column] = {}
        for index, value in enumerate(header, 1):
            raw = cell_text(value)
            if not raw:
                continue
            name = words.read(raw)
            if name is not None:  # a column's name in either language, or its code
                base, _, lang_code = name.partition("::")
                if name in columns:
                    self.add("column_duplicate", sheet, 1, index, column=said(name),
                             other=get_column_letter(columns[name].index))
                    continue
                columns[name] = _Column(index, name, base, lang_code or None, raw)
                continue
            label = re.sub(r"\s+", "", raw.lower())
            base, _, lang_part = label.partition("::")
            lang = None
            if lang_part:
                inner = re.search(r"\(([^)]*)\)", lang_part)
                lang = LANG_ALIASES.get(inner.group(1) if inner else lang_part)
            if base in known and lang_part and not known[base]:
                lang = None  # a language on a column that has none: ignore it quietly
            elif base in known and known[base] and not lang_part:
                self.add("column_needs_language", sheet, 1, index, found=raw, zh=said(column_name(base, "zh")),
                         en=said(column_name(base, "en")))
                continue
            elif base in known and known[base] and lang is None:
                self.add("column_language", sheet, 1, index, found=raw, language=lang_part)
                continue
            elif base not in known:
                close = difflib.get_close_matches(normal(raw), list(words.spellings), n=1, cutoff=0.75)
                if close:
                    self.add("column_misspelt", sheet, 1, index, found=raw, expected=words.spellings[close[0]])
                continue  # a column of the team's own: ignored
            name = column_name(base, lang)
            if name in columns:
                self.add("column_duplicate", sheet, 1, index, column=said(name),
                         other=get_column_letter(columns[name].index))
                continue
            columns[name] = _Column(index, name, base, lang, raw)
        return columns

    def _cell(self, sheet: str, row_number: int, row: tuple, column: _Column | None) -> str:
        """The text of one cell ('' when empty or when the column is absent)."""
        if column is None or column.index > len(row):
            return ""
        value = row[column.index - 1]
        if (row_number, column.index) in self.formulas.get(sheet, ()) and value is None:
            self.add("formula_no_value", sheet, row_number, column)
            return ""
        if isinstance(value, datetime | date | time):
            self.add("date", sheet, row_number, column, value=cell_text(value))
            return cell_text(value)
        return cell_text(value)

    def _settings(self, sheet: str | None) -> dict | None:
        if sheet is None:
            return None
        columns = self._header(sheet, SETTINGS_COLUMNS)
        if columns is None:
            return None
        row = self.sheets[sheet][1] if len(self.sheets[sheet]) > 1 else ()
        for name in ("id",):
            if name not in columns:
                self.add("column_missing", sheet, 1, column=_s(name))
        result: dict[str, Any] = {"title": {}, "description": {}}
        checklist_id = self._cell(sheet, 2, row, columns.get("id")).lower()
        if "id" in columns:
            if not checklist_id:
                self.add("required", sheet, 2, columns["id"], column=_s("id"))
            elif not ID_RE.match(checklist_id):
                self.add("id_bad", sheet, 2, columns["id"], value=checklist_id, suggestion=_slug(checklist_id))
        result["id"] = checklist_id
        version_text = self._cell(sheet, 2, row, columns.get("version"))
        result["version"] = 1
        if version_text:
            if re.fullmatch(r"[1-9]\d{0,5}", version_text):
                result["version"] = int(version_text)
            else:
                self.add("version_bad", sheet, 2, columns["version"], value=version_text)
        for base in ("title", "description"):
            for lang in LANGS:
                column = columns.get(column_name(base, lang))
                value = self._cell(sheet, 2, row, column)
                if value:
                    limit = TITLE_LIMIT if base == "title" else TEXT_LIMIT
                    if len(value) > limit:
                        self.add("too_long", sheet, 2, column, length=len(value), limit=limit)
                    result[base][lang] = value
        self.settings_sheet, self.settings_columns = sheet, columns
        return result

    def _questions(self, sheet: str | None) -> tuple[list[_SectionDraft] | None, tuple[str, ...]]:
        if sheet is None:
            return None, ()
        columns = self._header(sheet, QUESTION_COLUMNS)
        if columns is None:
            return None, ()
        rows = self.sheets[sheet]
        def filled(name: str) -> bool:
            return name in columns and any(self._peek(row, columns[name]) for row in rows[1:])

        # The checklist's languages: those with questions; else (every question empty) those with
        # any text, so that the empty questions are what gets reported.
        langs = tuple(lang for lang in LANGS if filled(column_name("question", lang)))
        if not langs:
            langs = tuple(lang for lang in LANGS if column_name("question", lang) in columns and (
                filled(column_name("guidance", lang)) or filled(column_name("section_title", lang))))
        if not any(column_name("question", lang) in columns for lang in LANGS):
            self.add("no_question_columns", sheet, 1, zh=_q("question::zh"), en=_q("question::en"))
        for name in ("section", "id", "clause", *(column_name(b, lang) for lang in langs
                                                  for b in ("section_title", "guidance"))):
            if name not in columns:
                self.add("column_missing", sheet, 1, column=_q(name))
        settings_title = self.settings_columns
        if settings_title is not None and self.settings_sheet is not None:
            for lang in langs:
                name = column_name("title", lang)
                title_column = settings_title.get(name)
                settings_row = self.sheets[self.settings_sheet][1] if len(self.sheets[self.settings_sheet]) > 1 else ()
                if title_column is None:
                    self.add("column_missing", self.settings_sheet, 1, column=_s(name))
                elif not self._peek(settings_row, title_column):
                    self.add("required", self.settings_sheet, 2, title_column, column=_s(name))

        sections: list[_SectionDraft] = []
        by_id: dict[str, _SectionDraft] = {}
        question_rows: dict[str, int] = {}
        current: _SectionDraft | None = None
        for number, row in enumerate(rows[1:], 2):
            cells = {name: self._cell(sheet, number, row, column) for name, column in columns.items()}
            if not any(cells.values()):
                continue
            section_id = cells.get("section", "").lower()
            if section_id and (current is None or section_id != current.id):
                if section_id in by_id:
                    self.add("section_split", sheet, number, columns["section"], value=section_id,
                             other=by_id[section_id].questions[-1]["row"] if by_id[section_id].questions
                             else by_id[section_id].row)
                elif not ID_RE.match(section_id):
                    self.add("id_bad", sheet, number, columns["section"], value=section_id,
                             suggestion=_slug(section_id))
                current = by_id.get(section_id) or _SectionDraft(section_id, number)
                if section_id not in by_id:
                    by_id[section_id] = current
                    sections.append(current)
            for lang in langs:
                title = cells.get(column_name("section_title", lang), "")
                if title and current is not None:
                    column = columns[column_name("section_title", lang)]
                    if len(title) > TEXT_LIMIT:
                        self.add("too_long", sheet, number, column, length=len(title), limit=TEXT_LIMIT)
                    if lang not in current.titles:
                        current.titles[lang] = (title, number)
                    elif current.titles[lang][0] != title:
                        self.add("section_title_differs", sheet, number, column, value=current.id,
                                 other=current.titles[lang][1])
            texts = [cells.get(column_name(base, lang), "") for base in ("question", "guidance") for lang in LANGS]
            if not (cells.get("id") or cells.get("clause") or any(texts)):
                continue  # a row that only names a section
            if current is None and "section" in columns:
                self.add("section_missing", sheet, number, columns["section"], column=_q("section"))
            question = self._question(sheet, number, cells, columns, langs, question_rows, current)
            if current is not None:
                current.questions.append(question)
        for section in sections:
            for lang in langs:
                name = column_name("section_title", lang)
                if lang not in section.titles and name in columns:
                    self.add("section_title_missing", sheet, section.row, columns[name], value=section.id,
                             column=_q(name))
            if not section.questions:
                self.add("section_empty", sheet, section.row, columns.get("section"), value=section.id)
        if not question_rows and langs and "id" in columns:
            self.add("no_questions", sheet)
        elif not langs and any(column_name("question", lang) in columns for lang in LANGS):
            self.add("no_questions", sheet)
        for section in sections:
            for question in section.questions:
                question.pop("row", None)
        return sections, langs

    @staticmethod
    def _peek(row: tuple, column: _Column) -> bool:
        return column.index <= len(row) and bool(cell_text(row[column.index - 1]))

    def _question(self, sheet: str, number: int, cells: dict[str, str], columns: dict[str, _Column],
                  langs: tuple[str, ...], seen: dict[str, int], section: _SectionDraft | None) -> dict:
        question_id = cells.get("id", "").lower()
        if "id" in columns:
            if not question_id:
                self.add("required", sheet, number, columns["id"], column=_q("id"))
            elif not ID_RE.match(question_id):
                self.add("id_bad", sheet, number, columns["id"], value=question_id, suggestion=_slug(question_id))
            elif question_id in seen:
                self.add("id_duplicate", sheet, number, columns["id"], value=question_id, other=seen[question_id])
            else:
                seen[question_id] = number
        clause = cells.get("clause", "")
        if "clause" in columns:
            if not clause:
                self.add("required", sheet, number, columns["clause"], column=_q("clause"))
            elif len(clause) > CLAUSE_LIMIT:
                self.add("too_long", sheet, number, columns["clause"], length=len(clause), limit=CLAUSE_LIMIT)
        text: dict[str, str] = {}
        guidance: dict[str, str] = {}
        any_question = any(cells.get(column_name("question", lang)) for lang in langs)
        for lang in langs:
            q_col = columns[column_name("question", lang)]
            q_text = cells.get(q_col.name, "")
            if not q_text:
                if any_question:
                    self.add("translation_missing", sheet, number, q_col, column=_q(q_col.name), language=lang)
                elif lang == langs[0]:
                    self.add("question_empty", sheet, number, q_col)
            elif len(q_text) > TEXT_LIMIT:
                self.add("too_long", sheet, number, q_col, length=len(q_text), limit=TEXT_LIMIT)
            text[lang] = q_text
            g_col = columns.get(column_name("guidance", lang))
            g_text = cells.get(column_name("guidance", lang), "")
            if g_col is not None:
                if not g_text:
                    other = any(cells.get(column_name("guidance", o)) for o in langs if o != lang)
                    self.add("translation_missing" if other else "required", sheet, number, g_col,
                             column=_q(g_col.name), language=lang)
                elif len(g_text) > TEXT_LIMIT:
                    self.add("too_long", sheet, number, g_col, length=len(g_text), limit=TEXT_LIMIT)
            guidance[lang] = g_text
            title = section.titles.get(lang, ("", 0))[0] if section is not None else ""
            card = len(title) + len(clause) + len(q_text) + len(g_text)
            if card > CARD_LIMIT and len(q_text) <= TEXT_LIMIT and len(g_text) <= TEXT_LIMIT:
                self.add("card_too_long", sheet, number, g_col or q_col, length=card, limit=CARD_LIMIT,
                         language=lang)
        for lang in LANGS:
            if lang in langs:
                continue
            for base in ("question", "guidance", "section_title"):
                column = columns.get(column_name(base, lang))
                if column is not None and cells.get(column.name):
                    self.add("lang_unused", sheet, number, column, language=lang,
                             question=_q(column_name("question", lang)))
        evidence = "optional"
        raw_rule = cells.get("evidence", "")
        if raw_rule:
            evidence = evidence_words(self.prompts).read(raw_rule) or ""
            if not evidence:
                self.add("evidence_unknown", sheet, number, columns["evidence"], value=raw_rule,
                         choices=Choices(evidence_words))
                evidence = "optional"
        return {
            "id": question_id, "clause": clause, "text": {k: v for k, v in text.items() if v},
            "guidance": {k: v for k, v in guidance.items() if v}, "evidence": EvidenceRule(evidence).value,
            "row": number,
        }


def _slug(value: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", value.lower()).strip("-._")[:ID_LIMIT]
    return slug or "my-checklist"


# --- marking up ---------------------------------------------------------------------------------


def mark_problems(data: bytes, problems: Iterable[Problem], lang: str, *,
                  prompts: Prompts | None = None) -> bytes | None:
    """The workbook with each problem's cell highlighted and commented, and a problems sheet first.

    Marks of an earlier round are removed first. None when the file cannot be opened.
    """
    prompts = prompts or default_prompts()
    problems = list(problems)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        return None
    sheets = sheet_words(prompts)
    for sheet in workbook.worksheets:
        if sheets.read(sheet.title) == SHEET_PROBLEMS:
            workbook.remove(sheet)
            continue
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == MARK_AUTHOR:
                    cell.comment = None
                    cell.fill = NO_FILL
    notes: dict[tuple[str, int, int], list[str]] = {}
    for found in problems:
        if found.sheet is None or found.sheet not in workbook.sheetnames:
            continue
        key = (found.sheet, found.row or 1, found.column or 1)
        notes.setdefault(key, []).append(found.message(lang, prompts))
    for (sheet_name, row, column), texts in notes.items():
        cell = workbook[sheet_name].cell(row, column)
        cell.fill = MARK_FILL
        cell.comment = Comment("\n".join(texts), MARK_AUTHOR, width=360, height=60 + 40 * len(texts))
    listing = workbook.create_sheet(sheets.show(lang, SHEET_PROBLEMS), 0)
    listing.sheet_properties.tabColor = "C00000"
    headers = [prompts.label(lang, k) for k in ("wb_col_sheet", "wb_col_row", "wb_col_column", "wb_col_problem")]
    for col, text in enumerate(headers, 1):
        listing.cell(1, col, text).font = Font(bold=True)
    for number, found in enumerate(problems, 2):
        listing.cell(number, 1, found.sheet or "")
        listing.cell(number, 2, found.row)
        letter = get_column_letter(found.column) if found.column else ""
        listing.cell(number, 3, f"{letter} ({found.header})" if found.header else letter)
        cell = listing.cell(number, 4)
        cell.value = escape(found.message(lang, prompts))
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (14, 6, 22, 100), strict=True):
        listing.column_dimensions[letter].width = width
    workbook.active = 0
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is listing
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- any checklist file -------------------------------------------------------------------------

YAML_SUFFIXES = (".yaml", ".yml")


def read_checklist_file(name: str, data: bytes, *, prompts: Prompts | None = None) -> ReadResult:
    """A workbook or a YAML checklist, by its name; every problem at once."""
    if not name.lower().endswith(YAML_SUFFIXES):
        return read_workbook(data, prompts=prompts)
    if not data:
        return ReadResult(None, [problem("file_empty")])
    if len(data) > MAX_FILE_BYTES:
        return ReadResult(None, [too_big(len(data))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ReadResult(None, [problem("yaml_encoding")])
    try:
        checklist = checklist_from_yaml(text, Path(name))
    except ChecklistError as exc:
        return ReadResult(None, [problem("yaml", text=message) for message in exc.problems])
    if len(checklist.id) > ID_LIMIT or any(len(s.id) > ID_LIMIT for s in checklist.sections):
        return ReadResult(None, [problem("yaml", text=f"id: at most {ID_LIMIT} characters")])
    return ReadResult(checklist, [])
