"""What a lead asks about: open audits, and actions per department (open, overdue, closed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import joined
from storage.repos.capa import SHOWN_STATE_SQL, STAFF_STATES_SQL
from storage.sql import fetch_all, fetch_one

# Overdue: the staff still have the ball and the due date has passed.
_OVERDUE = f"c.state IN {STAFF_STATES_SQL} AND c.due_date < :today"
_COUNTS = (
    "COUNT(*) FILTER (WHERE c.state != 'closed') AS open,"
    f" COUNT(*) FILTER (WHERE {_OVERDUE}) AS overdue,"
    " COUNT(*) FILTER (WHERE c.state = 'implemented') AS to_verify,"
    " COUNT(*) FILTER (WHERE c.state = 'closed' AND c.cancelled_at IS NULL) AS closed,"
    # where each open action is: waiting for a plan (new, or returned), a plan to review, an
    # accepted plan being carried out (to_verify: implemented, waiting for verification)
    " COUNT(*) FILTER (WHERE c.state = 'open' OR (c.state = 'planned' AND c.returned_step IS NOT NULL))"
    " AS waiting_plan,"
    " COUNT(*) FILTER (WHERE c.state = 'planned' AND c.returned_step IS NULL) AS in_review,"
    " COUNT(*) FILTER (WHERE c.state = 'plan_accepted') AS plan_accepted"
)


async def open_audits(conn: AsyncConnection, limit: int) -> list[RowMapping]:
    """Audits not completed or cancelled, oldest first, with their answers so far and team."""
    names = joined(conn, "p.name", "', '")
    return await fetch_all(
        conn,
        "SELECT a.id, a.number, a.status, a.created_at, a.checklist_json, d.name AS department,"
        " (SELECT COUNT(*) FROM answers x WHERE x.audit_id = a.id AND x.result != 'skipped') AS answered,"
        f" (SELECT {names} FROM audit_team t JOIN people p ON p.id = t.person_id WHERE t.audit_id = a.id)"
        " AS auditors, COUNT(*) OVER () AS total"
        " FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.status NOT IN ('completed', 'cancelled') ORDER BY a.created_at, a.id LIMIT :limit",
        {"limit": limit},
    )


async def totals(conn: AsyncConnection, today: date) -> RowMapping:
    """Counts of all actions: open (not closed), overdue, waiting for verification, closed."""
    return await fetch_one(conn, f"SELECT {_COUNTS} FROM capa c", {"today": today.isoformat()})


async def per_department(conn: AsyncConnection, today: date, limit: int) -> list[RowMapping]:
    """The same counts per department, most overdue first."""
    return await fetch_all(
        conn,
        f"SELECT d.id AS department_id, d.name AS department, {_COUNTS}, COUNT(*) OVER () AS total"
        " FROM capa c JOIN departments d ON d.id = c.department_id GROUP BY d.id, d.name"
        " ORDER BY overdue DESC, open DESC, lower(d.name) LIMIT :limit",
        {"today": today.isoformat(), "limit": limit},
    )


async def overdue(conn: AsyncConnection, today: date, limit: int) -> list[RowMapping]:
    """Overdue actions, oldest due date first, with the department's staff as owners."""
    owners = joined(conn, "p.name", "', '")
    return await fetch_all(
        conn,
        f"SELECT c.id, {SHOWN_STATE_SQL} AS state, c.due_date, c.original_due_date, f.number, a.number AS audit_number, d.name AS department,"
        f" (SELECT {owners} FROM person_roles r JOIN people p ON p.id = r.person_id"
        "   WHERE r.role = 'staff' AND r.department_id = c.department_id AND p.active = 1) AS owners,"
        " COUNT(*) OVER () AS total"
        " FROM capa c JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
        " JOIN departments d ON d.id = c.department_id"
        f" WHERE {_OVERDUE} ORDER BY c.due_date, c.id LIMIT :limit",
        {"today": today.isoformat(), "limit": limit},
    )


async def department_actions(conn: AsyncConnection, department_id: int, limit: int) -> list[RowMapping]:
    """A department's actions not closed yet, earliest due first, with what each is about."""
    return await fetch_all(
        conn,
        f"SELECT c.id, {SHOWN_STATE_SQL} AS state, c.due_date, c.original_due_date, c.returned_step, f.number, f.kind, f.statement,"
        " a.number AS audit_number, d.name AS department, COUNT(*) OVER () AS total"
        " FROM capa c JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
        " JOIN departments d ON d.id = c.department_id"
        " WHERE c.department_id = :department_id AND c.state != 'closed' ORDER BY c.due_date, c.id LIMIT :limit",
        {"department_id": department_id, "limit": limit},
    )
