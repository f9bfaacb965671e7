"""The append-only audit trail: who did what, when, before -> after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_all
from storage.times import to_db


async def record(
    conn: aiosqlite.Connection,
    *,
    at: datetime,
    person_id: int | None,
    entity: str,
    entity_id: object,
    action: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry to the trail."""
    await conn.execute(
        "INSERT INTO audit_trail(at, person_id, entity, entity_id, action, before_json, after_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            person_id,
            entity,
            str(entity_id),
            action,
            None if before is None else json.dumps(before, ensure_ascii=False, default=str),
            None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        ),
    )


async def entries(conn: aiosqlite.Connection, entity: str, entity_id: object) -> list[aiosqlite.Row]:
    """The entries of one entity, oldest first."""
    return await fetch_all(
        conn,
        "SELECT * FROM audit_trail WHERE entity = ? AND entity_id = ? ORDER BY id",
        (entity, str(entity_id))
    )
