"""`auditbot db copy`: every table of a SQLite deployment into an empty PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.copy import CopyRefused, copy_database
from storage.db import Database
from storage.repos import audits
from storage.sql import fetch_value
from tests.databases import current, postgres_only, target
from tests.test_migrations import FIXTURE, row_counts

NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
COPIED = {"alembic_version", "schema_version"}
DERIVED = ("search_docs", "search_fts")  # not copied: rebuilt by triggers


def data_dir_with_fixture(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "auditbot.sqlite3")
    return data


async def counts_of(where: str | Path, tables) -> dict[str, int]:
    async with Database(where) as db, db.read() as conn:
        return {t: await fetch_value(conn, f"SELECT COUNT(*) FROM {t}") for t in tables}


async def test_copy_moves_every_row_and_refuses_a_second_time(tmp_path):
    source = data_dir_with_fixture(tmp_path) / "auditbot.sqlite3"
    into = target(tmp_path / "copy.sqlite3")
    copied = await copy_database(source, str(into))
    counts = row_counts(source)  # the source, migrated
    expected = {t: n for t, n in counts.items() if t not in COPIED and not t.startswith(DERIVED)}
    assert {c.table: c.rows for c in copied} == expected
    assert [c.table for c in copied].index("findings") < [c.table for c in copied].index("capa")
    assert await counts_of(into, expected) == expected
    # /find's index is written by the target's own triggers as the rows arrive
    assert await counts_of(into, ["search_docs"]) == {"search_docs": counts["search_docs"]}

    async with Database(into) as db:
        async with db.transaction() as conn:
            note = await audits.add_note(conn, 1, "q1", 1001, "written after the move", NOW)
        assert note == expected["notes"] + 1  # the id sequence continues after the copied rows

    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(source, str(into))


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
    env["AUDITBOT_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_copy_wants_a_postgresql_target(tmp_path):
    data = data_dir_with_fixture(tmp_path)
    result = _cli("db", "copy", "--to", "sqlite:///elsewhere.sqlite3", data=data)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "auditbot: --to: give a PostgreSQL URL (postgresql://user@host/db)"]


@postgres_only
def test_cli_copies_into_postgresql_then_refuses_a_non_empty_target(tmp_path):
    data = data_dir_with_fixture(tmp_path)
    url = current()
    first = _cli("db", "copy", "--to", url, data=data)
    assert first.returncode == 0, first.stderr
    assert "audit_trail: " in first.stdout and "counts match" in first.stdout

    again = _cli("db", "copy", "--to", url, data=data)
    assert again.returncode == 1
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "not empty" in lines[0] and "Traceback" not in again.stderr


def test_db_upgrade_migrates_the_configured_database(tmp_path):
    data = data_dir_with_fixture(tmp_path)
    result = _cli("db", "upgrade", data=data)
    assert result.returncode == 0, result.stderr
    assert "is at the newest schema" in result.stdout
    assert row_counts(data / "auditbot.sqlite3")["alembic_version"] == 1
