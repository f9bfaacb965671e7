"""What the record pack shows beyond the report: the verifiers of the actions and the
nonconformities by clause and department, for the audit and for its programme year."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from bot.domain.checklists import Checklist
from bot.domain.repeat import clause_key
from bot.report.data import NC_KINDS, ReportData, clean_text, load_report_data
from storage.db import Database
from storage.files import FileStore
from storage.repos import record_set

NO_CLAUSE = "—"


@dataclass
class Distribution:
    """Nonconformities counted by (clause, department); clauses in numeric order."""

    clauses: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    audits: int = 0

    def count(self, clause: str, department: str) -> int:
        return self.counts[(clause, department)]

    def clause_total(self, clause: str) -> int:
        return sum(self.counts[(clause, d)] for d in self.departments)

    def department_total(self, department: str) -> int:
        return sum(self.counts[(c, department)] for c in self.clauses)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RecordSet:
    report: ReportData
    verifiers: dict[str, str]  # finding number → the verifying auditor
    audit_distribution: Distribution
    year: int
    year_distribution: Distribution


async def load_record_set(db: Database, audit_id: int, files: FileStore, tz: tzinfo, *,
                          now: datetime | None = None) -> RecordSet:
    """Everything the record pack of one audit shows (AuditNotFound when there is none)."""
    report = await load_report_data(db, audit_id, files, tz, now=now)
    moment = report.completed_at or report.created_at or report.generated_at
    year = moment.year
    lo = datetime.combine(date(year, 1, 1), time(), tz)
    hi = datetime.combine(date(year + 1, 1, 1), time(), tz)
    async with db.read() as conn:
        verifier_rows = await record_set.verifiers(conn, audit_id)
        audit_rows = await record_set.completed_between(conn, lo, hi)
        nc_rows = await record_set.nonconformities_between(conn, lo, hi)
    return RecordSet(
        report=report,
        verifiers={clean_text(r["number"]): clean_text(r["name"]) for r in verifier_rows},
        audit_distribution=_of_audit(report),
        year=year,
        year_distribution=_of_year(audit_rows, nc_rows, report),
    )


def _of_audit(report: ReportData) -> Distribution:
    """The audit's clauses (every one its checklist asks about) × its department."""
    found = Distribution(departments=[report.department], audits=1)
    clauses = {q.clause or NO_CLAUSE for q in report.questions}
    for finding in report.findings_of(NC_KINDS):
        found.counts[(finding.question.clause or NO_CLAUSE, report.department)] += 1
    found.clauses = sorted(clauses, key=clause_key)
    return found


def _of_year(audit_rows: list, nc_rows: list, report: ReportData) -> Distribution:
    """The clauses and departments of the year's completed audits; this one counted even
    while it is not completed."""
    found = Distribution()
    clauses: set[str] = set()
    departments: list[str] = []
    by_audit: dict[int, tuple[str, dict[str, str]]] = {}
    for row in audit_rows:
        checklist = Checklist.from_json(row["checklist_json"])
        questions = {q.id: q.clause or NO_CLAUSE for _, q in checklist.questions()}
        department = clean_text(row["department"])
        by_audit[row["id"]] = (department, questions)
        clauses.update(questions.values())
        if department not in departments:
            departments.append(department)
    for row in nc_rows:
        department, questions = by_audit[row["audit_id"]]
        found.counts[(questions.get(row["question_id"], NO_CLAUSE), department)] += 1
    if report.audit_id not in by_audit:
        own = _of_audit(report)
        clauses.update(own.clauses)
        found.counts.update(own.counts)
        if report.department not in departments:
            departments.append(report.department)
    found.audits = len(by_audit) + (report.audit_id not in by_audit)
    found.clauses = sorted(clauses, key=clause_key)
    found.departments = sorted(departments)
    return found
