"""The history of a corrective action kept in rows: plan reviews, due-date extension
requests and reassignments (the audit trail has every change besides)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db


async def add_review(
    conn: AsyncConnection, *, capa_id: int, reviewer_id: int, verdict: str, plan: dict[str, Any],
    at: datetime, step: str | None = None, reason: str | None = None,
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO capa_plan_reviews(capa_id, reviewer_id, verdict, step, reason, plan_json, created_at)"
        " VALUES (:capa_id, :reviewer_id, :verdict, :step, :reason, :plan_json, :at) RETURNING id",
        {"capa_id": capa_id, "reviewer_id": reviewer_id, "verdict": verdict, "step": step, "reason": reason,
         "plan_json": json.dumps(plan, ensure_ascii=False, default=str), "at": to_db(at)},
    )
    return int(new_id)


async def reviews(conn: AsyncConnection, capa_id: int) -> list[RowMapping]:
    return await fetch_all(
        conn, "SELECT * FROM capa_plan_reviews WHERE capa_id = :capa_id ORDER BY id", {"capa_id": capa_id}
    )


async def count_reviews(conn: AsyncConnection, capa_id: int) -> int:
    return int(await fetch_value(
        conn, "SELECT COUNT(*) FROM capa_plan_reviews WHERE capa_id = :capa_id", {"capa_id": capa_id}
    ) or 0)


async def add_extension(
    conn: AsyncConnection, *, capa_id: int, person_id: int, requested: date, reason: str, due_before: date,
    at: datetime,
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO capa_extensions(capa_id, requested_by, requested_date, reason, due_date_before, created_at)"
        " VALUES (:capa_id, :person_id, :requested, :reason, :due_before, :at) RETURNING id",
        {"capa_id": capa_id, "person_id": person_id, "requested": requested.isoformat(), "reason": reason,
         "due_before": due_before.isoformat(), "at": to_db(at)},
    )
    return int(new_id)


async def get_extension(conn: AsyncConnection, extension_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM capa_extensions WHERE id = :id", {"id": extension_id})


async def latest_extension(conn: AsyncConnection, capa_id: int) -> RowMapping | None:
    """The action's newest extension request (pending, or the last one decided)."""
    return await fetch_one(
        conn, "SELECT * FROM capa_extensions WHERE capa_id = :capa_id ORDER BY id DESC LIMIT 1", {"capa_id": capa_id}
    )


async def decide_extension(
    conn: AsyncConnection, extension_id: int, *, state: str, person_id: int, at: datetime
) -> bool:
    """Grant or refuse a pending request; False when it was decided already."""
    result = await execute(
        conn,
        "UPDATE capa_extensions SET state = :state, decided_by = :person_id, decided_at = :at"
        " WHERE id = :id AND state = 'pending'",
        {"state": state, "person_id": person_id, "at": to_db(at), "id": extension_id},
    )
    return result.rowcount == 1


async def add_reassignment(
    conn: AsyncConnection, *, capa_id: int, person_id: int, at: datetime,
    from_department: int | None = None, to_department: int | None = None,
    from_auditor: int | None = None, to_auditor: int | None = None,
) -> None:
    await execute(
        conn,
        "INSERT INTO capa_reassignments(capa_id, person_id, from_department_id, to_department_id,"
        " from_auditor_id, to_auditor_id, created_at)"
        " VALUES (:capa_id, :person_id, :from_department, :to_department, :from_auditor, :to_auditor, :at)",
        {"capa_id": capa_id, "person_id": person_id, "from_department": from_department,
         "to_department": to_department, "from_auditor": from_auditor, "to_auditor": to_auditor, "at": to_db(at)},
    )
