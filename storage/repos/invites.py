"""One-time invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import execute, fetch_one
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


async def redeem(conn: AsyncConnection, code: str, person_id: int, at: datetime) -> bool:
    """Mark the invite used; False if it was used or has expired meanwhile."""
    result = await execute(
        conn,
        "UPDATE invites SET used_by = :person_id, used_at = :at"
        " WHERE code = :code AND used_by IS NULL AND expires_at > :at",
        {"person_id": person_id, "at": to_db(at), "code": code},
    )
    return result.rowcount == 1
