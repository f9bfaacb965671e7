"""The .xlsx export: every audit, answer, finding and corrective action, ready to pivot.

One sheet per kind of row (Audits, Answers, Findings, Actions), each with a frozen,
filterable header row. Times are real Excel date-times in the display time zone (Excel
has no time zones, so the zone is applied here and dropped), due dates are real dates,
counts and rates are numbers. Text is cleaned of characters Excel cannot hold and never
becomes a formula.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.agency import AgencyProfile
from bot.domain.checklists import Checklist
from bot.report.data import (
    clean_text,
    conformity_rate,
    days_late,
    json_dict,
    parse_date,
    root_causes,
)
from storage.db import Database
from storage.files import save_atomically
from storage.repos import reports
from storage.times import from_db

EXCEL_CELL_LIMIT = 32_767
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")


@dataclass
class ExportRows:
    """The rows of each sheet as dicts (times are aware UTC datetimes)."""

    audits: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


async def load_export_rows(db: Database) -> ExportRows:
    """Read everything the workbook shows (one short read of the whole database)."""
    async with db.read() as conn:
        audit_rows = await reports.export_audits(conn)
        answer_rows = await reports.export_answers(conn)
        finding_rows = await reports.export_findings(conn)
        action_rows = await reports.export_actions(conn)
    audits = {row["id"]: _audit(row) for row in audit_rows}
    rows = ExportRows(audits=list(audits.values()))
    rows.answers = [_with_question(dict(row), audits) for row in answer_rows]
    rows.findings = [_with_question(dict(row), audits) for row in finding_rows]
    rows.actions = [_with_question(dict(row), audits) for row in action_rows]
    for audit in rows.audits:
        audit["results"] = Counter()
    for answer in rows.answers:
        audits[answer["audit_id"]]["results"][answer["result"]] += 1
    return rows


def _audit(row: Any) -> dict[str, Any]:
    """An audit row plus its plan card and the questions of its checklist snapshot."""
    audit = dict(row)
    checklist = Checklist.from_json(audit.pop("checklist_json"))
    lang = audit["lang"]
    audit["checklist"] = checklist.title.get(lang)
    audit["questions"] = {
        q.id: (s.title.get(lang), q.clause, q.text.get(lang)) for s, q in checklist.questions()
    }
    audit["plan"] = json_dict(audit.get("plan_json"))
    return audit


def _with_question(row: dict[str, Any], audits: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """``row`` with its audit's number and department and its question's section, clause, text."""
    audit = audits.get(row["audit_id"], {})
    row["audit_number"] = audit.get("number", "")
    row.setdefault("department", audit.get("department", ""))
    section, clause, text = audit.get("questions", {}).get(row["question_id"], ("", "", ""))
    row.update(section=section, clause=clause, question=text)
    return row


# --- sheet layout ---------------------------------------------------------------------------

Translate = Callable[[str], str | None]  # a label key -> its text in the reader's language (None: none)


@dataclass(frozen=True)
class _Context:
    tz: tzinfo
    today: date
    translate: Translate | None = None


Getter = Callable[[dict[str, Any], _Context], Any]


@dataclass(frozen=True)
class Column:
    header: str  # in English; translated through the label export_col_<slug of header>
    get: Getter
    width: float = 14
    number_format: str | None = None
    values: str | None = None  # codes (results, states…) shown through labels <values><code>

    @property
    def key(self) -> str:
        return "export_col_" + re.sub(r"[^a-z0-9]+", "_", self.header.lower()).strip("_")


def _key(name: str) -> Getter:
    return lambda row, ctx: row.get(name)


def _plan(name: str) -> Getter:
    return lambda row, ctx: row["plan"].get(name)


def _time(name: str) -> Getter:
    """A stored UTC time as a naive local datetime (what Excel can hold)."""
    def get(row: dict[str, Any], ctx: _Context) -> datetime | None:
        moment = from_db(row.get(name))
        return moment.astimezone(ctx.tz).replace(tzinfo=None) if moment else None
    return get


def _day(name: str) -> Getter:
    """An ISO date as a date; text that is not a date stays text."""
    return lambda row, ctx: parse_date(row.get(name)) or row.get(name)


def _count(result: str) -> Getter:
    return lambda row, ctx: row["results"][result]


def _answered(row: dict[str, Any], ctx: _Context) -> int:
    return sum(n for result, n in row["results"].items() if result != "skipped")


def _rate(row: dict[str, Any], ctx: _Context) -> float | None:
    """The conformity rate, as in the report."""
    return conformity_rate(row["results"])


def _late(row: dict[str, Any], ctx: _Context) -> int:
    closed = _time("closed_at")(row, ctx)
    return days_late(parse_date(row.get("due_date")), closed.date() if closed else None, ctx.today)


def _late_original(row: dict[str, Any], ctx: _Context) -> int:
    """Days late against the first due date (an extension granted does not move it)."""
    closed = _time("closed_at")(row, ctx)
    due = parse_date(row.get("original_due_date") or row.get("due_date"))
    return days_late(due, closed.date() if closed else None, ctx.today)


def _original_due(row: dict[str, Any], ctx: _Context) -> Any:
    return _day("original_due_date")(row, ctx) or _day("due_date")(row, ctx)


def _days_to_close(row: dict[str, Any], ctx: _Context) -> int | None:
    """Whole days from the action's creation to its closure (local dates); None while open."""
    created, closed = _time("created_at")(row, ctx), _time("closed_at")(row, ctx)
    return (closed.date() - created.date()).days if created and closed else None


