"""Messages waiting to be sent; the dedupe key makes 'never sent twice' a constraint."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import execute, fetch_all, fetch_value
from storage.times import to_db


async def enqueue(
    conn: AsyncConnection,
    *,
    dedupe_key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    not_before: datetime,
    at: datetime,
) -> bool:
    """Queue a message; False when one with the same key was queued before."""
    result = await execute(
        conn,
        "INSERT INTO outbox(dedupe_key, chat_id, kind, payload_json, not_before, created_at)"
        " VALUES (:dedupe_key, :chat_id, :kind, :payload_json, :not_before, :created_at)"
        " ON CONFLICT DO NOTHING",
        {"dedupe_key": dedupe_key, "chat_id": chat_id, "kind": kind,
         "payload_json": json.dumps(payload, ensure_ascii=False), "not_before": to_db(not_before),
         "created_at": to_db(at)},
    )
    return result.rowcount == 1


async def due(conn: AsyncConnection, now: datetime, limit: int = 100) -> list[RowMapping]:
    return await fetch_all(
        conn,
        "SELECT * FROM outbox WHERE state = 'pending' AND not_before <= :now"
        " ORDER BY not_before, id LIMIT :limit",
        {"now": to_db(now), "limit": limit},
    )


async def next_due_at(conn: AsyncConnection) -> str | None:
    return await fetch_value(conn, "SELECT MIN(not_before) FROM outbox WHERE state = 'pending'")


async def mark_sent(conn: AsyncConnection, outbox_id: int, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE outbox SET state = 'sent', sent_at = :at, attempts = attempts + 1 WHERE id = :id",
        {"at": to_db(at), "id": outbox_id},
    )


async def retry_later(conn: AsyncConnection, outbox_id: int, not_before: datetime, error: str) -> None:
    await execute(
        conn,
        "UPDATE outbox SET not_before = :not_before, attempts = attempts + 1, last_error = :error"
        " WHERE id = :id",
        {"not_before": to_db(not_before), "error": error[:500], "id": outbox_id},
    )


async def mark_failed(conn: AsyncConnection, outbox_id: int, state: str, error: str) -> None:
    await execute(
        conn,
        "UPDATE outbox SET state = :state, attempts = attempts + 1, last_error = :error WHERE id = :id",
        {"state": state, "error": error[:500], "id": outbox_id},
    )
