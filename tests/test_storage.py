"""Storage: migrations, pragmas, the append-only trail, evidence files, crash safety, backup."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.files import FileStore
from storage.migrate import head_version
from storage.repos import departments, people, trail
from storage.sql import execute, fetch_value
from tests.databases import ON_POSTGRES, postgres_only, sqlite_only, target

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path):
    database = await Database(target(tmp_path / "t.sqlite3")).open()
    yield database
    await database.close()


async def test_migrations_applied_once_with_pragmas(tmp_path, db):
    assert await db.schema_version() == head_version() == 10
    if not ON_POSTGRES:
        async with db.read() as conn:
            assert await fetch_value(conn, "PRAGMA journal_mode") == "wal"
            assert await fetch_value(conn, "PRAGMA foreign_keys") == 1
            assert await fetch_value(conn, "PRAGMA synchronous") == 1
            assert await fetch_value(conn, "PRAGMA busy_timeout") == 5000
    await db.close()
    again = await Database(target(tmp_path / "t.sqlite3")).open()
    assert await again.schema_version() == head_version()
    await again.close()


async def test_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await departments.get_or_create(conn, "Office", NOW)
            raise RuntimeError("boom")
    async with db.read() as conn:
        assert await departments.by_name(conn, "office") is None


async def test_trail_is_append_only(db):
    async with db.transaction() as conn:
        await people.upsert(conn, 1, name="A", username=None, lang="en", at=NOW)
        await trail.record(conn, at=NOW, person_id=1, entity="x", entity_id=1, action="set",
                           before={"v": 1}, after={"v": 2})
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:
            await execute(conn, "UPDATE audit_trail SET action = 'forged'")
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:
            await execute(conn, "DELETE FROM audit_trail")
    async with db.read() as conn:
        rows = await trail.entries(conn, "x", 1)
    assert [r["action"] for r in rows] == ["set"]


async def test_department_names_are_case_insensitive(db):
    async with db.transaction() as conn:
        first, created = await departments.get_or_create(conn, "Legal Office", NOW)
        second, created_again = await departments.get_or_create(conn, "legal office", NOW)
    assert created and not created_again and first == second


def test_file_store_dedupes_and_writes_atomically(tmp_path):
    store = FileStore(tmp_path / "evidence")
    digest = store.put(b"photo bytes")
    assert store.put(b"photo bytes") == digest
    assert store.get(digest) == b"photo bytes"
    assert len(store.all_files()) == 1
    assert not list((tmp_path / "evidence").rglob(".tmp-*"))
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from storage.db import Database
    from storage.repos import departments, trail

    async def main(path):
        db = await Database(path).open()
        i = 0
        while True:
            async with db.transaction() as conn:
                dep, _ = await departments.get_or_create(conn, f"dept {i}", datetime.now(UTC))
                await trail.record(conn, at=datetime.now(UTC), person_id=None, entity="department",
                                   entity_id=dep, action="created", after={"i": i, "pad": "x" * 2000})
            i += 1
            if i == 50:
                print("writing", flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_kill_during_writes_leaves_a_sound_database(tmp_path):
    path = target(tmp_path / "crash.sqlite3")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            cwd=os.getcwd())
    assert proc.stdout.readline().strip() == b"writing"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    db = await Database(path).open()
    try:
        assert await db.integrity_check() == "ok"
        async with db.read() as conn:
            deps = await fetch_value(conn, "SELECT COUNT(*) FROM departments")
            entries = await fetch_value(conn, "SELECT COUNT(*) FROM audit_trail")
        assert deps >= 50 and deps == entries  # each transaction is all or nothing
    finally:
        await db.close()


@sqlite_only
async def test_backup_command_copies_live_database_and_evidence(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("AUDITBOT_DATA_DIR", str(data))
    db = await Database(data / "auditbot.sqlite3").open() if data.mkdir() is None else None
    async with db.transaction() as conn:
        await departments.get_or_create(conn, "Office", NOW)
    FileStore(data / "evidence").put(b"evidence")
    try:  # the bot keeps its connection open while the backup runs
        result = subprocess.run([sys.executable, "-m", "bot", "backup", str(tmp_path / "bk")],
                                capture_output=True, text=True, timeout=60, env=os.environ.copy())
    finally:
        await db.close()
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "bk" / "auditbot.sqlite3")
    assert copy.execute("SELECT name FROM departments").fetchall() == [("Office",)]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(list((tmp_path / "bk" / "evidence").rglob("*"))) == 2  # folder + file


async def test_old_update_ids_are_forgotten(db):
    from datetime import timedelta

    from storage.repos import inbox

    async with db.transaction() as conn:
        for update_id in (1, 2):
            assert await inbox.add(conn, update_id, "c1", "{}", NOW)
        assert not await inbox.add(conn, 2, "c1", "{}", NOW)  # a redelivery
        assert await inbox.claim(conn, 1, NOW - timedelta(days=8))
        assert await inbox.claim(conn, 2, NOW)
        assert not await inbox.claim(conn, 2, NOW)  # handled once
        await inbox.prune(conn, NOW - timedelta(days=7))
        assert await inbox.add(conn, 1, "c1", "{}", NOW)  # forgotten
        assert not await inbox.add(conn, 2, "c1", "{}", NOW)  # kept


async def test_a_claim_commits_with_its_effect_or_not_at_all(db):
    from storage import claims
    from storage.repos import departments, inbox

    async with db.transaction() as conn:
        await inbox.add(conn, 7, "c1", "{}", NOW)
    token = claims.CURRENT.set(claims.UpdateClaim(7, NOW, final=False))
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await departments.get_or_create(conn, "Finance", NOW)
                raise RuntimeError("killed half-way")
        assert not claims.current().claimed
        async with db.read() as conn:
            assert [r["update_id"] for r in await inbox.pending(conn)] == [7]
        async with db.transaction() as conn:
            await departments.get_or_create(conn, "Finance", NOW)
        assert claims.current().claimed
        async with db.transaction() as conn:  # later transactions of the update claim nothing
            await departments.get_or_create(conn, "Office", NOW)
    finally:
        claims.CURRENT.reset(token)
    async with db.read() as conn:
        assert await inbox.pending(conn) == []
    token = claims.CURRENT.set(claims.UpdateClaim(7, NOW, final=False))
    try:
        with pytest.raises(claims.AlreadyHandled):
            async with db.transaction() as conn:
                await departments.get_or_create(conn, "Twice", NOW)
    finally:
        claims.CURRENT.reset(token)
    async with db.read() as conn:
        assert await departments.by_name(conn, "Twice") is None


async def test_reads_never_see_another_tasks_open_transaction(db):
    import asyncio

    inside, state = asyncio.Event(), {"open": False}

    async def writer():
        async with db.transaction() as conn:
            await departments.get_or_create(conn, "Pending", NOW)
            state["open"] = True
            inside.set()
            await asyncio.sleep(0.1)
        state["open"] = False

    async def reader():
        await inside.wait()
        async with db.read() as conn:
            seen = await departments.by_name(conn, "pending")
        return seen is not None, state["open"]

    _, (saw_row, writer_still_open) = await asyncio.gather(writer(), reader())
    assert not (saw_row and writer_still_open)


@sqlite_only
async def test_sqlite_writes_begin_immediate_and_reads_deferred(db):
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(sql))
    async with db.read() as conn:
        await departments.by_name(conn, "x")
    async with db.transaction() as conn:
        await departments.get_or_create(conn, "x", NOW)
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"]


@sqlite_only
async def test_write_transactions_take_turns(db):
    """SQLite: every write transaction has the database to itself (BEGIN IMMEDIATE behind the
    one connection's lock), so no read-then-write step interleaves with another. PostgreSQL
    writes at once: see the tests of row locks and turns below."""
    import asyncio

    from storage.sql import fetch_value

    async def numbered():
        async with db.transaction() as conn:
            count = await fetch_value(conn, "SELECT COUNT(*) FROM departments")
            await asyncio.sleep(0.02)
            await departments.get_or_create(conn, f"dept {count}", NOW)

    await asyncio.gather(*(numbered() for _ in range(5)))
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM departments") == 5


async def test_audits_created_at_once_get_numbers_of_their_own(db):
    """Numbering an audit (count the year's, then insert the next) takes turns on both
    databases; on PostgreSQL behind a lock of that series alone."""
    import asyncio

    from storage.repos import audits

    async with db.transaction() as conn:
        await people.upsert(conn, 5, name="Ann", username=None, lang="en", at=NOW)
        office, _ = await departments.get_or_create(conn, "Office", NOW)

    async def create(prefix: str) -> str:
        async with db.transaction() as conn:
            _, number = await audits.create(conn, checklist_id="x", checklist_version=1, checklist_json="{}",
                                            department_id=office, lang="en", created_by=5, at=NOW,
                                            number_prefix=prefix)
            await asyncio.sleep(0.01)
            return number

    numbers = await asyncio.gather(*(create("A-2026-") for _ in range(6)), create("A-2027-"))
    assert sorted(numbers) == [*(f"A-2026-{n:03d}" for n in range(1, 7)), "A-2027-001"]


async def test_a_department_created_at_once_twice_is_one(db):
    import asyncio

    async def create() -> int:
        async with db.transaction() as conn:
            department_id, _ = await departments.get_or_create(conn, "Quality", NOW)
            await asyncio.sleep(0.02)
            return department_id

    assert len(set(await asyncio.gather(*(create() for _ in range(4))))) == 1


@postgres_only
async def test_changes_of_one_audit_take_turns_and_other_audits_go_on(db):
    """No global write lock: a write unit locks the audit it loads (FOR NO KEY UPDATE), so a
    second change of that audit waits for the first to commit; another audit, and reads of
    the first, do not wait."""
    import asyncio
    import time

    from storage.repos import audits, findings, programme

    async with db.transaction() as conn:
        await people.upsert(conn, 5, name="Ann", username=None, lang="en", at=NOW)
        office, _ = await departments.get_or_create(conn, "Office", NOW)
        first, second = [(await audits.create(conn, checklist_id="x", checklist_version=1, checklist_json="{}",
                                              department_id=office, lang="en", created_by=5, at=NOW,
                                              number_prefix="A-2026-"))[0] for _ in range(2)]
    holding = asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as conn:
            assert await audits.press_context(conn, first, 5) is not None
            await findings.get_capa(conn, 1)  # the action's and the programme item's locks parse too
            await programme.get(conn, 1)
            holding.set()
            await asyncio.sleep(0.4)
            await audits.touch(conn, first, NOW)

    async def waited(audit_id: int, *, write: bool) -> float:
        await holding.wait()
        started = time.monotonic()
        if write:
            async with db.transaction() as conn:
                await audits.press_context(conn, audit_id, 5)
        else:
            async with db.read() as conn:
                await audits.press_context(conn, audit_id, 5)
        return time.monotonic() - started

    _, same, other, read = await asyncio.gather(holder(), waited(first, write=True), waited(second, write=True),
                                                waited(first, write=False))
    assert same > 0.3 and other < 0.2 and read < 0.2, (same, other, read)


async def test_an_update_claimed_at_once_twice_is_applied_once(db):
    """Without a global write lock the claim's own row logic decides: the second claim of an
    update waits for the first transaction and finds it handled (its effect is not written)."""
    import asyncio

    from storage import claims
    from storage.repos import inbox

    async with db.transaction() as conn:
        await inbox.add(conn, 9, "c1", "{}", NOW)

    async def effect(name: str) -> bool:
        token = claims.CURRENT.set(claims.UpdateClaim(9, NOW, final=False))
        try:
            async with db.transaction() as conn:
                await departments.get_or_create(conn, name, NOW)
                await asyncio.sleep(0.05)
            return True
        except claims.AlreadyHandled:
            return False
        finally:
            claims.CURRENT.reset(token)

    assert sorted(await asyncio.gather(effect("First"), effect("Second"))) == [False, True]
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM departments") == 1


async def test_notices_claimed_at_once_are_each_claimed_once(db):
    """The outbox claim (FOR UPDATE SKIP LOCKED on PostgreSQL, then a guarded UPDATE) needs no
    global lock: senders claiming at once never get the same row."""
    import asyncio
    from datetime import timedelta

    from storage.repos import outbox

    for n in range(12):
        await _queue(db, f"notice {n}")

    async def sender(owner: str) -> list[int]:
        got = []
        while True:
            async with db.transaction(claim=False) as conn:
                claimed = await outbox.claim_next(conn, NOW, NOW + timedelta(minutes=5), owner)
            if claimed is None:
                return got
            got.append(claimed[0]["id"])

    claimed = [i for ids in await asyncio.gather(*(sender(f"s{k}") for k in range(4))) for i in ids]
    assert len(claimed) == len(set(claimed)) == 12


def test_a_deadlock_or_serialization_failure_is_tried_again_not_a_failure():
    from sqlalchemy.exc import DBAPIError

    from storage.db import unavailable

    class PgError(Exception):
        def __init__(self, sqlstate: str):
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    assert unavailable(DBAPIError("UPDATE", {}, PgError("40P01")))
    assert unavailable(DBAPIError("UPDATE", {}, PgError("40001")))
    assert not unavailable(DBAPIError("UPDATE", {}, PgError("23505")))


async def _queue(db, key: str, *, fail: bool = False) -> bool:
    from storage.repos import outbox

    async with db.transaction() as conn:
        queued = await outbox.enqueue(conn, dedupe_key=key, chat_id=1, kind="lead_digest", payload={},
                                      not_before=NOW, at=NOW)
        if fail:
            raise RuntimeError("rolled back")
    return queued


async def test_the_commit_of_a_transaction_that_queued_outbox_rows_calls_after_commit(db):
    from storage.repos import capa

    woken: list[int] = []
    db.after_commit.append(lambda: woken.append(1))
    async with db.transaction() as conn:
        await departments.get_or_create(conn, "Office", NOW)
    assert woken == []  # nothing queued, nobody woken
    async with db.transaction() as conn:
        await people.upsert(conn, 5, name="Lead", username=None, lang="en", at=NOW)
        await people.add_role(conn, 5, "lead", None, NOW)
        assert await capa.enqueue_digests(conn, NOW.date(), not_before=NOW, at=NOW) == 1  # a set-based INSERT
        assert woken == []  # not before the COMMIT
    assert woken == [1]
    async with db.transaction() as conn:  # the same digest again: no row, nobody woken
        assert await capa.enqueue_digests(conn, NOW.date(), not_before=NOW, at=NOW) == 0
    assert woken == [1]
    assert await _queue(db, "one")
    assert woken == [1, 1]
    assert not await _queue(db, "one")  # a dedupe key queued before
    with pytest.raises(RuntimeError):
        await _queue(db, "two", fail=True)  # rolled back
    assert woken == [1, 1]
    db.after_commit.insert(0, lambda: 1 / 0)  # a failing callback does not stop the others or the commit
    assert await _queue(db, "three")
    assert woken == [1, 1, 1]
    if not ON_POSTGRES:  # one process owns a SQLite database: nothing to listen for
        assert await db.listen(lambda: None) is None


@pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server (make test-pg)")
async def test_other_processes_hear_the_commit_and_listen_again_after_a_drop(db):
    """Another replica (a second Database on the same server) LISTENs: NOTIFY at COMMIT wakes it."""
    import asyncio

    from sqlalchemy import text

    other = await Database(db.url.render_as_string(hide_password=False)).open()
    heard = asyncio.Event()
    try:
        listener = await other.listen(heard.set)
        assert listener is not None and listener.connects == 1
        heard.clear()  # (it calls back once on connecting: what was committed while nobody listened)
        await _queue(db, "one")
        await asyncio.wait_for(heard.wait(), 1.0)
        heard.clear()
        with pytest.raises(RuntimeError):
            await _queue(db, "two", fail=True)
        async with db.transaction() as conn:
            await departments.get_or_create(conn, "Office", NOW)
        await asyncio.sleep(0.3)
        assert not heard.is_set()  # rolled back, or nothing queued: no NOTIFY

        pid = listener.backend_pid
        async with db.read() as conn:  # the server drops the listening connection
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            if listener.connects == 2:
                break
            await asyncio.sleep(0.05)
        assert listener.connects == 2 and listener.backend_pid != pid
        heard.clear()
        await _queue(db, "three")
        await asyncio.wait_for(heard.wait(), 1.0)
    finally:
        await other.close()


def test_a_pool_timeout_is_the_database_away_not_a_failure():
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from storage.claims import AlreadyHandled
    from storage.db import unavailable

    assert unavailable(PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out"))
    assert unavailable(TimeoutError()) and unavailable(ConnectionRefusedError())
    assert unavailable(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert not unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not unavailable(AlreadyHandled(1)) and not unavailable(ValueError("a bug"))


def test_the_pool_size_comes_from_the_setting(monkeypatch):
    from bot.settings import SettingsError, load_settings
    from storage.db import POOL_TIMEOUT, create_engine

    monkeypatch.delenv("AUDITBOT_DB_POOL_SIZE", raising=False)
    assert load_settings(_env_file=None).db_pool_size == 10
    monkeypatch.setenv("AUDITBOT_DB_POOL_SIZE", "4")
    assert load_settings(_env_file=None).db_pool_size == 4
    monkeypatch.setenv("AUDITBOT_DB_POOL_SIZE", "0")
    with pytest.raises(SettingsError, match="^AUDITBOT_DB_POOL_SIZE: "):
        load_settings(_env_file=None)
    engine = create_engine("postgresql://bot@127.0.0.1/auditbot", pool_size=4)  # nothing is connected yet
    pool = engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow, pool.timeout()) == (4, 4, POOL_TIMEOUT)
