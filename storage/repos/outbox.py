"""Messages waiting to be sent; the dedupe key makes 'never sent twice' a constraint.

Queuing a row marks the transaction (storage/wake.py): its COMMIT wakes the sender.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import wake
from storage.sql import execute, fetch_one
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
    if result.rowcount == 1:
        wake.queued(conn)
    return result.rowcount == 1


async def claim_next(
    conn: AsyncConnection, now: datetime, lease_until: datetime, owner: str
) -> tuple[RowMapping, bool] | None:
    """Claim the next row due for sending: (the row, whether it is in doubt), or None.

    A row is due when pending and its time has come, or when it was being sent and the
    lease of whoever sent it ran out (a crash between Telegram's answer and marking it
    sent): that row is in doubt, may have reached the person already, and is counted.
    """
    # PostgreSQL: a row another replica is claiming right now is skipped, not waited for.
    skip_locked = "" if conn.dialect.name == "sqlite" else " FOR UPDATE SKIP LOCKED"
    row = await fetch_one(
        conn,
        "SELECT id, state FROM outbox WHERE (state = 'pending' AND not_before <= :now)"
        f" OR (state = 'sending' AND lease_until <= :now) ORDER BY not_before, id LIMIT 1{skip_locked}",
        {"now": to_db(now)},
    )
    if row is None:
        return None
    in_doubt = row["state"] == "sending"
    claimed = await fetch_one(
        conn,
        "UPDATE outbox SET state = 'sending', lease_until = :lease_until, claimed_by = :owner,"
        " attempts = attempts + 1, in_doubt = in_doubt + :doubt WHERE id = :id AND state = :state RETURNING *",
        {"lease_until": to_db(lease_until), "owner": owner, "doubt": int(in_doubt), "id": row["id"],
         "state": row["state"]},
    )
    return (claimed, in_doubt) if claimed is not None else None


async def release_leases(conn: AsyncConnection, now: datetime) -> int:
    """End every lease at start (one process owns the database): those rows are in doubt now."""
    result = await execute(
        conn, "UPDATE outbox SET lease_until = :now WHERE state = 'sending'", {"now": to_db(now)}
    )
    return result.rowcount


async def mark_sent(conn: AsyncConnection, outbox_id: int, at: datetime) -> None:
    await execute(
        conn,
        "UPDATE outbox SET state = 'sent', sent_at = :at, lease_until = NULL WHERE id = :id",
        {"at": to_db(at), "id": outbox_id},
    )


async def retry_later(conn: AsyncConnection, outbox_id: int, not_before: datetime, error: str) -> None:
    await execute(
        conn,
        "UPDATE outbox SET state = 'pending', not_before = :not_before, lease_until = NULL, last_error = :error"
        " WHERE id = :id",
        {"not_before": to_db(not_before), "error": error[:500], "id": outbox_id},
    )


async def mark_failed(conn: AsyncConnection, outbox_id: int, state: str, error: str) -> None:
    await execute(
        conn,
        "UPDATE outbox SET state = :state, lease_until = NULL, last_error = :error WHERE id = :id",
        {"state": state, "error": error[:500], "id": outbox_id},
    )
