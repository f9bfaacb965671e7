"""Alembic migrations: a database made by the code before Alembic upgrades in place; two
processes migrating one database at once both come up on the newest schema."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.migrate import head_version
from storage.repos import audits, inbox, trail
from storage.sql import execute, fetch_value
from tests.databases import sqlite_only, target

pytestmark = pytest.mark.empty_database  # the migrations themselves are under test

FIXTURE = Path(__file__).parent / "fixtures" / "main_v2.sqlite3"  # made by main at 8ff8711
FIXTURE_V3 = Path(__file__).parent / "fixtures" / "main_v3.sqlite3"  # made by main at e991898
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


@sqlite_only
@pytest.mark.parametrize(("fixture", "version"), [(FIXTURE, 2), (FIXTURE_V3, 3)])
async def test_database_made_by_main_upgrades_in_place(tmp_path, fixture, version):
    path = tmp_path / "auditbot.sqlite3"
    shutil.copy(fixture, path)
    before = row_counts(path)
    assert before["schema_version"] == version and before["audit_trail"] > 0 and before["capa"] > 0
    if version == 2:  # 0003 moved the handled update ids into the inbox
        before["inbox"] = before.pop("processed_updates")

    async with Database(path) as db:
        assert await db.schema_version() == head_version()
        assert await db.integrity_check() == "ok"
        async with db.read() as conn:
            audit = await audits.get(conn, 2)
            answers = await audits.answers(conn, 2)
        assert audit["number"] == "A-2026-002" and audit["status"] == "completed" and answers
        async with db.transaction() as conn:
            await audits.set_answer(conn, 2, "new-question", "conform", audit["created_by"], NOW)
            note = await audits.add_note(conn, 2, "new-question", audit["created_by"], "after the upgrade", NOW)
            await trail.record(conn, at=NOW, person_id=audit["created_by"], entity="answer",
                               entity_id="2:new-question", action="set", after="conform")
            assert await inbox.add(conn, 10**9, "c1", "{}", NOW)
            handled = await fetch_value(conn, "SELECT MIN(update_id) FROM inbox WHERE state = 'done'")
            assert not await inbox.add(conn, handled, "c1", "{}", NOW)  # a redelivery is still dropped
        assert note > before["notes"]
        with pytest.raises(IntegrityError):
            async with db.transaction() as conn:
                await execute(conn, "DELETE FROM audit_trail")

    after = row_counts(path)
    grown = {"answers": 1, "notes": 1, "audit_trail": 1, "inbox": 1, "alembic_version": 1}
    index = {t: after.pop(t) for t in list(after) if t.startswith("search_")}  # /find's, filled by 0012
    assert index["search_docs"] >= before["audits"] + before["notes"] + 1
    assert after == {t: before.get(t, 0) + grown.get(t, 0) for t in after}
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(f"{head_version():04d}",)]


async def test_reopening_applies_nothing(tmp_path):
    where = target(tmp_path / "auditbot.sqlite3")
    async with Database(where) as db:
        async with db.transaction() as conn:
            await inbox.add(conn, 1, "c1", "{}", NOW)
    async with Database(where) as db:
        assert await db.schema_version() == head_version()
        async with db.read() as conn:
            assert await fetch_value(conn, "SELECT COUNT(*) FROM inbox") == 1


MIGRATOR = textwrap.dedent(
    """
    import asyncio, sys
    from storage.db import Database

    async def main(where):
        async with Database(where) as db:
            print(await db.schema_version(), flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_two_processes_migrating_at_once(tmp_path):
    where = str(target(tmp_path / "auditbot.sqlite3"))
    procs = [subprocess.Popen([sys.executable, "-c", MIGRATOR, where], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=os.getcwd()) for _ in range(2)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(head_version())] * 2
    async with Database(where) as db:
        assert await db.integrity_check() == "ok"
        async with db.read() as conn:
            assert await fetch_value(conn, "SELECT COUNT(*) FROM alembic_version") == 1
