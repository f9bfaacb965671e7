"""People, their roles, and their language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import joined
from storage.sql import execute, fetch_all, fetch_one
from storage.times import to_db

ROLES = ("lead", "auditor", "staff")


async def get(conn: AsyncConnection, person_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM people WHERE id = :id", {"id": person_id})


async def upsert(
    conn: AsyncConnection, person_id: int, *, name: str, username: str | None, lang: str, at: datetime
) -> None:
    """Create the person or refresh their name; the language follows the client until chosen."""
    await execute(
        conn,
        "INSERT INTO people(id, name, username, lang, created_at, updated_at)"
        " VALUES (:id, :name, :username, :lang, :at, :at)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name, username = excluded.username,"
        " lang = CASE WHEN people.lang_chosen = 1 THEN people.lang ELSE excluded.lang END,"
        " updated_at = excluded.updated_at"
        " WHERE people.name IS DISTINCT FROM excluded.name"
        " OR people.username IS DISTINCT FROM excluded.username"
        " OR (people.lang_chosen = 0 AND people.lang IS DISTINCT FROM excluded.lang)",
        {"id": person_id, "name": name, "username": username, "lang": lang, "at": to_db(at)},
    )


async def set_lang(conn: AsyncConnection, person_id: int, lang: str, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE people SET lang = :lang, lang_chosen = 1, updated_at = :at WHERE id = :id",
        {"lang": lang, "at": to_db(at), "id": person_id},
    )


async def set_active(conn: AsyncConnection, person_id: int, active: bool, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE people SET active = :active, updated_at = :at WHERE id = :id",
        {"active": int(active), "at": to_db(at), "id": person_id},
    )


async def set_blocked(conn: AsyncConnection, person_id: int, blocked: bool, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE people SET blocked_bot = :blocked, updated_at = :at WHERE id = :id",
        {"blocked": int(blocked), "at": to_db(at), "id": person_id},
    )


async def roles(conn: AsyncConnection, person_id: int) -> list[RowMapping]:
    """(role, department_id, department name) of one person."""
    return await fetch_all(
        conn,
        "SELECT r.role, r.department_id, d.name AS department FROM person_roles r"
        " LEFT JOIN departments d ON d.id = r.department_id WHERE r.person_id = :id ORDER BY r.role",
        {"id": person_id},
    )


async def add_role(
    conn: AsyncConnection, person_id: int, role: str, department_id: int | None, at: datetime
) -> bool:
    """Grant a role; False when the person had it already."""
    result = await execute(
        conn,
        "INSERT INTO person_roles(person_id, role, department_id, created_at)"
        " VALUES (:person_id, :role, :department_id, :at) ON CONFLICT DO NOTHING",
        {"person_id": person_id, "role": role, "department_id": department_id or 0, "at": to_db(at)},
    )
    return result.rowcount > 0


async def remove_role(
    conn: AsyncConnection, person_id: int, role: str, department_id: int | None = None
) -> bool:
    params = {"person_id": person_id, "role": role, "department_id": department_id}
    sql = "DELETE FROM person_roles WHERE person_id = :person_id AND role = :role"
    if department_id is not None:
        sql += " AND department_id = :department_id"
    result = await execute(conn, sql, params)
    return result.rowcount > 0


async def list_all(conn: AsyncConnection) -> list[RowMapping]:
    """Everyone with a role, with their roles folded into one text column."""
    role = "r.role || CASE WHEN r.department_id <> 0 THEN ':' || d.name ELSE '' END"
    roles_column = joined(conn, role, "', '")
    return await fetch_all(
        conn,
        f"SELECT p.*, {roles_column} AS roles"
        " FROM people p JOIN person_roles r ON r.person_id = p.id"
        " LEFT JOIN departments d ON d.id = r.department_id"
        " GROUP BY p.id ORDER BY p.active DESC, lower(p.name)",
    )


async def staff_of(conn: AsyncConnection, department_id: int) -> list[RowMapping]:
    """Active staff of a department."""
    return await fetch_all(
        conn,
        "SELECT p.* FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE r.role = 'staff' AND r.department_id = :department_id AND p.active = 1 ORDER BY p.id",
        {"department_id": department_id},
    )


async def active_with_roles(conn: AsyncConnection) -> list[RowMapping]:
    """(id, lang, role) of every active person's every role."""
    return await fetch_all(
        conn,
        "SELECT p.id, p.lang, r.role FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE p.active = 1 ORDER BY p.id, r.role",
    )


async def with_role(conn: AsyncConnection, role: str) -> list[RowMapping]:
    """Active people holding ``role``."""
    return await fetch_all(
        conn,
        "SELECT DISTINCT p.* FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE r.role = :role AND p.active = 1 ORDER BY p.id",
        {"role": role},
    )
