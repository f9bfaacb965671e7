"""Rows of evidence files (the bytes are in storage.files)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import fetch_all, fetch_value
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
        return await fetch_all(conn, "SELECT * FROM evidence WHERE audit_id = :audit_id ORDER BY id",
                               {"audit_id": audit_id})
    return await fetch_all(
        conn, "SELECT * FROM evidence WHERE audit_id = :audit_id AND question_id = :question_id ORDER BY id",
        {"audit_id": audit_id, "question_id": question_id},
    )


async def of_capa(conn: AsyncConnection, capa_id: int) -> list[RowMapping]:
    return await fetch_all(conn, "SELECT * FROM evidence WHERE capa_id = :capa_id ORDER BY id", {"capa_id": capa_id})
