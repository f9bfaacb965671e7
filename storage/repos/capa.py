"""Corrective actions: lists, and the set-based SQL that derives notices and reminders.

Dedupe keys of the outbox (one row per recipient):
``capa:{id}:new:{person}`` / ``capa:{id}:photos:{person}`` (the action, to each staff member),
``remind:{due date}:{id}:{stage}:{person}`` (a reminder stage: ``before7``, ``due``,
``overdue:2`` …; ``escalate`` to each lead), ``nostaff:{audit}:{lead}``,
``digest:{local date}:{lead}``. Reminder keys start with the due date so that the rows one
pass queues sit together in the key index (a restart's catch-up writes far fewer pages).
Which stage went out last is kept in capa.reminded_stage (the escalation: capa.escalated_at),
as notified_at keeps the notice itself, so a pass reads a column instead of probing the
outbox for every open action; a staff member who joins later gets the stages still to come.

The SQL is written once; ``_sql`` fills in the few spellings of each database: the windows
table (json_each / jsonb_array_elements), ``json_object``, and the join that fixes the loop
order (SQLite's CROSS JOIN … ON; a plain JOIN on PostgreSQL, whose planner needs no help).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.vocabulary import CAPA_STAFF_STATES
from storage import wake
from storage.dialect import is_postgres
from storage.sql import execute, fetch_all, fetch_value, sql_list
from storage.times import to_db

# The states in which the staff still have work on an action, as SQL: ('open', 'planned', …).
STAFF_STATES_SQL = sql_list(CAPA_STAFF_STATES)

# The state an action is shown in: a plan the verifier returned is back with the staff, waiting
# for a plan (as /status counts it), not "to review" (bot/services/capa_service.py CapaView.shown_state).
SHOWN_STATE_SQL = "CASE WHEN c.state = 'planned' AND c.returned_step IS NOT NULL THEN 'open' ELSE c.state END"

# A window: actions due on that date are in that stage, which began at that moment (UTC).
WindowRow = tuple[date, str, datetime]

# The windows of a pass as a table, passed as one JSON parameter.
_WINDOWS = {
    "sqlite": "(SELECT json_extract(value, '$[0]') AS due, json_extract(value, '$[1]') AS stage,"
              " json_extract(value, '$[2]') AS starts_at FROM json_each(:windows)) AS w",
    "postgresql": "(SELECT v.value ->> 0 AS due, v.value ->> 1 AS stage, v.value ->> 2 AS starts_at"
                  " FROM jsonb_array_elements(CAST(:windows AS jsonb)) AS v(value)) AS w",
}
# Open actions of the windows, told before the stage began. On SQLite CROSS JOIN fixes the
# loop order: each window (one due date) finds its actions through the (state, due_date)
# index; the planner cannot know how few rows json_each yields.
_IN_WINDOWS = "FROM {windows} {join} capa c ON c.state IN " + STAFF_STATES_SQL + " AND c.due_date = w.due"
_STAGE_DUE = f"{_IN_WINDOWS} WHERE c.notified_at < w.starts_at AND c.reminded_stage IS DISTINCT FROM w.stage"
_ESCALATION_DUE = f"{_IN_WINDOWS} AND c.escalated_at IS NULL WHERE c.notified_at < w.starts_at"
_ACTIVE = "{join} people p ON p.id = r.person_id AND p.active = 1"
_LEADS = f"FROM person_roles r {_ACTIVE} WHERE r.role = 'lead'"
_STAFF = "SELECT 1 FROM person_roles r JOIN people p ON p.id = r.person_id AND p.active = 1 WHERE r.role = 'staff'"
_INSERT = "INSERT INTO outbox(dedupe_key, chat_id, kind, payload_json, not_before, created_at)"
# The SELECTs feeding it order their rows (the outbox sends in id order) and carry a WHERE:
# SQLite needs one before an upsert clause that follows joins.
_IGNORE = "ON CONFLICT DO NOTHING"


async def _queue(conn: AsyncConnection, template: str, params: dict[str, object]) -> int:
    """Run one of the set-based INSERTs into the outbox; rows queued wake the sender at COMMIT."""
    result = await execute(conn, _sql(conn, template), params)
    if result.rowcount:
        wake.queued(conn)
    return result.rowcount


def _sql(conn: AsyncConnection, template: str) -> str:
    if is_postgres(conn):
        return template.format(windows=_WINDOWS["postgresql"], join="JOIN", json_object="json_build_object")
    return template.format(windows=_WINDOWS["sqlite"], join="CROSS JOIN", json_object="json_object")


def _params(
    not_before: datetime, at: datetime, windows: Sequence[WindowRow] = (), limit: int = 0
) -> dict[str, object]:
    rows = [[due.isoformat(), stage, to_db(starts_at)] for due, stage, starts_at in windows]
    return {"windows": json.dumps(rows), "not_before": to_db(not_before), "at": to_db(at), "limit": limit}


async def earliest_open_due(conn: AsyncConnection) -> date | None:
    """The earliest due date of an action the staff still have to work on."""
    value = await fetch_value(conn, f"SELECT MIN(due_date) FROM capa WHERE state IN {STAFF_STATES_SQL}")
    return date.fromisoformat(value) if value else None


async def enqueue_reminders(
    conn: AsyncConnection, windows: Sequence[WindowRow], *, not_before: datetime, at: datetime, limit: int
) -> tuple[int, int]:
    """Queue each window's stage for the staff of its actions, unless that stage went out already.

    Takes at most ``limit`` actions, in the windows' order; returns (actions, rows queued).
    """
    params = _params(not_before, at, windows, limit)
    actions = await _pick(conn, f"SELECT c.id, c.department_id, c.due_date, w.stage {_STAGE_DUE} LIMIT :limit", params)
    if not actions:
        return 0, 0
    queued = await _queue(conn,
        f"{_INSERT} SELECT 'remind:' || d.due_date || ':' || d.id || ':' || d.stage || ':' || p.id, p.id,"
        " 'capa_reminder', {json_object}('capa_id', d.id, 'stage', d.stage), :not_before, :at"
        " FROM picked d {join} person_roles r ON r.department_id = d.department_id AND r.role = 'staff'"
        f" {_ACTIVE} WHERE true ORDER BY d.id, p.id {_IGNORE}",
        params,
    )
    await execute(
        conn,
        "UPDATE capa SET reminded_stage = (SELECT d.stage FROM picked d WHERE d.id = capa.id)"
        " WHERE id IN (SELECT id FROM picked)",
    )
    return actions, queued


async def last_picked_due(conn: AsyncConnection) -> date | None:
    """The latest due date among the actions the last chunk took (earlier windows are done)."""
    value = await fetch_value(conn, "SELECT MAX(due_date) FROM picked")
    return date.fromisoformat(value) if value else None


async def enqueue_escalations(
    conn: AsyncConnection, windows: Sequence[WindowRow], *, not_before: datetime, at: datetime, limit: int
) -> tuple[int, int]:
    """Tell every lead, once, about actions late past the escalation limit (at most ``limit``)."""
    params = _params(not_before, at, windows, limit)
    actions = await _pick(conn, f"SELECT c.id, c.department_id, c.due_date, w.stage {_ESCALATION_DUE} LIMIT :limit", params)
    if not actions:
        return 0, 0
    queued = await _queue(conn,
        f"{_INSERT} SELECT 'remind:' || d.due_date || ':' || d.id || ':' || d.stage || ':' || p.id, p.id,"
        " 'capa_escalation', {json_object}('capa_id', d.id), :not_before, :at"
        f" FROM picked d {{join}} person_roles r ON r.role = 'lead' {_ACTIVE} WHERE true ORDER BY d.id, p.id {_IGNORE}",
        params,
    )
    await execute(conn, "UPDATE capa SET escalated_at = :at WHERE id IN (SELECT id FROM picked)", params)
    return actions, queued


async def _pick(conn: AsyncConnection, select: str, params: dict[str, object]) -> int:
    """Fill the connection's scratch table ``picked`` (id, department_id, due_date, stage)."""
    await execute(
        conn,
        "CREATE TEMP TABLE IF NOT EXISTS picked"
        " (id BIGINT PRIMARY KEY, department_id BIGINT NOT NULL, due_date TEXT NOT NULL, stage TEXT NOT NULL)",
    )
    await execute(conn, "DELETE FROM picked")
    result = await execute(conn, _sql(conn, f"INSERT INTO picked {select}"), params)
    return result.rowcount


