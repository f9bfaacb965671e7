"""What the next audit of a department reads of the previous one, and its verdicts on the
previous audit's corrective actions (capa_effectiveness)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one
from storage.times import to_db


async def previous_audit(conn: AsyncConnection, department_id: int, audit_id: int,
                         checklist_id: str) -> RowMapping | None:
    """The department's latest completed audit started before ``audit_id`` on the same checklist
    (a special checklist run in between does not hide it), else on any; with its checklist."""
    return await fetch_one(
        conn,
        "SELECT a.id, a.number, a.completed_at, a.checklist_id, a.checklist_version, a.checklist_json,"
        " a.plan_json FROM audits a WHERE a.department_id = :d AND a.status = 'completed' AND a.id < :audit"
        " ORDER BY CASE WHEN a.checklist_id = :checklist THEN 0 ELSE 1 END, a.completed_at DESC, a.id DESC LIMIT 1",
        {"d": department_id, "audit": audit_id, "checklist": checklist_id},
    )


async def latest_completed(conn: AsyncConnection, department_id: int) -> RowMapping | None:
    """The department's latest completed audit (what "Like last time" copies)."""
    return await fetch_one(
        conn,
        "SELECT a.id, a.number, a.checklist_id, a.plan_json FROM audits a"
        " WHERE a.department_id = :d AND a.status = 'completed' ORDER BY a.completed_at DESC, a.id DESC LIMIT 1",
        {"d": department_id},
    )


async def audited_departments(conn: AsyncConnection) -> dict[int, str]:
    """Department → the number of its latest completed audit."""
    rows = await fetch_all(
        conn,
        "SELECT a.department_id, a.number FROM audits a WHERE a.status = 'completed'"
        " ORDER BY a.completed_at, a.id",
    )
    return {r["department_id"]: r["number"] for r in rows}


async def answers_of(conn: AsyncConnection, audit_id: int) -> dict[str, str]:
    rows = await fetch_all(conn, "SELECT question_id, result FROM answers WHERE audit_id = :a", {"a": audit_id})
    return {r["question_id"]: r["result"] for r in rows}


async def findings_of(conn: AsyncConnection, audit_id: int) -> dict[str, RowMapping]:
    """The audit's current findings by question, with their action (if any)."""
    rows = await fetch_all(
        conn,
        "SELECT f.question_id, f.number, f.kind, f.statement, c.id AS capa_id FROM findings f"
        " LEFT JOIN capa c ON c.finding_id = f.id WHERE f.audit_id = :a AND f.withdrawn_at IS NULL",
        {"a": audit_id},
    )
    return {r["question_id"]: r for r in rows}


async def action_now(conn: AsyncConnection, capa_id: int, audit_id: int) -> RowMapping | None:
    """An action's state and the verdict ``audit_id`` gave on it (by primary keys: one round trip)."""
    return await fetch_one(
        conn,
        "SELECT c.state, c.closed_at, c.cancelled_at, v.verdict, v.reason, v.created_at AS verdict_at,"
        " p.name AS verdict_by FROM capa c"
        " LEFT JOIN capa_effectiveness v ON v.capa_id = c.id AND v.audit_id = :a"
        " LEFT JOIN people p ON p.id = v.person_id WHERE c.id = :c",
        {"c": capa_id, "a": audit_id},
    )


async def add_verdict(conn: AsyncConnection, *, capa_id: int, audit_id: int, question_id: str, verdict: str,
                      reason: str | None, person_id: int, at: datetime) -> bool:
    """Record the verdict; False when this audit judged the action already (a double tap)."""
    result = await execute(
        conn,
        "INSERT INTO capa_effectiveness(capa_id, audit_id, question_id, verdict, reason, person_id, created_at)"
        " VALUES (:c, :a, :q, :v, :r, :p, :at) ON CONFLICT DO NOTHING",
        {"c": capa_id, "a": audit_id, "q": question_id, "v": verdict, "r": reason, "p": person_id,
         "at": to_db(at)},
    )
    return result.rowcount == 1


async def verdicts_of(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """The verdicts an audit gave on earlier actions, with the old finding and audit."""
    return await fetch_all(
        conn,
        "SELECT v.capa_id, v.question_id, v.verdict, v.reason, v.created_at, p.name AS person,"
        " f.number, f.kind, f.statement, a.number AS audit_number, c.state, c.closed_at"
        " FROM capa_effectiveness v JOIN capa c ON c.id = v.capa_id JOIN findings f ON f.id = c.finding_id"
        " JOIN audits a ON a.id = c.audit_id LEFT JOIN people p ON p.id = v.person_id"
        " WHERE v.audit_id = :a ORDER BY a.number, f.number",
        {"a": audit_id},
    )


async def verdict_counts(conn: AsyncConnection, first: datetime, last: datetime) -> dict[str, int]:
    """Verdicts given by audits completed in [first, last): effective / not_effective → count."""
    rows = await fetch_all(
        conn,
        "SELECT v.verdict, COUNT(*) AS n FROM capa_effectiveness v JOIN audits a ON a.id = v.audit_id"
        " WHERE a.status = 'completed' AND a.completed_at >= :first AND a.completed_at < :last GROUP BY v.verdict",
        {"first": to_db(first), "last": to_db(last)},
    )
    return {r["verdict"]: int(r["n"]) for r in rows}
