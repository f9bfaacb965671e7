"""Alembic, run from the code at open(): no alembic.ini needed.

A database made before Alembic (its version in ``schema_version``) is stamped with the
matching revision first. Two processes migrating at once queue up: PostgreSQL behind an
advisory lock held for the upgrade's transaction, SQLite behind BEGIN IMMEDIATE.
"""

from __future__ import annotations

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
    async with engine.connect() as conn:
        await conn.run_sync(_upgrade, revision)


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
