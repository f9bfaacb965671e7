"""The few SQL spellings that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


def is_postgres(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


def joined(conn: AsyncConnection, expression: str, separator: str) -> str:
    """An aggregate joining ``expression`` with ``separator`` (an SQL literal or bind)."""
    function = "string_agg" if is_postgres(conn) else "group_concat"
    return f"{function}({expression}, {separator})"
