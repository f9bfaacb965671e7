"""Update ids already handled, so a redelivered update is applied once."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.times import to_db


async def claim(conn: aiosqlite.Connection, update_id: int, at: datetime) -> bool:
    """True the first time ``update_id`` is seen."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO processed_updates(update_id, handled_at) VALUES (?, ?)",
        (update_id, to_db(at)),
    )
    return cur.rowcount == 1


async def prune(conn: aiosqlite.Connection, before: datetime) -> None:
    await conn.execute("DELETE FROM processed_updates WHERE handled_at < ?", (to_db(before),))
