"""People, their roles, and their language."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.times import to_db

ROLES = ("lead", "auditor", "staff")


async def get(conn: aiosqlite.Connection, person_id: int) -> aiosqlite.Row | None:
    return await fetch_one(conn, "SELECT * FROM people WHERE id = ?", (person_id,))


async def upsert(
    conn: aiosqlite.Connection, person_id: int, *, name: str, username: str | None, lang: str, at: datetime
) -> None:
    """Create the person or refresh their name; the language follows the client until chosen."""
    await conn.execute(
        "INSERT INTO people(id, name, username, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name, username = excluded.username,"
        " lang = CASE WHEN people.lang_chosen THEN people.lang ELSE excluded.lang END,"
        " updated_at = excluded.updated_at"
        " WHERE people.name IS NOT excluded.name OR people.username IS NOT excluded.username"
        " OR (NOT people.lang_chosen AND people.lang IS NOT excluded.lang)",
        (person_id, name, username, lang, to_db(at), to_db(at)),
    )


async def set_lang(conn: aiosqlite.Connection, person_id: int, lang: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE people SET lang = ?, lang_chosen = 1, updated_at = ? WHERE id = ?",
        (lang, to_db(at), person_id),
    )


async def set_active(conn: aiosqlite.Connection, person_id: int, active: bool, at: datetime) -> None:
    await conn.execute(
        "UPDATE people SET active = ?, updated_at = ? WHERE id = ?", (int(active), to_db(at), person_id)
    )


async def set_blocked(conn: aiosqlite.Connection, person_id: int, blocked: bool, at: datetime) -> None:
    await conn.execute(
        "UPDATE people SET blocked_bot = ?, updated_at = ? WHERE id = ?",
        (int(blocked), to_db(at), person_id),
    )


async def roles(conn: aiosqlite.Connection, person_id: int) -> list[aiosqlite.Row]:
    """(role, department_id, department name) of one person."""
    return await fetch_all(
        conn,
        "SELECT r.role, r.department_id, d.name AS department FROM person_roles r"
        " LEFT JOIN departments d ON d.id = r.department_id WHERE r.person_id = ? ORDER BY r.role",
        (person_id,)
    )


async def add_role(
    conn: aiosqlite.Connection, person_id: int, role: str, department_id: int | None, at: datetime
) -> bool:
    """Grant a role; False when the person had it already."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO person_roles(person_id, role, department_id, created_at) VALUES (?, ?, ?, ?)",
        (person_id, role, department_id or 0, to_db(at)),
    )
    return cur.rowcount > 0


async def remove_role(
    conn: aiosqlite.Connection, person_id: int, role: str, department_id: int | None = None
) -> bool:
    if department_id is None:
        cur = await conn.execute(
            "DELETE FROM person_roles WHERE person_id = ? AND role = ?", (person_id, role)
        )
    else:
        cur = await conn.execute(
            "DELETE FROM person_roles WHERE person_id = ? AND role = ? AND department_id = ?",
            (person_id, role, department_id),
        )
    return cur.rowcount > 0


async def list_all(conn: aiosqlite.Connection) -> list[aiosqlite.Row]:
    """Everyone with a role, with their roles folded into one text column."""
    return await fetch_all(
        conn,
        "SELECT p.*, GROUP_CONCAT(r.role || CASE WHEN r.department_id THEN ':' || d.name ELSE '' END, ', ')"
        " AS roles FROM people p JOIN person_roles r ON r.person_id = p.id"
        " LEFT JOIN departments d ON d.id = r.department_id"
        " GROUP BY p.id ORDER BY p.active DESC, p.name COLLATE NOCASE"
    )


async def staff_of(conn: aiosqlite.Connection, department_id: int) -> list[aiosqlite.Row]:
    """Active staff of a department."""
    return await fetch_all(
        conn,
        "SELECT p.* FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE r.role = 'staff' AND r.department_id = ? AND p.active = 1 ORDER BY p.id",
        (department_id,)
    )


async def with_role(conn: aiosqlite.Connection, role: str) -> list[aiosqlite.Row]:
    """Active people holding ``role``."""
    return await fetch_all(
        conn,
        "SELECT DISTINCT p.* FROM people p JOIN person_roles r ON r.person_id = p.id"
        " WHERE r.role = ? AND p.active = 1 ORDER BY p.id",
        (role,)
    )
