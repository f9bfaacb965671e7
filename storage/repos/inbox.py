"""The inbox of updates from Telegram: written before they are confirmed, claimed with their effect."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all
from storage.times import to_db

ERROR_CHARS = 500


async def add(conn: aiosqlite.Connection, update_id: int, chat_key: str, raw_json: str, at: datetime) -> bool:
    """Keep a fetched update; False when it was kept before (a redelivery)."""
    cur = await conn.execute(
        "INSERT INTO inbox(update_id, chat_key, raw_json, received_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(update_id) DO NOTHING",
        (update_id, chat_key, raw_json, to_db(at)),
    )
    return cur.rowcount == 1


async def pending(conn: aiosqlite.Connection) -> list[aiosqlite.Row]:
    """Updates not handled yet (after a crash), oldest first."""
    return await fetch_all(
        conn, "SELECT update_id, chat_key, raw_json, attempts FROM inbox WHERE state = 'pending' ORDER BY update_id"
    )


async def claim(conn: aiosqlite.Connection, update_id: int, at: datetime) -> bool:
    """Mark a pending update handled (in the transaction of its effect); False if it was already."""
    cur = await conn.execute(
        "UPDATE inbox SET state = 'done', raw_json = '', handled_at = ? WHERE update_id = ? AND state = 'pending'",
        (to_db(at), update_id),
    )
    return cur.rowcount == 1


async def failed(conn: aiosqlite.Connection, update_id: int, error: str) -> int:
    """Count a failed attempt at a pending update; returns the attempts so far."""
    rows = await fetch_all(
        conn,
        "UPDATE inbox SET attempts = attempts + 1, last_error = ? WHERE update_id = ? AND state = 'pending'"
        " RETURNING attempts",
        (error[:ERROR_CHARS], update_id),
    )
    return int(rows[0]["attempts"]) if rows else 0


async def set_aside(conn: aiosqlite.Connection, update_id: int, reason: str, at: datetime) -> bool:
    """A poison update: kept (raw) for a person to look at, never handled again."""
    cur = await conn.execute(
        "UPDATE inbox SET state = 'poison', last_error = ?, handled_at = ? WHERE update_id = ? AND state = 'pending'",
        (reason[:ERROR_CHARS], to_db(at), update_id),
    )
    return cur.rowcount == 1


async def prune(conn: aiosqlite.Connection, before: datetime) -> None:
    """Forget handled updates older than ``before`` (their redeliveries are long over)."""
    await conn.execute("DELETE FROM inbox WHERE state = 'done' AND handled_at < ?", (to_db(before),))
