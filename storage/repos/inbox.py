"""The inbox of updates from Telegram: written before they are confirmed, claimed with their effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_value
from storage.times import to_db

ERROR_CHARS = 500


async def add(conn: AsyncConnection, update_id: int, chat_key: str, raw_json: str, at: datetime) -> bool:
    """Keep a fetched update; False when it was kept before (a redelivery)."""
    result = await execute(
        conn,
        "INSERT INTO inbox(update_id, chat_key, raw_json, received_at)"
        " VALUES (:update_id, :chat_key, :raw_json, :at) ON CONFLICT(update_id) DO NOTHING",
        {"update_id": update_id, "chat_key": chat_key, "raw_json": raw_json, "at": to_db(at)},
    )
    return result.rowcount == 1


async def pending(conn: AsyncConnection) -> list[RowMapping]:
    """Updates not handled yet (after a crash), oldest first."""
    return await fetch_all(
        conn, "SELECT update_id, chat_key, raw_json, attempts FROM inbox WHERE state = 'pending' ORDER BY update_id"
    )


async def pending_of_chat(conn: AsyncConnection, chat_key: str, up_to: int) -> list[RowMapping]:
    """A chat's updates not handled yet, up to ``up_to``, oldest first (replicas: in order)."""
    return await fetch_all(
        conn,
        "SELECT update_id, chat_key, raw_json, attempts FROM inbox"
        " WHERE chat_key = :chat_key AND state = 'pending' AND update_id <= :up_to ORDER BY update_id",
        {"chat_key": chat_key, "up_to": up_to},
    )


async def is_pending(conn: AsyncConnection, update_id: int) -> bool:
    return bool(await fetch_value(
        conn, "SELECT COUNT(*) FROM inbox WHERE update_id = :update_id AND state = 'pending'",
        {"update_id": update_id},
    ))


async def claim(conn: AsyncConnection, update_id: int, at: datetime) -> bool:
    """Mark a pending update handled (in the transaction of its effect); False if it was already."""
    result = await execute(
        conn,
        "UPDATE inbox SET state = 'done', raw_json = '', handled_at = :at"
        " WHERE update_id = :update_id AND state = 'pending'",
        {"at": to_db(at), "update_id": update_id},
    )
    return result.rowcount == 1


async def failed(conn: AsyncConnection, update_id: int, error: str) -> int:
    """Count a failed attempt at a pending update; returns the attempts so far."""
    attempts = await fetch_value(
        conn,
        "UPDATE inbox SET attempts = attempts + 1, last_error = :error"
        " WHERE update_id = :update_id AND state = 'pending' RETURNING attempts",
        {"error": error[:ERROR_CHARS], "update_id": update_id},
    )
    return int(attempts or 0)


async def set_aside(conn: AsyncConnection, update_id: int, reason: str, at: datetime) -> bool:
    """A poison update: kept (raw) for a person to look at, never handled again."""
    result = await execute(
        conn,
        "UPDATE inbox SET state = 'poison', last_error = :reason, handled_at = :at"
        " WHERE update_id = :update_id AND state = 'pending'",
        {"reason": reason[:ERROR_CHARS], "at": to_db(at), "update_id": update_id},
    )
    return result.rowcount == 1


async def prune(conn: AsyncConnection, before: datetime) -> None:
    """Forget handled updates older than ``before`` (their redeliveries are long over)."""
    await execute(conn, "DELETE FROM inbox WHERE state = 'done' AND handled_at < :before", {"before": to_db(before)})
