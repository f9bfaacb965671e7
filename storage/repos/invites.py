"""One-time invite codes."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_one
from storage.times import to_db


async def create(
    conn: aiosqlite.Connection,
    *,
    code: str,
    role: str,
    department_id: int | None,
    created_by: int,
    at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO invites(code, role, department_id, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code, role, department_id, created_by, to_db(at), to_db(expires_at)),
    )


async def get(conn: aiosqlite.Connection, code: str) -> aiosqlite.Row | None:
    return await fetch_one(
        conn,
        "SELECT i.*, d.name AS department FROM invites i"
        " LEFT JOIN departments d ON d.id = i.department_id WHERE i.code = ?",
        (code,)
    )


async def redeem(conn: aiosqlite.Connection, code: str, person_id: int, at: datetime) -> bool:
    """Mark the invite used; False if it was used or has expired meanwhile."""
    cur = await conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL AND expires_at > ?",
        (person_id, to_db(at), code, to_db(at)),
    )
    return cur.rowcount == 1
