"""What the health check and the operators' gauges read from the database.

Read when /healthz or /metrics is asked (bot/telegram/delivery/metrics.py), never per update:
a ``SELECT 1`` for the health check, and a few counts over indexed columns for the backlog
gauges (inbox_pending: state, update_id; outbox_pending: state, not_before).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.sql import fetch_all, fetch_one, fetch_value
from storage.times import from_db, to_db


@dataclass(frozen=True)
class Backlog:
    inbox_pending: int  # kept, not handled yet
    inbox_set_aside: int  # poison updates, kept for a person to look at
    outbox_due: int  # notices due now and not sent (being sent included)
    outbox_oldest_seconds: float  # how long the oldest of those has been due (0 when none)


async def ping(db: Database, *, within: float) -> bool:
    """Does the database answer a ``SELECT 1`` within ``within`` seconds?"""
    try:
        async with asyncio.timeout(within):
            async with db.read() as conn:
                return await fetch_value(conn, "SELECT 1") == 1
    except Exception:  # closed, unreachable, locked for too long: not healthy, whatever the reason
        return False


async def backlog(db: Database, now: datetime) -> Backlog:
    """The inbox's and the outbox's backlog at ``now`` (the outbox's clock)."""
    async with db.read() as conn:
        inbox = {row["state"]: int(row["n"]) for row in await fetch_all(
            conn, "SELECT state, COUNT(*) AS n FROM inbox WHERE state IN ('pending', 'poison') GROUP BY state")}
        outbox = await fetch_one(
            conn,
            "SELECT COUNT(*) AS n, MIN(not_before) AS oldest FROM outbox"
            " WHERE (state = 'pending' AND not_before <= :now) OR state = 'sending'",
            {"now": to_db(now)},
        )
    oldest = from_db(outbox["oldest"]) if outbox is not None else None
    return Backlog(
        inbox_pending=inbox.get("pending", 0),
        inbox_set_aside=inbox.get("poison", 0),
        outbox_due=int(outbox["n"]) if outbox is not None else 0,
        outbox_oldest_seconds=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,
    )
