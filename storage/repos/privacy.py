"""What the bot keeps about people, for how long, and forgetting it (China's PIPL, the GDPR):
the SQL of the daily retention pass, of one person's data export and of their erasure.

A person's Telegram id is the key of ``people`` and is referenced from the columns in
``PERSON_COLUMNS`` (every foreign key to ``people.id``, and the two ``deleted_by`` columns
that have none; tests/test_privacy_person.py checks the list against the schema). Erasing
moves the person's records to a pseudonym row with a negative id (``-n`` for "former staff
#n"), so the Telegram id leaves every table but the append-only audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value, take_turn
from storage.times import to_db

# Every column holding a person's id (people.id), by table.
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "person_roles": ("person_id",),
    "invites": ("created_by", "used_by"),
    "dialog_state": ("person_id",),
    "audits": ("created_by",),
    "audit_team": ("person_id",),
    "answers": ("answered_by",),
    "notes": ("person_id", "deleted_by"),
    "evidence": ("person_id", "deleted_by"),
    "capa": ("auditor_id",),
    "audit_revisions": ("reopened_by", "completed_by"),
    "capa_plan_reviews": ("reviewer_id",),
    "capa_extensions": ("requested_by", "decided_by"),
    "capa_reassignments": ("person_id", "from_auditor_id", "to_auditor_id"),
    "capa_effectiveness": ("person_id",),
    "audit_acknowledgements": ("person_id",),
    "programme": ("created_by",),
    "programme_team": ("person_id",),
    "search_queries": ("person_id",),
    "document_requests": ("requested_by",),
    "document_request_items": ("answered_by",),
    "report_states": ("issued_by",),
    "report_steps": ("person_id",),
    "report_recipients": ("person_id", "changed_by"),
    "report_receipts": ("person_id",),
    "report_comments": ("person_id",),
    "report_approvers": ("person_id", "assigned_by"),
}
# Rows that only make sense for a person who can use the bot: deleted when they are erased.
ERASED_WITH_PERSON = ("person_roles", "invites", "dialog_state", "search_queries")
# Columns left out of an export: the checklist snapshot of an audit is not about anyone.
NOT_EXPORTED = {"audits": ("checklist_json",)}
# Columns exported as their first characters only: an invite's code would still let someone join.
MASKED = {"invites": ("code",)}
TERMINAL_OUTBOX = ("sent", "failed", "blocked")


def chat_keys(person_id: int) -> list[str]:
    """The inbox's keys of a person's private chat (bot/telegram/delivery/inbox.py chat_key)."""
    return [f"c{person_id}", f"u{person_id}"]


# --- lifetimes ---------------------------------------------------------------------------------

async def clear_set_aside(conn: AsyncConnection, before: datetime) -> int:
    """Empty the raw update of set-aside (poison) rows set aside before ``before``; rows cleared."""
    result = await execute(
        conn,
        "UPDATE inbox SET raw_json = '' WHERE state = 'poison' AND raw_json <> '' AND handled_at < :before",
        {"before": to_db(before)},
    )
    return result.rowcount


async def prune_outbox(conn: AsyncConnection, before: datetime, keep_kinds: Iterable[str]) -> int:
    """Delete notices sent, failed or blocked before ``before``; rows deleted.

    ``keep_kinds``: kinds whose row is the only record that they went out (their dedupe key
    stops them being queued again), kept.
    """
    query = text(
        "DELETE FROM outbox WHERE state IN :states AND COALESCE(sent_at, not_before) < :before"
        " AND kind NOT IN :keep"
    ).bindparams(bindparam("states", expanding=True), bindparam("keep", expanding=True))
    result = await execute(conn, query, {"states": list(TERMINAL_OUTBOX), "before": to_db(before),
                                         "keep": list(keep_kinds) or [""]})
    return result.rowcount


async def prune_invites(conn: AsyncConnection, before: datetime) -> int:
    """Delete invites used, expired or revoked (a revoked invite expires then) before ``before``."""
    result = await execute(
        conn,
        "DELETE FROM invites WHERE (used_at IS NOT NULL AND used_at < :before)"
        " OR (used_by IS NULL AND expires_at < :before)",
        {"before": to_db(before)},
    )
    return result.rowcount


# --- one person's data -------------------------------------------------------------------------

async def person_data(conn: AsyncConnection, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything held about a person, as {name: rows}: their own row, each table's rows that
    name them, the notices to their chat, their updates in the inbox and the trail's entries
    by or about them. Empty when the person is not known."""
    person = await fetch_one(conn, "SELECT * FROM people WHERE id = :id", {"id": person_id})
    if person is None:
        return {}
    data: dict[str, list[dict[str, Any]]] = {"person": [dict(person)]}
    for table, columns in PERSON_COLUMNS.items():
        where = " OR ".join(f"{column} = :id" for column in columns)
        rows = await fetch_all(conn, f"SELECT * FROM {table} WHERE {where}", {"id": person_id})
        data[table] = [{k: f"{v[:4]}…" if k in MASKED.get(table, ()) else v for k, v in dict(r).items()
                        if k not in NOT_EXPORTED.get(table, ())} for r in rows]
    data["outbox"] = [dict(r) for r in await fetch_all(
        conn, "SELECT id, kind, state, payload_json, created_at, sent_at, last_error FROM outbox"
              " WHERE chat_id = :id ORDER BY id", {"id": person_id})]
    query = text("SELECT update_id, state, received_at, handled_at, raw_json, last_error FROM inbox"
                 " WHERE chat_key IN :keys ORDER BY update_id").bindparams(bindparam("keys", expanding=True))
    data["inbox"] = [dict(r) for r in await fetch_all(conn, query, {"keys": chat_keys(person_id)})]
    data["audit_trail"] = [dict(r) for r in await fetch_all(
        conn, "SELECT * FROM audit_trail WHERE person_id = :id OR (entity = 'person' AND entity_id = :key)"
              " ORDER BY id", {"id": person_id, "key": str(person_id)})]
    return data


