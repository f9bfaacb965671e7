"""The one aiosqlite connection of the bot: pragmas, migrations, transactions.

SQLite serialises writers anyway; one connection guarded by an asyncio lock keeps each
unit of work (a transaction) from interleaving with another task's statements.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage import claims

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with the package: (number, name, sql)."""
    folder = resources.files("storage.migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """Owns the connection; use ``transaction()`` for writes and ``read()`` for reads."""

    def __init__(self, path: Path | str):
        self.path = Path(path) if str(path) != ":memory:" else path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> Database:
        conn = await aiosqlite.connect(str(self.path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        self._conn = conn
        await self._migrate()
        return self

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self, *, claim: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

        With ``claim`` (the default), the update this task is handling is claimed in the
        same transaction (storage/claims.py); ``claim=False`` is for bookkeeping that is not
        the update's effect and may be repeated (a name refreshed, an outbox row sent).
        """
        from storage.repos import inbox

        pending = claims.unclaimed() if claim else None
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                if pending is not None and not await inbox.claim(conn, pending.update_id, pending.at):
                    raise claims.AlreadyHandled(pending.update_id)
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
                if pending is not None:
                    pending.claimed = True

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads that must not see another task's open transaction."""
        async with self._lock:
            yield self.conn

    async def schema_version(self) -> int:
        async with self.read() as conn:
            return await _schema_version(conn)

    async def _migrate(self) -> None:
        conn = self.conn
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = await _schema_version(conn)
        for number, name, sql in migrations():
            if number <= current:
                continue
            # executescript() commits first; the script carries its own transaction so a
            # failing migration leaves the schema as it was.
            script = (
                "BEGIN IMMEDIATE;\n"
                f"{sql}\n;"
                f"INSERT INTO schema_version(version, applied_at) VALUES ({number}, datetime('now'));\n"
                "COMMIT;"
            )
            try:
                await conn.executescript(script)
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise RuntimeError(f"migration {name} failed: {exc}") from exc

    async def integrity_check(self) -> str:
        async with self.read() as conn:
            async with conn.execute("PRAGMA integrity_check") as cur:
                row = await cur.fetchone()
        return str(row[0])

    async def backup(self, dest: Path) -> None:
        """Online backup of the live database into ``dest``."""
        async with self._lock:
            target = await aiosqlite.connect(str(dest))
            try:
                await self.conn.backup(target)
            finally:
                await target.close()


async def _schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: tuple | list = ()) -> sqlite3.Row | None:
    """The first row of a query in one round trip to the database thread."""
    rows = await conn.execute_fetchall(sql, params)
    return rows[0] if rows else None


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
    """All rows of a query in one round trip (execute + fetch + close would be three)."""
    return list(await conn.execute_fetchall(sql, params))
