"""What a revision may change, taken when it is opened and put back when it is withdrawn:
the answers, the notes and files (their text, question, deletion), the plan, opening and
closing cards, the team, and the findings as the last completed revision left them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one
from storage.times import to_db

CARDS = ("plan_json", "opening_json", "closing_json")


async def take(conn: AsyncConnection, audit_id: int) -> dict[str, Any]:
    """The audit's revisable state now (JSON-ready)."""
    head = await fetch_one(conn, "SELECT plan_json, opening_json, closing_json, completed_at FROM audits"
                                 " WHERE id = :id", {"id": audit_id})
    params = {"id": audit_id}
    answers = await fetch_all(conn, "SELECT question_id, result, answered_by, answered_at FROM answers"
                                    " WHERE audit_id = :id ORDER BY question_id", params)
    notes = await fetch_all(conn, "SELECT id, text, edited_at, deleted_at, deleted_by FROM notes"
                                  " WHERE audit_id = :id ORDER BY id", params)
    files = await fetch_all(conn, "SELECT id, question_id, deleted_at, deleted_by FROM evidence"
                                  " WHERE audit_id = :id ORDER BY id", params)
    team = await fetch_all(conn, "SELECT person_id, team_role, position, joined_at FROM audit_team"
                                 " WHERE audit_id = :id ORDER BY person_id", params)
    found = await fetch_all(conn, "SELECT question_id, number, kind, statement, withdrawn_at FROM findings"
                                  " WHERE audit_id = :id ORDER BY id", params)
    return {
        "cards": {card: head[card] for card in CARDS},
        "completed_at": head["completed_at"],
        "answers": [dict(r) for r in answers],
        "notes": [dict(r) for r in notes],
        "files": [dict(r) for r in files],
        "team": [dict(r) for r in team],
        "findings": [dict(r) for r in found],
    }


async def restore(conn: AsyncConnection, audit_id: int, snapshot: dict[str, Any], person_id: int,
                  at: datetime) -> None:
    """Put the audit back as ``snapshot`` has it, status completed. A note or file added in
    the revision is marked deleted (its row stays); a file the department sent stays."""
    params: dict[str, Any] = {"id": audit_id, "at": to_db(at), "by": person_id}
    await execute(conn, "UPDATE audits SET status = 'completed', plan_json = :plan_json, opening_json = :opening_json,"
                        " closing_json = :closing_json, completed_at = :completed_at, updated_at = :at WHERE id = :id",
                  {**params, **snapshot["cards"], "completed_at": snapshot["completed_at"]})
    await execute(conn, "DELETE FROM answers WHERE audit_id = :id", params)
    for answer in snapshot["answers"]:
        await execute(conn, "INSERT INTO answers(audit_id, question_id, result, answered_by, answered_at)"
                            " VALUES (:id, :question_id, :result, :answered_by, :answered_at)", {**params, **answer})
    kept = [note["id"] for note in snapshot["notes"]]
    for note in snapshot["notes"]:
        await execute(conn, "UPDATE notes SET text = :text, edited_at = :edited_at, deleted_at = :deleted_at,"
                            " deleted_by = :deleted_by WHERE id = :id AND audit_id = :audit",
                      {**note, "audit": audit_id})
    await _retire(conn, "notes", kept, params, "")
    for item in snapshot["files"]:
        await execute(conn, "UPDATE evidence SET question_id = :question_id, deleted_at = :deleted_at,"
                            " deleted_by = :deleted_by WHERE id = :id AND audit_id = :audit",
                      {**item, "audit": audit_id})
    await _retire(conn, "evidence", [item["id"] for item in snapshot["files"]], params,
                  " AND (source IS NULL OR source != 'department')")
    await execute(conn, "DELETE FROM audit_team WHERE audit_id = :id", params)
    for member in snapshot["team"]:
        await execute(conn, "INSERT INTO audit_team(audit_id, person_id, team_role, position, joined_at)"
                            " VALUES (:id, :person_id, :team_role, :position, :joined_at)", {**params, **member})


async def _retire(conn: AsyncConnection, table: str, kept: list[int], params: dict[str, Any], extra: str) -> None:
    """Mark deleted the audit's rows of ``table`` added since the snapshot (not in ``kept``)."""
    rows = await fetch_all(conn, f"SELECT id FROM {table} WHERE audit_id = :id AND deleted_at IS NULL{extra}", params)
    keep = set(kept)
    for row in rows:
        if row["id"] not in keep:
            await execute(conn, f"UPDATE {table} SET deleted_at = :at, deleted_by = :by WHERE id = :row",
                          {**params, "row": row["id"]})
