"""The department's acknowledgement of an audit's findings at the closing meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all
from storage.times import to_db


async def add(conn: AsyncConnection, audit_id: int, person_id: int, at: datetime) -> bool:
    """Record that ``person_id`` acknowledged the findings; False when they had already."""
    result = await execute(
        conn,
        "INSERT INTO audit_acknowledgements(audit_id, person_id, acknowledged_at)"
        " VALUES (:audit_id, :person_id, :at) ON CONFLICT DO NOTHING",
        {"audit_id": audit_id, "person_id": person_id, "at": to_db(at)},
    )
    return result.rowcount == 1


async def of_audit(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Who acknowledged the audit's findings, and when (first first)."""
    return await fetch_all(
        conn,
        "SELECT k.person_id, k.acknowledged_at, p.name FROM audit_acknowledgements k"
        " JOIN people p ON p.id = k.person_id WHERE k.audit_id = :audit_id ORDER BY k.acknowledged_at, k.person_id",
        {"audit_id": audit_id},
    )
