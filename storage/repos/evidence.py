"""Rows of evidence files (the bytes are in storage.files)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all
from storage.times import to_db


async def add(
    conn: aiosqlite.Connection,
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
    cur = await conn.execute(
        "INSERT INTO evidence(audit_id, question_id, capa_id, kind, sha256, thumb_sha256, file_name,"
        " mime_type, size, caption, telegram_file_id, person_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (audit_id, question_id, capa_id, kind, sha256, thumb_sha256, file_name, mime_type, size,
         caption, telegram_file_id, person_id, to_db(at)),
    )
    return int(cur.lastrowid)


async def of_audit(conn: aiosqlite.Connection, audit_id: int, question_id: str | None = None) -> list[aiosqlite.Row]:
    if question_id is None:
        sql, params = "SELECT * FROM evidence WHERE audit_id = ? ORDER BY id", (audit_id,)
    else:
        sql = "SELECT * FROM evidence WHERE audit_id = ? AND question_id = ? ORDER BY id"
        params = (audit_id, question_id)
    return await fetch_all(conn, sql, params)


async def of_capa(conn: aiosqlite.Connection, capa_id: int) -> list[aiosqlite.Row]:
    return await fetch_all(conn, "SELECT * FROM evidence WHERE capa_id = ? ORDER BY id", (capa_id,))
