"""The audit programme (ISO 9001 9.2.2) for leads: the year's planned audits, adding and
changing them, the suggested programme, impartiality, and the reminder pass's part (the
team reminded 14, 7 and 1 days before a window opens; the leads told of a missed one).

A planned audit being added is a 'draft' row edited by the same buttons as a kept one; it
joins the programme when saved (a team, a window not in the past). The person's dialog
(a window or an override reason to type) is written here, in the same transaction as the
change it leads to. No Telegram here.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from bot.domain import programme_rules as rules
from bot.domain.checklists import Checklist
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, ServiceError
from bot.domain.reminder_rules import not_before
from bot.domain.repeat import clause_key
from bot.domain.text import clean_text
from bot.domain.vocabulary import NoticeKind, ProgrammeState, ProgrammeStatus, Risk, Role
from bot.services.people_service import Actor
from bot.settings import Settings
from bot.workbooks import programme as workbook
from bot.workbooks.checklist import MAX_FILE_BYTES, Problem, too_big
from storage.db import Database
from storage.repos import departments, dialogs, outbox, people, trail
from storage.repos import programme as repo
from storage.times import from_db

FLOW = "programme"
MAX_REASON = 500
MAX_FIELD = 2000
PLAN_FIELDS = ("scope", "objectives")  # what a planned audit gives the plan of the audit started from it


class ProgrammeError(ServiceError):
    """A refusal about the programme: the label is ``programme_error_<code>``."""

    prefix = "programme_error_"


@dataclass(frozen=True)
class Item:
    """A planned audit as a person sees it."""

    id: int
    department_id: int
    department: str
    checklist_id: str
    checklist_title: str
    window_start: date
    window_end: date
    is_month: bool
    risk: str
    status: str
    state: str
    reason: str | None
    audit_id: int | None
    audit_number: str | None
    team: list[dict] = field(default_factory=list)
    scope: str | None = None  # the plan's, when the audit is started (else the plan's defaults)
    objectives: str | None = None

    @property
    def draft(self) -> bool:
        return self.status == ProgrammeStatus.draft


@dataclass(frozen=True)
class Overview:
    year: int
    today: date
    items: list[Item]
    counts: dict[str, int]


@dataclass(frozen=True)
class TeamChoice:
    id: int
    name: str
    member: bool
    conflict: str | None  # staff | verifier
    override_reason: str | None


@dataclass(frozen=True)
class OverrideAsked:
    """A conflicted auditor was pressed: the lead is asked for the reason to override."""

    item_id: int
    person: str
    why: str


@dataclass(frozen=True)
class Suggestion:
    department_id: int
    department: str
    risk: str
    window_start: date
    window_end: date
    reason: str
    months: int
    last_number: str | None
    last_completed: date | None


@dataclass(frozen=True)
class Suggestions:
    items: list[Suggestion]
    clause_gaps: list[str]  # clauses no department was audited on for CLAUSE_GAP_YEARS
    never_audited: bool = False  # no audit completed yet: every clause is still to be audited


@dataclass(frozen=True)
class ImportOutcome:
    """A programme workbook applied (``changed`` and ``added`` rows), or every problem with it."""

    changed: int = 0
    added: int = 0
    problems: list[Problem] = field(default_factory=list)


Fetch = Callable[[], Awaitable[bytes]]


class ProgrammeService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, checklists: dict[str, Checklist]):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.checklists = checklists
        self.rules = settings.rules()

    def today(self) -> date:
        return self.clock.now().astimezone(self.settings.tz).date()

    # --- reading ------------------------------------------------------------------------------

    async def overview(self, actor: Actor, year: int | None = None) -> Overview:
        """/programme: the planned audits whose window touches the year (this one by default)."""
        _require_lead(actor)
        today = self.today()
        year = year or today.year
        async with self.db.read() as conn:
            rows = await repo.in_range(conn, date(year, 1, 1), date(year, 12, 31))
            items = [await self._item(conn, row, actor.lang, today, team=True) for row in rows]
        counts = Counter(i.state for i in items if not i.draft)
        return Overview(year, today, items, {s.value: counts.get(s.value, 0) for s in ProgrammeState})

    async def item(self, actor: Actor, item_id: int) -> Item:
        _require_lead(actor)
        async with self.db.read() as conn:
            return await self._item(conn, await self._row(conn, item_id), actor.lang, self.today(), team=True)

    async def _row(self, conn, item_id: int, *, editable: bool = False):
        row = await repo.get(conn, item_id)
        if row is None or row["status"] == ProgrammeStatus.cancelled:
            raise ProgrammeError("stale")
        if editable and row["audit_id"] is not None and row["audit_status"] != "cancelled":
            raise ProgrammeError("started", number=row["audit_number"])
        return row

    async def _item(self, conn, row, lang: str, today: date, *, team: bool = False) -> Item:
        start, end = date.fromisoformat(row["window_start"]), date.fromisoformat(row["window_end"])
        checklist = self.checklists.get(row["checklist_id"])
        members = [dict(m) for m in await repo.team(conn, row["id"])] if team else []
        return Item(
            row["id"], row["department_id"], row["department"], row["checklist_id"],
            checklist.title.get(lang) if checklist else row["checklist_id"], start, end,
            rules.Window(start, end).is_month, row["risk"], row["status"],
            rules.state_of(start, end, row["audit_status"], today), row["reason"], row["audit_id"],
            row["audit_number"], members, row["scope"], row["objectives"])

    def checklist_choices(self, lang: str) -> list[dict]:
        return [{"id": c.id, "title": c.title.get(lang)} for c in sorted(self.checklists.values(), key=lambda c: c.id)]

    def months(self) -> list[date]:
        """The months a window may be chosen from (this one and the next eleven)."""
        return rules.months_ahead(self.today())

    # --- adding and changing ---------------------------------------------------------------

    async def departments(self, actor: Actor) -> list[dict]:
        """➕ Add: the departments to choose from."""
        _require_lead(actor)
        async with self.db.read() as conn:
            return [dict(r) for r in await departments.list_active(conn)]

    async def add(self, actor: Actor, department_id: int, year: int | None = None) -> Item:
        """A new planned audit of ``department_id`` (a draft: next month within the ``year``
        being viewed, normal risk, no team)."""
        _require_lead(actor)
        if not self.checklists:
            raise ProgrammeError("no_checklist")
        now, today = self.clock.now(), self.today()
        window = rules.month_window(rules.default_month(today, year))
        async with self.db.transaction() as conn:
            department = await departments.get(conn, department_id)
            if department is None or not department["active"]:
                raise ProgrammeError("stale")
            item_id = await repo.create(
                conn, department_id=department_id, checklist_id=sorted(self.checklists)[0],
                window_start=window.start, window_end=window.end, risk=Risk.normal, status=ProgrammeStatus.draft,
                created_by=actor.id, at=now)
            await dialogs.put(conn, actor.id, flow=FLOW, data={"item": item_id}, at=now)
            return await self._item(conn, await repo.get(conn, item_id), actor.lang, today, team=True)

    async def set_checklist(self, actor: Actor, item_id: int, checklist_id: str) -> Item:
        _require_lead(actor)
        if checklist_id not in self.checklists:
            raise ProgrammeError("stale")
        return await self._change(actor, item_id, "checklist", checklist_id=checklist_id)

    async def set_risk(self, actor: Actor, item_id: int, risk: str) -> Item:
        _require_lead(actor)
        return await self._change(actor, item_id, "risk", risk=Risk(risk))

    async def ask_window(self, actor: Actor, item_id: int) -> Item:
        """📅 Move: the months to choose from; a typed window also goes to this item."""
        _require_lead(actor)
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting="window", data={"item": item_id},
                              at=self.clock.now())
            return await self._item(conn, row, actor.lang, self.today(), team=True)

    async def ask_field(self, actor: Actor, item_id: int, name: str) -> Item:
        """✏️ Scope / Objectives: the next text typed is the planned audit's (its plan gets it)."""
        _require_lead(actor)
        if name not in PLAN_FIELDS:
            raise ProgrammeError("stale")
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting=name, data={"item": item_id}, at=self.clock.now())
            return await self._item(conn, row, actor.lang, self.today(), team=True)

    async def set_month(self, actor: Actor, item_id: int, month: date) -> Item:
        _require_lead(actor)
        window = self._checked(rules.month_window(month))
        return await self._change(actor, item_id, "window", window_start=window.start, window_end=window.end,
                                  done_typing=True)

    def _checked(self, window: rules.Window) -> rules.Window:
        try:
            return rules.check_window(window, self.today())
        except rules.WindowError as error:
            raise ProgrammeError(f"window_{error.code}") from error

    async def _change(self, actor: Actor, item_id: int, what: str, *, done_typing: bool = False,
                      **values: Any) -> Item:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            await repo.update(conn, item_id, now, **values)
            if row["status"] == ProgrammeStatus.active:
                await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                                   action=what, before={k: row[k] for k in values},
                                   after={k: str(v) for k, v in values.items()})
            if done_typing:
                await self._end_typing(conn, actor, item_id)
            return await self._item(conn, await repo.get(conn, item_id), actor.lang, self.today(), team=True)

    async def _end_typing(self, conn, actor: Actor, item_id: int) -> None:
        state = await dialogs.get(conn, actor.id)
        if state is not None and state["flow"] == FLOW:
            await dialogs.put(conn, actor.id, flow=FLOW, data={"item": item_id}, at=self.clock.now())

    async def typed(self, actor: Actor, text: str) -> Item:
        """Typed text in the programme dialog: a window, or the reason of an override."""
        _require_lead(actor)
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        data = dialogs.data_of(state)
        if state is None or state["flow"] != FLOW or "item" not in data:
            raise ProgrammeError("use_buttons")
        if state["awaiting"] == "window":
            try:
                window = rules.parse_window(text, self.today())
            except rules.WindowError as error:
                raise ProgrammeError(f"window_{error.code}") from error
            return await self._change(actor, data["item"], "window", window_start=window.start,
                                      window_end=window.end, done_typing=True)
        if state["awaiting"] in PLAN_FIELDS:
            value = clean_text(text).strip()
            if not value:
                raise ProgrammeError("field_empty")
            if len(value) > MAX_FIELD:
                raise ProgrammeError("field_too_long")
            return await self._change(actor, data["item"], state["awaiting"], done_typing=True,
                                      **{state["awaiting"]: value})
        if state["awaiting"] == "override":
            return await self._override(actor, data["item"], data["person"], text)
        raise ProgrammeError("use_buttons")

    # --- the team and impartiality -----------------------------------------------------------

    async def team_choices(self, actor: Actor, item_id: int) -> tuple[Item, list[TeamChoice]]:
        _require_lead(actor)
        async with self.db.read() as conn:
            row = await self._row(conn, item_id)
            item = await self._item(conn, row, actor.lang, self.today(), team=True)
            return item, await self._choices(conn, item)

    async def _choices(self, conn, item: Item) -> list[TeamChoice]:
        conflicts = await repo.conflicts(conn, item.department_id)
        members = {m["person_id"]: m for m in item.team}
        return [TeamChoice(p["id"], p["name"], p["id"] in members, conflicts.get(p["id"]),
                           members[p["id"]]["override_reason"] if p["id"] in members else None)
                for p in await repo.auditors(conn)]

    async def toggle_member(self, actor: Actor, item_id: int, person_id: int
                            ) -> tuple[Item, list[TeamChoice]] | OverrideAsked:
        """Put an auditor on the team or take them off. One who is staff of the department or
        verifies an open action there is not put on: the lead is asked for a reason instead."""
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            auditor = next((p for p in await repo.auditors(conn) if p["id"] == person_id), None)
            members = {m["person_id"] for m in await repo.team(conn, item_id)}
            if person_id in members:
                if len(members) == 1 and row["status"] == ProgrammeStatus.active:
                    raise ProgrammeError("team_empty")
                await repo.remove_member(conn, item_id, person_id)
                if row["status"] == ProgrammeStatus.active:
                    await self._tell_team(conn, actor, item_id, [person_id], NoticeKind.programme_team_removed, now)
            else:
                if auditor is None:
                    raise ProgrammeError("stale")
                why = (await repo.conflicts(conn, row["department_id"])).get(person_id)
                if why is not None:
                    await dialogs.put(conn, actor.id, flow=FLOW, awaiting="override",
                                      data={"item": item_id, "person": person_id}, at=now)
                    return OverrideAsked(item_id, auditor["name"], why)
                await repo.add_member(conn, item_id, person_id, now)
                if row["status"] == ProgrammeStatus.active:
                    await self._tell_team(conn, actor, item_id, [person_id], NoticeKind.programme_team_added, now)
            item = await self._item(conn, await repo.get(conn, item_id), actor.lang, self.today(), team=True)
            return item, await self._choices(conn, item)

    async def _tell_team(self, conn, actor: Actor, item_id: int, people_ids: list[int], kind: str,
                         now: datetime) -> None:
        """Queue ``kind`` (put on or taken off a planned audit's team) for each of ``people_ids``
        but the lead doing it."""
        for person_id in people_ids:
            if person_id != actor.id:
                await outbox.enqueue(conn, dedupe_key=f"progteam:{item_id}:{person_id}:{kind}:{now.isoformat()}",
                                     chat_id=person_id, kind=kind, payload={"item": item_id, "by": actor.id},
                                     not_before=now, at=now)

    async def _override(self, actor: Actor, item_id: int, person_id: int, text: str) -> Item:
        reason = clean_text(text)[:MAX_REASON].strip()
        if not reason:
            raise ProgrammeError("override_no_reason")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            await repo.add_member(conn, item_id, person_id, now, override_reason=reason)
            if row["status"] == ProgrammeStatus.active:
                await self._tell_team(conn, actor, item_id, [person_id], NoticeKind.programme_team_added, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                               action="impartiality_override", after={"person": person_id, "reason": reason})
            await self._end_typing(conn, actor, item_id)
            return await self._item(conn, row, actor.lang, self.today(), team=True)

    # --- saving and cancelling ---------------------------------------------------------------

    async def save(self, actor: Actor, item_id: int) -> Item:
        """✅ Save a draft into the programme: it needs a team and a window not in the past."""
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            if row["team_size"] == 0:
                raise ProgrammeError("team_empty")
            self._checked(rules.Window(date.fromisoformat(row["window_start"]), date.fromisoformat(row["window_end"])))
            if row["status"] == ProgrammeStatus.draft:
                await repo.update(conn, item_id, now, status=ProgrammeStatus.active)
                await self._tell_team(conn, actor, item_id, [m["person_id"] for m in await repo.team(conn, item_id)],
                                      NoticeKind.programme_team_added, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                                   action="added", after={"department": row["department"],
                                                          "window": [row["window_start"], row["window_end"]]})
            state = await dialogs.get(conn, actor.id)
            if state is not None and state["flow"] == FLOW:
                await dialogs.clear(conn, actor.id)
            return await self._item(conn, await repo.get(conn, item_id), actor.lang, self.today(), team=True)

    async def cancel(self, actor: Actor, item_id: int) -> Item:
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._row(conn, item_id, editable=True)
            await repo.update(conn, item_id, now, status=ProgrammeStatus.cancelled)
            await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                               action="cancelled", before={"status": row["status"]})
            state = await dialogs.get(conn, actor.id)
            if state is not None and state["flow"] == FLOW:
                await dialogs.clear(conn, actor.id)
            return await self._item(conn, await repo.get(conn, item_id), actor.lang, self.today())

    # --- the reminder pass ---------------------------------------------------------------------

    async def plan_notices(self) -> int:
        """Queue the team's reminders (latest stage only) and the leads' missed notices."""
        now = self.clock.now()
        today = self.today()
        send_at = not_before(self.rules, now)
        last = max(rules.REMIND_BEFORE_DAYS)
        queued = 0
        async with self.db.transaction(claim=False) as conn:
            for row in await repo.opening_between(conn, today, date.fromordinal(today.toordinal() + last)):
                stage = rules.reminder_stage(date.fromisoformat(row["window_start"]), today)
                if stage is None:
                    continue
                queued += await outbox.enqueue(
                    conn, dedupe_key=f"prog:{row['id']}:{row['window_start']}:{stage}:{row['person_id']}",
                    chat_id=row["person_id"], kind=NoticeKind.programme_reminder,
                    payload={"item": row["id"], "stage": stage}, not_before=send_at, at=now)
            missed = await repo.missed(conn, today)
            if missed:
                leads = await people.with_role(conn, Role.lead)
                for row in missed:
                    for lead in leads:
                        queued += await outbox.enqueue(
                            conn, dedupe_key=f"progmissed:{row['id']}:{row['window_end']}:{lead['id']}",
                            chat_id=lead["id"], kind=NoticeKind.programme_missed, payload={"item": row["id"]},
                            not_before=send_at, at=now)
        return queued

    async def notice(self, conn, kind: str, payload: dict, chat_id: int, lang: str) -> dict | None:
        """What a queued reminder or missed notice shows now; None once it no longer applies."""
        today = self.today()
        row = await repo.get(conn, payload["item"])
        if row is None:
            return None
        item = await self._item(conn, row, lang, today, team=True)
        on_team = chat_id in {m["person_id"] for m in item.team}
        if kind == NoticeKind.programme_team_removed:  # unless put back on since
            return None if on_team else {"item": item, "by": await _name(conn, payload.get("by"))}
        if row["status"] != ProgrammeStatus.active:
            return None
        if kind == NoticeKind.programme_team_added:
            return {"item": item, "by": await _name(conn, payload.get("by"))} if on_team else None
        if kind == "programme_reminder":
            if item.state != ProgrammeState.planned or rules.reminder_stage(item.window_start, today) != payload["stage"]:
                return None
            if chat_id not in {m["person_id"] for m in item.team}:
                return None
            return {"item": item, "stage": payload["stage"], "days": (item.window_start - today).days}
        if kind == "programme_missed":
            return {"item": item} if item.state == ProgrammeState.missed else None
        return None

    # --- suggestions -----------------------------------------------------------------------------

    async def suggestions(self, actor: Actor) -> Suggestions:
        _require_lead(actor)
        async with self.db.read() as conn:
            return await self._suggestions(conn)

    async def _suggestions(self, conn) -> Suggestions:
        today = self.today()
        last = {r["department_id"]: r for r in await repo.last_audits(conn)}
        risks = await repo.latest_risks(conn)
        upcoming = await repo.upcoming_departments(conn, today)
        items = []
        for department in await departments.list_active(conn):
            if department["id"] in upcoming:
                continue
            audit = last.get(department["id"])
            completed = from_db(audit["completed_at"]).astimezone(self.settings.tz).date() if audit else None
            risk = risks.get(department["id"], Risk.normal)
            nxt = rules.next_audit(risk, completed, bool(audit and audit["majors"]), today)
            items.append(Suggestion(department["id"], department["name"], risk, nxt.window.start, nxt.window.end,
                                    nxt.reason, nxt.months, audit["number"] if audit else None, completed))
        ordered = sorted(items, key=lambda s: (s.window_start, s.department.casefold()))
        if not last:  # no history: listing every clause as "not audited for 3 years" says nothing
            return Suggestions(ordered, [], never_audited=True)
        return Suggestions(ordered, await self._clause_gaps(conn, today))

    async def _clause_gaps(self, conn, today: date) -> list[str]:
        """Clauses of the checklists on offer that no completed audit answered in CLAUSE_GAP_YEARS."""
        since = datetime.combine(rules.gap_cutoff(today), time(), self.settings.tz)
        answered = await repo.audited_since(conn, since)
        keys = sorted({(r["checklist_id"], r["checklist_version"]) for r in answered})
        covered: set[str] = set()
        snapshots = {(r["checklist_id"], r["checklist_version"]): Checklist.from_json(r["checklist_json"])
                     for r in await repo.snapshots_of(conn, keys)}
        for row in answered:
            checklist = snapshots.get((row["checklist_id"], row["checklist_version"]))
            if checklist is not None:
                clause = {q.id: q.clause for _, q in checklist.questions()}.get(row["question_id"])
                if clause:
                    covered.add(_top_clause(clause))
        offered = {_top_clause(q.clause) for c in self.checklists.values() for _, q in c.questions()}
        return sorted(offered - covered, key=clause_key)

    async def accept(self, actor: Actor, department_id: int | None = None) -> list[Item]:
        """Accept one suggestion (``department_id``) or all: each becomes a planned audit with a
        team of the auditor free of conflicts who has the fewest planned audits (others before
        the lead who accepts); refused when no auditor is free of conflicts for one of them."""
        _require_lead(actor)
        now, today = self.clock.now(), self.today()
        created = []
        async with self.db.transaction() as conn:
            await repo.whole_programme(conn)  # two leads accepting at once: one after the other
            found = (await self._suggestions(conn)).items
            chosen = [s for s in found if department_id is None or s.department_id == department_id]
            if not chosen:
                raise ProgrammeError("no_suggestion")
            load = await repo.planned_counts(conn)
            auditors = await repo.auditors(conn)
            for suggestion in chosen:
                conflicts = await repo.conflicts(conn, suggestion.department_id)
                free = [p for p in auditors if p["id"] not in conflicts]
                if not free:  # an override needs the lead's reason: by ➕ Add, not wholesale
                    raise ProgrammeError("no_free_auditor", department=suggestion.department)
                member = min(free, key=lambda p: (load.get(p["id"], 0), p["id"] == actor.id, p["id"]))["id"]
                load[member] = load.get(member, 0) + 1
                item_id = await repo.create(
                    conn, department_id=suggestion.department_id, checklist_id=sorted(self.checklists)[0],
                    window_start=suggestion.window_start, window_end=suggestion.window_end, risk=suggestion.risk,
                    status=ProgrammeStatus.active, created_by=actor.id, at=now, reason=suggestion.reason)
                await repo.add_member(conn, item_id, member, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                                   action="accepted", after={"department": suggestion.department,
                                                             "reason": suggestion.reason})
                created.append(await self._item(conn, await repo.get(conn, item_id), actor.lang, today, team=True))
        return created


    # --- the workbook --------------------------------------------------------------------------

    async def export(self, actor: Actor, year: int) -> bytes:
        """The year's programme as an .xlsx (the same columns the import reads)."""
        view = await self.overview(actor, year)
        rows = [{"id": i.id, "department": i.department, "checklist": i.checklist_id, "window_start": i.window_start,
                 "window_end": i.window_end, "risk": i.risk, "team": [m["name"] for m in i.team], "state": i.state,
                 "impartiality": "; ".join(f"{m['name']}: {m['override_reason']}" for m in i.team
                                           if m["override_reason"])}
                for i in view.items if not i.draft]
        return await asyncio.to_thread(workbook.write_programme, rows, actor.lang)

    async def ask_workbook(self, actor: Actor) -> None:
        """📥 Import: the next file sent is the programme workbook."""
        _require_lead(actor)
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting="workbook", at=self.clock.now())

    async def import_workbook(self, actor: Actor, size: int | None, fetch: Fetch) -> ImportOutcome:
        """Check the whole workbook; apply all of it in one transaction, or nothing and every problem."""
        _require_lead(actor)
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != FLOW or state["awaiting"] != "workbook":
            raise ProgrammeError("use_buttons")
        if size is not None and size > MAX_FILE_BYTES:
            return ImportOutcome(problems=[too_big(size)])
        read = await asyncio.to_thread(workbook.read_programme, await fetch())
        if read.problems and not read.rows:
            return ImportOutcome(problems=read.problems)
        now, today = self.clock.now(), self.today()
        async with self.db.transaction() as conn:
            await repo.whole_programme(conn)
            plans, problems = await self._check_rows(conn, read.rows, today)
            problems = sorted(read.problems + problems, key=lambda p: (p.row or 0, p.column or 0))
            if problems:
                return ImportOutcome(problems=problems)
            changed = added = 0
            for row, plan in plans:
                if plan is None:
                    continue
                values = {k: plan[k] for k in ("checklist_id", "window_start", "window_end", "risk")}
                if row.item_id is None:
                    item_id = await repo.create(conn, department_id=plan["department_id"], created_by=actor.id,
                                                at=now, status=ProgrammeStatus.active, **values)
                    added += 1
                else:
                    item_id = row.item_id
                    await repo.update(conn, item_id, now, **values)
                    if plan["department_id"] != plan["old_department_id"]:
                        await repo.move_department(conn, item_id, plan["department_id"])
                    changed += 1
                for person_id in plan["remove"]:
                    await repo.remove_member(conn, item_id, person_id)
                for person_id in plan["add"]:
                    await repo.add_member(conn, item_id, person_id, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="programme", entity_id=item_id,
                                   action="imported", after={k: str(v) for k, v in values.items()})
            await dialogs.clear(conn, actor.id)
        return ImportOutcome(changed, added)

    async def _check_rows(self, conn, rows: list[workbook.Row], today: date) -> tuple[list, list[Problem]]:
        """What each row changes (None: nothing), and every problem of meaning, by row and column."""
        problem = workbook.problem
        by_name = {d["name"].casefold(): d for d in await departments.list_active(conn)}
        auditors: dict[str, list[int]] = {}
        for person in await repo.auditors(conn):
            auditors.setdefault(person["name"].strip().casefold(), []).append(person["id"])
        checklists = {c.id.casefold(): c.id for c in self.checklists.values()}
        for c in self.checklists.values():
            for lang in ("zh", "en"):
                checklists.setdefault(c.title.get(lang).strip().casefold(), c.id)
        problems: list[Problem] = []
        plans: list[tuple[workbook.Row, dict | None]] = []
        seen: dict[int, int] = {}
        for row in rows:
            existing, before = None, len(problems)
            if row.item_id is not None:
                if row.item_id in seen:
                    problems.append(problem("pg_id_duplicate", row, "id", value=row.item_id, other=seen[row.item_id]))
                    continue
                seen[row.item_id] = row.number
                existing = await repo.get(conn, row.item_id)
                if existing is None or existing["status"] != ProgrammeStatus.active:
                    problems.append(problem("pg_id_unknown", row, "id", value=row.item_id))
                    continue
            department = by_name.get(row.department.casefold())
            if department is None and row.department:
                problems.append(problem("pg_department_unknown", row, "department", value=row.department))
            checklist_id = checklists.get(row.checklist.casefold())
            if checklist_id is None and row.checklist:
                problems.append(problem("pg_checklist_unknown", row, "checklist", value=row.checklist,
                                        known=", ".join(sorted(self.checklists))))
            window_ok = row.window_start is not None and row.window_end is not None
            same_window = existing is not None and window_ok and (
                row.window_start.isoformat(), row.window_end.isoformat()) == (existing["window_start"],
                                                                              existing["window_end"])
            if window_ok and row.window_end < row.window_start:
                problems.append(problem("pg_window_reversed", row, "window_end"))
                window_ok = False
            elif window_ok and row.window_end < today and not same_window:
                problems.append(problem("pg_window_past", row, "window_end", value=row.window_end.isoformat()))
                window_ok = False
            team: list[int] = []
            for name in row.team:
                found = auditors.get(name.casefold(), [])
                if len(found) != 1:
                    problems.append(problem("pg_auditor_unknown" if not found else "pg_auditor_ambiguous", row,
                                            "team", value=name))
                elif found[0] not in team:
                    team.append(found[0])
            if len(problems) > before or department is None or checklist_id is None or not window_ok or not team:
                plans.append((row, None))
                continue
            members = {m["person_id"]: m for m in await repo.team(conn, existing["id"])} if existing else {}
            conflicts = await repo.conflicts(conn, department["id"])
            for person_id in team:
                if person_id in conflicts and not (members.get(person_id) or {}).get("override_reason"):
                    name = next(n for n in row.team if person_id in auditors.get(n.casefold(), []))
                    problems.append(problem(f"pg_impartiality_{conflicts[person_id]}", row, "team", value=name))
            plan = {"department_id": department["id"], "old_department_id": existing["department_id"] if existing
                    else None, "checklist_id": checklist_id, "window_start": row.window_start,
                    "window_end": row.window_end, "risk": row.risk,
                    "add": [p for p in team if p not in members], "remove": [p for p in members if p not in team]}
            if existing is not None:
                started = existing["audit_id"] is not None and existing["audit_status"] != "cancelled"
                unchanged = same_window and not plan["add"] and not plan["remove"] and (
                    checklist_id, row.risk, department["id"]) == (existing["checklist_id"], existing["risk"],
                                                                 existing["department_id"])
                if unchanged:
                    plan = None
                elif started:
                    problems.append(problem("pg_started", row, None, number=existing["audit_number"]))
            plans.append((row, plan))
        return plans, problems


def _top_clause(clause: str) -> str:
    """'7.1.5' → '7.1': clauses are compared at the second level."""
    parts = clause.strip().split(".")
    return ".".join(parts[:2])


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise NotAllowed()


async def _name(conn, person_id: int | None) -> str:
    person = await people.get(conn, person_id) if person_id else None
    return person["name"] if person else ""
