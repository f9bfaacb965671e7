"""Audited departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db


async def get(conn: AsyncConnection, department_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM departments WHERE id = :id", {"id": department_id})


async def by_name(conn: AsyncConnection, name: str) -> RowMapping | None:
    """The department called ``name``, in any case."""
    return await fetch_one(conn, "SELECT * FROM departments WHERE lower(name) = lower(:name)", {"name": name})


async def get_or_create(conn: AsyncConnection, name: str, at: datetime) -> tuple[int, bool]:
    """The id of the department called ``name`` (case-insensitive), and whether it is new."""
    row = await by_name(conn, name)
    if row is not None:
        return int(row["id"]), False
    new_id = await fetch_value(  # the same name created at once elsewhere: that one
        conn,
        "INSERT INTO departments(name, created_at) VALUES (:name, :at) ON CONFLICT DO NOTHING RETURNING id",
        {"name": name, "at": to_db(at)},
    )
    if new_id is None:
        return int((await by_name(conn, name))["id"]), False
    return int(new_id), True


async def list_active(conn: AsyncConnection) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT d.*, (SELECT COUNT(*) FROM person_roles r JOIN people p ON p.id = r.person_id"
        "  WHERE r.department_id = d.id AND r.role = 'staff' AND p.active = 1) AS staff_count"
        " FROM departments d WHERE d.active = 1 ORDER BY lower(d.name)"
    )


async def rename(conn: AsyncConnection, department_id: int, name: str) -> None:
    await execute(conn, "UPDATE departments SET name = :name WHERE id = :id", {"name": name, "id": department_id})


async def set_active(conn: AsyncConnection, department_id: int, active: bool) -> None:
    await execute(
        conn, "UPDATE departments SET active = :active WHERE id = :id", {"active": int(active), "id": department_id}
    )
