"""The figures of the management review as an .xlsx workbook: one sheet per table.

Same sheet habits as /export (bot/report/xlsx_export.py, whose sheet writer is reused):
a frozen, filterable header row, numbers as numbers, rates as percentages, dates as
dates, text cleaned. Headers and sheet names in the review's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bot.prompts import default_prompts
from bot.report.review.figures import FINDING_COLUMNS, ReviewFigures
from bot.report.xlsx_export import DATE_FORMAT, PERCENT_FORMAT, Column, _Context, _key, _sheet
from storage.files import save_atomically

DAYS_FORMAT = "0.0"
SHEET_NAME_LIMIT = 31
_INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def write_review_workbook(figures: ReviewFigures, lang: str, out_path: Path | str) -> Path:
    """Write the workbook of ``figures`` in ``lang`` to ``out_path`` (atomically). Blocking."""
    prompts = default_prompts()

    def t(key: str) -> str:
        return prompts.label(lang, f"review_{key}")

    def col(key: str, name: str, width: float = 14, number_format: str | None = None) -> Column:
        return Column(t(key), _key(name), width, number_format)

    kinds = [col(f"kind_{k}", k, 12) for k in FINDING_COLUMNS]
    rate = col("col_rate", "rate", 12, PERCENT_FORMAT)
    sheets: list[tuple[str, Sequence[Column], list[dict[str, Any]]]] = [
        ("sheet_audits", [col("col_audit", "number", 14), col("col_department", "department", 24),
                          col("col_completed", "completed", 12, DATE_FORMAT), col("col_conform", "conform", 10),
                          col("col_applicable", "applicable", 12), rate, col("col_nc", "nc", 12)],
         [{"number": a.number, "department": a.department, "completed": a.completed_on,
           "conform": a.conform, "applicable": a.applicable,
           "rate": a.rate, "nc": a.nonconformities} for a in figures.audits]),
        ("sheet_rate_department", [col("col_department", "name", 24), col("col_audits", "audits", 10),
                                   col("col_conform", "conform", 10), col("col_applicable", "applicable", 12), rate],
         [_rate_row(line) for line in figures.by_department]),
        ("sheet_rate_quarter", [col("col_quarter", "name", 12), col("col_audits", "audits", 10),
                                col("col_conform", "conform", 10), col("col_applicable", "applicable", 12), rate],
         [_rate_row(line) for line in figures.by_quarter]),
        ("sheet_by_clause", [col("col_clause", "name", 10), *kinds, col("col_total", "total", 10),
                             col("col_repeats", "repeats", 10)],
         [_finding_row(line) for line in figures.by_clause]),
        ("sheet_by_department", [col("col_department", "name", 24), *kinds, col("col_total", "total", 10),
                                 col("col_repeats", "repeats", 10)],
         [_finding_row(line) for line in figures.findings_by_department]),
        ("sheet_repeats", [col("col_audit", "audit", 14), col("col_department", "department", 24),
                           col("col_clause", "clause", 10), col("col_finding", "finding", 10),
                           col("col_previous_audit", "previous_audit", 14),
                           col("col_previous_findings", "previous_findings", 18)],
         [_fields(r) for r in figures.repeats]),
        ("sheet_actions", [col("col_figure", "figure", 40), col("col_value", "value", 14)],
         _action_figures(figures, t)),
        ("sheet_actions_department", [
            col("col_department", "name", 24), col("col_raised", "raised", 9), col("col_open", "open", 9),
            col("col_overdue", "overdue", 9), col("col_closed", "closed", 9),
            col("col_on_time_count", "on_time", 12), col("col_on_time", "on_time_rate", 12, PERCENT_FORMAT),
            col("col_mean", "mean", 12, DAYS_FORMAT), col("col_median", "median", 12, DAYS_FORMAT),
            col("col_rejected", "rejected", 10)],
         [_action_row(line) for line in figures.actions_by_department]),
        ("sheet_rejected", [col("col_audit", "audit", 14), col("col_finding", "finding", 10),
                            col("col_department", "department", 24), col("col_times", "rejections", 10),
                            col("col_state", "state", 14), col("col_reason", "reason", 50)],
         [{**_fields(r), "state": prompts.label(lang, f"capa_state_{r.state}")} for r in figures.rejected]),
        ("sheet_trend", [col("col_day", "day", 12, DATE_FORMAT), col("col_open", "open", 10),
                         col("col_overdue", "overdue", 10), col("col_closed_in_day", "closed", 12)],
         [_fields(day) for day in figures.trend]),
        ("sheet_trend_department", [col("col_day", "day", 12, DATE_FORMAT), col("col_department", "department", 24),
                                    col("col_open", "open", 10), col("col_overdue", "overdue", 10),
                                    col("col_closed_in_day", "closed", 12)],
         [_fields(day) for day in figures.trend_by_department]),
        ("sheet_definitions", [col("col_figure", "figure", 30), col("col_definition", "definition", 100)],
         [{"figure": t(f"def_{key}_name"), "definition": t(f"def_{key}")} for key in DEFINITIONS]),
    ]
    ctx = _Context(UTC, figures.today)  # the review holds local dates only: no time to convert
    workbook = Workbook()
    workbook.remove(workbook.active)
    for key, columns, rows in sheets:
        _sheet(workbook.create_sheet(_sheet_name(t(key))), columns, rows, ctx)
    return save_atomically(workbook.save, Path(out_path))


DEFINITIONS = ("audits_done", "planned", "conformity", "quarter", "by_clause", "repeat", "open", "overdue",
               "closed", "on_time", "days", "rejected", "effectiveness", "snapshot")


def _sheet_name(text: str) -> str:
    return text.translate(_INVALID_SHEET_CHARS)[:SHEET_NAME_LIMIT]


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _rate_row(line: Any) -> dict[str, Any]:
    return {"name": line.name, "audits": line.audits, "conform": line.conform, "applicable": line.applicable,
            "rate": line.rate}


def _finding_row(line: Any) -> dict[str, Any]:
    return {"name": line.name, **{k: line.kinds[k] for k in FINDING_COLUMNS}, "total": line.total,
            "repeats": line.repeats}


def _action_row(line: Any) -> dict[str, Any]:
    return {"name": line.name, "raised": line.raised, "open": line.open, "overdue": line.overdue,
            "closed": line.closed, "on_time": line.on_time, "on_time_rate": line.on_time_rate,
            "mean": line.mean_days, "median": line.median_days, "rejected": line.rejected}


def _action_figures(figures: ReviewFigures, t: Any) -> list[dict[str, Any]]:
    a = figures.actions
    values = (("a_raised", a.raised), ("a_open", a.open), ("a_overdue", a.overdue), ("a_closed", a.closed),
              ("a_on_time", a.on_time_rate), ("a_mean_days", a.mean_days), ("a_median_days", a.median_days),
              ("a_rejected", a.rejected), ("a_verified_effective", figures.verified.get("effective", 0)),
              ("a_verified_not_effective", figures.verified.get("not_effective", 0)),
              ("f_made_on", figures.today.isoformat()))
    return [{"figure": t(key), "value": value if key != "a_on_time" or value is None else round(value, 4)}
            for key, value in values]
