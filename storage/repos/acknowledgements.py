"""The department's acknowledgement of an audit's findings at the closing meeting, one per
revision (a revision asks again for what is new or changed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all
from storage.times import to_db


async def add(conn: AsyncConnection, audit_id: int, person_id: int, at: datetime, rev: int = 1) -> bool:
    """Record that ``person_id`` acknowledged revision ``rev``'s findings; False when they had already."""
    result = await execute(
        conn,
        "INSERT INTO audit_acknowledgements(audit_id, person_id, rev, acknowledged_at)"
        " VALUES (:audit_id, :person_id, :rev, :at) ON CONFLICT DO NOTHING",
        {"audit_id": audit_id, "person_id": person_id, "rev": rev, "at": to_db(at)},
    )
    return result.rowcount == 1


async def of_audit(conn: AsyncConnection, audit_id: int, rev: int | None = None) -> list[RowMapping]:
    """Who acknowledged the audit's findings (of revision ``rev``; None: of every revision),
    and when (by revision, first first)."""
    where = "" if rev is None else " AND k.rev = :rev"
    return await fetch_all(
        conn,
        "SELECT k.person_id, k.rev, k.acknowledged_at, p.name FROM audit_acknowledgements k"
        f" JOIN people p ON p.id = k.person_id WHERE k.audit_id = :audit_id{where}"
        " ORDER BY k.rev, k.acknowledged_at, k.person_id",
        {"audit_id": audit_id, "rev": rev},
    )
