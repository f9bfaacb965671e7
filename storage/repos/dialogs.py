"""Where each person is in a dialog, kept in the database so a restart loses nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_one
from storage.times import to_db


async def get(conn: AsyncConnection, person_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM dialog_state WHERE person_id = :id", {"id": person_id})


async def put(
    conn: AsyncConnection,
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
    await execute(
        conn,
        "INSERT INTO dialog_state(person_id, flow, audit_id, question_id, capa_id, awaiting, data_json,"
        " message_id, updated_at)"
        " VALUES (:person_id, :flow, :audit_id, :question_id, :capa_id, :awaiting, :data_json,"
        " :message_id, :updated_at)"
        " ON CONFLICT(person_id) DO UPDATE SET flow = excluded.flow, audit_id = excluded.audit_id,"
        " question_id = excluded.question_id, capa_id = excluded.capa_id, awaiting = excluded.awaiting,"
        " data_json = excluded.data_json, message_id = excluded.message_id,"
        " updated_at = excluded.updated_at",
        {"person_id": person_id, "flow": flow, "audit_id": audit_id, "question_id": question_id,
         "capa_id": capa_id, "awaiting": awaiting, "data_json": json.dumps(data or {}, ensure_ascii=False),
         "message_id": message_id, "updated_at": to_db(at)},
    )


async def clear(conn: AsyncConnection, person_id: int) -> None:
    await execute(conn, "DELETE FROM dialog_state WHERE person_id = :id", {"id": person_id})


def data_of(row: Mapping[str, Any] | None) -> dict[str, Any]:
    return json.loads(row["data_json"]) if row is not None else {}


async def set_message_id(conn: AsyncConnection, person_id: int, message_id: int) -> None:
    """Remember which message is the person's live card (after it was sent)."""
    await execute(
        conn, "UPDATE dialog_state SET message_id = :message_id WHERE person_id = :id",
        {"message_id": message_id, "id": person_id},
    )
