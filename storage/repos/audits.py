"""Audits, their team, answers and notes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value, for_change, take_turn
from storage.times import to_db

_WITH_DEPARTMENT = "SELECT a.*, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"


async def create(
    conn: AsyncConnection,
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
    """A new audit in 'planning' with the creator as team leader; returns (id, number).

    Audits created at once take turns at the next number of their series (``number_prefix``).
    """
    await take_turn(conn, f"audit-number:{number_prefix}")
    count = await fetch_value(
        conn, "SELECT COUNT(*) FROM audits WHERE number LIKE :prefix", {"prefix": f"{number_prefix}%"}
    )
    number = f"{number_prefix}{count + 1:03d}"
    audit_id = await fetch_value(
        conn,
        "INSERT INTO audits(number, checklist_id, checklist_version, checklist_json, department_id,"
        " lang, created_by, created_at, updated_at)"
        " VALUES (:number, :checklist_id, :checklist_version, :checklist_json, :department_id,"
        " :lang, :created_by, :at, :at) RETURNING id",
        {"number": number, "checklist_id": checklist_id, "checklist_version": checklist_version,
         "checklist_json": checklist_json, "department_id": department_id, "lang": lang,
         "created_by": created_by, "at": to_db(at)},
    )
    await add_member(conn, int(audit_id), created_by, "leader", at)
    return int(audit_id), number


async def get(conn: AsyncConnection, audit_id: int) -> RowMapping | None:
    return await fetch_one(conn, f"{_WITH_DEPARTMENT} WHERE a.id = :id", {"id": audit_id})


_HEAD = (
    "a.id, a.number, a.checklist_id, a.checklist_version, a.department_id, a.lang, a.status, a.plan_json,"
    " a.opening_json, a.closing_json, a.created_by, a.created_at, a.updated_at, a.completed_at"
)


async def get_head(conn: AsyncConnection, audit_id: int) -> RowMapping | None:
    """An audit without its (large) checklist snapshot, with the department's name."""
    return await fetch_one(
        conn,
        f"SELECT {_HEAD}, d.name AS department FROM audits a JOIN departments d ON d.id = a.department_id"
        " WHERE a.id = :id",
        {"id": audit_id},
    )


async def checklist_json(conn: AsyncConnection, audit_id: int) -> str:
    """The checklist snapshot of an audit."""
    return await fetch_value(conn, "SELECT checklist_json FROM audits WHERE id = :id", {"id": audit_id})


async def answer_count(conn: AsyncConnection, audit_id: int) -> int:
    return int(await fetch_value(conn, "SELECT COUNT(*) FROM answers WHERE audit_id = :id", {"id": audit_id}))


async def by_number(conn: AsyncConnection, number: str) -> RowMapping | None:
    """The audit numbered ``number``, in any case (locked for a write transaction's change)."""
    return await fetch_one(conn, f"{_WITH_DEPARTMENT} WHERE lower(a.number) = lower(:number){for_change(conn, 'a')}",
                           {"number": number})


async def set_status(conn: AsyncConnection, audit_id: int, status: str, at: datetime, *,
                     keep_completed_at: bool = False) -> None:
    """Set ``status``; completing sets the completion date unless ``keep_completed_at`` (a revision)."""
    sql = "UPDATE audits SET status = :status, updated_at = :at"
    if status == "completed" and not keep_completed_at:
        sql += ", completed_at = :at"
    await execute(conn, f"{sql} WHERE id = :id", {"status": status, "at": to_db(at), "id": audit_id})


async def set_card(
    conn: AsyncConnection, audit_id: int, card: str, value: dict[str, Any], at: datetime
) -> None:
    """Store the plan, opening or closing card (``card`` is 'plan', 'opening' or 'closing')."""
    column = {"plan": "plan_json", "opening": "opening_json", "closing": "closing_json"}[card]
    await execute(
        conn,
        f"UPDATE audits SET {column} = :value, updated_at = :at WHERE id = :id",
        {"value": json.dumps(value, ensure_ascii=False), "at": to_db(at), "id": audit_id},
    )


# --- the team ------------------------------------------------------------------------------

