"""Read-only queries behind the management review, and its daily snapshots.

Times in the database are UTC text; the caller turns the period's local dates into the
UTC bounds ``lo`` (inclusive) and ``hi`` (exclusive). An audit belongs to a period by the
moment it was completed. Only plain SQL that PostgreSQL also runs (CASE, COALESCE, EXISTS,
ON CONFLICT) except where this module says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.repos.status import _OVERDUE  # the one definition of an overdue action (/status)
from storage.sql import execute, fetch_all, fetch_one
from storage.times import to_db

_DONE_IN = "a.status = 'completed' AND a.completed_at >= :lo AND a.completed_at < :hi"
_DONE_BEFORE = "a.status = 'completed' AND a.completed_at < :hi"
# The original due date: the date the action was created with. Due dates cannot be moved
# yet; when they can, the date before the first move (kept for the figures) goes here.
ORIGINAL_DUE = "c.due_date"


def _bounds(lo: datetime, hi: datetime) -> dict[str, str]:
    return {"lo": to_db(lo), "hi": to_db(hi)}


async def departments(conn: AsyncConnection) -> list[RowMapping]:
    return await fetch_all(conn, "SELECT id, name, active FROM departments ORDER BY lower(name), id")


async def completed_audits(conn: AsyncConnection, hi: datetime) -> list[RowMapping]:
    """Every audit completed before ``hi`` (earlier ones too: repeat findings look back)."""
    return await fetch_all(
        conn,
        "SELECT a.id, a.number, a.department_id, a.completed_at, a.checklist_id, a.checklist_version"
        f" FROM audits a WHERE {_DONE_BEFORE} ORDER BY a.completed_at, a.id",
        {"hi": to_db(hi)},
    )


async def checklist_snapshots(conn: AsyncConnection, hi: datetime) -> list[RowMapping]:
    """One checklist snapshot per (checklist, version) of the audits completed before ``hi``."""
    return await fetch_all(
        conn,
        "SELECT a.checklist_id, a.checklist_version, a.checklist_json FROM audits a"
        " WHERE a.id IN (SELECT MIN(a.id) FROM audits a"
        f"  WHERE {_DONE_BEFORE} GROUP BY a.checklist_id, a.checklist_version)",
        {"hi": to_db(hi)},
    )


async def result_counts(conn: AsyncConnection, lo: datetime, hi: datetime) -> list[RowMapping]:
    """(audit_id, result, n): the answers per result of each audit completed in the period."""
    return await fetch_all(
        conn,
        "SELECT x.audit_id, x.result, COUNT(*) AS n FROM answers x JOIN audits a ON a.id = x.audit_id"
        f" WHERE {_DONE_IN} GROUP BY x.audit_id, x.result",
        _bounds(lo, hi),
    )


async def findings_before(conn: AsyncConnection, hi: datetime) -> list[RowMapping]:
    """The findings of every audit completed before ``hi`` (withdrawn ones left out)."""
    return await fetch_all(
        conn,
        "SELECT f.id, f.audit_id, f.question_id, f.kind, f.number FROM findings f"
        f" JOIN audits a ON a.id = f.audit_id WHERE {_DONE_BEFORE} AND f.withdrawn_at IS NULL"
        " ORDER BY f.audit_id, f.id",
        {"hi": to_db(hi)},
    )


async def actions(conn: AsyncConnection, lo: datetime, hi: datetime, today: date) -> list[RowMapping]:
    """The corrective actions raised by the audits completed in the period, with their state
    now, whether they are overdue ``today``, and how often their implementation was rejected
    (from the audit trail)."""
    return await fetch_all(
        conn,
        "SELECT c.id, c.audit_id, c.department_id, c.state, c.closed_at,"
        f" {ORIGINAL_DUE} AS original_due, f.number, f.kind, f.question_id,"
        f" CASE WHEN {_OVERDUE} THEN 1 ELSE 0 END AS overdue,"
        " (SELECT COUNT(*) FROM audit_trail t WHERE t.entity = 'capa'"
        "   AND t.entity_id = CAST(c.id AS TEXT) AND t.action = 'rejected') AS rejections,"
        " (SELECT t.after_json FROM audit_trail t WHERE t.entity = 'capa'"
        "   AND t.entity_id = CAST(c.id AS TEXT) AND t.action = 'rejected' ORDER BY t.id DESC LIMIT 1)"
        "   AS last_rejection"
        " FROM capa c JOIN audits a ON a.id = c.audit_id JOIN findings f ON f.id = c.finding_id"
        f" WHERE {_DONE_IN} AND c.cancelled_at IS NULL ORDER BY a.completed_at, c.id",
        {**_bounds(lo, hi), "today": today.isoformat()},
    )


# --- daily snapshots ---------------------------------------------------------------------------

# open, overdue (as at the end of :today) and closed in [lo, hi) of the joined actions c
_DAY_FIGURES = (
    "COALESCE(SUM(CASE WHEN c.state <> 'closed' THEN 1 ELSE 0 END), 0) AS open_actions,"
    f" COALESCE(SUM(CASE WHEN {_OVERDUE} THEN 1 ELSE 0 END), 0) AS overdue_actions,"
    " COALESCE(SUM(CASE WHEN c.closed_at >= :lo AND c.closed_at < :hi THEN 1 ELSE 0 END), 0) AS closed_in_day"
)


async def has_snapshot(conn: AsyncConnection, day: date) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM review_snapshots WHERE day = :day LIMIT 1",
                           {"day": day.isoformat()}) is not None


async def take_snapshot(conn: AsyncConnection, day: date, lo: datetime, hi: datetime,
                        at: datetime) -> int:
    """Write the figures of local ``day`` ([lo, hi) in UTC) for every department, unless they
    were written already; returns the rows written. Open and overdue are counted now (taken
    just after the day ends), overdue as at the end of ``day``."""
    cur = await execute(
        conn,
        "INSERT INTO review_snapshots(day, department_id, open_actions, overdue_actions, closed_in_day,"
        f" taken_at) SELECT :day, d.id, {_DAY_FIGURES}, :at"
        " FROM departments d LEFT JOIN capa c ON c.department_id = d.id AND c.cancelled_at IS NULL"
        " WHERE 1 = 1 GROUP BY d.id"
        " ON CONFLICT (day, department_id) DO NOTHING",
        {**_bounds(lo, hi), "day": day.isoformat(), "today": day.isoformat(), "at": to_db(at)},
    )
    return max(cur.rowcount, 0)


async def figures_now(conn: AsyncConnection, day: date, lo: datetime, hi: datetime) -> list[RowMapping]:
    """The figures of local ``day`` so far, counted now, per department, as ``snapshots``
    gives them (the review of a period that includes today shows today as it is)."""
    return await fetch_all(
        conn,
        f"SELECT :day AS day, d.id AS department_id, d.name AS department, {_DAY_FIGURES}"
        " FROM departments d LEFT JOIN capa c ON c.department_id = d.id AND c.cancelled_at IS NULL"
        " GROUP BY d.id, d.name ORDER BY lower(d.name), d.id",
        {**_bounds(lo, hi), "day": day.isoformat(), "today": day.isoformat()},
    )


async def snapshots(conn: AsyncConnection, first: date, last: date) -> list[RowMapping]:
    """The snapshots of the days ``first`` … ``last``, oldest first."""
    return await fetch_all(
        conn,
        "SELECT s.day, s.department_id, d.name AS department, s.open_actions, s.overdue_actions,"
        " s.closed_in_day FROM review_snapshots s JOIN departments d ON d.id = s.department_id"
        " WHERE s.day >= :first AND s.day <= :last ORDER BY s.day, lower(d.name), d.id",
        {"first": first.isoformat(), "last": last.isoformat()},
    )
