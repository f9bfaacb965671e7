"""Which replica runs the once-only work (reminder planning, the digest, snapshots, pruning).

PostgreSQL: the replica holding a session advisory lock, on a connection kept open for it;
when that replica dies its connection closes, the lock is free, and another replica takes
it on its next pass. SQLite: the one process always leads.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

LEADER_LOCK = 0x6175646974_02


class Leadership:
    """Asked before each pass: ``await leadership.held()``."""

    def __init__(self, db: Database, key: int = LEADER_LOCK):
        self.db = db
        self.key = key
        self._conn: AsyncConnection | None = None

    async def held(self) -> bool:
        """Whether this process leads now (taking the lead when it is free)."""
        if self.db.single_process:
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:  # the connection (and with it the lock) is gone
                await self.release()
        conn = await self.db.engine.connect()
        try:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})).scalar()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                await conn.close()