async def add_member(
    conn: AsyncConnection, audit_id: int, person_id: int, team_role: str, at: datetime
) -> None:
    await execute(
        conn,
        "INSERT INTO audit_team(audit_id, person_id, team_role, joined_at)"
        " VALUES (:audit_id, :person_id, :team_role, :at) ON CONFLICT DO NOTHING",
        {"audit_id": audit_id, "person_id": person_id, "team_role": team_role, "at": to_db(at)},
    )


async def remove_member(conn: AsyncConnection, audit_id: int, person_id: int) -> None:
    await execute(
        conn,
        "DELETE FROM audit_team WHERE audit_id = :audit_id AND person_id = :person_id",
        {"audit_id": audit_id, "person_id": person_id},
    )


async def team(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT p.id, p.name, t.team_role, t.joined_at FROM audit_team t JOIN people p ON p.id = t.person_id"
        " WHERE t.audit_id = :audit_id ORDER BY t.team_role DESC, t.joined_at",
        {"audit_id": audit_id},
    )


async def is_member(conn: AsyncConnection, audit_id: int, person_id: int) -> bool:
    row = await fetch_one(
        conn,
        "SELECT 1 FROM audit_team WHERE audit_id = :audit_id AND person_id = :person_id",
        {"audit_id": audit_id, "person_id": person_id},
    )
    return row is not None


async def unfinished_of(conn: AsyncConnection, person_id: int) -> list[RowMapping]:
    """Open audits the person is in the team of, newest first."""
    return await fetch_all(
        conn,
        "SELECT a.*, d.name AS department,"
        " (SELECT COUNT(*) FROM answers x WHERE x.audit_id = a.id AND x.result != 'skipped') AS answered"
        " FROM audits a JOIN audit_team t ON t.audit_id = a.id"
        " JOIN departments d ON d.id = a.department_id"
        " WHERE t.person_id = :person_id AND a.status NOT IN ('completed', 'cancelled')"
        " ORDER BY a.updated_at DESC",
        {"person_id": person_id},
    )


async def recent(conn: AsyncConnection, *, person_id: int | None, limit: int = 10) -> list[RowMapping]:
    """Recent audits, of one team member's or (person_id None) all of them."""
    if person_id is None:
        sql = f"{_WITH_DEPARTMENT} WHERE a.status != 'cancelled'"
    else:
        sql = (f"{_WITH_DEPARTMENT} JOIN audit_team t ON t.audit_id = a.id"
               " WHERE t.person_id = :person_id AND a.status != 'cancelled'")
    return await fetch_all(
        conn, f"{sql} ORDER BY a.updated_at DESC LIMIT :limit", {"person_id": person_id, "limit": limit}
    )


async def completed(conn: AsyncConnection, limit: int = 10) -> list[RowMapping]:
    """Completed audits, the most recently completed first (those a lead may reopen)."""
    return await fetch_all(
        conn, f"{_WITH_DEPARTMENT} WHERE a.status = 'completed' ORDER BY a.completed_at DESC, a.id DESC LIMIT :limit",
        {"limit": limit},
    )


async def touch(conn: AsyncConnection, audit_id: int, at: datetime) -> None:
    await execute(conn, "UPDATE audits SET updated_at = :at WHERE id = :id", {"at": to_db(at), "id": audit_id})


# --- answers -------------------------------------------------------------------------------

async def answer(conn: AsyncConnection, audit_id: int, question_id: str) -> RowMapping | None:
    return await fetch_one(
        conn,
        "SELECT * FROM answers WHERE audit_id = :audit_id AND question_id = :question_id",
        {"audit_id": audit_id, "question_id": question_id},
    )


async def set_answer(
    conn: AsyncConnection, audit_id: int, question_id: str, result: str, person_id: int, at: datetime
) -> None:
    await execute(
        conn,
        "INSERT INTO answers(audit_id, question_id, result, answered_by, answered_at)"
        " VALUES (:audit_id, :question_id, :result, :person_id, :at)"
        " ON CONFLICT(audit_id, question_id) DO UPDATE SET result = excluded.result,"
        " answered_by = excluded.answered_by, answered_at = excluded.answered_at",
        {"audit_id": audit_id, "question_id": question_id, "result": result, "person_id": person_id,
         "at": to_db(at)},
    )


