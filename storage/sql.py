"""Running SQL: readable ``text()`` statements with named binds, on a connection of
``storage.db.Database``. Every repository reads and writes through these four; ``for_change``
and ``take_turn`` are how a unit of work serialises on what it changes (PostgreSQL)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

Params = Mapping[str, Any] | None
WRITING = "auditbot_writing"  # in the connection's info while a Database.transaction() runs on it


def for_change(conn: AsyncConnection, alias: str) -> str:
    """What a load function appends to lock the row it reads for the unit of work on ``conn``.

    PostgreSQL, in a write transaction: `` FOR NO KEY UPDATE OF <alias>``, so the services'
    read-then-write steps on one audit, action or programme item take turns (across tasks
    and replicas) while other rows are written at once; the lock does not stop inserts that
    only reference the row. Reads, and SQLite (whose writers take turns anyway): nothing.
    """
    if conn.dialect.name != "postgresql" or not conn.info.get(WRITING):
        return ""
    return f" FOR NO KEY UPDATE OF {alias}"


async def take_turn(conn: AsyncConnection, name: str) -> None:
    """Until the transaction on ``conn`` ends, others doing ``take_turn(name)`` wait
    (PostgreSQL: a transaction-level advisory lock on ``name``; SQLite: nothing to do).

    For what no row stands for: the next number of a series, a change of a whole list.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
                           {"space": _TURNS, "name": name})


_TURNS = 0x61756475  # the namespace of take_turn's two-key advisory locks


def _sql(sql: str | TextClause) -> TextClause:
    return _statement(sql) if isinstance(sql, str) else sql


@functools.lru_cache(maxsize=2048)
def _statement(sql: str) -> TextClause:
    """Each statement's text parsed once (its binds), and with it SQLAlchemy's cache key of it."""
    return text(sql)


def without_nul(value: Any) -> Any:
    """Text without NUL characters, which PostgreSQL cannot store (on both databases, alike)."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


async def execute(conn: AsyncConnection, sql: str | TextClause, params: Params = None) -> CursorResult:
    """Run one statement with named binds (``:name``)."""
    return await conn.execute(_sql(sql), {k: without_nul(v) for k, v in (params or {}).items()})


async def fetch_one(conn: AsyncConnection, sql: str | TextClause, params: Params = None) -> RowMapping | None:
    """The first row of a query (``row["col"]``, ``dict(row)``), or None."""
    return (await execute(conn, sql, params)).mappings().first()


async def fetch_all(conn: AsyncConnection, sql: str | TextClause, params: Params = None) -> list[RowMapping]:
    """All rows of a query (``row["col"]``, ``dict(row)``)."""
    return list((await execute(conn, sql, params)).mappings().all())


async def fetch_value(conn: AsyncConnection, sql: str | TextClause, params: Params = None) -> Any:
    """The first column of the first row (None when there is no row)."""
    return (await execute(conn, sql, params)).scalar()


def sql_list(values: Iterable[str]) -> str:
    """A constant list for ``IN``: ('a', 'b'), from the domain's own names (never from input)."""
    quoted = []
    for value in values:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"not a plain name: {value!r}")
        quoted.append(f"'{value}'")
    return f"({', '.join(quoted)})"
