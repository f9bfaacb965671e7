"""The append-only audit trail: who did what, when, before -> after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all
from storage.times import to_db


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


async def record(
    conn: AsyncConnection,
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
    await execute(
        conn,
        "INSERT INTO audit_trail(at, person_id, entity, entity_id, action, before_json, after_json)"
        " VALUES (:at, :person_id, :entity, :entity_id, :action, :before_json, :after_json)",
        {"at": to_db(at), "person_id": person_id, "entity": entity, "entity_id": str(entity_id),
         "action": action, "before_json": _json(before), "after_json": _json(after)},
    )


async def entries(conn: AsyncConnection, entity: str, entity_id: object) -> list[RowMapping]:
    """The entries of one entity, oldest first."""
    return await fetch_all(
        conn,
        "SELECT * FROM audit_trail WHERE entity = :entity AND entity_id = :entity_id ORDER BY id",
        {"entity": entity, "entity_id": str(entity_id)},
    )