async def answers(conn: AsyncConnection, audit_id: int) -> dict[str, RowMapping]:
    rows = await fetch_all(conn, "SELECT * FROM answers WHERE audit_id = :audit_id", {"audit_id": audit_id})
    return {row["question_id"]: row for row in rows}


# --- notes ---------------------------------------------------------------------------------

async def add_note(
    conn: AsyncConnection, audit_id: int, question_id: str, person_id: int, text: str, at: datetime
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO notes(audit_id, question_id, person_id, text, created_at)"
        " VALUES (:audit_id, :question_id, :person_id, :text, :at) RETURNING id",
        {"audit_id": audit_id, "question_id": question_id, "person_id": person_id, "text": text,
         "at": to_db(at)},
    )
    return int(new_id)


async def notes(conn: AsyncConnection, audit_id: int, question_id: str | None = None) -> list[RowMapping]:
    sql = "SELECT * FROM notes WHERE audit_id = :audit_id AND deleted_at IS NULL"
    if question_id is not None:
        sql += " AND question_id = :question_id"
    return await fetch_all(conn, f"{sql} ORDER BY id", {"audit_id": audit_id, "question_id": question_id})


async def note(conn: AsyncConnection, note_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM notes WHERE id = :id", {"id": note_id})


async def notes_with_people(conn: AsyncConnection, audit_id: int, question_id: str) -> list[RowMapping]:
    """The current notes of one question, in the order written, with their authors."""
    return await fetch_all(
        conn,
        "SELECT n.*, p.name AS person FROM notes n LEFT JOIN people p ON p.id = n.person_id"
        " WHERE n.audit_id = :audit_id AND n.question_id = :question_id AND n.deleted_at IS NULL ORDER BY n.id",
        {"audit_id": audit_id, "question_id": question_id},
    )


async def edit_note(conn: AsyncConnection, note_id: int, text: str, at: datetime) -> None:
    await execute(conn, "UPDATE notes SET text = :text, edited_at = :at WHERE id = :id",
                  {"text": text, "at": to_db(at), "id": note_id})


async def delete_note(conn: AsyncConnection, note_id: int, person_id: int, at: datetime) -> None:
    """Mark a note deleted: the row stays (its text is in the trail too)."""
    await execute(conn, "UPDATE notes SET deleted_at = :at, deleted_by = :person_id WHERE id = :id",
                  {"at": to_db(at), "person_id": person_id, "id": note_id})


async def set_position(conn: AsyncConnection, audit_id: int, person_id: int, index: int) -> None:
    await execute(
        conn,
        "UPDATE audit_team SET position = :index WHERE audit_id = :audit_id AND person_id = :person_id",
        {"index": index, "audit_id": audit_id, "person_id": person_id},
    )


async def position(conn: AsyncConnection, audit_id: int, person_id: int) -> int:
    value = await fetch_value(
        conn,
        "SELECT position FROM audit_team WHERE audit_id = :audit_id AND person_id = :person_id",
        {"audit_id": audit_id, "person_id": person_id},
    )
    return int(value or 0)


# --- one round trip per press ------------------------------------------------------------------

async def press_context(conn: AsyncConnection, audit_id: int, person_id: int) -> RowMapping | None:
    """The audit's head, whether the person is in its team and where, and the person's dialog.

    In a write transaction the audit's row is locked until it ends (storage.sql.for_change):
    the team's presses on one audit take turns, other audits go on at once.
    """
    return await fetch_one(
        conn,
        f"SELECT {_HEAD}, d.name AS department, t.person_id IS NOT NULL AS member, t.position,"
        " s.flow AS dialog_flow, s.audit_id AS dialog_audit_id, s.awaiting AS dialog_awaiting,"
        " s.data_json AS dialog_data_json, s.message_id AS dialog_message_id"
        " FROM audits a JOIN departments d ON d.id = a.department_id"
        " LEFT JOIN audit_team t ON t.audit_id = a.id AND t.person_id = :person_id"
        " LEFT JOIN dialog_state s ON s.person_id = :person_id"
        f" WHERE a.id = :audit_id{for_change(conn, 'a')}",
        {"person_id": person_id, "audit_id": audit_id},
    )


def _state_select(conn: AsyncConnection, q: str, order: int) -> str:
    if conn.dialect.name == "sqlite":
        notes = ("(SELECT json_group_array(text) FROM"
                 f" (SELECT text FROM notes WHERE audit_id = :a AND question_id = :{q} AND deleted_at IS NULL ORDER BY id))")
    else:
        notes = (f"(SELECT json_agg(text ORDER BY id)::text FROM notes WHERE audit_id = :a AND question_id = :{q}"
                 " AND deleted_at IS NULL)")
    return (
        f"SELECT {order} AS ord, x.result, x.answered_by, x.answered_at, p.name AS answered_by_name,"
        " (SELECT COUNT(*) FROM answers WHERE audit_id = :a) AS answered,"
        f" (SELECT COUNT(*) FROM evidence WHERE audit_id = :a AND question_id = :{q} AND deleted_at IS NULL)"
        " AS evidence_count,"
        f" (SELECT COUNT(*) FROM evidence WHERE audit_id = :a AND question_id = :{q} AND deleted_at IS NULL"
        "  AND source = 'department') AS provided_count,"  # on a document request (migration 0012)
        " (SELECT COUNT(*) FROM document_request_items i JOIN document_requests r ON r.id = i.request_id"
        f"  WHERE r.audit_id = :a AND i.question_id = :{q} AND i.state = 'not_applicable') AS not_applicable_count,"
        f" {notes} AS notes_json"
        f" FROM (SELECT 1 AS one) AS here LEFT JOIN answers x ON x.audit_id = :a AND x.question_id = :{q}"
        " LEFT JOIN people p ON p.id = x.answered_by"
    )


async def question_state(conn: AsyncConnection, audit_id: int, question_id: str) -> RowMapping:
    """A question's answer (who, when), its notes (a JSON list), its evidence count, and the
    audit's answer count, in one round trip."""
    return await fetch_one(conn, _state_select(conn, "q", 0), {"a": audit_id, "q": question_id})


async def question_states(conn: AsyncConnection, audit_id: int, first: str, second: str) -> tuple[RowMapping, RowMapping]:
    """``question_state`` of two questions (the one answered, the one shown next) in one round trip."""
    rows = await fetch_all(
        conn,
        f"SELECT * FROM ({_state_select(conn, 'q0', 0)} UNION ALL {_state_select(conn, 'q1', 1)}) AS two ORDER BY ord",
        {"a": audit_id, "q0": first, "q1": second},
    )
    return rows[0], rows[1]


async def answer_rows(conn: AsyncConnection, audit_id: int) -> dict[str, RowMapping]:
    """Every answer of an audit with who recorded it and the question's note and file counts,
    in one round trip (the summary's reading)."""
    rows = await fetch_all(
        conn,
        "SELECT x.question_id, x.result, x.answered_by, x.answered_at, p.name AS answered_by_name,"
        " (SELECT COUNT(*) FROM notes n WHERE n.audit_id = x.audit_id AND n.question_id = x.question_id"
        "  AND n.deleted_at IS NULL) AS notes,"
        " (SELECT COUNT(*) FROM evidence e WHERE e.audit_id = x.audit_id AND e.question_id = x.question_id"
        "  AND e.deleted_at IS NULL) AS files"
        " FROM answers x LEFT JOIN people p ON p.id = x.answered_by WHERE x.audit_id = :a",
        {"a": audit_id},
    )
    return {row["question_id"]: row for row in rows}


async def count_by_checklist(conn: AsyncConnection) -> dict[str, int]:
    """How many audits used each checklist id (any version, any status)."""
    rows = await fetch_all(conn, "SELECT checklist_id, COUNT(*) AS n FROM audits GROUP BY checklist_id")
    return {row["checklist_id"]: int(row["n"]) for row in rows}
