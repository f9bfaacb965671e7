"""Update ids already handled, so a redelivered update is applied once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import execute
from storage.times import to_db


async def claim(conn: AsyncConnection, update_id: int, at: datetime) -> bool:
    """True the first time ``update_id`` is seen."""
    result = await execute(
        conn,
        "INSERT INTO processed_updates(update_id, handled_at) VALUES (:update_id, :at)"
        " ON CONFLICT DO NOTHING",
        {"update_id": update_id, "at": to_db(at)},
    )
    return result.rowcount == 1


async def prune(conn: AsyncConnection, before: datetime) -> None:
    await execute(conn, "DELETE FROM processed_updates WHERE handled_at < :before", {"before": to_db(before)})
