"""Audited departments."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.times import to_db


async def get(conn: aiosqlite.Connection, department_id: int) -> aiosqlite.Row | None:
    return await fetch_one(conn, "SELECT * FROM departments WHERE id = ?", (department_id,))


async def by_name(conn: aiosqlite.Connection, name: str) -> aiosqlite.Row | None:
    return await fetch_one(conn, "SELECT * FROM departments WHERE name = ?", (name,))


async def get_or_create(conn: aiosqlite.Connection, name: str, at: datetime) -> tuple[int, bool]:
    """The id of the department called ``name`` (case-insensitive), and whether it is new."""
    row = await by_name(conn, name)
    if row is not None:
        return int(row["id"]), False
    cur = await conn.execute(
        "INSERT INTO departments(name, created_at) VALUES (?, ?)", (name, to_db(at))
    )
    return int(cur.lastrowid), True


async def list_active(conn: aiosqlite.Connection) -> list[aiosqlite.Row]:
    return await fetch_all(
        conn,
        "SELECT d.*, (SELECT COUNT(*) FROM person_roles r JOIN people p ON p.id = r.person_id"
        "  WHERE r.department_id = d.id AND r.role = 'staff' AND p.active = 1) AS staff_count"
        " FROM departments d WHERE d.active = 1 ORDER BY d.name COLLATE NOCASE"
    )


async def rename(conn: aiosqlite.Connection, department_id: int, name: str) -> None:
    await conn.execute("UPDATE departments SET name = ? WHERE id = ?", (name, department_id))


async def set_active(conn: aiosqlite.Connection, department_id: int, active: bool) -> None:
    await conn.execute("UPDATE departments SET active = ? WHERE id = ?", (int(active), department_id))
