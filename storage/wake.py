"""Waking the outbox sender when a transaction that queued notices commits.

Whoever writes outbox rows (storage/repos/outbox.py ``enqueue``, the set-based INSERTs of
storage/repos/capa.py) calls ``queued(conn)``; nobody else has to remember anything.
``Database.transaction`` takes the mark: on PostgreSQL it runs ``pg_notify('auditbot_outbox')``
in the same transaction (PostgreSQL delivers it at COMMIT, to every replica that LISTENs:
``Listener``), and after the COMMIT it calls its ``after_commit`` callbacks (this process).
A rolled-back transaction wakes nobody. No Telegram here: the app registers the callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

CHANNEL = "auditbot_outbox"
_MARK = "auditbot_outbox_queued"  # in the connection's info while its transaction runs
RETRY_SECONDS = 1.0  # after the listening connection dropped or could not be opened
CHECK_SECONDS = 30.0  # a silent connection is asked whether it is still there


def queued(conn: AsyncConnection) -> None:
    """The transaction on ``conn`` queued outbox rows: its COMMIT wakes the sender."""
    conn.info[_MARK] = True


def take(conn: AsyncConnection) -> bool:
    """Whether the transaction on ``conn`` queued outbox rows (and forget it)."""
    return bool(conn.info.pop(_MARK, False))


class Listener:
    """PostgreSQL: ``LISTEN auditbot_outbox`` on a connection of its own (outside the pool);
    ``callback()`` on each notification, and once after each (re)connect for what was
    committed while nobody listened. A dropped connection is opened again."""

    def __init__(self, connect: Callable[[], Awaitable[Any]], callback: Callable[[], object], *,
                 retry: float = RETRY_SECONDS, check: float = CHECK_SECONDS):
        self._connect = connect  # -> an asyncpg connection
        self._callback = callback
        self.retry = retry
        self.check = check
        self.connects = 0  # how often it (re)connected (tests)
        self.listening = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._conn: Any = None

    async def start(self, wait: float = 10.0) -> None:
        """Start listening; waits (up to ``wait`` seconds) for the first LISTEN, then keeps
        trying in the background."""
        self._task = asyncio.create_task(self._run(), name="outbox-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), wait)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection (None while there is none)."""
        return self._conn.get_server_pid() if self._conn is not None and not self._conn.is_closed() else None

    def _notified(self, *_args: object) -> None:
        self._call()

    def _call(self) -> None:
        try:
            self._callback()
        except Exception:
            log.exception("outbox wake: the callback failed")

    async def _run(self) -> None:
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server away, restarting, refusing: try again
                log.warning("outbox wake: not listening (%s); again in %.0f s", exc, self.retry)
            await asyncio.sleep(self.retry)

    async def _listen_once(self) -> None:
        conn = await self._connect()
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._notified)
            self._conn = conn
            self.connects += 1
            self.listening.set()
            self._call()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.check)
                if not lost.is_set():  # quiet for a while: is the connection still there?
                    await conn.fetchval("SELECT 1", timeout=self.check)
            log.warning("outbox wake: the listening connection dropped")
        finally:
            self.listening.clear()
            self._conn = None
            if not conn.is_closed():
                conn.terminate()
