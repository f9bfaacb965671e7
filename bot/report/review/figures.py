"""The figures of the management review (ISO 9001 9.3.2), each defined once, here.

``load_review`` reads a period's audits, answers, findings and corrective actions (SQL in
``storage.repos.review``) and computes every figure the review document and its workbook
show; the builders only draw. The definitions, as the document's annex states them:

- audits done: audits completed in the period (by the local date of completion);
  planned: audits of the audit programme (not cancelled) whose window ends in the period;
  missed: those of them whose window passed without the audit starting, on the day the
  review is made (bot/domain/programme_rules.py ``state_of``); both unknown (``None``,
  not 0) while no programme is kept in the bot;
- conformity rate: ``bot.report.data.conformity_rate`` (the audit report's) over all
  answers of the audits done, per department and per quarter of completion;
- findings by clause and by department: the findings of the audits done, by kind; the
  clause is the one of the question in the audit's checklist snapshot;
- repeat finding: a nonconformity whose clause had a nonconformity in the same
  department's previous completed audit (which may lie before the period);
- corrective actions: those raised by the audits done; open = not closed, overdue = the
  staff still have it and its due date has passed (as /status counts it), both on the day
  the review is made; on time = closed on or before the original due date; on-time
  closure rate = on time ÷ closed; days to close = local date of closure − local date of
  the audit's completion; rejected = its implementation was rejected at least once;
  verified effective / not effective: closed actions of earlier audits that the audits done
  judged at the department's next audit (ISO 9001 10.2.1 d).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.checklists import Checklist
from bot.domain.dates import add_months, month_end
from bot.domain.programme_rules import state_of
from bot.domain.repeat import REPEAT_KINDS, clause_key, repeat_of
from bot.domain.vocabulary import ProgrammeState
from bot.report.data import NC_KINDS, applicable_answers, clean_text, conformity_rate, parse_date
from storage.db import Database
from storage.repos import carry_over, programme, review
from storage.times import from_db

FINDING_COLUMNS = ("major", "minor", "observation", "ofi")
MAX_PERIOD_DAYS = 366 * 10
_YEAR = r"(\d{4})"


class PeriodError(ValueError):
    """The period a person typed is not one (``code``: 'malformed', 'reversed', 'too_long')."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` … ``end``, both included."""

    start: date
    end: date
    text: str = ""  # as asked ('2026-Q3'); empty: the default (last 12 months)

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[from, to) as aware datetimes: local midnight of ``start`` and of the day after ``end``."""
        return (datetime.combine(self.start, time(), tz),
                datetime.combine(self.end + timedelta(days=1), time(), tz))

    def quarters(self) -> list[str]:
        """'2026-Q1' … of every quarter the period touches, in order."""
        result: list[str] = []
        day = self.start
        while day <= self.end:
            label = quarter_of(day)
            if label not in result:
                result.append(label)
            day = _quarter_start(day) + timedelta(days=93)
            day = _quarter_start(day)
        return result

    def file_stem(self) -> str:
        return self.text or f"{self.start.isoformat()}..{self.end.isoformat()}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _month_end(year: int, month: int) -> date:
    return month_end(date(year, month, 1))


def default_period(today: date) -> Period:
    """The last 12 months, ending today."""
    return Period(add_months(today, -12) + timedelta(days=1), today)


def parse_period(text: str | None, today: date) -> Period:
    """'2026', '2026-Q3', '2026-05', '2026-01..2026-06', '2025-07-01..2026-06-30'; empty: the
    last 12 months. Raises PeriodError."""
    raw = " ".join((text or "").split())
    if not raw:
        return default_period(today)
    if len(raw) > 40:
        raise PeriodError("malformed")
    parts = [p.strip() for p in re.split(r"\s*(?:\.\.|–|—|~|\bto\b|至)\s*", raw, maxsplit=1)]
    if len(parts) == 1:
        start, end = _one(parts[0])
    else:
        start, _ = _one(parts[0])
        _, end = _one(parts[1])
    if end < start:
        raise PeriodError("reversed")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise PeriodError("too_long")
    return Period(start, end, raw.replace(" ", ""))


def _one(text: str) -> tuple[date, date]:
    """The first and last day of a year, quarter, month or day written as ``text``."""
    try:
        if m := re.fullmatch(_YEAR, text):
            year = int(m[1])
            return _checked(date(year, 1, 1)), date(year, 12, 31)
        if m := re.fullmatch(_YEAR + r"-?[Qq]([1-4])", text):
            year, q = int(m[1]), int(m[2])
            return _checked(date(year, 3 * q - 2, 1)), _month_end(year, 3 * q)
        if m := re.fullmatch(_YEAR + r"-(\d{1,2})", text):
            year, month = int(m[1]), int(m[2])
            return _checked(date(year, month, 1)), _month_end(year, month)
        if m := re.fullmatch(_YEAR + r"-(\d{1,2})-(\d{1,2})", text):
            day = _checked(date(int(m[1]), int(m[2]), int(m[3])))
            return day, day
    except ValueError:
        pass
    raise PeriodError("malformed")


def _checked(day: date) -> date:
    if not 2000 <= day.year <= 2100:
        raise ValueError(day)
    return day


# --- the figures ---------------------------------------------------------------------------

def without_nonconformity(counts: Counter[str]) -> int:
    """The rate's numerator: applicable answers without a nonconformity (observations, OFIs and
    good practice included), so that a table's two numbers give its rate."""
    return applicable_answers(counts) - sum(counts[kind] for kind in NC_KINDS)


