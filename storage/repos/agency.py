"""The agency's profile (one row, id 1): read it, set or clear one field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_one
from storage.times import to_db

COLUMNS = ("name_zh", "name_en", "logo_sha256", "number_prefix", "confidentiality", "footer")
ROW_ID = 1


async def get(conn: AsyncConnection) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM agency_profile WHERE id = :id", {"id": ROW_ID})


async def set_field(conn: AsyncConnection, column: str, value: str | None, person_id: int, at: datetime) -> None:
    """Set (or with None clear) one column, creating the row on first use."""
    if column not in COLUMNS:
        raise ValueError(column)
    params = {"id": ROW_ID, "value": value, "by": person_id, "at": to_db(at)}
    await execute(
        conn,
        f"INSERT INTO agency_profile(id, {column}, updated_at, updated_by) VALUES (:id, :value, :at, :by)"
        f" ON CONFLICT (id) DO UPDATE SET {column} = :value, updated_at = :at, updated_by = :by",
        params,
    )