async def enqueue_new_actions(conn: AsyncConnection, *, not_before: datetime, at: datetime) -> int:
    """Queue each open action to every active staff member of its department not told yet.

    Two rows per pair, in order: the finding's photos (when it has any), then the card.
    Pairs are actions nobody was told of, and actions told before the person joined.
    """
    queued = await _queue(conn,
        f"{_INSERT}"
        " WITH staff AS (SELECT r.person_id, r.department_id, r.created_at FROM person_roles r"
        f"  {_ACTIVE} WHERE r.role = 'staff'),"
        " pairs(capa_id, person_id) AS ("
        "  SELECT c.id, s.person_id FROM staff s {join} capa c ON c.department_id = s.department_id"
        f"   AND c.notified_at IS NULL AND c.state IN {STAFF_STATES_SQL}"
        "  UNION"
        "  SELECT c.id, s.person_id FROM staff s {join} capa c ON c.department_id = s.department_id"
        f"   AND c.notified_at < s.created_at WHERE c.state IN {STAFF_STATES_SQL}),"
        " parts(part, seq) AS (VALUES ('photos', 0), ('new', 1))"
        " SELECT 'capa:' || x.capa_id || ':' || parts.part || ':' || x.person_id, x.person_id,"
        " 'capa_' || parts.part, {json_object}('capa_id', x.capa_id), :not_before, :at"
        " FROM pairs x CROSS JOIN parts"
        " WHERE parts.part = 'new' OR EXISTS (SELECT 1 FROM capa c JOIN findings f ON f.id = c.finding_id"
        "  JOIN evidence e ON e.audit_id = c.audit_id AND e.question_id = f.question_id AND e.kind = 'photo'"
        "   AND e.deleted_at IS NULL"
        "  WHERE c.id = x.capa_id)"
        f" ORDER BY x.person_id, x.capa_id, parts.seq {_IGNORE}",
        _params(not_before, at),
    )
    return queued


