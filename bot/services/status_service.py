"""The leads' overview: /status, /overdue and the daily digest. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.domain.checklists import Checklist
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.repos import departments, programme, status
from storage.times import from_db

LIST_LIMIT = 40  # lines per list: the message stays within Telegram's 4096 characters
DIGEST_OVERDUE = 10
AUDIT_LIMIT = 10  # open audits shown, each with its progress and team
DEPARTMENT_ROWS = 20  # departments shown by /status, each with a button
DEPARTMENT_LIMIT = 20  # a department's actions, each with what it is about, and a button each


@dataclass(frozen=True)
class Status:
    today: date
    totals: dict[str, int]
    audits: list[dict[str, Any]] = field(default_factory=list)
    audits_total: int = 0
    departments: list[dict[str, Any]] = field(default_factory=list)
    departments_total: int = 0


@dataclass(frozen=True)
class Overdue:
    today: date
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class DepartmentActions:
    """A department's open actions, for a lead to open one by one."""

    today: date
    department: str
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class Digest:
    status: Status
    overdue: Overdue
    missed: int = 0  # planned audits of the programme whose window passed unstarted (last 12 months)


class StatusService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.rules = settings.rules()

    async def status(self, actor: Actor) -> Status:
        _require_lead(actor)
        return await self._status(self.rules.today(self.clock.now()))

    async def overdue(self, actor: Actor) -> Overdue:
        _require_lead(actor)
        return await self._overdue(self.rules.today(self.clock.now()), LIST_LIMIT)

    async def digest(self, day: date) -> Digest | None:
        """The day's digest for the leads; None when no corrective action is open and no
        planned audit was missed."""
        current = await self._status(day)
        async with self.db.read() as conn:
            missed = await programme.missed_count(conn, day, day - timedelta(days=365))
        if not current.totals["open"] and not missed:
            return None
        return Digest(current, await self._overdue(day, DIGEST_OVERDUE), missed)

    async def department(self, actor: Actor, department_id: int) -> DepartmentActions:
        """The open actions of one department (from /status), earliest due first."""
        _require_lead(actor)
        today = self.rules.today(self.clock.now())
        async with self.db.read() as conn:
            rows = [dict(r) for r in await status.department_actions(conn, department_id, DEPARTMENT_LIMIT)]
            found = await departments.get(conn, department_id)
        for row in rows:
            row["days_left"] = (date.fromisoformat(row["due_date"]) - today).days
        return DepartmentActions(today, found["name"] if found else "", rows, rows[0]["total"] if rows else 0)

    async def _status(self, today: date) -> Status:
        async with self.db.read() as conn:
            totals = dict(await status.totals(conn, today))
            audits = [self._progress(dict(r), today) for r in await status.open_audits(conn, AUDIT_LIMIT)]
            departments = [dict(r) for r in await status.per_department(conn, today, DEPARTMENT_ROWS)]
        return Status(
            today=today, totals=totals,
            audits=audits, audits_total=audits[0]["total"] if audits else 0,
            departments=departments, departments_total=departments[0]["total"] if departments else 0,
        )

    def _progress(self, audit: dict[str, Any], today: date) -> dict[str, Any]:
        """An open audit with its question count and the days since it started (local dates)."""
        checklist = audit.pop("checklist_json")
        try:
            audit["questions"] = len(Checklist.from_json(checklist).question_ids())
        except (ValueError, KeyError, TypeError):
            audit["questions"] = 0
        started = from_db(audit["created_at"])
        audit["days"] = (today - started.astimezone(self.rules.tz).date()).days if started else 0
        audit["auditors"] = audit["auditors"] or ""
        return audit

    async def _overdue(self, today: date, limit: int) -> Overdue:
        async with self.db.read() as conn:
            rows = [dict(r) for r in await status.overdue(conn, today, limit)]
        for row in rows:
            row["days_late"] = (today - date.fromisoformat(row["due_date"])).days
        return Overdue(today, rows, rows[0]["total"] if rows else 0)


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise NotAllowed()
