"""The bot's database: SQLite (the embedded default) or PostgreSQL, through SQLAlchemy Core.

SQLite serialises writers anyway; one connection (the writer) guarded by an asyncio lock
keeps each unit of work (a transaction) from interleaving with another task's statements,
and every write transaction begins IMMEDIATE; reads take a second connection (the reader:
a WAL snapshot, beside the writer's transaction). Both run their statements on the event
loop's thread, without a trip to aiosqlite's (storage/sqlite_driver.py). PostgreSQL gets a
pool and one transaction per unit of work (READ COMMITTED), and write transactions run at once: each serialises on what it
changes, the row it loads for the change locked (``storage.sql.for_change``: the audit, the
action, the programme item) and a series without a row (audit numbers) behind an advisory
lock of its own (``storage.sql.take_turn``). A deadlock or serialization failure is the
database's to resolve: like the database being away, the unit is tried again (``unavailable``).
Reads run concurrently on both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from storage import claims, migrate, sqlite_driver, wake
from storage.sql import WRITING
from storage.url import normalise, shown

log = logging.getLogger(__name__)

PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)

_READING = "auditbot_reading"  # an execution option: read() begins DEFERRED on SQLite
CONNECT_TIMEOUT = 10
POOL_SIZE = 10  # PostgreSQL: connections kept per process (AUDITBOT_DB_POOL_SIZE); as many again in a burst
POOL_TIMEOUT = 30  # seconds to wait for a free one; then sqlalchemy.exc.TimeoutError: "database away"


class DatabaseUnavailable(Exception):
    """The database cannot be opened: one line saying which and why."""


def create_engine(target: Path | str, *, pool_size: int = POOL_SIZE) -> AsyncEngine:
    """An engine for ``target`` (a file path or a URL) with the SQLite behaviour the bot needs.

    PostgreSQL: a pool of ``pool_size`` connections, and as many more while a burst lasts.
    """
    url = normalise(target)
    if url.get_backend_name() != "sqlite":
        # No pre-ping (a round trip at every checkout, ~6 per update): a connection the server
        # dropped fails its first statement, the pool forgets all connections as old as it,
        # and the work is tried again (``unavailable``).
        return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size,
                                   pool_timeout=POOL_TIMEOUT, connect_args={"timeout": CONNECT_TIMEOUT})
    # A file: two connections, the writer (transaction()) and the reader (read(): WAL lets its
    # snapshots run beside the writer's transaction). storage/sqlite_driver.py runs their
    # statements on the event loop's thread.
    pooling = dict(poolclass=StaticPool) if _in_memory(url) else dict(pool_size=2, max_overflow=0)
    engine = create_async_engine(url, module=sqlite_driver.dbapi(), **pooling)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _in_memory(url: Any) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    reading = conn.get_execution_options().get(_READING, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if reading else "BEGIN IMMEDIATE")


class Database:
    """Owns the engine; use ``transaction()`` for writes and ``read()`` for reads.

    ``after_commit``: callbacks (no arguments) called after the COMMIT of each transaction
    that queued outbox rows (storage/wake.py); ``listen`` hears those of other processes.
    """

    def __init__(self, target: Path | str, *, pool_size: int = POOL_SIZE):
        self.url = normalise(target)
        self.dialect = self.url.get_backend_name()
        self.path = Path(self.url.database) if self.dialect == "sqlite" else None
        self.pool_size = pool_size
        self.after_commit: list[Callable[[], object]] = []
        self._listeners: list[wake.Listener] = []
        self._engine: AsyncEngine | None = None
        self._held: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._reader: AsyncConnection | None = None  # SQLite file: read()'s connection, beside the writer
        self._autocommit: AsyncEngine | None = None  # PostgreSQL: read()'s, the pool's connections without BEGIN
        self._reading = asyncio.Lock()

    async def open(self) -> Database:
        engine = create_engine(self.url, pool_size=self.pool_size)
        try:
            await migrate.upgrade(engine)
            if self.dialect == "sqlite":
                self._held = await engine.connect()
                sqlite_driver.run_here((await self._held.get_raw_connection()).dbapi_connection, writer=True)
                if not _in_memory(self.url):
                    self._reader = await engine.connect()
                    sqlite_driver.run_here((await self._reader.get_raw_connection()).dbapi_connection)
                    await self._reader.execution_options(**{_READING: True})  # its BEGINs are DEFERRED
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        if self.dialect != "sqlite":
            self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        return self

    async def close(self) -> None:
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            await listener.stop()
        engine, self._engine, self._autocommit = self._engine, None, None
        held, self._held = self._held, None
        reader, self._reader = self._reader, None
        for conn in (reader, held):
            if conn is not None:
                await conn.close()
        if engine is not None:
            await engine.dispose()

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("database is not open")
        return self._engine

    @asynccontextmanager
    async def _connection(self, *, reading: bool = False) -> AsyncIterator[AsyncConnection]:
        """SQLite: the writer (or with ``reading``, the reader), held under its lock; PostgreSQL:
        one from the pool."""
        if reading and self._reader is not None:
            async with self._reading:
                yield self._reader
        elif self.dialect == "sqlite":
            async with self._lock:
                if self._held is None:
                    raise RuntimeError("database is not open")
                yield self._held
        else:
            async with self.engine.connect() as conn:
                yield conn

    @asynccontextmanager
    async def transaction(self, *, claim: bool = True) -> AsyncIterator[AsyncConnection]:
        """BEGIN (IMMEDIATE on SQLite) … COMMIT, rolled back on any exception.

        With ``claim`` (the default), the update this task is handling is claimed in the
        same transaction (storage/claims.py); ``claim=False`` is for bookkeeping that is not
        the update's effect and may be repeated (a name refreshed, an outbox row sent).

        A transaction that queued outbox rows wakes the sender when it commits: NOTIFY to
        the other replicas (PostgreSQL), then the ``after_commit`` callbacks of this process.
        """
        from storage.repos import inbox

        pending = claims.unclaimed() if claim else None
        queued = False
        async with self._connection() as conn:
            wake.take(conn)  # a mark left by writes outside a transaction() is not this one's
            conn.info[WRITING] = True  # the load functions lock what they read (storage.sql.for_change)
            try:
                async with conn.begin():
                    if pending is not None and not await inbox.claim(conn, pending.update_id, pending.at):
                        raise claims.AlreadyHandled(pending.update_id)
                    yield conn
                    queued = wake.take(conn)
                    if queued and self.dialect == "postgresql":  # delivered at COMMIT, to every LISTENer
                        await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": wake.CHANNEL})
            except BaseException:
                if not conn.invalidated:  # an invalidated one has no marks, and would reconnect to say so
                    wake.take(conn)
                raise
            finally:
                if not conn.invalidated:
                    conn.info.pop(WRITING, None)
            if pending is not None:
                pending.claimed = True
        if queued:
            self._committed()

    def _committed(self) -> None:
        for callback in list(self.after_commit):
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")

    async def listen(self, callback: Callable[[], object]) -> wake.Listener | None:
        """PostgreSQL: call ``callback`` whenever any process commits outbox rows (a LISTEN on
        a connection of its own, opened again when it drops; stopped by ``close``).
        SQLite: None, one process owns the database and ``after_commit`` is enough."""
        if self.single_process:
            return None
        listener = wake.Listener(self._dedicated_connection, callback)
        self._listeners.append(listener)
        await listener.start(CONNECT_TIMEOUT)
        return listener

    async def _dedicated_connection(self) -> object:
        """A new asyncpg connection to the database, outside the pool (the caller closes it)."""
        import asyncpg

        engine = self.engine
        _, options = engine.dialect.create_connect_args(engine.url)
        for key in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn"):
            options.pop(key, None)
        options.setdefault("timeout", CONNECT_TIMEOUT)
        return await asyncpg.connect(**options)

    @property
    def single_process(self) -> bool:
        """SQLite: one bot process owns the database (storage/instance_lock.py); PostgreSQL: replicas."""
        return self.dialect == "sqlite"

    def connections_in_use(self) -> int:
        """Connections busy now (a gauge): PostgreSQL's pool checked out; SQLite the writer and the reader held."""
        if self._engine is None:
            return 0
        if self.dialect == "sqlite":
            return int(self._lock.locked()) + int(self._reading.locked())
        return int(getattr(self._engine.pool, "checkedout", lambda: 0)())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads that must not see another task's open transaction.

        On SQLite the transaction begins DEFERRED on the reader: a snapshot, without the write
        lock, while the writer may be in a transaction. On PostgreSQL each statement commits by
        itself (a write here would not be rolled back: write in ``transaction()``).
        """
        if self._autocommit is not None:
            # PostgreSQL at READ COMMITTED gives each statement its own snapshot inside a
            # transaction too: BEGIN and ROLLBACK around reads would add two round trips, no
            # consistency.
            async with self._autocommit.connect() as conn:
                yield conn
            return
        async with self._connection(reading=True) as conn:
            shared = conn is not self._reader  # (the reader is marked once, in open())
            if shared:
                await conn.execution_options(**{_READING: True})
            try:
                async with conn.begin():
                    yield conn
            finally:
                if shared:
                    await conn.execution_options(**{_READING: False})

    async def schema_version(self) -> int:
        """The number of the newest migration applied (0001 → 1)."""
        async with self.read() as conn:
            return await migrate.current(conn)

    async def integrity_check(self) -> str:
        async with self.read() as conn:
            if self.dialect != "sqlite":
                await conn.execute(text("SELECT 1"))
                return "ok"
            return str((await conn.execute(text("PRAGMA integrity_check"))).scalar_one())

    async def backup(self, dest: Path) -> None:
        """Online backup of the live SQLite database into ``dest``."""
        if self.dialect != "sqlite":
            raise RuntimeError("backup copies SQLite databases; use pg_dump for PostgreSQL")
        async with self._connection() as conn:
            raw = await conn.get_raw_connection()
            source = raw.driver_connection
            target = await aiosqlite.connect(str(dest))
            try:
                await source.backup(target)
            finally:
                await target.close()


async def probe(target: Path | str) -> None:
    """Open (and migrate) the database once; DatabaseUnavailable with the reason when it fails."""
    db = Database(target)
    try:
        await db.open()
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnavailable(
            f"cannot open {shown(db.url)} ({reason[0] if reason else type(exc).__name__})"
        ) from None
    finally:
        await db.close()


_TRANSIENT = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock detected (rolled back whole)


def unavailable(exc: BaseException) -> bool:
    """Is ``exc`` the database being away (restarting, unreachable, locked, no free pooled
    connection in time), or a transaction it rolled back to break a deadlock, not a bug?

    Work that failed so is waited for and tried again, not counted against an update.
    """
    if isinstance(exc, claims.AlreadyHandled):
        return False
    if isinstance(exc, (OSError, ConnectionError, TimeoutError, PoolTimeout)):
        return True  # PoolTimeout: every pooled connection busy for POOL_TIMEOUT, the server too slow
    if isinstance(exc, DBAPIError):
        if getattr(exc.orig, "sqlstate", None) in _TRANSIENT:
            return True
        return bool(exc.connection_invalidated) or isinstance(exc, (OperationalError, InterfaceError))
    return False
