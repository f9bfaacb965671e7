"""Findings (numbered at completion) and their corrective actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value, for_change
from storage.times import to_db


async def add_finding(
    conn: AsyncConnection,
    *,
    audit_id: int,
    question_id: str,
    kind: str,
    number: str,
    statement: str,
    at: datetime,
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO findings(audit_id, question_id, kind, number, statement, created_at)"
        " VALUES (:audit_id, :question_id, :kind, :number, :statement, :created_at) RETURNING id",
        {"audit_id": audit_id, "question_id": question_id, "kind": kind, "number": number,
         "statement": statement, "created_at": to_db(at)},
    )
    return int(new_id)


async def of_audit(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT f.*, c.id AS capa_id, c.state AS capa_state, c.due_date FROM findings f"
        " LEFT JOIN capa c ON c.finding_id = f.id WHERE f.audit_id = :audit_id AND f.withdrawn_at IS NULL"
        " ORDER BY f.id",
        {"audit_id": audit_id},
    )


async def add_capa(
    conn: AsyncConnection,
    *,
    finding_id: int,
    audit_id: int,
    department_id: int,
    auditor_id: int,
    due_date: date,
    at: datetime,
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO capa(finding_id, audit_id, department_id, auditor_id, due_date, created_at, updated_at)"
        " VALUES (:finding_id, :audit_id, :department_id, :auditor_id, :due_date, :at, :at) RETURNING id",
        {"finding_id": finding_id, "audit_id": audit_id, "department_id": department_id,
         "auditor_id": auditor_id, "due_date": due_date.isoformat(), "at": to_db(at)},
    )
    return int(new_id)


async def get_capa(conn: AsyncConnection, capa_id: int) -> RowMapping | None:
    """One action with its finding, audit and department; in a write transaction the action's
    row is locked until it ends (storage.sql.for_change), so its changes take turns."""
    return await fetch_one(
        conn,
        "SELECT c.*, f.number, f.kind, f.statement, f.question_id, a.number AS audit_number,"
        " a.checklist_json, a.lang AS audit_lang, d.name AS department"
        " FROM capa c JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
        f" JOIN departments d ON d.id = c.department_id WHERE c.id = :id{for_change(conn, 'c')}",
        {"id": capa_id},
    )


_CAPA_FIELDS = frozenset({
    "state", "due_date", "correction", "root_cause_json", "elsewhere", "action_plan", "target_date",
    "implementation", "effectiveness", "rejection_reason", "notified_at", "planned_at",
    "implemented_at", "closed_at", "plan_accepted_at", "returned_step", "return_reason", "original_due_date",
    "reminded_stage", "escalated_at", "department_id", "auditor_id",
})


async def update_capa(conn: AsyncConnection, capa_id: int, at: datetime, **fields: object) -> None:
    """Set the named columns of one action (names are code, never user input)."""
    unknown = set(fields) - _CAPA_FIELDS
    if unknown:
        raise ValueError(f"unknown capa fields: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    await execute(
        conn,
        f"UPDATE capa SET {assignments}, updated_at = :updated_at WHERE id = :capa_id",
        {**fields, "updated_at": to_db(at), "capa_id": capa_id},
    )


async def capas_of_audit(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT c.*, f.number, f.kind, f.statement, f.question_id FROM capa c"
        " JOIN findings f ON f.id = c.finding_id WHERE c.audit_id = :audit_id AND c.cancelled_at IS NULL ORDER BY f.id",
        {"audit_id": audit_id},
    )


# --- a reopened audit's revision ---------------------------------------------------------------

async def every_of_audit(conn: AsyncConnection, audit_id: int) -> dict[str, RowMapping]:
    """Every finding of an audit by question, withdrawn ones too, with its action (if any)."""
    rows = await fetch_all(
        conn,
        "SELECT f.*, c.id AS capa_id, c.state AS capa_state, c.cancelled_at, c.due_date AS capa_due_date"
        " FROM findings f"
        " LEFT JOIN capa c ON c.finding_id = f.id WHERE f.audit_id = :audit_id ORDER BY f.id",
        {"audit_id": audit_id},
    )
    return {row["question_id"]: row for row in rows}


async def revise_finding(conn: AsyncConnection, finding_id: int, *, kind: str, number: str, statement: str) -> None:
    """A finding as the revision has it (a withdrawn one found again is current again)."""
    await execute(
        conn,
        "UPDATE findings SET kind = :kind, number = :number, statement = :statement, withdrawn_at = NULL,"
        " withdrawn_reason = NULL WHERE id = :id",
        {"kind": kind, "number": number, "statement": statement, "id": finding_id},
    )


async def withdraw_finding(conn: AsyncConnection, finding_id: int, at: datetime, reason: str) -> None:
    await execute(conn, "UPDATE findings SET withdrawn_at = :at, withdrawn_reason = :reason WHERE id = :id",
                  {"at": to_db(at), "reason": reason, "id": finding_id})


async def cancel_capa(conn: AsyncConnection, capa_id: int, at: datetime, reason: str) -> None:
    """Cancel an action (its finding was withdrawn): closed for every list, marked cancelled."""
    await execute(
        conn,
        "UPDATE capa SET state = 'closed', cancelled_at = :at, cancel_reason = :reason, updated_at = :at"
        " WHERE id = :id",
        {"at": to_db(at), "reason": reason, "id": capa_id},
    )


async def reopen_capa(conn: AsyncConnection, capa_id: int, due: date, at: datetime) -> None:
    """A cancelled action whose finding is a nonconformity again: open, to be sent again."""
    await execute(
        conn,
        "UPDATE capa SET state = 'open', cancelled_at = NULL, cancel_reason = NULL, notified_at = NULL,"
        " closed_at = NULL, due_date = :due, updated_at = :at WHERE id = :id",
        {"due": due.isoformat(), "at": to_db(at), "id": capa_id},
    )
