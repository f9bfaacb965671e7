"""SQLite for the bot: SQLAlchemy's aiosqlite dialect, with the statements run where they cost least.

aiosqlite runs every call on a thread of its own, and SQLAlchemy's adapter makes four calls
of a query (cursor, execute, fetchall, close) and three of a write; BEGIN and COMMIT one
each. A call is a round trip between the event loop and that thread, and under load each
costs about a millisecond (the answer waits for its turn in the loop, and for the GIL),
while ``storage.db.Database`` holds its connection for the unit of work; one statement of
the bot's own takes SQLite some 10 to 50 µs. So:

* ``Cursor``: a statement is one call (cursor, BEGIN if one is pending, execute, all rows,
  close); the BEGIN of a transaction goes with its first statement, and a transaction in
  which no statement ran costs nothing at all.
* ``Connection.run_here()``: the connections the bot works on (storage/db.py: the writer
  and the reader) run their statements, COMMIT and ROLLBACK on the event loop's thread,
  with no round trip. What could make SQLite wait stays off that thread: the WAL checkpoints
  (``Checkpoints``: a connection and thread of their own; with synchronous=NORMAL only they
  fsync), and a lock another process holds (the writer waits for it in pauses that let the
  loop run, not in SQLite's busy handler). A statement blocks the loop for as long as SQLite
  works on it: microseconds for the interview's, milliseconds for a report's or an export's
  reads.

Opening, closing and backups still go through aiosqlite's thread, and so does a connection
not told to ``run_here`` (the migrations). ``create_engine(url, module=dbapi())`` swaps the
classes below into SQLAlchemy's aiosqlite dialect; everything else is the dialect's own.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)

# Statements that only open a transaction: sent with the statement that follows them.
_BEGINS = frozenset({"BEGIN", "BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})
BUSY_TIMEOUT = 5.0  # seconds a transaction waits for a lock another process holds (as PRAGMA busy_timeout)
_BUSY_PAUSES = (0.001, 0.05)  # the first and the longest pause between two tries
CHECKPOINT_EVERY = 200  # commits of the writer between two WAL checkpoints


def _run(conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
         ) -> tuple[Any, list | None, int, int | None]:
    """(BEGIN, then) one statement, with all its rows: (description, rows, rowcount, lastrowid)."""
    cursor = conn.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


async def _first_here(conn: sqlite3.Connection, begin: str, operation: str, parameters: Any, many: bool):
    """BEGIN and the transaction's first statement on this thread. While another process holds
    the lock they need (the write lock, for BEGIN IMMEDIATE), they are tried again after a
    pause in which the loop runs on, for BUSY_TIMEOUT seconds at most."""
    pause, deadline = _BUSY_PAUSES[0], time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            return _run(conn, begin, operation, parameters, many)
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise
            if conn.in_transaction:  # BEGIN went through, the statement did not: nothing was done
                conn.rollback()
        await asyncio.sleep(pause)
        pause = min(pause * 2, _BUSY_PAUSES[1])


class Checkpoints:
    """WAL checkpoints (PASSIVE: they never make a reader or the writer wait) on a connection
    and thread of their own, after every ``every`` commits of a writer that does not
    checkpoint itself (PRAGMA wal_autocheckpoint=0): the event loop never waits for the disk."""

    def __init__(self, path: str, every: int | None = None):
        self.path = path
        self.every = every or CHECKPOINT_EVERY
        self._commits = 0
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task | None = None

    def committed(self) -> None:
        self._commits += 1
        if self._commits >= self.every and self._task is None:
            self._commits = 0
            self._task = asyncio.get_running_loop().create_task(self._checkpoint(), name="sqlite-checkpoint")

    async def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                connecting = aiosqlite.connect(self.path)
                connecting._thread.daemon = True
                self._conn = await connecting
            cursor = await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            await cursor.close()
        except Exception as exc:  # the next one catches up; the WAL only grows meanwhile
            log.warning("WAL checkpoint of %s failed: %r", self.path, exc)
        finally:
            self._task = None

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(Exception):
                await task
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


class Cursor:
    """A DB-API cursor whose ``execute`` is one call: the rows come with it and are served
    from memory."""

    server_side = False
    arraysize = 1

    def __init__(self, adapt_connection: Connection):
        self._adapt_connection = adapt_connection
        self._rows: collections.deque = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def execute(self, operation: str, parameters: Any = None) -> None:
        if not parameters and operation in _BEGINS:
            self._adapt_connection._begin = operation  # goes with the next statement
            self.description, self.rowcount, self.lastrowid = None, -1, None
            return
        self._call(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._call(operation, seq_of_parameters, many=True)

    def _call(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection = self._adapt_connection
        try:
            self.description, rows, self.rowcount, self.lastrowid = await_(
                connection._statement(operation, parameters, many))
        except Exception as error:
            connection._handle_exception(error)
        self._rows = collections.deque(rows) if rows else collections.deque()

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self):
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """(SQLAlchemy's async results close the cursor so; nothing is left open.)"""

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass

    def nextset(self) -> None:
        return None


class Connection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, with the cursor above, the BEGIN held back until
    the transaction's first statement, and (``run_here``) no trips to aiosqlite's thread."""

    __slots__ = ("_begin", "_checkpoints", "_here")

    def __init__(self, dbapi: Any, connection: aiosqlite.Connection):
        super().__init__(dbapi, connection)
        self._begin: str | None = None
        self._here = False
        self._checkpoints: Checkpoints | None = None

    def run_here(self, *, writer: bool = False) -> None:
        """From now on run statements on the calling thread (the event loop's). A ``writer``
        waits for another process's write lock in pauses instead of SQLite's busy handler,
        and leaves its WAL checkpoints to ``Checkpoints``."""
        conn = self._connection._conn
        if writer:
            path = conn.execute("PRAGMA database_list").fetchone()[2]
            conn.execute("PRAGMA busy_timeout=0").close()
            if path:  # (an in-memory database has no WAL)
                conn.execute("PRAGMA wal_autocheckpoint=0").close()
                self._checkpoints = Checkpoints(path)
        self._here = True

    def cursor(self, server_side: bool = False) -> Any:
        return super().cursor(server_side=True) if server_side else Cursor(self)

    async def _statement(self, operation: str, parameters: Any, many: bool):
        begin, self._begin = self._begin, None
        driver = self._connection
        if self._here:
            conn = driver._conn
            if begin is None:
                return _run(conn, None, operation, parameters, many)
            return await _first_here(conn, begin, operation, parameters, many)
        async with self._execute_mutex:
            return await driver._execute(_run, driver._conn, begin, operation, parameters, many)

    def commit(self) -> None:
        if self._begin is not None:  # nothing ran since BEGIN: nothing to commit
            self._begin = None
            return
        if not self._here:
            super().commit()
            return
        try:
            self._connection._conn.commit()
        except Exception as error:
            self._handle_exception(error)
        if self._checkpoints is not None:
            self._checkpoints.committed()

    def rollback(self) -> None:
        if self._begin is not None:
            self._begin = None
            return
        if not self._here:
            super().rollback()
            return
        try:
            self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)

    def close(self) -> None:
        checkpoints, self._checkpoints = self._checkpoints, None
        if checkpoints is not None:
            await_(checkpoints.close())
        super().close()


class DBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The module SQLAlchemy's aiosqlite dialect connects through, making ``Connection``s;
    their sqlite3 connections may be used from the loop's thread (``run_here``)."""

    def connect(self, *arg: Any, **kw: Any) -> Connection:
        creator_fn = kw.pop("async_creator_fn", None)
        kw["check_same_thread"] = False
        connection = creator_fn(*arg, **kw) if creator_fn else self.aiosqlite.connect(*arg, **kw)
        thread = getattr(connection, "_thread", None)
        if isinstance(thread, threading.Thread):
            thread.daemon = True  # as SQLAlchemy's own: a thread left behind never holds up the exit
        return Connection(self, await_(connection))


def dbapi() -> DBAPI:
    return DBAPI(aiosqlite, sqlite3)


def run_here(dbapi_connection: Any, *, writer: bool = False) -> None:
    """``Connection.run_here`` of a pooled connection's DB-API connection (a no-op for others)."""
    if isinstance(dbapi_connection, Connection):
        dbapi_connection.run_here(writer=writer)