@dataclass
class AuditLine:
    number: str
    department: str
    completed_on: date
    counts: Counter[str]
    nonconformities: int = 0

    @property
    def rate(self) -> float | None:
        return conformity_rate(self.counts)

    @property
    def applicable(self) -> int:
        return applicable_answers(self.counts)

    @property
    def conform(self) -> int:
        return without_nonconformity(self.counts)


@dataclass
class RateLine:
    """Conformity of a group of audits (a department, a quarter)."""

    name: str
    audits: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float | None:
        return conformity_rate(self.counts)

    @property
    def conform(self) -> int:
        return without_nonconformity(self.counts)

    @property
    def applicable(self) -> int:
        return applicable_answers(self.counts)


@dataclass
class FindingLine:
    """Findings of one clause or one department, by kind, and how many repeat."""

    name: str
    kinds: Counter[str] = field(default_factory=Counter)
    repeats: int = 0

    @property
    def nonconformities(self) -> int:
        return sum(self.kinds[k] for k in NC_KINDS)

    @property
    def total(self) -> int:
        return sum(self.kinds[k] for k in FINDING_COLUMNS)


@dataclass(frozen=True)
class Repeat:
    audit: str
    department: str
    clause: str
    finding: str
    previous_audit: str
    previous_findings: str


@dataclass
class ActionLine:
    """Corrective actions of one department (or all, ``name`` empty)."""

    name: str
    raised: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    on_time: int = 0
    rejected: int = 0
    days_to_close: list[int] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    @property
    def mean_days(self) -> float | None:
        return statistics.fmean(self.days_to_close) if self.days_to_close else None

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.days_to_close)) if self.days_to_close else None


@dataclass(frozen=True)
class Rejected:
    audit: str
    finding: str
    department: str
    rejections: int
    state: str
    reason: str


@dataclass(frozen=True)
class SnapshotDay:
    day: date
    open: int
    overdue: int
    closed: int


@dataclass(frozen=True)
class DepartmentDay:
    day: date
    department: str
    open: int
    overdue: int
    closed: int


@dataclass
class ReviewFigures:
    period: Period
    today: date
    tz_name: str
    audits: list[AuditLine] = field(default_factory=list)
    planned: int | None = None  # unknown while no audit programme is kept
    missed: int | None = None
    by_department: list[RateLine] = field(default_factory=list)
    by_quarter: list[RateLine] = field(default_factory=list)
    by_clause: list[FindingLine] = field(default_factory=list)
    findings_by_department: list[FindingLine] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    actions: ActionLine = field(default_factory=lambda: ActionLine(""))
    actions_by_department: list[ActionLine] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    trend: list[SnapshotDay] = field(default_factory=list)
    trend_by_department: list[DepartmentDay] = field(default_factory=list)
    verified: dict[str, int] = field(default_factory=dict)  # earlier actions judged by the audits done: verdict → n

    @property
    def done(self) -> int:
        return len(self.audits)

    @property
    def total(self) -> RateLine:
        line = RateLine("", self.done)
        for audit in self.audits:
            line.counts.update(audit.counts)
        return line