def _extended_due(row: dict[str, Any], ctx: _Context) -> Any:
    """The due date in force when it was extended (empty when never extended)."""
    return _day("due_date")(row, ctx) if row.get("original_due_date") else None


def _whys(row: dict[str, Any], ctx: _Context) -> str:
    return "\n".join(root_causes(row.get("root_cause_json")))


# Per-result count columns of the Audits sheet, in bot.report.data.RESULTS order.
_RESULT_HEADERS = {"conform": "Conform", "minor": "Minor NC", "major": "Major NC",
                   "observation": "Observations", "ofi": "OFIs", "good": "Good practices",
                   "na": "N/A"}

SHEETS: dict[str, tuple[str, Sequence[Column]]] = {
    "Audits": ("audits", (
        Column("Audit", _key("number"), 13), Column("Department", _key("department"), 22),
        Column("Checklist", _key("checklist"), 30), Column("Checklist version", _key("checklist_version"), 9),
        Column("Language", _key("lang"), 9, values="lang_name_"), Column("Status", _key("status"), 12, values="export_status_"),
        Column("Audit client", _plan("audit_client"), 20), Column("Objectives", _plan("objectives"), 30),
        Column("Scope", _plan("scope"), 30), Column("Criteria", _plan("criteria"), 24),
        Column("Places", _plan("location"), 18), Column("Planned dates", _plan("date"), 16),
        Column("Started", _time("created_at"), 17, DATETIME_FORMAT),
        Column("Completed", _time("completed_at"), 17, DATETIME_FORMAT),
        Column("Team leader", _key("leaders"), 16), Column("Auditors", _key("auditors"), 22),
        Column("Questions", lambda row, ctx: len(row["questions"]), 10),
        Column("Answered", _answered, 10),
        *(Column(header, _count(result), 10) for result, header in _RESULT_HEADERS.items()),
        Column("Not answered", lambda row, ctx: len(row["questions"]) - _answered(row, ctx), 10),
        Column("Conformity rate", _rate, 11, PERCENT_FORMAT),
    )),
    "Answers": ("answers", (
        Column("Audit", _key("audit_number"), 13), Column("Department", _key("department"), 22),
        Column("Section", _key("section"), 26), Column("Clause", _key("clause"), 8),
        Column("Question ID", _key("question_id"), 10), Column("Question", _key("question"), 50),
        Column("Result", _key("result"), 12, values="export_result_"), Column("Answered by", _key("person"), 16),
        Column("Answered at", _time("answered_at"), 17, DATETIME_FORMAT),
        Column("Notes", _key("notes"), 50), Column("Evidence files", _key("files"), 10),
    )),
    "Findings": ("findings", (
        Column("Audit", _key("audit_number"), 13), Column("Department", _key("department"), 22),
        Column("Finding", _key("number"), 9), Column("Kind", _key("kind"), 12, values="export_result_"),
        Column("Clause", _key("clause"), 8), Column("Question", _key("question"), 50),
        Column("Statement", _key("statement"), 50),
        Column("Recorded", _time("created_at"), 17, DATETIME_FORMAT),
    )),
    "Actions": ("actions", (
        Column("Audit", _key("audit_number"), 13), Column("Department", _key("department"), 22),
        Column("Finding", _key("number"), 9), Column("Kind", _key("kind"), 10, values="export_result_"),
        Column("Clause", _key("clause"), 8), Column("State", _key("state"), 12, values="capa_state_"),
        Column("Due date", _day("due_date"), 12, DATE_FORMAT), Column("Days late", _late, 9),
        Column("Original due date", _original_due, 12, DATE_FORMAT),
        Column("Extended due date", _extended_due, 12, DATE_FORMAT),
        Column("Days late (original due date)", _late_original, 9),
        Column("Days to close", _days_to_close, 9),
        Column("Target date", _day("target_date"), 12, DATE_FORMAT),
        Column("Correction", _key("correction"), 30), Column("Root cause", _whys, 30),
        Column("Same problem elsewhere", _key("elsewhere"), 24),
        Column("Action plan", _key("action_plan"), 30), Column("Implementation", _key("implementation"), 30),
        Column("Effectiveness", _key("effectiveness"), 30), Column("Auditor", _key("auditor"), 16),
        Column("Created", _time("created_at"), 17, DATETIME_FORMAT),
        Column("Planned", _time("planned_at"), 17, DATETIME_FORMAT),
        Column("Plan accepted", _time("plan_accepted_at"), 17, DATETIME_FORMAT),
        Column("Implemented", _time("implemented_at"), 17, DATETIME_FORMAT),
        Column("Closed", _time("closed_at"), 17, DATETIME_FORMAT),
    )),
}


