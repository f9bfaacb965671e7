"""The SQLite path (storage/sqlite_driver.py): statements on the loop's thread, a reader beside
the writer, another process's lock waited for without blocking the loop, WAL checkpoints off it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from storage import sqlite_driver
from storage.db import Database, unavailable
from storage.repos import departments
from storage.sql import execute, fetch_value
from tests.databases import sqlite_only

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)

pytestmark = sqlite_only


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "t.sqlite3").open()
    yield database
    await database.close()


def _hold_write_lock(path, seconds: float, held: threading.Event) -> threading.Thread:
    """Another process's writer, as far as SQLite can tell: BEGIN IMMEDIATE for ``seconds``."""

    def run() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def test_a_write_waits_for_another_writer_while_the_loop_runs_on(db, tmp_path):
    held = threading.Event()
    other = _hold_write_lock(tmp_path / "t.sqlite3", 0.4, held)
    await asyncio.to_thread(held.wait)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        async with db.transaction(claim=False) as conn:
            await departments.get_or_create(conn, "Office", NOW)
    finally:
        ticking.cancel()
    waited = time.monotonic() - started
    await asyncio.to_thread(other.join)
    assert waited >= 0.3  # it did wait for the other writer
    assert ticks >= 15  # and the loop ran meanwhile (SQLite's busy handler would have blocked it)
    async with db.read() as conn:
        assert await departments.by_name(conn, "office") is not None


async def test_a_write_gives_up_after_the_busy_timeout_as_the_database_away(db, tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_driver, "BUSY_TIMEOUT", 0.1)
    held = threading.Event()
    other = _hold_write_lock(tmp_path / "t.sqlite3", 0.5, held)
    await asyncio.to_thread(held.wait)
    with pytest.raises(OperationalError) as caught:
        async with db.transaction(claim=False) as conn:
            await departments.get_or_create(conn, "Office", NOW)
    assert unavailable(caught.value)  # waited for and tried again, not counted against the update
    await asyncio.to_thread(other.join)
    async with db.transaction(claim=False) as conn:  # the writer is usable again
        await departments.get_or_create(conn, "Office", NOW)


async def test_a_read_goes_on_while_a_write_transaction_is_open(db):
    async with db.transaction(claim=False) as conn:
        await departments.get_or_create(conn, "Committed", NOW)
    entered, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction(claim=False) as conn:
            await departments.get_or_create(conn, "Pending", NOW)
            entered.set()
            await release.wait()

    writing = asyncio.create_task(writer())
    await entered.wait()
    async with asyncio.timeout(2):  # does not wait for the writer's COMMIT
        async with db.read() as conn:
            assert await departments.by_name(conn, "committed") is not None
            assert await departments.by_name(conn, "pending") is None
    release.set()
    await writing
    async with db.read() as conn:
        assert await departments.by_name(conn, "pending") is not None


async def test_a_transaction_is_one_call_per_statement_and_an_empty_one_costs_nothing(db, monkeypatch):
    sent: list[str] = []
    original = sqlite_driver.Connection._statement

    async def statement(self, operation, parameters, many):
        sent.append(operation if self._begin is None else f"{self._begin}; {operation}")
        return await original(self, operation, parameters, many)

    monkeypatch.setattr(sqlite_driver.Connection, "_statement", statement)
    async with db.transaction(claim=False):
        pass
    assert sent == []
    async with db.transaction(claim=False) as conn:
        await execute(conn, "UPDATE departments SET name = name WHERE id = -1")
        await fetch_value(conn, "SELECT COUNT(*) FROM departments")
    assert sent == ["BEGIN IMMEDIATE; UPDATE departments SET name = name WHERE id = -1",
                    "SELECT COUNT(*) FROM departments"]


async def test_statements_run_on_the_loop_thread_and_events_still_see_them(db):
    threads: set[int] = set()
    seen: list[str] = []
    raw_conn = (await db._held.get_raw_connection()).dbapi_connection._connection._conn
    raw_conn.set_trace_callback(lambda sql: threads.add(threading.get_ident()))
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda c, cur, sql, *rest: seen.append(sql))
    async with db.transaction(claim=False) as conn:
        await departments.get_or_create(conn, "Office", NOW)
    raw_conn.set_trace_callback(None)
    assert threads == {threading.get_ident()}
    assert seen[0] == "BEGIN IMMEDIATE" and len(seen) >= 2


async def test_the_wal_is_checkpointed_off_the_loop_and_stays_small(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY", 20)
    db = await Database(tmp_path / "t.sqlite3").open()
    wal = tmp_path / "t.sqlite3-wal"
    try:
        async with db.read() as conn:
            assert await fetch_value(conn, "PRAGMA journal_mode") == "wal"
        sizes = []
        for round_ in range(6):
            for i in range(40):
                async with db.transaction(claim=False) as conn:
                    await departments.get_or_create(conn, f"Dept {round_}.{i} " + "x" * 200, NOW)
            await asyncio.sleep(0.1)  # the checkpoint's thread
            sizes.append(wal.stat().st_size)
        assert max(sizes) < 2 * sizes[0] + 65536, sizes  # reused from its start, not growing
        async with db.read() as conn:
            assert await fetch_value(conn, "SELECT COUNT(*) FROM departments") >= 240
    finally:
        await db.close()
    assert not wal.exists()  # the last connection closed checkpoints it away