def on_time(closed_on: date, original_due: date | None) -> bool:
    """Closed on or before the original due date."""
    return original_due is not None and closed_on <= original_due


def days_to_close(completed_on: date, closed_on: date) -> int:
    """Days from the completion of the audit to the closure of the action (local dates)."""
    return (closed_on - completed_on).days


def _local_day(text: str | None, tz: tzinfo) -> date | None:
    moment = from_db(text)
    return moment.astimezone(tz).date() if moment else None


async def load_review(db: Database, period: Period, tz: tzinfo, today: date) -> ReviewFigures:
    """Read and compute every figure of ``period`` (``today``: the day the review is made)."""
    lo, hi = period.bounds(tz)
    async with db.read() as conn:
        departments = {r["id"]: clean_text(r["name"]) for r in await review.departments(conn)}
        audit_rows = await review.completed_audits(conn, hi)
        snapshots = await review.checklist_snapshots(conn, hi)
        counts = await review.result_counts(conn, lo, hi)
        finding_rows = await review.findings_before(conn, hi)
        action_rows = await review.actions(conn, lo, hi, today)
        snapshot_rows = await review.snapshots(conn, period.start, period.end)
        if period.start <= today <= period.end:  # today as it is now, not a snapshot of earlier
            start = datetime.combine(today, time(), tz)
            snapshot_rows = [r for r in snapshot_rows if r["day"] < today.isoformat()] + list(
                await review.figures_now(conn, today, start, start + timedelta(days=1)))
        verified = await carry_over.verdict_counts(conn, lo, hi)
        kept = await programme.any_active(conn)
        planned_rows = await programme.ending_in(conn, period.start, period.end) if kept else []
    clauses = _clauses(snapshots)
    figures = ReviewFigures(period, today, str(getattr(tz, "key", tz)), verified=verified)
    if kept:
        figures.planned = len(planned_rows)
        figures.missed = sum(
            state_of(date.fromisoformat(r["window_start"]), date.fromisoformat(r["window_end"]), r["audit_status"],
                     today) == ProgrammeState.missed for r in planned_rows)
    audits = {r["id"]: r for r in audit_rows}
    in_period: dict[int, AuditLine] = {}
    for row in audit_rows:
        if lo <= from_db(row["completed_at"]) < hi:
            in_period[row["id"]] = AuditLine(clean_text(row["number"]), departments.get(row["department_id"], ""),
                                             _local_day(row["completed_at"], tz), Counter())
    for row in counts:
        if row["audit_id"] in in_period:
            in_period[row["audit_id"]].counts[row["result"]] += row["n"]
    figures.audits = list(in_period.values())

    def clause_of(finding) -> str:
        audit = audits[finding["audit_id"]]
        key = (audit["checklist_id"], audit["checklist_version"])
        return clauses.get(key, {}).get(finding["question_id"], "") or "—"

    _rates(figures)
    _findings(figures, audits, in_period, finding_rows, departments, clause_of)
    _actions(figures, in_period, action_rows, departments, tz)
    figures.trend = _trend(snapshot_rows)
    figures.trend_by_department = [
        DepartmentDay(date.fromisoformat(r["day"]), clean_text(r["department"]), r["open_actions"],
                      r["overdue_actions"], r["closed_in_day"]) for r in snapshot_rows]
    return figures


def _clauses(rows) -> dict[tuple[str, int], dict[str, str]]:
    """Question id → clause of each checklist snapshot."""
    result = {}
    for row in rows:
        checklist = Checklist.from_json(row["checklist_json"])
        result[(row["checklist_id"], row["checklist_version"])] = {
            q.id: q.clause for _, q in checklist.questions()}
    return result


