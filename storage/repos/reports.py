"""Read-only queries behind the Word report and the Excel export.

The audit row, its team, findings and actions come from ``storage.repos.audits`` and
``storage.repos.findings``; this module adds the joins those do not have (who wrote a note,
who took a photo) and the whole-database reads of the export.
"""

from __future__ import annotations

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import joined
from storage.repos import audits
from storage.sql import fetch_all


async def resolve_audit(conn: AsyncConnection, number: str, audit_id: int | None) -> RowMapping | None:
    """The audit numbered ``number`` (any case), else the one with ``audit_id``; None if neither."""
    row = await audits.by_number(conn, number)
    if row is None and audit_id is not None:
        row = await audits.get(conn, audit_id)
    return row


async def answers_with_people(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """The current answers of one audit, with the name of who answered."""
    return await fetch_all(
        conn,
        "SELECT a.*, p.name AS person FROM answers a LEFT JOIN people p ON p.id = a.answered_by"
        " WHERE a.audit_id = :audit_id",
        {"audit_id": audit_id},
    )


async def notes_with_people(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Every note of one audit in the order written, with the author's name."""
    return await fetch_all(
        conn,
        "SELECT n.*, p.name AS person FROM notes n LEFT JOIN people p ON p.id = n.person_id"
        " WHERE n.audit_id = :audit_id AND n.deleted_at IS NULL ORDER BY n.created_at, n.id",
        {"audit_id": audit_id},
    )


async def evidence_with_people(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Evidence files attached to questions of one audit, oldest first, with who sent them."""
    return await fetch_all(
        conn,
        "SELECT e.*, p.name AS person FROM evidence e LEFT JOIN people p ON p.id = e.person_id"
        " WHERE e.audit_id = :audit_id AND e.question_id IS NOT NULL AND e.deleted_at IS NULL"
        " ORDER BY e.created_at, e.id",
        {"audit_id": audit_id},
    )


async def action_evidence_with_people(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """The files the departments sent as evidence of the implementation of this audit's
    actions, oldest first, with the action's finding and who sent them."""
    return await fetch_all(
        conn,
        "SELECT e.*, c.finding_id, p.name AS person FROM evidence e JOIN capa c ON c.id = e.capa_id"
        " LEFT JOIN people p ON p.id = e.person_id"
        " WHERE c.audit_id = :audit_id AND e.deleted_at IS NULL ORDER BY e.created_at, e.id",
        {"audit_id": audit_id},
    )


# --- the export: every audit ---------------------------------------------------------------

async def export_audits(conn: AsyncConnection) -> list[RowMapping]:
    """Every audit with its department, team leader(s) and auditors, oldest first."""
    names = joined(conn, "p.name", "', '")
    return await fetch_all(
        conn,
        "SELECT a.*, d.name AS department,"
        f" (SELECT {names} FROM audit_team t JOIN people p ON p.id = t.person_id"
        "   WHERE t.audit_id = a.id AND t.team_role = 'leader') AS leaders,"
        f" (SELECT {names} FROM audit_team t JOIN people p ON p.id = t.person_id"
        "   WHERE t.audit_id = a.id AND t.team_role = 'auditor') AS auditors"
        " FROM audits a JOIN departments d ON d.id = a.department_id ORDER BY a.created_at, a.id"
    )


async def export_answers(conn: AsyncConnection) -> list[RowMapping]:
    """Every current answer with who gave it, its notes (joined by newlines) and file counts."""
    notes = joined(conn, "n.text", "CAST(:newline AS TEXT)")
    return await fetch_all(
        conn,
        "SELECT x.*, p.name AS person,"
        f" (SELECT {notes} FROM notes n"
        "   WHERE n.audit_id = x.audit_id AND n.question_id = x.question_id AND n.deleted_at IS NULL) AS notes,"
        " (SELECT COUNT(*) FROM evidence e"
        "   WHERE e.audit_id = x.audit_id AND e.question_id = x.question_id AND e.deleted_at IS NULL) AS files"
        " FROM answers x LEFT JOIN people p ON p.id = x.answered_by"
        " ORDER BY x.audit_id, x.answered_at",
        {"newline": "\n"},
    )


async def export_findings(conn: AsyncConnection) -> list[RowMapping]:
    """Every finding of every audit."""
    return await fetch_all(conn, "SELECT f.* FROM findings f ORDER BY f.audit_id, f.id")


async def export_actions(conn: AsyncConnection) -> list[RowMapping]:
    """Every corrective action with its finding, department and the auditor who raised it."""
    return await fetch_all(
        conn,
        "SELECT c.*, f.number, f.kind, f.question_id, d.name AS department, p.name AS auditor"
        " FROM capa c JOIN findings f ON f.id = c.finding_id"
        " JOIN departments d ON d.id = c.department_id LEFT JOIN people p ON p.id = c.auditor_id"
        " ORDER BY c.audit_id, f.id"
    )
