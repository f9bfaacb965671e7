"""Queries behind the record pack of an audit (bot/report/record_set) beyond the report's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import fetch_all
from storage.times import to_db


async def verifiers(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """(finding number, verifying auditor's name) of each corrective action of the audit."""
    return await fetch_all(
        conn,
        "SELECT f.number, p.name FROM capa c JOIN findings f ON f.id = c.finding_id"
        " JOIN people p ON p.id = c.auditor_id WHERE c.audit_id = :audit_id AND c.cancelled_at IS NULL",
        {"audit_id": audit_id},
    )


async def completed_between(conn: AsyncConnection, lo: datetime, hi: datetime) -> list[RowMapping]:
    """Audits completed in [lo, hi), with their department and checklist snapshot."""
    return await fetch_all(
        conn,
        "SELECT a.id, a.checklist_json, d.name AS department FROM audits a"
        " JOIN departments d ON d.id = a.department_id"
        " WHERE a.status = 'completed' AND a.completed_at >= :lo AND a.completed_at < :hi ORDER BY a.id",
        {"lo": to_db(lo), "hi": to_db(hi)},
    )


async def nonconformities_between(conn: AsyncConnection, lo: datetime, hi: datetime) -> list[RowMapping]:
    """(audit_id, question_id) of each nonconformity of the audits completed in [lo, hi)."""
    return await fetch_all(
        conn,
        "SELECT f.audit_id, f.question_id FROM findings f JOIN audits a ON a.id = f.audit_id"
        " WHERE a.status = 'completed' AND a.completed_at >= :lo AND a.completed_at < :hi"
        " AND f.kind IN ('minor', 'major') AND f.withdrawn_at IS NULL ORDER BY f.audit_id, f.id",
        {"lo": to_db(lo), "hi": to_db(hi)},
    )
