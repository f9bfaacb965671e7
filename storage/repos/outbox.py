"""Messages waiting to be sent; the dedupe key makes 'never sent twice' a constraint."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_one
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


async def claim_next(
    conn: aiosqlite.Connection, now: datetime, lease_until: datetime, owner: str
) -> tuple[aiosqlite.Row, bool] | None:
    """Claim the next row due for sending: (the row, whether it is in doubt), or None.

    A row is due when pending and its time has come, or when it was being sent and the
    lease of whoever sent it ran out (a crash between Telegram's answer and marking it
    sent): that row is in doubt, may have reached the person already, and is counted.
    """
    row = await fetch_one(
        conn,
        "SELECT id, state FROM outbox WHERE (state = 'pending' AND not_before <= ?)"
        " OR (state = 'sending' AND lease_until <= ?) ORDER BY not_before, id LIMIT 1",
        (to_db(now), to_db(now)),
    )
    if row is None:
        return None
    in_doubt = row["state"] == "sending"
    claimed = await fetch_one(
        conn,
        "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1,"
        " in_doubt = in_doubt + ? WHERE id = ? AND state = ? RETURNING *",
        (to_db(lease_until), owner, int(in_doubt), row["id"], row["state"]),
    )
    return (claimed, in_doubt) if claimed is not None else None


async def release_leases(conn: aiosqlite.Connection, now: datetime) -> int:
    """End every lease at start (one process owns the database): those rows are in doubt now."""
    cur = await conn.execute("UPDATE outbox SET lease_until = ? WHERE state = 'sending'", (to_db(now),))
    return cur.rowcount


async def in_doubt_total(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(conn, "SELECT COALESCE(SUM(in_doubt), 0) AS n FROM outbox")
    return int(row["n"]) if row else 0


async def mark_sent(conn: aiosqlite.Connection, outbox_id: int, at: datetime) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, lease_until = NULL WHERE id = ?",
        (to_db(at), outbox_id),
    )


async def retry_later(conn: aiosqlite.Connection, outbox_id: int, not_before: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, lease_until = NULL, last_error = ? WHERE id = ?",
        (to_db(not_before), error[:500], outbox_id),
    )


async def mark_failed(conn: aiosqlite.Connection, outbox_id: int, state: str, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET state = ?, lease_until = NULL, last_error = ? WHERE id = ?",
        (state, error[:500], outbox_id),
    )