async def mark_notified(conn: AsyncConnection, at: datetime) -> int:
    """Stamp the actions whose department has staff now (their notices were just queued)."""
    result = await execute(conn, _sql(conn,
        "UPDATE capa SET notified_at = :at WHERE id IN (SELECT c.id FROM (SELECT DISTINCT r.department_id"
        f"  FROM person_roles r {_ACTIVE} WHERE r.role = 'staff') s {{join}} capa c"
        f"  ON c.department_id = s.department_id AND c.notified_at IS NULL WHERE c.state IN {STAFF_STATES_SQL})"),
        {"at": to_db(at)},
    )
    return result.rowcount


async def enqueue_no_staff(conn: AsyncConnection, *, not_before: datetime, at: datetime) -> int:
    """Tell the leads, once per audit, that its actions wait for the department to get staff."""
    queued = await _queue(conn,
        f"{_INSERT}"
        " SELECT 'nostaff:' || c.audit_id || ':' || p.id, p.id, 'capa_no_staff',"
        " {json_object}('audit_id', c.audit_id), :not_before, :at"
        " FROM (SELECT DISTINCT audit_id, department_id FROM capa WHERE notified_at IS NULL"
        f"  AND state IN {STAFF_STATES_SQL}) c"
        f" {{join}} person_roles r ON r.role = 'lead' {_ACTIVE}"
        f" WHERE NOT EXISTS ({_STAFF} AND r.department_id = c.department_id)"
        f" ORDER BY c.audit_id, p.id {_IGNORE}",
        _params(not_before, at),
    )
    return queued


