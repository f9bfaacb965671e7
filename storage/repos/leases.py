"""Chat leases (PostgreSQL replicas): one replica at a time handles a chat's updates.

Each statement is meant for a short transaction of its own: a lease is never waited for
on a connection. Times are the server's clock (``clock_timestamp()``), whatever the
replicas' clocks say. SQLite has one process and no leases: these are not called there,
except ``prune`` (which does nothing there).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import is_postgres
from storage.sql import execute, fetch_all, fetch_value

_UNTIL = "clock_timestamp() + make_interval(secs => :seconds)"


async def take(conn: AsyncConnection, chat_key: str, owner: str, seconds: float) -> bool:
    """Take (or renew) the chat's lease for ``owner``: True when it is theirs now, False
    while another owner's lease runs. An expired lease is taken over."""
    taken = await fetch_value(
        conn,
        f"INSERT INTO chat_leases(chat_key, owner, expires_at) VALUES (:chat_key, :owner, {_UNTIL})"
        " ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at"
        " WHERE chat_leases.owner = excluded.owner OR chat_leases.expires_at < clock_timestamp()"
        " RETURNING 1",
        {"chat_key": chat_key, "owner": owner, "seconds": float(seconds)},
    )
    return taken is not None


async def renew(conn: AsyncConnection, chat_keys: list[str], owner: str, seconds: float) -> set[str]:
    """Push back the end of ``owner``'s leases of ``chat_keys``; returns the chats renewed (one
    missing was taken over by another replica after its lease ran out)."""
    rows = await fetch_all(
        conn,
        f"UPDATE chat_leases SET expires_at = {_UNTIL} WHERE owner = :owner AND chat_key = ANY(:chat_keys)"
        " RETURNING chat_key",
        {"owner": owner, "chat_keys": list(chat_keys), "seconds": float(seconds)},
    )
    return {row["chat_key"] for row in rows}


async def release(conn: AsyncConnection, chat_key: str, owner: str) -> None:
    """Give the chat's lease up (if it is still ``owner``'s)."""
    await execute(conn, "DELETE FROM chat_leases WHERE chat_key = :chat_key AND owner = :owner",
                  {"chat_key": chat_key, "owner": owner})


async def release_all(conn: AsyncConnection, owner: str) -> int:
    """Give up every lease of ``owner`` (the process stops)."""
    result = await execute(conn, "DELETE FROM chat_leases WHERE owner = :owner", {"owner": owner})
    return result.rowcount


async def owners_like(conn: AsyncConnection, pattern: str) -> list[str]:
    """The owners of leases whose name matches ``pattern`` (SQL LIKE)."""
    rows = await fetch_all(conn, "SELECT DISTINCT owner FROM chat_leases WHERE owner LIKE :pattern",
                           {"pattern": pattern})
    return [row["owner"] for row in rows]


async def prune(conn: AsyncConnection) -> int:
    """Forget leases that ran out an hour ago (a replica died holding them and nobody asked
    for those chats since): the table holds chat keys only while they are in use."""
    if not is_postgres(conn):
        return 0
    result = await execute(conn, "DELETE FROM chat_leases WHERE expires_at < clock_timestamp() - interval '1 hour'")
    return result.rowcount
