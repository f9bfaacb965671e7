"""Messages waiting to be sent; the dedupe key makes 'never sent twice' a constraint."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_all
from storage.times import to_db


async def enqueue(
    conn: aiosqlite.Connection,
    *,
    dedupe_key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    not_before: datetime,
    at: datetime,
) -> bool:
    """Queue a message; False when one with the same key was queued before."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox(dedupe_key, chat_id, kind, payload_json, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (dedupe_key, chat_id, kind, json.dumps(payload, ensure_ascii=False), to_db(not_before), to_db(at)),
    )
    return cur.rowcount == 1


async def due(conn: aiosqlite.Connection, now: datetime, limit: int = 100) -> list[aiosqlite.Row]:
    return await fetch_all(
        conn,
        "SELECT * FROM outbox WHERE state = 'pending' AND not_before <= ? ORDER BY not_before, id LIMIT ?",
        (to_db(now), limit)
    )


async def mark_sent(conn: aiosqlite.Connection, outbox_id: int, at: datetime) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
        (to_db(at), outbox_id),
    )


async def retry_later(conn: aiosqlite.Connection, outbox_id: int, not_before: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET not_before = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        (to_db(not_before), error[:500], outbox_id),
    )


async def mark_failed(conn: aiosqlite.Connection, outbox_id: int, state: str, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        (state, error[:500], outbox_id),
    )