def _rates(figures: ReviewFigures) -> None:
    departments: dict[str, RateLine] = {}
    quarters = {label: RateLine(label) for label in figures.period.quarters()}
    for audit in figures.audits:
        for line in (departments.setdefault(audit.department, RateLine(audit.department)),
                     quarters.setdefault(quarter_of(audit.completed_on), RateLine(quarter_of(audit.completed_on)))):
            line.audits += 1
            line.counts.update(audit.counts)
    figures.by_department = sorted(departments.values(), key=lambda r: r.name.casefold())
    figures.by_quarter = list(quarters.values())


def _findings(figures, audits, in_period, rows, departments, clause_of) -> None:
    """Findings by clause and department; repeat nonconformities against the previous audit."""
    nc_clauses: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["kind"] in REPEAT_KINDS:
            nc_clauses[row["audit_id"]][clause_of(row)].append(clean_text(row["number"]))
    previous: dict[int, int] = {}
    last_of: dict[int, int] = {}
    for audit_id, audit in audits.items():  # completion order
        if audit["department_id"] in last_of:
            previous[audit_id] = last_of[audit["department_id"]]
        last_of[audit["department_id"]] = audit_id
    by_clause: dict[str, FindingLine] = {}
    by_department: dict[str, FindingLine] = {}
    for row in rows:
        audit = in_period.get(row["audit_id"])
        if audit is None or row["kind"] not in FINDING_COLUMNS:
            continue
        clause = clause_of(row)
        clause_line = by_clause.setdefault(clause, FindingLine(clause))
        department_line = by_department.setdefault(audit.department, FindingLine(audit.department))
        for line in (clause_line, department_line):
            line.kinds[row["kind"]] += 1
        if row["kind"] in NC_KINDS:
            audit.nonconformities += 1
        before = previous.get(row["audit_id"])
        if before is not None and repeat_of(row["kind"], clause, nc_clauses.get(before)):
            clause_line.repeats += 1
            department_line.repeats += 1
            figures.repeats.append(Repeat(audit.number, audit.department, clause, clean_text(row["number"]),
                                          clean_text(audits[before]["number"]),
                                          ", ".join(nc_clauses[before][clause])))
    figures.by_clause = sorted(by_clause.values(), key=lambda line: clause_key(line.name))
    figures.findings_by_department = sorted(by_department.values(), key=lambda line: line.name.casefold())


def _actions(figures, in_period, rows, departments, tz) -> None:
    total = figures.actions
    by_department: dict[str, ActionLine] = {}
    for row in rows:
        audit = in_period.get(row["audit_id"])
        if audit is None:
            continue
        name = departments.get(row["department_id"], "")
        line = by_department.setdefault(name, ActionLine(name))
        closed_on = _local_day(row["closed_at"], tz) if row["state"] == "closed" else None
        for target in (total, line):
            target.raised += 1
            if closed_on is None:
                target.open += 1
                target.overdue += row["overdue"]
            else:
                target.closed += 1
                target.on_time += on_time(closed_on, parse_date(row["original_due"]))
                target.days_to_close.append(days_to_close(audit.completed_on, closed_on))
            target.rejected += row["rejections"] > 0
        if row["rejections"] > 0:
            figures.rejected.append(Rejected(audit.number, clean_text(row["number"]), name, row["rejections"],
                                             row["state"], _trail_text(row["last_rejection"])))
    figures.actions_by_department = sorted(by_department.values(), key=lambda line: line.name.casefold())


def _trail_text(text: str | None) -> str:
    """A trail entry's JSON value (the reason given) as clean text."""
    try:
        value = json.loads(text) if text else ""
    except ValueError:
        value = text
    return clean_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _trend(rows) -> list[SnapshotDay]:
    days: dict[str, list[int]] = {}
    for row in rows:
        day = days.setdefault(row["day"], [0, 0, 0])
        day[0] += row["open_actions"]
        day[1] += row["overdue_actions"]
        day[2] += row["closed_in_day"]
    return [SnapshotDay(date.fromisoformat(day), *values) for day, values in days.items()]