async def summary(conn: AsyncConnection, person_id: int) -> dict[str, int]:
    """What erasing a person leaves in the audit record: audits, evidence files, open actions they verify."""
    return {
        "audits": int(await fetch_value(
            conn, "SELECT COUNT(*) FROM audits a WHERE a.created_by = :id"
                  " OR EXISTS (SELECT 1 FROM audit_team t WHERE t.audit_id = a.id AND t.person_id = :id)",
            {"id": person_id})),
        "files": int(await fetch_value(conn, "SELECT COUNT(*) FROM evidence WHERE person_id = :id", {"id": person_id})),
        "verifying": int(await fetch_value(
            conn, "SELECT COUNT(*) FROM capa WHERE auditor_id = :id AND state <> 'closed'", {"id": person_id})),
    }


# --- erasure -----------------------------------------------------------------------------------

async def next_pseudonym_id(conn: AsyncConnection) -> int:
    """The id of the next pseudonym row: -1, -2, … (Telegram's user ids are positive);
    erasures at once take turns at it until their transactions end."""
    await take_turn(conn, "pseudonym")
    lowest = await fetch_value(conn, "SELECT MIN(id) FROM people WHERE id < 0")
    return int(lowest or 0) - 1


async def add_pseudonym(conn: AsyncConnection, pseudonym_id: int, name: str, at: datetime) -> None:
    """The row the erased person's records point to: a name only, no username, no access."""
    await execute(
        conn,
        "INSERT INTO people(id, name, username, lang, lang_chosen, active, blocked_bot, created_at, updated_at)"
        " VALUES (:id, :name, NULL, 'en', 0, 0, 0, :at, :at)",
        {"id": pseudonym_id, "name": name, "at": to_db(at)},
    )


