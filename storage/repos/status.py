"""What a lead asks about: open audits, and actions per department (open, overdue, closed)."""

from __future__ import annotations

from datetime import date

import aiosqlite

from storage.db import fetch_all, fetch_one

# Overdue: the staff still have the ball and the due date has passed.
_OVERDUE = "c.state IN ('open', 'planned') AND c.due_date < :today"


async def open_audits(conn: aiosqlite.Connection, limit: int) -> list[aiosqlite.Row]:
    """Audits not completed or cancelled, oldest first."""
    return await fetch_all(
        conn,
        "SELECT a.number, a.status, a.created_at, d.name AS department, COUNT(*) OVER () AS total"
        " FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.status NOT IN ('completed', 'cancelled') ORDER BY a.created_at, a.id LIMIT ?",
        (limit,)
    )


async def totals(conn: aiosqlite.Connection, today: date) -> aiosqlite.Row:
    """Counts of all actions: open (not closed), overdue, waiting for verification, closed."""
    return await fetch_one(
        conn,
        "SELECT COALESCE(SUM(c.state != 'closed'), 0) AS open,"
        f" COALESCE(SUM({_OVERDUE}), 0) AS overdue,"
        " COALESCE(SUM(c.state = 'implemented'), 0) AS to_verify,"
        " COALESCE(SUM(c.state = 'closed'), 0) AS closed FROM capa c",
        {"today": today.isoformat()}
    )


async def per_department(conn: aiosqlite.Connection, today: date, limit: int) -> list[aiosqlite.Row]:
    """The same counts per department, most overdue first."""
    return await fetch_all(
        conn,
        "SELECT d.name AS department, SUM(c.state != 'closed') AS open,"
        f" SUM({_OVERDUE}) AS overdue, SUM(c.state = 'implemented') AS to_verify,"
        " SUM(c.state = 'closed') AS closed, COUNT(*) OVER () AS total"
        " FROM capa c JOIN departments d ON d.id = c.department_id GROUP BY d.id"
        " ORDER BY overdue DESC, open DESC, d.name COLLATE NOCASE LIMIT :limit",
        {"today": today.isoformat(), "limit": limit}
    )


async def overdue(conn: aiosqlite.Connection, today: date, limit: int) -> list[aiosqlite.Row]:
    """Overdue actions, oldest due date first, with the department's staff as owners."""
    return await fetch_all(
        conn,
        "SELECT c.id, c.state, c.due_date, f.number, a.number AS audit_number, d.name AS department,"
        " (SELECT GROUP_CONCAT(p.name, ', ') FROM person_roles r JOIN people p ON p.id = r.person_id"
        "   WHERE r.role = 'staff' AND r.department_id = c.department_id AND p.active = 1) AS owners,"
        " COUNT(*) OVER () AS total"
        " FROM capa c JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
        " JOIN departments d ON d.id = c.department_id"
        f" WHERE {_OVERDUE} ORDER BY c.due_date, c.id LIMIT :limit",
        {"today": today.isoformat(), "limit": limit}
    )
