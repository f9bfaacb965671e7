"""Audits, their team, answers and notes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.times import to_db


async def create(
    conn: aiosqlite.Connection,
    *,
    checklist_id: str,
    checklist_version: int,
    checklist_json: str,
    department_id: int,
    lang: str,
    created_by: int,
    at: datetime,
    number_prefix: str,
) -> tuple[int, str]:
    """A new audit in 'planning' with the creator as team leader; returns (id, number)."""
    (count,) = await fetch_one(conn, "SELECT COUNT(*) FROM audits WHERE number LIKE ?", (f"{number_prefix}%",))
    number = f"{number_prefix}{count + 1:03d}"
    cur = await conn.execute(
        "INSERT INTO audits(number, checklist_id, checklist_version, checklist_json, department_id,"
        " lang, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, checklist_id, checklist_version, checklist_json, department_id, lang,
         created_by, to_db(at), to_db(at)),
    )
    audit_id = int(cur.lastrowid)
    await add_member(conn, audit_id, created_by, "leader", at)
    return audit_id, number


async def get(conn: aiosqlite.Connection, audit_id: int) -> aiosqlite.Row | None:
    return await fetch_one(
        conn,
        "SELECT a.*, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.id = ?",
        (audit_id,)
    )


_HEAD = (
    "a.id, a.number, a.checklist_id, a.checklist_version, a.department_id, a.lang, a.status, a.plan_json,"
    " a.opening_json, a.closing_json, a.created_by, a.created_at, a.updated_at, a.completed_at"
)


async def get_head(conn: aiosqlite.Connection, audit_id: int) -> aiosqlite.Row | None:
    """An audit without its (large) checklist snapshot, with the department's name."""
    return await fetch_one(
        conn,
        f"SELECT {_HEAD}, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.id = ?",
        (audit_id,)
    )


async def checklist_json(conn: aiosqlite.Connection, audit_id: int) -> str:
    """The checklist snapshot of an audit."""
    row = await fetch_one(conn, "SELECT checklist_json FROM audits WHERE id = ?", (audit_id,))
    return row[0]


async def answer_count(conn: aiosqlite.Connection, audit_id: int) -> int:
    row = await fetch_one(conn, "SELECT COUNT(*) FROM answers WHERE audit_id = ?", (audit_id,))
    return int(row[0])


async def by_number(conn: aiosqlite.Connection, number: str) -> aiosqlite.Row | None:
    return await fetch_one(
        conn,
        "SELECT a.*, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.number = ? COLLATE NOCASE",
        (number,)
    )


async def set_status(conn: aiosqlite.Connection, audit_id: int, status: str, at: datetime) -> None:
    completed = to_db(at) if status == "completed" else None
    await conn.execute(
        "UPDATE audits SET status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at)"
        " WHERE id = ?",
        (status, to_db(at), completed, audit_id),
    )


async def set_card(
    conn: aiosqlite.Connection, audit_id: int, card: str, value: dict[str, Any], at: datetime
) -> None:
    """Store the plan, opening or closing card (``card`` is 'plan', 'opening' or 'closing')."""
    column = {"plan": "plan_json", "opening": "opening_json", "closing": "closing_json"}[card]
    await conn.execute(
        f"UPDATE audits SET {column} = ?, updated_at = ? WHERE id = ?",
        (json.dumps(value, ensure_ascii=False), to_db(at), audit_id),
    )


async def add_member(
    conn: aiosqlite.Connection, audit_id: int, person_id: int, team_role: str, at: datetime
) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO audit_team(audit_id, person_id, team_role, joined_at) VALUES (?, ?, ?, ?)",
        (audit_id, person_id, team_role, to_db(at)),
    )


async def team(conn: aiosqlite.Connection, audit_id: int) -> list[aiosqlite.Row]:
    return await fetch_all(
        conn,
        "SELECT p.id, p.name, t.team_role FROM audit_team t JOIN people p ON p.id = t.person_id"
        " WHERE t.audit_id = ? ORDER BY t.team_role DESC, t.joined_at",
        (audit_id,)
    )


async def is_member(conn: aiosqlite.Connection, audit_id: int, person_id: int) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM audit_team WHERE audit_id = ? AND person_id = ?", (audit_id, person_id)) is not None


async def unfinished_of(conn: aiosqlite.Connection, person_id: int) -> list[aiosqlite.Row]:
    """Open audits the person is in the team of, newest first."""
    return await fetch_all(
        conn,
        "SELECT a.*, d.name AS department,"
        " (SELECT COUNT(*) FROM answers x WHERE x.audit_id = a.id AND x.result != 'skipped') AS answered"
        " FROM audits a JOIN audit_team t ON t.audit_id = a.id"
        " JOIN departments d ON d.id = a.department_id"
        " WHERE t.person_id = ? AND a.status NOT IN ('completed', 'cancelled')"
        " ORDER BY a.updated_at DESC",
        (person_id,)
    )


async def recent(conn: aiosqlite.Connection, *, person_id: int | None, limit: int = 10) -> list[aiosqlite.Row]:
    """Recent audits, of one team member's or (person_id None) all of them."""
    if person_id is None:
        sql = ("SELECT a.*, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
               " WHERE a.status != 'cancelled' ORDER BY a.updated_at DESC LIMIT ?")
        params: tuple[Any, ...] = (limit,)
    else:
        sql = ("SELECT a.*, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
               " JOIN audit_team t ON t.audit_id = a.id WHERE t.person_id = ? AND a.status != 'cancelled'"
               " ORDER BY a.updated_at DESC LIMIT ?")
        params = (person_id, limit)
    return await fetch_all(conn, sql, params)


