"""Running SQL: readable ``text()`` statements with named binds, on a connection of
``storage.db.Database``. Every repository reads and writes through these four."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

Params = Mapping[str, Any] | None


def _sql(sql: str | TextClause) -> TextClause:
    return text(sql) if isinstance(sql, str) else sql


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
