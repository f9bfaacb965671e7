"""The audit programme: planned audits, their teams, and what the reminder pass derives.

Windows are local ISO dates (text compares as dates); times are UTC text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value, for_change, take_turn
from storage.times import to_db

_ITEM = (
    "SELECT g.*, d.name AS department, a.status AS audit_status, a.number AS audit_number,"
    " (SELECT COUNT(*) FROM programme_team t WHERE t.programme_id = g.id) AS team_size"
    " FROM programme g JOIN departments d ON d.id = g.department_id"
    " LEFT JOIN audits a ON a.id = g.audit_id"
)
_FIELDS = {"checklist_id", "window_start", "window_end", "risk", "status", "scope", "objectives", "reason",
           "audit_id"}


async def create(conn: AsyncConnection, *, department_id: int, checklist_id: str, window_start: date,
                 window_end: date, risk: str, status: str, created_by: int, at: datetime,
                 reason: str | None = None) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO programme(department_id, checklist_id, window_start, window_end, risk, status, reason,"
        " created_by, created_at, updated_at) VALUES (:department_id, :checklist_id, :window_start, :window_end,"
        " :risk, :status, :reason, :created_by, :at, :at) RETURNING id",
        {"department_id": department_id, "checklist_id": checklist_id, "window_start": window_start.isoformat(),
         "window_end": window_end.isoformat(), "risk": risk, "status": status, "reason": reason,
         "created_by": created_by, "at": to_db(at)},
    )
    return int(new_id)


async def get(conn: AsyncConnection, item_id: int) -> RowMapping | None:
    """One planned audit; in a write transaction its row is locked until it ends
    (storage.sql.for_change), so changes to it take turns."""
    return await fetch_one(conn, f"{_ITEM} WHERE g.id = :id{for_change(conn, 'g')}", {"id": item_id})


async def whole_programme(conn: AsyncConnection) -> None:
    """A change of the programme as a whole (suggestions accepted, a workbook imported):
    such changes take turns until the transaction ends."""
    await take_turn(conn, "programme")


async def by_audit(conn: AsyncConnection, audit_id: int) -> RowMapping | None:
    return await fetch_one(conn, f"{_ITEM} WHERE g.audit_id = :id", {"id": audit_id})


async def in_range(conn: AsyncConnection, first: date, last: date) -> list[RowMapping]:
    """Active and draft items whose window overlaps ``first`` … ``last``, in window order."""
    return await fetch_all(
        conn,
        f"{_ITEM} WHERE g.status <> 'cancelled' AND g.window_start <= :last AND g.window_end >= :first"
        " ORDER BY g.window_start, lower(d.name), g.id",
        {"first": first.isoformat(), "last": last.isoformat()},
    )


async def update(conn: AsyncConnection, item_id: int, at: datetime, **values: Any) -> None:
    assert set(values) <= _FIELDS, values
    sets = ", ".join(f"{name} = :{name}" for name in values)
    params = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    await execute(conn, f"UPDATE programme SET {sets}, updated_at = :at WHERE id = :id",
                  {**params, "at": to_db(at), "id": item_id})


async def move_department(conn: AsyncConnection, item_id: int, department_id: int) -> None:
    await execute(conn, "UPDATE programme SET department_id = :d WHERE id = :id", {"d": department_id, "id": item_id})


# --- the team ---------------------------------------------------------------------------------

async def team(conn: AsyncConnection, item_id: int) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT t.person_id, t.override_reason, p.name FROM programme_team t JOIN people p ON p.id = t.person_id"
        " WHERE t.programme_id = :id ORDER BY t.added_at, t.person_id",
        {"id": item_id},
    )


async def add_member(conn: AsyncConnection, item_id: int, person_id: int, at: datetime,
                     override_reason: str | None = None) -> None:
    await execute(
        conn,
        "INSERT INTO programme_team(programme_id, person_id, override_reason, added_at)"
        " VALUES (:id, :person, :reason, :at) ON CONFLICT DO NOTHING",
        {"id": item_id, "person": person_id, "reason": override_reason, "at": to_db(at)},
    )


async def remove_member(conn: AsyncConnection, item_id: int, person_id: int) -> None:
    await execute(conn, "DELETE FROM programme_team WHERE programme_id = :id AND person_id = :person",
                  {"id": item_id, "person": person_id})


async def auditors(conn: AsyncConnection) -> list[RowMapping]:
    """Active auditors and leads (who may be on a team)."""
    return await fetch_all(
        conn,
        "SELECT DISTINCT p.id, p.name FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE r.role IN ('auditor', 'lead') AND p.active = 1 ORDER BY p.id",
    )


async def conflicts(conn: AsyncConnection, department_id: int) -> dict[int, str]:
    """People who may not audit ``department_id`` (9.2.2 c) → why: 'staff' of it, or 'verifier'
    of an action there that is not closed."""
    rows = await fetch_all(
        conn,
        "SELECT person_id, 'staff' AS why FROM person_roles WHERE role = 'staff' AND department_id = :d"
        " UNION SELECT auditor_id AS person_id, 'verifier' AS why FROM capa"
        " WHERE department_id = :d AND state <> 'closed'",
        {"d": department_id},
    )
    found: dict[int, str] = {}
    for row in rows:
        if found.get(row["person_id"]) != "staff":
            found[row["person_id"]] = row["why"]
    return found


async def planned_counts(conn: AsyncConnection) -> dict[int, int]:
    """How many active planned audits not yet started each person is on (to share teams out)."""
    rows = await fetch_all(
        conn,
        "SELECT t.person_id, COUNT(*) AS n FROM programme_team t JOIN programme g ON g.id = t.programme_id"
        " WHERE g.status = 'active' AND g.audit_id IS NULL GROUP BY t.person_id",
    )
    return {r["person_id"]: r["n"] for r in rows}


async def planned_for(conn: AsyncConnection, person_id: int, today: date, limit: int = 5) -> list[RowMapping]:
    """Active planned audits not started yet whose window has not passed, with ``person_id`` on the team."""
    return await fetch_all(
        conn,
        "SELECT g.id, g.window_start, g.window_end, d.name AS department FROM programme g"
        " JOIN departments d ON d.id = g.department_id"
        " JOIN programme_team t ON t.programme_id = g.id AND t.person_id = :person"
        " WHERE g.status = 'active' AND g.audit_id IS NULL AND g.window_end >= :today"
        " ORDER BY g.window_start, g.id LIMIT :limit",
        {"person": person_id, "today": today.isoformat(), "limit": limit},
    )


# --- what the reminder pass derives -----------------------------------------------------------

async def opening_between(conn: AsyncConnection, first: date, last: date) -> list[RowMapping]:
    """(item, team member) of active unstarted items whose window opens in ``first`` … ``last``."""
    return await fetch_all(
        conn,
        "SELECT g.id, g.window_start, t.person_id FROM programme g JOIN programme_team t ON t.programme_id = g.id"
        " WHERE g.status = 'active' AND g.audit_id IS NULL AND g.window_start >= :first AND g.window_start <= :last"
        " ORDER BY g.id, t.person_id",
        {"first": first.isoformat(), "last": last.isoformat()},
    )


_UNSTARTED_PAST = (
    "g.status = 'active' AND g.window_end < :today"
    " AND (g.audit_id IS NULL OR EXISTS (SELECT 1 FROM audits a WHERE a.id = g.audit_id AND a.status = 'cancelled'))"
)


async def missed(conn: AsyncConnection, today: date) -> list[RowMapping]:
    """Active items whose window has passed without an audit started from them."""
    return await fetch_all(
        conn,
        f"SELECT g.id, g.window_end FROM programme g WHERE {_UNSTARTED_PAST} ORDER BY g.window_end, g.id",
        {"today": today.isoformat()},
    )


async def missed_count(conn: AsyncConnection, today: date, since: date) -> int:
    """How many planned audits were missed whose window ended on or after ``since``."""
    return int(await fetch_value(
        conn, f"SELECT COUNT(*) FROM programme g WHERE {_UNSTARTED_PAST} AND g.window_end >= :since",
        {"today": today.isoformat(), "since": since.isoformat()}))


async def any_active(conn: AsyncConnection) -> bool:
    return await fetch_one(conn, "SELECT 1 AS x FROM programme WHERE status = 'active' LIMIT 1") is not None


async def ending_in(conn: AsyncConnection, first: date, last: date) -> list[RowMapping]:
    """Active items whose window ends in ``first`` … ``last`` (the review's planned audits)."""
    return await fetch_all(
        conn,
        "SELECT g.id, g.window_start, g.window_end, a.status AS audit_status FROM programme g"
        " LEFT JOIN audits a ON a.id = g.audit_id"
        " WHERE g.status = 'active' AND g.window_end >= :first AND g.window_end <= :last",
        {"first": first.isoformat(), "last": last.isoformat()},
    )


# --- what the suggestions and the plan card look back on -------------------------------------

async def last_audits(conn: AsyncConnection) -> list[RowMapping]:
    """Per department: its last completed audit, its completion time and whether it had a major NC."""
    return await fetch_all(
        conn,
        "SELECT a.department_id, a.id, a.number, a.completed_at,"
        " (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND f.kind = 'major') AS majors"
        " FROM audits a WHERE a.status = 'completed' AND a.completed_at = (SELECT MAX(b.completed_at)"
        "  FROM audits b WHERE b.status = 'completed' AND b.department_id = a.department_id)",
    )


async def latest_risks(conn: AsyncConnection) -> dict[int, str]:
    """Per department: the risk of its most recently changed programme item."""
    rows = await fetch_all(
        conn,
        "SELECT department_id, risk FROM programme WHERE status <> 'draft' ORDER BY updated_at, id",
    )
    return {r["department_id"]: r["risk"] for r in rows}


async def upcoming_departments(conn: AsyncConnection, today: date) -> set[int]:
    """Departments with an active planned audit not yet done whose window has not passed."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT department_id FROM programme WHERE status = 'active' AND window_end >= :today"
        " AND audit_id IS NULL",
        {"today": today.isoformat()},
    )
    return {r["department_id"] for r in rows}


async def audited_since(conn: AsyncConnection, since: datetime) -> list[RowMapping]:
    """(checklist snapshot key, question) of every answer (but n/a) of audits completed since ``since``."""
    return await fetch_all(
        conn,
        "SELECT DISTINCT a.checklist_id, a.checklist_version, x.question_id FROM answers x"
        " JOIN audits a ON a.id = x.audit_id WHERE a.status = 'completed' AND a.completed_at >= :since"
        " AND x.result <> 'na'",
        {"since": to_db(since)},
    )


async def snapshots_of(conn: AsyncConnection, keys: list[tuple[str, int]]) -> list[RowMapping]:
    """One checklist snapshot per (checklist id, version) completed audits used."""
    rows = await fetch_all(
        conn,
        "SELECT a.checklist_id, a.checklist_version, MIN(a.id) AS audit_id FROM audits a"
        " WHERE a.status = 'completed' GROUP BY a.checklist_id, a.checklist_version",
    )
    wanted = set(keys)
    result = []
    for row in rows:
        if (row["checklist_id"], row["checklist_version"]) in wanted:
            result.append(await fetch_one(
                conn, "SELECT checklist_id, checklist_version, checklist_json FROM audits WHERE id = :id",
                {"id": row["audit_id"]}))
    return result


async def previous_audit(conn: AsyncConnection, department_id: int, before_audit: int) -> RowMapping | None:
    """The department's last completed audit other than ``before_audit``."""
    return await fetch_one(
        conn,
        "SELECT a.id, a.number, a.completed_at, a.checklist_id, a.checklist_version,"
        " (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND f.kind IN ('major', 'minor')) AS ncs"
        " FROM audits a WHERE a.department_id = :d AND a.status = 'completed' AND a.id <> :audit"
        " ORDER BY a.completed_at DESC, a.id DESC LIMIT 1",
        {"d": department_id, "audit": before_audit},
    )


async def open_actions(conn: AsyncConnection, department_id: int, limit: int = 10) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT c.id, c.state, c.due_date, f.number, a.number AS audit_number FROM capa c"
        " JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
        " WHERE c.department_id = :d AND c.state <> 'closed' ORDER BY c.due_date, c.id LIMIT :limit",
        {"d": department_id, "limit": limit},
    )


async def findings_of(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    return await fetch_all(conn, "SELECT question_id, kind, number FROM findings WHERE audit_id = :id",
                           {"id": audit_id})


async def checklist_json(conn: AsyncConnection, audit_id: int) -> str:
    return await fetch_value(conn, "SELECT checklist_json FROM audits WHERE id = :id", {"id": audit_id})