# --- writing --------------------------------------------------------------------------------

def write_workbook(rows: ExportRows, path: Path | str, tz: tzinfo, *, today: date | None = None,
                   translate: Translate | None = None, agency: AgencyProfile | None = None,
                   lang: str = "en") -> Path:
    """Write the workbook to ``path`` (atomically) and return the path. Blocking.

    With ``translate`` (a label lookup in the reader's language) the sheet names, headers
    and coded values (results, statuses, states) are in that language; else English and codes.
    With ``agency`` its name (in ``lang``) heads every printed page and its confidentiality
    line and footer text are at the foot.
    """
    ctx = _Context(tz, today or datetime.now(tz).date(), translate)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (attribute, columns) in SHEETS.items():
        name = _translated(ctx, f"export_sheet_{attribute}") or title
        sheet = workbook.create_sheet(name[:31])
        _sheet(sheet, columns, getattr(rows, attribute), ctx)
        if agency is not None and not agency.empty:
            _print_agency(sheet, agency, lang)
    return save_atomically(workbook.save, Path(path))


def _print_agency(sheet: Worksheet, agency: AgencyProfile, lang: str) -> None:
    """The agency on the printed pages: its name in the header, its lines in the footer."""
    # '&' starts a header code in Excel: doubled, it prints as itself
    sheet.oddHeader.left.text = clean_text(agency.name(lang)).replace("&", "&&")[:100]
    sheet.oddFooter.left.text = clean_text(agency.confidentiality).replace("&", "&&")[:100]
    sheet.oddFooter.center.text = clean_text(agency.footer).replace("&", "&&")[:100]
    sheet.oddFooter.right.text = "&P / &N"


def _translated(ctx: _Context, key: str) -> str | None:
    return ctx.translate(key) if ctx.translate is not None else None


def _sheet(sheet: Worksheet, columns: Sequence[Column], records: list[dict[str, Any]], ctx: _Context) -> None:
    sheet.append([_translated(ctx, column.key) or column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row, record in enumerate(records, 2):
        sheet.append([_cell_value(_value(column, record, ctx)) for column in columns])
        # sheet.cell is a lookup; sheet[sheet.max_row] scans every cell (quadratic in the rows)
        _format_row([sheet.cell(row, index) for index in range(1, len(columns) + 1)], columns)
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 2)}"


def _value(column: Column, record: dict[str, Any], ctx: _Context) -> Any:
    value = column.get(record, ctx)
    if column.values and isinstance(value, str) and value:
        return _translated(ctx, column.values + value) or value
    return value


def _cell_value(value: Any) -> Any:
    """Numbers and dates as they are; text cleaned and cut to what a cell holds."""
    if value is None or isinstance(value, (int, float, date, datetime)):
        return value
    return clean_text(value)[:EXCEL_CELL_LIMIT]


def _format_row(cells: Sequence[Any], columns: Sequence[Column]) -> None:
    for cell, column in zip(cells, columns, strict=True):
        if column.number_format and isinstance(cell.value, (date, datetime, float)):
            cell.number_format = column.number_format
        if cell.data_type == "f":  # typed text starting with '=' stays text
            cell.data_type = "s"
