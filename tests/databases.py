"""Which database the tests run on: SQLite files (default), or a PostgreSQL server.

``make test-pg`` sets AUDITBOT_TEST_DATABASE_URL (a server's maintenance database); each
test then gets a database of its own, created before and dropped after it: a copy of one
migrated once per session (CREATE DATABASE … TEMPLATE), or an empty one for a test marked
``empty_database`` (the migrations' own tests).
"""

from __future__ import annotations

import asyncio
import atexit
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
_template: str | None = None  # the session's migrated database, copied for each test


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


def create(*, migrated: bool = False) -> str:
    """A new database on the server, empty or (``migrated``) at the newest schema; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    template = f" TEMPLATE {_migrated_template()}" if migrated else ""
    asyncio.run(_admin(f"CREATE DATABASE {name}{template}"))
    return normalise(SERVER).set(database=name).render_as_string(hide_password=False)


def _migrated_template() -> str:
    """The session's database at the newest schema (made on first use, dropped at exit): copying
    it takes a fraction of the ~0.5 s the migrations take on each test's database."""
    global _template
    if _template is None:
        from storage.db import Database

        url = create()

        async def migrate() -> None:
            async with Database(url):
                pass

        asyncio.run(migrate())
        _template = normalise(url).database
        atexit.register(drop, url)
    return _template


def drop(url: str) -> None:
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {normalise(url).database} WITH (FORCE)"))


@pytest.fixture(autouse=True)
def fresh_database(request):
    """On PostgreSQL, a database for this test (the harness and ``target`` use it)."""
    global _current
    if not ON_POSTGRES:
        yield None
        return
    _current = create(migrated=request.node.get_closest_marker("empty_database") is None)
    try:
        yield _current
    finally:
        url, _current = _current, None
        drop(url)
