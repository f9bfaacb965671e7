"""The nonconformity distribution table (不符合项分布表): clauses × departments, with the
count of nonconformities in each cell and totals, for the audit and for its programme year."""

from __future__ import annotations

from pathlib import Path

from bot.report.docx_parts import HEADER_FILL, LABEL_FILL, save_document
from bot.report.record_set.data import Distribution, RecordSet
from bot.report.record_set.forms import FormWriter

CLAUSE_COLUMN, TOTAL_COLUMN = 3.3, 1.6  # "Clause \ Department" fits in two lines
LANDSCAPE_FROM = 7  # departments: more than fit an upright page


def render_nc_distribution(records: RecordSet, out: Path) -> Path:
    """Write the table of ``records`` to ``out`` (atomically). Blocking."""
    wide = len(records.year_distribution.departments) >= LANDSCAPE_FROM
    save_document(_Distribution(records, wide).build(), out)
    return out


class _Distribution(FormWriter):
    def __init__(self, records: RecordSet, landscape: bool):
        super().__init__(records.report.lang, records.report.agency, landscape=landscape)
        self.records = records

    def build(self):
        data = self.records.report
        self.start(self.t("dist_header", number=data.number), self.t("dist_title"))
        self.heading(self.t("dist_audit", number=data.number, department=data.department), level=3)
        self._table(self.records.audit_distribution)
        self.heading(self.t("dist_year", year=self.records.year,
                            audits=self.count("audits", self.records.year_distribution.audits)), level=3)
        self._table(self.records.year_distribution)
        self.para(self.t("dist_note"), "Caption")
        return self.doc

    def _table(self, found: Distribution) -> None:
        columns = len(found.departments)
        each = max(1.2, (self.width - CLAUSE_COLUMN - TOTAL_COLUMN) / max(columns, 1))
        each = min(each, 4.0)
        grid = self.grid((CLAUSE_COLUMN, *[each] * columns, TOTAL_COLUMN),
                         headers=(self.t("col_clause_department"), *found.departments, self.t("col_total")))
        for clause in found.clauses:
            counts = [found.count(clause, d) for d in found.departments]
            total = found.clause_total(clause)
            grid.row((clause, *[str(n) if n else "" for n in counts], str(total) if total else ""),
                     fills=(LABEL_FILL, *[HEADER_FILL if n else None for n in counts], LABEL_FILL))
        grid.row((self.t("col_total"), *[str(found.department_total(d)) for d in found.departments],
                  str(found.total)), fills=(LABEL_FILL,) * (columns + 2))
        self.para()
