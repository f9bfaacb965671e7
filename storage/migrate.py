"""Alembic, run from the code at open(): no alembic.ini needed.

A database made before Alembic (its version in ``schema_version``) is stamped with the
matching revision first. Two processes migrating at once queue up: PostgreSQL behind an
advisory lock held for the upgrade's transaction, SQLite behind BEGIN IMMEDIATE.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

HEAD = "head"
_LOCK_KEY = 0x6175646974  # "audit"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storage") / "alembic"))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_version() -> int:
    """The number of the newest migration shipped."""
    return int(ScriptDirectory.from_config(config()).get_current_head())


def revision_of(version: int) -> str:
    return f"{version:04d}"


async def upgrade(engine: AsyncEngine, revision: str = HEAD) -> None:
    async with _sqlite_file_lock(engine), engine.connect() as conn:
        await conn.run_sync(_upgrade, revision)


@contextlib.asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine):
    """SQLite: processes migrating the same file take turns on a lock file beside it (a
    busy timeout would give up when a long migration holds the database)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrating", "a+") as handle:  # noqa: ASYNC230 - a lock file, opened once
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _upgrade(connection: Connection, revision: str) -> None:
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        stamped = inspect(connection).has_table("alembic_version")
        if revision == HEAD and stamped and _stamped_version(connection) == head_version():
            return
        cfg = config(connection)
        legacy = _legacy_version(connection)
        if legacy and not stamped:
            command.stamp(cfg, revision_of(legacy))
        command.upgrade(cfg, revision)


def _stamped_version(connection: Connection) -> int:
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return int(row[0]) if row else 0


def _legacy_version(connection: Connection) -> int:
    """The version recorded by the numbered SQL migrations of before (0 when none)."""
    if not inspect(connection).has_table("schema_version"):
        return 0
    return int(connection.execute(text("SELECT COALESCE(MAX(version), 0) FROM schema_version")).scalar_one())


async def current(conn: AsyncConnection) -> int:
    """The newest revision applied, as a number (0001 → 1; 0 on an empty database)."""
    row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    return int(row[0]) if row else 0
