"""Records an auditor asks the audited department to provide before the audit, and what
came back (files are evidence rows marked ``source = 'department'``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db

DEPARTMENT = "department"  # evidence.source of a file the department provided


async def create(conn: AsyncConnection, audit_id: int, person_id: int, due: date, at: datetime,
                 items: list[tuple[str | None, str | None]]) -> int:
    """A request with its ``items`` ((question id, None) or (None, typed text)); returns its id."""
    request_id = int(await fetch_value(
        conn, "INSERT INTO document_requests(audit_id, requested_by, due_date, created_at)"
              " VALUES (:a, :p, :due, :at) RETURNING id",
        {"a": audit_id, "p": person_id, "due": due.isoformat(), "at": to_db(at)}))
    for position, (question_id, text) in enumerate(items):
        await execute(conn, "INSERT INTO document_request_items(request_id, position, question_id, text)"
                            " VALUES (:r, :n, :q, :t)", {"r": request_id, "n": position, "q": question_id, "t": text})
    return request_id


async def get(conn: AsyncConnection, request_id: int) -> RowMapping | None:
    return await fetch_one(
        conn, "SELECT r.*, a.number, a.status, a.department_id, a.checklist_json, d.name AS department"
              " FROM document_requests r JOIN audits a ON a.id = r.audit_id"
              " JOIN departments d ON d.id = a.department_id WHERE r.id = :id", {"id": request_id})


async def items(conn: AsyncConnection, request_id: int) -> list[RowMapping]:
    """The request's items, each with how many files came for it."""
    return await fetch_all(
        conn, "SELECT i.*, (SELECT COUNT(*) FROM evidence e WHERE e.request_item_id = i.id"
              " AND e.deleted_at IS NULL) AS files FROM document_request_items i"
              " WHERE i.request_id = :r ORDER BY i.position", {"r": request_id})


async def item(conn: AsyncConnection, item_id: int) -> RowMapping | None:
    """One item with its request and audit."""
    return await fetch_one(
        conn, "SELECT i.*, r.audit_id, r.due_date, r.requested_by, a.number, a.status, a.department_id,"
              " a.checklist_json, d.name AS department,"
              " (SELECT COUNT(*) FROM evidence e WHERE e.request_item_id = i.id AND e.deleted_at IS NULL) AS files"
              " FROM document_request_items i JOIN document_requests r ON r.id = i.request_id"
              " JOIN audits a ON a.id = r.audit_id JOIN departments d ON d.id = a.department_id"
              " WHERE i.id = :id", {"id": item_id})


async def of_audit(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Every item asked for in the audit, the latest request first."""
    return await fetch_all(
        conn, "SELECT i.*, r.due_date, r.created_at AS requested_at,"
              " (SELECT COUNT(*) FROM evidence e WHERE e.request_item_id = i.id AND e.deleted_at IS NULL) AS files"
              " FROM document_request_items i JOIN document_requests r ON r.id = i.request_id"
              " WHERE r.audit_id = :a ORDER BY r.id DESC, i.position", {"a": audit_id})


async def answer(conn: AsyncConnection, item_id: int, *, state: str, person_id: int, at: datetime, late: bool,
                 note: str | None = None) -> None:
    await execute(
        conn, "UPDATE document_request_items SET state = :s, note = :note, answered_by = :p, answered_at = :at,"
              " late = :late, return_reason = NULL WHERE id = :id",
        {"s": state, "note": note, "p": person_id, "at": to_db(at), "late": int(late), "id": item_id})


async def set_document_date(conn: AsyncConnection, item_id: int, day: date) -> None:
    """The date the item's documents bear: on the item and on each of its files."""
    await execute(conn, "UPDATE document_request_items SET document_date = :d WHERE id = :id",
                  {"d": day.isoformat(), "id": item_id})
    await execute(conn, "UPDATE evidence SET document_date = :d WHERE request_item_id = :id",
                  {"d": day.isoformat(), "id": item_id})


async def mark_provided(conn: AsyncConnection, evidence_id: int, item_id: int, document_date: str | None) -> None:
    """File evidence row ``evidence_id`` as provided by the department for ``item_id``."""
    await execute(conn, "UPDATE evidence SET source = :src, request_item_id = :i, document_date = :d WHERE id = :id",
                  {"src": DEPARTMENT, "i": item_id, "d": document_date, "id": evidence_id})


async def give_back(conn: AsyncConnection, item_id: int, reason: str) -> None:
    """The auditor returns an answer: asked again, with the reason."""
    await execute(conn, "UPDATE document_request_items SET state = 'returned', return_reason = :r WHERE id = :id",
                  {"r": reason, "id": item_id})


async def provided_on_question(conn: AsyncConnection, audit_id: int, question_id: str) -> list[RowMapping]:
    """The department's answers to items about one question (for its card)."""
    return await fetch_all(
        conn, "SELECT i.*, (SELECT COUNT(*) FROM evidence e WHERE e.request_item_id = i.id"
              " AND e.deleted_at IS NULL) AS files FROM document_request_items i"
              " JOIN document_requests r ON r.id = i.request_id"
              " WHERE r.audit_id = :a AND i.question_id = :q AND i.state != 'asked' ORDER BY i.id",
        {"a": audit_id, "q": question_id})


async def waiting(conn: AsyncConnection) -> list[RowMapping]:
    """Requests of audits not closed with items still to answer (asked, or returned), with how many."""
    return await fetch_all(
        conn, "SELECT r.id, r.due_date, a.department_id, COUNT(*) AS open_items FROM document_requests r"
              " JOIN audits a ON a.id = r.audit_id JOIN document_request_items i ON i.request_id = r.id"
              " WHERE a.status NOT IN ('completed', 'cancelled') AND i.state IN ('asked', 'returned')"
              " GROUP BY r.id, r.due_date, a.department_id")


async def open_items(conn: AsyncConnection, request_id: int) -> int:
    return int(await fetch_value(
        conn, "SELECT COUNT(*) FROM document_request_items WHERE request_id = :r AND state IN ('asked', 'returned')",
        {"r": request_id}) or 0)
