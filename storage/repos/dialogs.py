"""Where each person is in a dialog, kept in the database so a restart loses nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_one
from storage.times import to_db


async def get(conn: aiosqlite.Connection, person_id: int) -> aiosqlite.Row | None:
    return await fetch_one(conn, "SELECT * FROM dialog_state WHERE person_id = ?", (person_id,))


async def put(
    conn: aiosqlite.Connection,
    person_id: int,
    *,
    flow: str,
    at: datetime,
    audit_id: int | None = None,
    question_id: str | None = None,
    capa_id: int | None = None,
    awaiting: str | None = None,
    data: dict[str, Any] | None = None,
    message_id: int | None = None,
) -> None:
    """Set the person's position (what they are on, what typed input is awaited)."""
    await conn.execute(
        "INSERT INTO dialog_state(person_id, flow, audit_id, question_id, capa_id, awaiting, data_json,"
        " message_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(person_id) DO UPDATE SET flow = excluded.flow, audit_id = excluded.audit_id,"
        " question_id = excluded.question_id, capa_id = excluded.capa_id, awaiting = excluded.awaiting,"
        " data_json = excluded.data_json, message_id = excluded.message_id,"
        " updated_at = excluded.updated_at",
        (person_id, flow, audit_id, question_id, capa_id, awaiting,
         json.dumps(data or {}, ensure_ascii=False), message_id, to_db(at)),
    )


async def clear(conn: aiosqlite.Connection, person_id: int) -> None:
    await conn.execute("DELETE FROM dialog_state WHERE person_id = ?", (person_id,))


def data_of(row: aiosqlite.Row | None) -> dict[str, Any]:
    return json.loads(row["data_json"]) if row is not None else {}


async def set_message_id(conn: aiosqlite.Connection, person_id: int, message_id: int) -> None:
    """Remember which message is the person's live card (after it was sent)."""
    await conn.execute("UPDATE dialog_state SET message_id = ? WHERE person_id = ?", (message_id, person_id))
