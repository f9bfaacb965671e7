"""Rows of evidence files (the bytes are in storage.files)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_one, fetch_value
from storage.times import to_db


async def add(
    conn: AsyncConnection,
    *,
    kind: str,
    sha256: str,
    size: int,
    person_id: int,
    at: datetime,
    audit_id: int | None = None,
    question_id: str | None = None,
    capa_id: int | None = None,
    thumb_sha256: str | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    caption: str | None = None,
    telegram_file_id: str | None = None,
) -> int:
    new_id = await fetch_value(
        conn,
        "INSERT INTO evidence(audit_id, question_id, capa_id, kind, sha256, thumb_sha256, file_name,"
        " mime_type, size, caption, telegram_file_id, person_id, created_at)"
        " VALUES (:audit_id, :question_id, :capa_id, :kind, :sha256, :thumb_sha256, :file_name,"
        " :mime_type, :size, :caption, :telegram_file_id, :person_id, :created_at) RETURNING id",
        {"audit_id": audit_id, "question_id": question_id, "capa_id": capa_id, "kind": kind,
         "sha256": sha256, "thumb_sha256": thumb_sha256, "file_name": file_name, "mime_type": mime_type,
         "size": size, "caption": caption, "telegram_file_id": telegram_file_id, "person_id": person_id,
         "created_at": to_db(at)},
    )
    return int(new_id)


async def of_audit(conn: AsyncConnection, audit_id: int, question_id: str | None = None) -> list[RowMapping]:
    if question_id is None:
        return await fetch_all(
            conn, "SELECT * FROM evidence WHERE audit_id = :audit_id AND deleted_at IS NULL ORDER BY id",
            {"audit_id": audit_id})
    return await fetch_all(
        conn, "SELECT * FROM evidence WHERE audit_id = :audit_id AND question_id = :question_id"
              " AND deleted_at IS NULL ORDER BY id",
        {"audit_id": audit_id, "question_id": question_id},
    )


async def of_capa(conn: AsyncConnection, capa_id: int) -> list[RowMapping]:
    return await fetch_all(conn, "SELECT * FROM evidence WHERE capa_id = :capa_id ORDER BY id", {"capa_id": capa_id})


async def get(conn: AsyncConnection, evidence_id: int) -> RowMapping | None:
    return await fetch_one(conn, "SELECT * FROM evidence WHERE id = :id", {"id": evidence_id})


async def of_question_with_people(conn: AsyncConnection, audit_id: int, question_id: str) -> list[RowMapping]:
    """The current files of one question, oldest first, with who sent them."""
    return await fetch_all(
        conn,
        "SELECT e.*, p.name AS person FROM evidence e LEFT JOIN people p ON p.id = e.person_id"
        " WHERE e.audit_id = :audit_id AND e.question_id = :question_id AND e.deleted_at IS NULL ORDER BY e.id",
        {"audit_id": audit_id, "question_id": question_id},
    )


async def delete(conn: AsyncConnection, evidence_id: int, person_id: int, at: datetime) -> None:
    """Mark a file deleted: its row and bytes stay (the trail and the old reports refer to them)."""
    await execute(conn, "UPDATE evidence SET deleted_at = :at, deleted_by = :person_id WHERE id = :id",
                  {"at": to_db(at), "person_id": person_id, "id": evidence_id})


async def move(conn: AsyncConnection, evidence_id: int, question_id: str) -> None:
    await execute(conn, "UPDATE evidence SET question_id = :question_id WHERE id = :id",
                  {"question_id": question_id, "id": evidence_id})