async def enqueue_digests(
    conn: AsyncConnection, day: date, *, not_before: datetime, at: datetime
) -> int:
    """The day's digest for every active lead."""
    queued = await _queue(conn,
        f"{_INSERT}"
        " SELECT 'digest:' || CAST(:day AS TEXT) || ':' || p.id, p.id, 'lead_digest',"
        " {json_object}('day', CAST(:day AS TEXT)),"
        f" :not_before, :at {_LEADS} ORDER BY p.id {_IGNORE}",
        {**_params(not_before, at), "day": day.isoformat()},
    )
    return queued


async def waiting_for_staff(conn: AsyncConnection, audit_id: int) -> int:
    """How many actions of an audit nobody in the department was told of yet."""
    count = await fetch_value(
        conn,
        "SELECT COUNT(*) FROM capa WHERE audit_id = :audit_id AND notified_at IS NULL"
        f" AND state IN {STAFF_STATES_SQL}",
        {"audit_id": audit_id},
    )
    return int(count)


_LIST = (
    f"SELECT c.id, {SHOWN_STATE_SQL} AS state, c.due_date, c.target_date, c.department_id, f.number, f.kind, f.statement,"
    " a.number AS audit_number, d.name AS department, COUNT(*) OVER () AS total"
    " FROM capa c JOIN findings f ON f.id = c.finding_id JOIN audits a ON a.id = c.audit_id"
    " JOIN departments d ON d.id = c.department_id"
)


async def open_of_departments(
    conn: AsyncConnection, department_ids: Sequence[int], limit: int
) -> list[RowMapping]:
    """Actions not closed yet of the given departments, earliest due first."""
    if not department_ids:
        return []
    query = text(
        f"{_LIST} WHERE c.department_id IN :department_ids AND c.state != 'closed'"
        " ORDER BY c.due_date, c.id LIMIT :limit"
    ).bindparams(bindparam("department_ids", expanding=True))
    return await fetch_all(conn, query, {"department_ids": list(department_ids), "limit": limit})


async def waiting_verification(
    conn: AsyncConnection, auditor_id: int | None, limit: int
) -> list[RowMapping]:
    """Actions waiting for one auditor (None: for anyone): a plan to review, an extension
    to decide, an implementation to verify; longest waiting first."""
    mine = "" if auditor_id is None else " AND c.auditor_id = :auditor_id"
    return await fetch_all(
        conn,
        f"{_LIST} WHERE (c.state = 'implemented' OR (c.state = 'planned' AND c.returned_step IS NULL)"
        " OR EXISTS (SELECT 1 FROM capa_extensions x WHERE x.capa_id = c.id AND x.state = 'pending'))"
        f"{mine} AND c.state != 'closed' ORDER BY COALESCE(c.implemented_at, c.planned_at, c.updated_at), c.id"
        " LIMIT :limit",
        {"auditor_id": auditor_id, "limit": limit},
    )


async def question_photos(conn: AsyncConnection, capa_id: int, limit: int) -> list[RowMapping]:
    """The photos the auditor took on the finding's question."""
    return await fetch_all(
        conn,
        "SELECT e.* FROM capa c JOIN findings f ON f.id = c.finding_id"
        " JOIN evidence e ON e.audit_id = c.audit_id AND e.question_id = f.question_id AND e.kind = 'photo'"
        " AND e.deleted_at IS NULL WHERE c.id = :capa_id ORDER BY e.id LIMIT :limit",
        {"capa_id": capa_id, "limit": limit},
    )


async def count_evidence(conn: AsyncConnection, capa_id: int) -> int:
    count = await fetch_value(conn, "SELECT COUNT(*) FROM evidence WHERE capa_id = :capa_id", {"capa_id": capa_id})
    return int(count)
