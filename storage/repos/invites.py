"""One-time invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one
from storage.times import to_db


async def create(
    conn: AsyncConnection,
    *,
    code: str,
    role: str,
    department_id: int | None,
    created_by: int,
    at: datetime,
    expires_at: datetime,
) -> None:
    await execute(
        conn,
        "INSERT INTO invites(code, role, department_id, created_by, created_at, expires_at)"
        " VALUES (:code, :role, :department_id, :created_by, :created_at, :expires_at)",
        {"code": code, "role": role, "department_id": department_id, "created_by": created_by,
         "created_at": to_db(at), "expires_at": to_db(expires_at)},
    )


async def get(conn: AsyncConnection, code: str) -> RowMapping | None:
    return await fetch_one(
        conn,
        "SELECT i.*, d.name AS department FROM invites i"
        " LEFT JOIN departments d ON d.id = i.department_id WHERE i.code = :code",
        {"code": code},
    )


async def pending(conn: AsyncConnection, at: datetime, limit: int) -> list[RowMapping]:
    """Invites not used and not expired (nor revoked), newest first."""
    return await fetch_all(
        conn,
        "SELECT i.*, d.name AS department, p.name AS creator FROM invites i"
        " LEFT JOIN departments d ON d.id = i.department_id LEFT JOIN people p ON p.id = i.created_by"
        " WHERE i.used_by IS NULL AND i.expires_at > :at ORDER BY i.created_at DESC, i.code LIMIT :limit",
        {"at": to_db(at), "limit": limit},
    )


async def revoke(conn: AsyncConnection, code: str, at: datetime) -> bool:
    """End a pending invite now (it then reads as expired); False when it was used or had expired."""
    result = await execute(
        conn,
        "UPDATE invites SET expires_at = :at WHERE code = :code AND used_by IS NULL AND expires_at > :at",
        {"at": to_db(at), "code": code},
    )
    return result.rowcount == 1


async def redeem(conn: AsyncConnection, code: str, person_id: int, at: datetime) -> bool:
    """Mark the invite used; False if it was used or has expired meanwhile."""
    result = await execute(
        conn,
        "UPDATE invites SET used_by = :person_id, used_at = :at"
        " WHERE code = :code AND used_by IS NULL AND expires_at > :at",
        {"person_id": person_id, "at": to_db(at), "code": code},
    )
    return result.rowcount == 1