async def touch(conn: aiosqlite.Connection, audit_id: int, at: datetime) -> None:
    await conn.execute("UPDATE audits SET updated_at = ? WHERE id = ?", (to_db(at), audit_id))


# --- answers -------------------------------------------------------------------------------

async def answer(conn: aiosqlite.Connection, audit_id: int, question_id: str) -> aiosqlite.Row | None:
    return await fetch_one(conn, "SELECT * FROM answers WHERE audit_id = ? AND question_id = ?", (audit_id, question_id))


async def set_answer(
    conn: aiosqlite.Connection, audit_id: int, question_id: str, result: str, person_id: int, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO answers(audit_id, question_id, result, answered_by, answered_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(audit_id, question_id) DO UPDATE SET result = excluded.result,"
        " answered_by = excluded.answered_by, answered_at = excluded.answered_at",
        (audit_id, question_id, result, person_id, to_db(at)),
    )


async def answers(conn: aiosqlite.Connection, audit_id: int) -> dict[str, aiosqlite.Row]:
    return {row["question_id"]: row for row in await fetch_all(conn, "SELECT * FROM answers WHERE audit_id = ?", (audit_id,))}


# --- notes ---------------------------------------------------------------------------------

async def add_note(
    conn: aiosqlite.Connection, audit_id: int, question_id: str, person_id: int, text: str, at: datetime
) -> int:
    cur = await conn.execute(
        "INSERT INTO notes(audit_id, question_id, person_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
        (audit_id, question_id, person_id, text, to_db(at)),
    )
    return int(cur.lastrowid)


async def notes(conn: aiosqlite.Connection, audit_id: int, question_id: str | None = None) -> list[aiosqlite.Row]:
    if question_id is None:
        sql, params = "SELECT * FROM notes WHERE audit_id = ? ORDER BY id", (audit_id,)
    else:
        sql = "SELECT * FROM notes WHERE audit_id = ? AND question_id = ? ORDER BY id"
        params = (audit_id, question_id)
    return await fetch_all(conn, sql, params)


async def set_position(conn: aiosqlite.Connection, audit_id: int, person_id: int, index: int) -> None:
    await conn.execute(
        "UPDATE audit_team SET position = ? WHERE audit_id = ? AND person_id = ?", (index, audit_id, person_id)
    )


async def position(conn: aiosqlite.Connection, audit_id: int, person_id: int) -> int:
    row = await fetch_one(conn, "SELECT position FROM audit_team WHERE audit_id = ? AND person_id = ?", (audit_id, person_id))
    return int(row[0]) if row else 0


async def evidence_counts(conn: aiosqlite.Connection, audit_id: int) -> dict[str, int]:
    """Evidence files per question of one audit."""
    return {row[0]: int(row[1]) for row in await fetch_all(conn, "SELECT question_id, COUNT(*) FROM evidence WHERE audit_id = ? GROUP BY question_id", (audit_id,))}


async def note_counts(conn: aiosqlite.Connection, audit_id: int) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in await fetch_all(conn, "SELECT question_id, COUNT(*) FROM notes WHERE audit_id = ? GROUP BY question_id", (audit_id,))}


# --- one round trip per press ------------------------------------------------------------------

async def press_context(conn: aiosqlite.Connection, audit_id: int, person_id: int) -> aiosqlite.Row | None:
    """The audit's head, whether the person is in its team and where, and the person's dialog."""
    return await fetch_one(
        conn,
        f"SELECT {_HEAD}, d.name AS department, t.person_id IS NOT NULL AS member, t.position,"
        " s.flow AS dialog_flow, s.audit_id AS dialog_audit_id, s.awaiting AS dialog_awaiting,"
        " s.data_json AS dialog_data_json, s.message_id AS dialog_message_id"
        " FROM audits a JOIN departments d ON d.id = a.department_id"
        " LEFT JOIN audit_team t ON t.audit_id = a.id AND t.person_id = ?"
        " LEFT JOIN dialog_state s ON s.person_id = ?"
        " WHERE a.id = ?",
        (person_id, person_id, audit_id)
    )


async def question_state(conn: aiosqlite.Connection, audit_id: int, question_id: str) -> aiosqlite.Row:
    """A question's answer (who, when), its notes, its evidence count, and the audit's answer count."""
    return await fetch_one(
        conn,
        "SELECT x.result, x.answered_by, x.answered_at, p.name AS answered_by_name,"
        " (SELECT COUNT(*) FROM answers WHERE audit_id = :a) AS answered,"
        " (SELECT COUNT(*) FROM evidence WHERE audit_id = :a AND question_id = :q) AS evidence_count,"
        " (SELECT json_group_array(text) FROM"
        "   (SELECT text FROM notes WHERE audit_id = :a AND question_id = :q ORDER BY id)) AS notes_json"
        " FROM (SELECT 1) LEFT JOIN answers x ON x.audit_id = :a AND x.question_id = :q"
        " LEFT JOIN people p ON p.id = x.answered_by",
        {"a": audit_id, "q": question_id}
    )


async def remove_member(conn: aiosqlite.Connection, audit_id: int, person_id: int) -> None:
    await conn.execute("DELETE FROM audit_team WHERE audit_id = ? AND person_id = ?", (audit_id, person_id))

async def count_by_checklist(conn: aiosqlite.Connection) -> dict[str, int]:
    """How many audits used each checklist id (any version, any status)."""
    rows = await fetch_all(conn, "SELECT checklist_id, COUNT(*) FROM audits GROUP BY checklist_id")
    return {row[0]: int(row[1]) for row in rows}
