"""/find: audits, findings, notes and actions whose text holds every word, within one
person's rights (the index, ``search_docs``, is kept by triggers: migration 0012).

Words match as substrings, case aside: SQLite's FTS5 trigram index answers words of three
characters or more; shorter ones (a two-character Chinese word) are checked with instr()
on the rows the others left, or on every row when all words are short. PostgreSQL: ILIKE,
which the pg_trgm GIN index on ``body`` serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sql import execute, fetch_all, fetch_value
from storage.times import to_db

TRIGRAM = 3  # the shortest word the trigram index answers
KIND_ORDER = "CASE d.kind WHEN 'audit' THEN 0 WHEN 'finding' THEN 1 WHEN 'action' THEN 2 ELSE 3 END"


@dataclass(frozen=True)
class Reader:
    """Whose rights a search runs with: a lead reads everything; an auditor the audits of
    their teams; department staff their departments' actions."""

    person_id: int
    lead: bool = False
    auditor: bool = False
    departments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Filters:
    """``state:`` (an action state, 'overdue', or an audit status), ``dept:`` (part of a
    department's name), ``clause:`` (a clause and its sub-clauses), ``year:`` (started in)."""

    capa_states: tuple[str, ...] = ()
    overdue: bool = False
    audit_status: str | None = None
    department: str | None = None
    clause: str | None = None
    year: int | None = None


async def find(conn: AsyncConnection, words: list[str], filters: Filters, reader: Reader, *,
               today: date, limit: int, offset: int = 0) -> list[RowMapping]:
    """Up to ``limit`` hits from ``offset``: the newest audit first, within it the audit,
    its findings, actions and notes."""
    where, params = ["a.status != 'cancelled'"], {"limit": limit, "offset": offset}
    _words(conn, words, where, params)
    _filters(conn, filters, where, params, today)
    _rights(reader, where, params)
    sql = (
        "SELECT d.kind, d.ref_id, d.audit_id, d.department_id, d.capa_id, d.question_id, d.clause, d.body,"
        " a.number, a.status, a.created_at, dep.name AS department, c.state AS capa_state, c.due_date"
        " FROM search_docs d JOIN audits a ON a.id = d.audit_id"
        " LEFT JOIN departments dep ON dep.id = d.department_id LEFT JOIN capa c ON c.id = d.capa_id"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY d.audit_id DESC, {KIND_ORDER}, d.id LIMIT :limit OFFSET :offset"
    )
    return await fetch_all(conn, sql, params)


def _words(conn: AsyncConnection, words: list[str], where: list[str], params: dict[str, Any]) -> None:
    if conn.dialect.name == "sqlite":
        long = [w for w in words if len(w) >= TRIGRAM]
        if long:
            params["match"] = " AND ".join('"' + w.replace('"', '""') + '"' for w in long)
            where.append("d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :match)")
        for n, word in enumerate(w for w in words if len(w) < TRIGRAM):
            params[f"w{n}"] = word.lower()
            where.append(f"instr(lower(d.body), :w{n}) > 0")
        return
    for n, word in enumerate(words):
        params[f"w{n}"] = f"%{_escape(word)}%"
        where.append(f"d.body ILIKE :w{n}")


def _filters(conn: AsyncConnection, f: Filters, where: list[str], params: dict[str, Any], today: date) -> None:
    like = "LIKE" if conn.dialect.name == "sqlite" else "ILIKE"
    if f.capa_states:
        where.append("c.state IN (" + ", ".join(f":s{n}" for n in range(len(f.capa_states))) + ")")
        params.update({f"s{n}": state for n, state in enumerate(f.capa_states)})
    if f.overdue:
        where.append("c.state != 'closed' AND c.due_date < :today")
        params["today"] = today.isoformat()
    if f.audit_status:
        where.append("a.status = :audit_status")
        params["audit_status"] = f.audit_status
    if f.department:
        where.append(f"dep.name {like} :department ESCAPE '\\'")
        params["department"] = f"%{_escape(f.department)}%"
    if f.clause:
        where.append(f"(d.clause = :clause OR d.clause {like} :clause_under ESCAPE '\\')")
        params.update(clause=f.clause, clause_under=f"{_escape(f.clause)}.%")
    if f.year:
        where.append("a.created_at >= :year_from AND a.created_at < :year_to")
        params.update(year_from=f"{f.year:04d}", year_to=f"{f.year + 1:04d}")


def _rights(reader: Reader, where: list[str], params: dict[str, Any]) -> None:
    if reader.lead:
        return
    may = []
    if reader.auditor:
        may.append("d.audit_id IN (SELECT t.audit_id FROM audit_team t WHERE t.person_id = :me)")
        params["me"] = reader.person_id
    if reader.departments:
        ids = ", ".join(str(int(d)) for d in reader.departments)
        may.append(f"(d.kind = 'action' AND d.department_id IN ({ids}))")
    where.append("(" + " OR ".join(may) + ")" if may else "1 = 0")


def _escape(text: str) -> str:
    """``text`` for LIKE with ESCAPE '\\': its own %, _ and \\ taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def remember(conn: AsyncConnection, person_id: int, query: str, at: Any) -> int:
    """Keep ``query`` as the person's last search; returns its serial (what page buttons name)."""
    serial = int(await fetch_value(conn, "SELECT serial FROM search_queries WHERE person_id = :p",
                                   {"p": person_id}) or 0) + 1
    await execute(conn, "DELETE FROM search_queries WHERE person_id = :p", {"p": person_id})
    await execute(conn, "INSERT INTO search_queries(person_id, query, serial, created_at) VALUES (:p, :q, :s, :at)",
                  {"p": person_id, "q": query, "s": serial, "at": to_db(at)})
    return serial


async def remembered(conn: AsyncConnection, person_id: int, serial: int) -> str | None:
    """The person's last search if it is still the one called ``serial``."""
    return await fetch_value(conn, "SELECT query FROM search_queries WHERE person_id = :p AND serial = :s",
                             {"p": person_id, "s": serial})
