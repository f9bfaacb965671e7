"""The report's lifecycle per (audit, revision): its state, sign-off steps, distribution list,
receipts, the department's comments on the draft, and the report approvers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db

# --- state -------------------------------------------------------------------------------------


async def state(conn: AsyncConnection, audit_id: int, rev: int) -> RowMapping | None:
    """The report's row of one revision (None: nothing happened to it, a draft)."""
    return await fetch_one(conn, "SELECT * FROM report_states WHERE audit_id = :id AND rev = :rev",
                           {"id": audit_id, "rev": rev})


async def issued(conn: AsyncConnection, audit_id: int, rev: int) -> bool:
    """Whether revision ``rev``'s report is issued (its findings locked)."""
    return await fetch_value(conn, "SELECT 1 FROM report_states WHERE audit_id = :id AND rev = :rev"
                                   " AND state = 'issued'", {"id": audit_id, "rev": rev}) is not None


async def states_of(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Every revision's row of one audit, oldest first."""
    return await fetch_all(conn, "SELECT * FROM report_states WHERE audit_id = :id ORDER BY rev", {"id": audit_id})


async def put_state(conn: AsyncConnection, audit_id: int, rev: int, new_state: str, at: datetime,
                    **columns: Any) -> None:
    """Set the state of a revision's report (and any of its other columns)."""
    sets = "".join(f", {name} = :{name}" for name in columns)
    values = {"id": audit_id, "rev": rev, "state": new_state, "at": to_db(at), **columns}
    done = await execute(conn, f"UPDATE report_states SET state = :state, updated_at = :at{sets}"
                               " WHERE audit_id = :id AND rev = :rev", values)
    if done.rowcount == 0:
        names = "".join(f", {name}" for name in columns)
        params = "".join(f", :{name}" for name in columns)
        await execute(conn, f"INSERT INTO report_states(audit_id, rev, state, updated_at{names})"
                            f" VALUES (:id, :rev, :state, :at{params})", values)


async def set_columns(conn: AsyncConnection, audit_id: int, rev: int, **columns: Any) -> int:
    """Update some columns of an existing row; the rows changed (0: none)."""
    sets = ", ".join(f"{name} = :{name}" for name in columns)
    done = await execute(conn, f"UPDATE report_states SET {sets} WHERE audit_id = :id AND rev = :rev",
                         {"id": audit_id, "rev": rev, **columns})
    return done.rowcount


async def set_issued_file(conn: AsyncConnection, audit_id: int, rev: int, sha256: str) -> None:
    """The issued .docx of a revision, kept once (a second build never replaces the first)."""
    await execute(conn, "UPDATE report_states SET issued_sha256 = :sha WHERE audit_id = :id AND rev = :rev"
                        " AND issued_sha256 IS NULL", {"sha": sha256, "id": audit_id, "rev": rev})


# --- sign-off steps ---------------------------------------------------------------------------


async def add_step(conn: AsyncConnection, audit_id: int, rev: int, step: str, person_id: int | None, role: str,
                   note: str | None, at: datetime) -> None:
    await execute(
        conn,
        "INSERT INTO report_steps(audit_id, rev, step, person_id, role, note, at)"
        " VALUES (:audit_id, :rev, :step, :person_id, :role, :note, :at)",
        {"audit_id": audit_id, "rev": rev, "step": step, "person_id": person_id, "role": role, "note": note,
         "at": to_db(at)},
    )


async def steps(conn: AsyncConnection, audit_id: int) -> list[RowMapping]:
    """Every step of every revision, in order, with the person's name."""
    return await fetch_all(
        conn,
        "SELECT s.*, p.name FROM report_steps s LEFT JOIN people p ON p.id = s.person_id"
        " WHERE s.audit_id = :id ORDER BY s.rev, s.id",
        {"id": audit_id},
    )


async def step_count(conn: AsyncConnection, audit_id: int) -> int:
    return int(await fetch_value(conn, "SELECT COUNT(*) FROM report_steps WHERE audit_id = :id", {"id": audit_id}))


async def last_step(conn: AsyncConnection, audit_id: int, rev: int, step: str) -> RowMapping | None:
    return await fetch_one(
        conn,
        "SELECT * FROM report_steps WHERE audit_id = :id AND rev = :rev AND step = :step ORDER BY id DESC LIMIT 1",
        {"id": audit_id, "rev": rev, "step": step},
    )


# --- approvers --------------------------------------------------------------------------------


async def approver_ids(conn: AsyncConnection) -> set[int]:
    """The active people a lead made report approvers."""
    rows = await fetch_all(conn, "SELECT a.person_id FROM report_approvers a JOIN people p ON p.id = a.person_id"
                                 " WHERE p.active = 1")
    return {r["person_id"] for r in rows}


async def is_approver(conn: AsyncConnection, person_id: int) -> bool:
    return await fetch_value(conn, "SELECT 1 FROM report_approvers WHERE person_id = :id", {"id": person_id}) is not None


async def set_approver(conn: AsyncConnection, person_id: int, on: bool, by: int, at: datetime) -> None:
    if on:
        await execute(conn, "INSERT INTO report_approvers(person_id, assigned_by, assigned_at)"
                            " VALUES (:id, :by, :at) ON CONFLICT DO NOTHING",
                      {"id": person_id, "by": by, "at": to_db(at)})
    else:
        await execute(conn, "DELETE FROM report_approvers WHERE person_id = :id", {"id": person_id})


# --- distribution -----------------------------------------------------------------------------


async def recipient_changes(conn: AsyncConnection, audit_id: int) -> dict[int, bool]:
    """{person: included} of the changes made to the default distribution list."""
    rows = await fetch_all(conn, "SELECT person_id, included FROM report_recipients WHERE audit_id = :id",
                           {"id": audit_id})
    return {r["person_id"]: bool(r["included"]) for r in rows}


async def set_recipient(conn: AsyncConnection, audit_id: int, person_id: int, included: bool, by: int,
                        at: datetime) -> None:
    await execute(
        conn,
        "INSERT INTO report_recipients(audit_id, person_id, included, changed_by, changed_at)"
        " VALUES (:audit_id, :person_id, :included, :by, :at)"
        " ON CONFLICT(audit_id, person_id) DO UPDATE SET included = excluded.included,"
        " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        {"audit_id": audit_id, "person_id": person_id, "included": int(included), "by": by, "at": to_db(at)},
    )


async def default_recipients(conn: AsyncConnection, department_id: int) -> set[int]:
    """Who a report goes to unless the list is changed: the department's contacts, the leads
    (the quality office) and the report approvers, active or not (those who left are skipped
    and reported at issue)."""
    rows = await fetch_all(
        conn,
        "SELECT person_id FROM person_roles WHERE role = 'lead'"
        " OR (role = 'staff' AND department_id = :department_id)"
        " UNION SELECT person_id FROM report_approvers",
        {"department_id": department_id},
    )
    return {r["person_id"] for r in rows}


async def people_with_roles(conn: AsyncConnection) -> list[RowMapping]:
    """Everyone who holds a role (active or not), by name: who may be on a distribution list."""
    return await fetch_all(
        conn,
        "SELECT p.id, p.name, p.active, p.lang FROM people p"
        " WHERE EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id) ORDER BY lower(p.name), p.id",
    )


# --- receipts ---------------------------------------------------------------------------------


async def add_receipt(conn: AsyncConnection, audit_id: int, rev: int, person_id: int, at: datetime,
                      skipped: str | None = None) -> None:
    await execute(
        conn,
        "INSERT INTO report_receipts(audit_id, rev, person_id, sent_at, skipped)"
        " VALUES (:audit_id, :rev, :person_id, :at, :skipped) ON CONFLICT DO NOTHING",
        {"audit_id": audit_id, "rev": rev, "person_id": person_id, "at": to_db(at), "skipped": skipped},
    )


async def receipts(conn: AsyncConnection, audit_id: int, rev: int | None = None) -> list[RowMapping]:
    """The recipients of the issued revision(s), with names: sent, received, or skipped (why)."""
    where = "" if rev is None else " AND r.rev = :rev"
    return await fetch_all(
        conn,
        "SELECT r.*, p.name FROM report_receipts r LEFT JOIN people p ON p.id = r.person_id"
        f" WHERE r.audit_id = :id{where} ORDER BY r.rev, lower(p.name), r.person_id",
        {"id": audit_id, "rev": rev},
    )


async def receipt(conn: AsyncConnection, audit_id: int, rev: int, person_id: int) -> RowMapping | None:
    return await fetch_one(
        conn, "SELECT * FROM report_receipts WHERE audit_id = :id AND rev = :rev AND person_id = :person_id",
        {"id": audit_id, "rev": rev, "person_id": person_id})


async def mark_received(conn: AsyncConnection, audit_id: int, rev: int, person_id: int, at: datetime) -> bool:
    done = await execute(
        conn,
        "UPDATE report_receipts SET received_at = :at WHERE audit_id = :id AND rev = :rev"
        " AND person_id = :person_id AND received_at IS NULL AND skipped IS NULL",
        {"at": to_db(at), "id": audit_id, "rev": rev, "person_id": person_id},
    )
    return done.rowcount > 0


# --- the department's comments on the draft -----------------------------------------------------


async def ask_comment(conn: AsyncConnection, audit_id: int, rev: int, person_id: int, at: datetime) -> None:
    await execute(
        conn,
        "INSERT INTO report_comments(audit_id, rev, person_id, sent_at) VALUES (:audit_id, :rev, :person_id, :at)"
        " ON CONFLICT DO NOTHING",
        {"audit_id": audit_id, "rev": rev, "person_id": person_id, "at": to_db(at)},
    )


async def comments(conn: AsyncConnection, audit_id: int, rev: int | None = None) -> list[RowMapping]:
    where = "" if rev is None else " AND c.rev = :rev"
    return await fetch_all(
        conn,
        "SELECT c.*, p.name FROM report_comments c LEFT JOIN people p ON p.id = c.person_id"
        f" WHERE c.audit_id = :id{where} ORDER BY c.rev, c.answered_at, c.person_id",
        {"id": audit_id, "rev": rev},
    )


async def answer_comment(conn: AsyncConnection, audit_id: int, rev: int, person_id: int, verdict: str,
                         reason: str | None, at: datetime) -> bool:
    done = await execute(
        conn,
        "UPDATE report_comments SET verdict = :verdict, reason = :reason, answered_at = :at"
        " WHERE audit_id = :id AND rev = :rev AND person_id = :person_id",
        {"verdict": verdict, "reason": reason, "at": to_db(at), "id": audit_id, "rev": rev, "person_id": person_id},
    )
    return done.rowcount > 0


# --- the periodic pass and the lead's figures -----------------------------------------------------


# When the current revision was completed: a revision keeps the audit's completion date, and
# its report is due from the revision's own completion.
_CURRENT_COMPLETED = ("COALESCE((SELECT MAX(v.completed_at) FROM audit_revisions v WHERE v.audit_id = a.id),"
                      " a.completed_at)")


async def unissued_completed(conn: AsyncConnection, completed_before: datetime) -> list[RowMapping]:
    """Completed audits, completed before ``completed_before``, whose current revision's report
    is not issued and whose leader was not asked about the delay yet."""
    return await fetch_all(
        conn,
        f"SELECT a.id, a.number, {_CURRENT_COMPLETED} AS completed_at,"
        " COALESCE((SELECT MAX(v.rev) FROM audit_revisions v WHERE v.audit_id = a.id), 1) AS rev"
        f" FROM audits a WHERE a.status = 'completed' AND {_CURRENT_COMPLETED} < :before"
        " AND NOT EXISTS (SELECT 1 FROM report_states s WHERE s.audit_id = a.id"
        "   AND s.rev = COALESCE((SELECT MAX(v.rev) FROM audit_revisions v WHERE v.audit_id = a.id), 1)"
        "   AND (s.state = 'issued' OR s.delay_asked_at IS NOT NULL))"
        f" ORDER BY {_CURRENT_COMPLETED}",
        {"before": to_db(completed_before)},
    )


async def waiting_for_approval(conn: AsyncConnection) -> int:
    """Reports of completed audits submitted and not yet decided (their current revision)."""
    value = await fetch_value(
        conn,
        "SELECT COUNT(*) FROM report_states s JOIN audits a ON a.id = s.audit_id"
        " WHERE s.state = 'submitted' AND a.status = 'completed'"
        " AND s.rev = COALESCE((SELECT MAX(v.rev) FROM audit_revisions v WHERE v.audit_id = a.id), 1)",
    )
    return int(value or 0)


async def overdue_for_issue(conn: AsyncConnection, completed_before: datetime) -> int:
    """Completed audits, completed before ``completed_before``, whose current report is not issued."""
    value = await fetch_value(
        conn,
        f"SELECT COUNT(*) FROM audits a WHERE a.status = 'completed' AND {_CURRENT_COMPLETED} < :before"
        " AND NOT EXISTS (SELECT 1 FROM report_states s WHERE s.audit_id = a.id AND s.state = 'issued'"
        "   AND s.rev = COALESCE((SELECT MAX(v.rev) FROM audit_revisions v WHERE v.audit_id = a.id), 1))",
        {"before": to_db(completed_before)},
    )
    return int(value or 0)
