"""Which database the tests run on: SQLite files (default), or a PostgreSQL server.

``make test-pg`` sets AUDITBOT_TEST_DATABASE_URL (a server's maintenance database); each
test then gets a database of its own, created before and dropped after it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.url import normalise

SERVER = os.environ.get("AUDITBOT_TEST_DATABASE_URL") or None
ON_POSTGRES = SERVER is not None
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite behaviour (file, pragmas, backup)")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server (make test-pg)")

_current: str | None = None


def current() -> str | None:
    """The test's PostgreSQL database URL (None on SQLite: the data dir's file)."""
    return _current


def target(sqlite_path: Path) -> str | Path:
    """The database a test opens: the PostgreSQL one, else the SQLite file given."""
    return _current or sqlite_path


async def _admin(sql: str) -> None:
    engine = create_async_engine(normalise(SERVER), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def create() -> str:
    """A new, empty database on the server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    return normalise(SERVER).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {normalise(url).database} WITH (FORCE)"))


@pytest.fixture(autouse=True)
def fresh_database():
    """On PostgreSQL, a database for this test (the harness and ``target`` use it)."""
    global _current
    if not ON_POSTGRES:
        yield None
        return
    _current = create()
    try:
        yield _current
    finally:
        url, _current = _current, None
        drop(url)