async def delete_personal_rows(conn: AsyncConnection, person_id: int) -> dict[str, int]:
    """Delete the person's roles, invites (made or used), dialog, the notices to their chat and
    the leads' notices of their joining, and their place on planned audits not started; the
    raw text of their updates is emptied. Returns rows per table."""
    counts: dict[str, int] = {}
    for table in ERASED_WITH_PERSON:
        where = " OR ".join(f"{column} = :id" for column in PERSON_COLUMNS[table])
        counts[table] = (await execute(conn, f"DELETE FROM {table} WHERE {where}", {"id": person_id})).rowcount
    outbox_ids = [r["id"] for r in await fetch_all(
        conn, "SELECT id, payload_json FROM outbox WHERE kind = 'lead_joined'")
        if json.loads(r["payload_json"] or "{}").get("person_id") == person_id]
    query = text("DELETE FROM outbox WHERE chat_id = :id OR id IN :ids").bindparams(bindparam("ids", expanding=True))
    counts["outbox"] = (await execute(conn, query, {"id": person_id, "ids": outbox_ids or [-1]})).rowcount
    counts["programme_team"] = (await execute(
        conn,
        "DELETE FROM programme_team WHERE person_id = :id AND programme_id IN"
        " (SELECT id FROM programme WHERE audit_id IS NULL AND status <> 'cancelled')",
        {"id": person_id},
    )).rowcount
    query = text("UPDATE inbox SET raw_json = '', chat_key = '' WHERE chat_key IN :keys AND state <> 'pending'"
                 ).bindparams(bindparam("keys", expanding=True))
    counts["inbox_emptied"] = (await execute(conn, query, {"keys": chat_keys(person_id)})).rowcount
    return counts


async def move_records(conn: AsyncConnection, person_id: int, pseudonym_id: int) -> dict[str, int]:
    """Point every record of ``person_id`` at ``pseudonym_id``; rows changed per table."""
    counts: dict[str, int] = {}
    for table, columns in PERSON_COLUMNS.items():
        if table in ERASED_WITH_PERSON:
            continue
        for column in columns:
            result = await execute(conn, f"UPDATE {table} SET {column} = :new WHERE {column} = :old",
                                   {"new": pseudonym_id, "old": person_id})
            counts[table] = counts.get(table, 0) + result.rowcount
    return counts


async def delete_person(conn: AsyncConnection, person_id: int) -> None:
    """The person's own row (a reference left anywhere makes this fail, and the erasure with it)."""
    await execute(conn, "DELETE FROM people WHERE id = :id", {"id": person_id})


async def audit_cards(conn: AsyncConnection, needles: Iterable[str]) -> list[dict[str, Any]]:
    """(id, plan_json, opening_json, closing_json) of audits whose cards may hold one of
    ``needles`` (a name) or assign sections to co-auditors (the caller looks closer)."""
    params: dict[str, Any] = {"sections": '%"sections"%'}
    where = ["plan_json LIKE :sections"]
    for n, needle in enumerate(needles):
        params[f"n{n}"] = f"%{needle.lower()}%"  # a % or _ in a name only matches more rows
        where += [f"LOWER({column}) LIKE :n{n}" for column in ("plan_json", "opening_json", "closing_json")]
    rows = await fetch_all(
        conn, f"SELECT id, plan_json, opening_json, closing_json FROM audits WHERE {' OR '.join(where)} ORDER BY id",
        params)
    return [dict(r) for r in rows]


async def set_audit_cards(conn: AsyncConnection, audit_id: int, cards: dict[str, str]) -> None:
    """Write an audit's card JSON (plan_json, opening_json, closing_json) back."""
    columns = ", ".join(f"{name} = :{name}" for name in cards if name in ("plan_json", "opening_json", "closing_json"))
    if columns:
        await execute(conn, f"UPDATE audits SET {columns} WHERE id = :id", {**cards, "id": audit_id})


async def evidence_texts(conn: AsyncConnection, needles: Iterable[str]) -> list[dict[str, Any]]:
    """(id, caption, file_name) of the evidence files whose caption or file name may hold one of
    ``needles`` (a name; the caller looks closer)."""
    params: dict[str, Any] = {}
    where = []
    for n, needle in enumerate(needles):
        params[f"n{n}"] = f"%{needle.lower()}%"
        where += [f"LOWER(caption) LIKE :n{n}", f"LOWER(file_name) LIKE :n{n}"]
    if not where:
        return []
    return [dict(r) for r in await fetch_all(
        conn, f"SELECT id, caption, file_name FROM evidence WHERE {' OR '.join(where)} ORDER BY id", params)]


async def set_evidence_texts(conn: AsyncConnection, evidence_id: int, caption: str | None,
                             file_name: str | None) -> None:
    await execute(conn, "UPDATE evidence SET caption = :caption, file_name = :file_name WHERE id = :id",
                  {"caption": caption, "file_name": file_name, "id": evidence_id})
