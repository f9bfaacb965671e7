"""Revisions of a reopened audit: rev 2, 3, … (when and by whom reopened, why, when completed again)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db


async def current(conn: AsyncConnection, audit_id: int) -> int:
    """The audit's revision number: 1 until it is first reopened."""
    value = await fetch_value(conn, "SELECT MAX(rev) FROM audit_revisions WHERE audit_id = :id", {"id": audit_id})
    return int(value or 1)


async def add(conn: AsyncConnection, audit_id: int, rev: int, person_id: int, reason: str, at: datetime,
              snapshot: dict[str, Any] | None = None) -> None:
    """Open revision ``rev``; ``snapshot``: the audit as its last completed revision left it."""
    await execute(
        conn,
        "INSERT INTO audit_revisions(audit_id, rev, reopened_at, reopened_by, reason, snapshot_json)"
        " VALUES (:audit_id, :rev, :at, :person_id, :reason, :snapshot)",
        {"audit_id": audit_id, "rev": rev, "at": to_db(at), "person_id": person_id, "reason": reason,
         "snapshot": json.dumps(snapshot, ensure_ascii=False) if snapshot is not None else None},
    )


async def open_revision(conn: AsyncConnection, audit_id: int) -> RowMapping | None:
    """The revision being worked on (reopened, not completed again), if any."""
    return await fetch_one(
        conn, "SELECT * FROM audit_revisions WHERE audit_id = :id AND completed_at IS NULL", {"id": audit_id})


async def get(conn: AsyncConnection, audit_id: int, rev: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM audit_revisions WHERE audit_id = :id AND rev = :rev",
                           {"id": audit_id, "rev": rev})


def snapshot_of(row: RowMapping | None) -> dict[str, Any] | None:
    """The snapshot a revision row keeps (None: none, e.g. opened before snapshots were kept)."""
    return json.loads(row["snapshot_json"]) if row is not None and row["snapshot_json"] else None


async def remove_open(conn: AsyncConnection, audit_id: int) -> None:
    """Withdraw the open revision: it never completed, so no history shows it (the trail does)."""
    await execute(conn, "DELETE FROM audit_revisions WHERE audit_id = :id AND completed_at IS NULL", {"id": audit_id})


async def open_reason(conn: AsyncConnection, audit_id: int) -> str | None:
    """The reason of the revision being worked on (reopened, not completed again), if any."""
    return await fetch_value(
        conn, "SELECT reason FROM audit_revisions WHERE audit_id = :id AND completed_at IS NULL", {"id": audit_id})


async def completed(conn: AsyncConnection, audit_id: int, person_id: int, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE audit_revisions SET completed_at = :at, completed_by = :person_id"
        " WHERE audit_id = :id AND completed_at IS NULL",
        {"at": to_db(at), "person_id": person_id, "id": audit_id},
    )


async def history(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """The revisions, oldest first, with the names of who reopened and completed them."""
    return await fetch_all(
        conn,
        "SELECT r.*, p.name AS reopened_by_name, q.name AS completed_by_name FROM audit_revisions r"
        " LEFT JOIN people p ON p.id = r.reopened_by LEFT JOIN people q ON q.id = r.completed_by"
        " WHERE r.audit_id = :id ORDER BY r.rev",
        {"id": audit_id},
    )


async def first_completion(conn: AsyncConnection, audit_id: int):
    """When and by whom the audit was first completed (revision 1), from the audit trail."""
    return await fetch_one(
        conn,
        "SELECT t.at, p.name FROM audit_trail t LEFT JOIN people p ON p.id = t.person_id"
        " WHERE t.entity = 'audit' AND t.entity_id = :id AND t.action = 'completed' ORDER BY t.id LIMIT 1",
        {"id": str(audit_id)},
    )
