"""The audit interview: plan, opening meeting, questions, closing meeting, completion.

Everything is saved the moment it arrives; a person's place in an audit is kept in the
database (audit_team.position), so a restart loses nothing. No Telegram here.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.checklists import Checklist, EvidenceRule
from bot.clock import Clock
from bot.services.dates import parse_date
from bot.services.errors import ServiceError
from bot.services.people_service import Actor, clean_name
from bot.services.text import clean_text
from bot.services.thumbnails import make_thumbnail
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, departments, evidence, findings, people, trail

RESULTS = ("conform", "minor", "major", "observation", "ofi", "good", "na")
NONCONFORMITIES = ("major", "minor")
# Numbering at completion: major and minor share the NC series.
FINDING_SERIES = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI", "good": "GP"}
CARDS = {
    "plan": ("audit_client", "objectives", "scope", "criteria", "location", "date", "participants"),
    "opening": ("attendees",),
    "closing": ("attendees", "conclusions", "divergent"),
}
MAX_FIELD = 2000
SNAPSHOT_CACHE = 256  # parsed checklists of recently used audits
MAX_NOTE = 4096  # Telegram's longest message: a note is kept whole


class AuditError(ServiceError):
    """A request the audit cannot take; ``details`` say more (e.g. the problems found)."""

    def __init__(self, code: str, **details: Any):
        super().__init__(code)
        self.details = details


@dataclass(frozen=True)
class QuestionView:
    audit_id: int
    number: str
    department: str
    index: int
    total: int
    section_index: int
    section_title: str
    clause: str
    text: str
    guidance: str
    evidence_rule: str
    result: str | None
    notes: list[str]
    evidence_count: int
    answered: int


@dataclass(frozen=True)
class Problem:
    """Something that blocks completion at question ``index``."""

    index: int
    clause: str
    kind: str  # statement | evidence


@dataclass(frozen=True)
class SummaryView:
    audit_id: int
    number: str
    department: str
    status: str
    total: int
    counts: dict[str, int]
    unanswered: list[tuple[int, str, str]]  # (index, clause, question text)
    problems: list[Problem]
    due_dates: list[tuple[int, str, str, date]]  # (index, clause, kind, due date) per NC


@dataclass(frozen=True)
class CardView:
    audit_id: int
    number: str
    department: str
    checklist_title: str
    status: str
    card: str
    values: dict[str, Any]
    team: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Completed:
    audit_id: int
    number: str
    findings: list[dict]
    capa_ids: list[int]
    department: str = ""
    staff: int = 0  # active contacts of the department: none means the actions wait for one
    can_invite: bool = False  # the person who completed it may invite that contact (a lead)


class AuditService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, checklists: dict[str, Checklist],
                 files: FileStore, on_photo: Callable[[str], None] | None = None):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.checklists = checklists
        self.files = files
        self._snapshots: dict[int, Checklist] = {}
        self.on_photo = on_photo  # told the SHA-256 of each new photo (reports prepare it)

    # --- starting ---------------------------------------------------------------------------

    def checklist_choices(self, lang: str) -> list[dict]:
        return [
            {"id": c.id, "title": c.title.get(lang), "questions": len(c.question_ids())}
            for c in sorted(self.checklists.values(), key=lambda c: c.id)
        ]

    async def department_choices(self) -> list[dict]:
        async with self.db.read() as conn:
            return [dict(r) for r in await departments.list_active(conn)]

    async def department_id_for(self, name: str) -> int:
        """The id of the department called ``name``, creating it when new."""
        name = clean_name(name)
        if not name:
            raise AuditError("department_name_empty")
        async with self.db.transaction() as conn:
            department_id, _ = await departments.get_or_create(conn, name, self.clock.now())
        return department_id

    async def create(self, actor: Actor, checklist_id: str, department_id: int, *,
                     plan_defaults: dict[str, str] | None = None) -> int:
        """A new audit in planning, its plan filled with ``plan_defaults``, date and place."""
        _require_auditor(actor)
        checklist = self.checklists.get(checklist_id)
        if checklist is None:
            raise AuditError("stale")
        now = self.clock.now()
        local = now.astimezone(self.settings.tz)
        async with self.db.transaction() as conn:
            department = await departments.get(conn, department_id)
            if department is None or not department["active"]:
                raise AuditError("stale")
            audit_id, number = await audits.create(
                conn, checklist_id=checklist.id, checklist_version=checklist.version,
                checklist_json=checklist.to_json(), department_id=department_id, lang=actor.lang,
                created_by=actor.id, at=now, number_prefix=f"A-{local:%Y}-",
            )
            plan = {**(plan_defaults or {}), "date": local.date().isoformat(), "location": department["name"]}
            await audits.set_card(conn, audit_id, "plan", plan, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="created", after={"number": number, "checklist": checklist.id,
                                                        "department": department["name"]})
        return audit_id

    # --- access -----------------------------------------------------------------------------

    async def _audit(self, conn, actor: Actor, audit_id: int, *, writable: bool = True):
        """The audit row if ``actor`` may work on it; leads join the team on first use."""
        _require_auditor(actor)
        row = await audits.get_head(conn, audit_id)
        if row is None:
            raise AuditError("stale")
        if not await audits.is_member(conn, audit_id, actor.id):
            if not actor.is_lead:
                raise AuditError("not_in_team")
            if writable:
                await audits.add_member(conn, audit_id, actor.id, "auditor", self.clock.now())
        if writable and row["status"] in ("completed", "cancelled"):
            raise AuditError("audit_closed", number=row["number"])
        if audit_id not in self._snapshots:
            self._remember(audit_id, Checklist.from_json(await audits.checklist_json(conn, audit_id)))
        return row

    async def ensure_access(self, actor: Actor, audit_id: int) -> None:
        """Raise AuditError unless ``actor`` may see this audit (team member or lead)."""
        async with self.db.read() as conn:
            await self._audit(conn, actor, audit_id, writable=False)

    async def question_count(self, actor: Actor, audit_id: int) -> int:
        async with self.db.read() as conn:
            return len(self.snapshot(await self._audit(conn, actor, audit_id, writable=False)).question_ids())

    async def current_index(self, actor: Actor, audit_id: int) -> int:
        """The question this person is on in this audit (saved with every move)."""
        async with self.db.read() as conn:
            await self._audit(conn, actor, audit_id, writable=False)
            return await audits.position(conn, audit_id, actor.id)

    def snapshot(self, row) -> Checklist:
        """The checklist the audit was run with (parsed once per audit, kept for the next time)."""
        cached = self._snapshots.get(row["id"])
        if cached is None:
            cached = self._remember(row["id"], Checklist.from_json(row["checklist_json"]))
        return cached

    def _remember(self, audit_id: int, checklist: Checklist) -> Checklist:
        if len(self._snapshots) >= SNAPSHOT_CACHE:
            self._snapshots.pop(next(iter(self._snapshots)))
        self._snapshots[audit_id] = checklist
        return checklist

    # --- plan, opening and closing cards ---------------------------------------------------

    async def card(self, actor: Actor, audit_id: int) -> CardView:
        """The card of the audit's current stage (plan, opening or closing)."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            return await self._card_view(conn, row, actor.lang)

    async def _card_view(self, conn, row, lang: str) -> CardView:
        card = {"planning": "plan", "opening": "opening", "closing": "closing"}.get(row["status"], "plan")
        values = json.loads(row[f"{card}_json"])
        team = [dict(t) for t in await audits.team(conn, row["id"])]
        return CardView(row["id"], row["number"], row["department"], self.snapshot(row).title.get(lang),
                        row["status"], card, values, team)

    async def set_field(self, actor: Actor, audit_id: int, card: str, name: str, value: str) -> CardView:
        """Store one field of the plan/opening/closing card, as typed."""
        if card not in CARDS or name not in CARDS[card]:
            raise AuditError("stale")
        text = clean_text(value)
        if not text:
            raise AuditError("field_empty")
        if len(text) > MAX_FIELD:
            raise AuditError("field_too_long")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            values = json.loads(row[f"{card}_json"])
            before = values.get(name)
            values[name] = text
            await audits.set_card(conn, audit_id, card, values, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action=f"{card}.{name}", before=before, after=text)
            return await self._card_view(conn, await audits.get_head(conn, audit_id), actor.lang)

    async def toggle_scope_confirmed(self, actor: Actor, audit_id: int) -> CardView:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            values = json.loads(row["opening_json"])
            values["scope_confirmed"] = not values.get("scope_confirmed", False)
            await audits.set_card(conn, audit_id, "opening", values, now)
            return await self._card_view(conn, await audits.get_head(conn, audit_id), actor.lang)

    async def advance_stage(self, actor: Actor, audit_id: int, expected: str) -> str:
        """Confirm the card of stage ``expected``; returns the new status.

        A second press of the same Confirm (double tap, old message) changes nothing.
        """
        order = {"planning": "opening", "opening": "in_progress", "in_progress": "closing"}
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != expected:
                raise AuditError("stale")
            new = order[expected]
            if expected == "opening":
                opening = json.loads(row["opening_json"])
                opening["held_at"] = now.isoformat()
                await audits.set_card(conn, audit_id, "opening", opening, now)
            await audits.set_status(conn, audit_id, new, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="status", before=expected, after=new)
            return new

    async def reopen_questions(self, actor: Actor, audit_id: int) -> None:
        """From the closing card back to the questions."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] == "closing":
                await audits.set_status(conn, audit_id, "in_progress", now)

    async def team_choices(self, actor: Actor, audit_id: int) -> tuple[CardView, list[dict]]:
        """Auditors who may be added to the team, with whether they are in it."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            view = await self._card_view(conn, row, actor.lang)
            members = {t["id"] for t in view.team}
            candidates = [dict(p) for p in await people.with_role(conn, "auditor")]
            candidates += [dict(p) for p in await people.with_role(conn, "lead")
                           if p["id"] not in {c["id"] for c in candidates}]
        return view, [
            {"id": p["id"], "name": p["name"], "member": p["id"] in members}
            for p in candidates if p["id"] != actor.id
        ]

    async def toggle_member(self, actor: Actor, audit_id: int, person_id: int) -> bool:
        """Add or remove a co-auditor; returns whether they are in the team now."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            person = await people.get(conn, person_id)
            roles = {r["role"] for r in await people.roles(conn, person_id)}
            if person is None or not person["active"] or not roles & {"auditor", "lead"} or person_id == actor.id:
                raise AuditError("stale")
            if person_id == row["created_by"]:
                raise AuditError("stale")
            if await audits.is_member(conn, audit_id, person_id):
                await conn.execute("DELETE FROM audit_team WHERE audit_id = ? AND person_id = ?",
                                   (audit_id, person_id))
                member = False
            else:
                await audits.add_member(conn, audit_id, person_id, "auditor", now)
                member = True
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="team_added" if member else "team_removed", after={"person": person_id})
        return member

    # --- questions ----------------------------------------------------------------------------

    async def question(self, actor: Actor, audit_id: int, index: int | None = None) -> QuestionView:
        """Question ``index`` (default: where this person is) and remember the place."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != "in_progress":
                raise AuditError("not_in_questions", status=row["status"])
            checklist = self.snapshot(row)
            total = len(checklist.question_ids())
            if index is None:
                index = await audits.position(conn, audit_id, actor.id)
            if not 0 <= index < total:
                raise AuditError("stale")
            await audits.set_position(conn, audit_id, actor.id, index)
            return await self._question_view(conn, row, checklist, index, actor.lang)

    async def _question_view(self, conn, row, checklist: Checklist, index: int, lang: str) -> QuestionView:
        """The question in the reader's language (the checklist is bilingual)."""
        pairs = checklist.questions()
        section, question = pairs[index]
        answer = await audits.answer(conn, row["id"], question.id)
        notes = [n["text"] for n in await audits.notes(conn, row["id"], question.id)]
        files = await evidence.of_audit(conn, row["id"], question.id)
        answered = await audits.answer_count(conn, row["id"])
        return QuestionView(
            audit_id=row["id"], number=row["number"], department=row["department"], index=index,
            total=len(pairs), section_index=checklist.sections.index(section),
            section_title=section.title.get(lang), clause=question.clause, text=question.text.get(lang),
            guidance=question.guidance.get(lang), evidence_rule=question.evidence.value,
            result=answer["result"] if answer else None, notes=notes, evidence_count=len(files),
            answered=answered,
        )

    async def record_result(self, actor: Actor, audit_id: int, index: int, result: str) -> tuple[QuestionView, bool]:
        """Set the result of question ``index``; the earlier one stays in the trail.

        Returns the view and whether anything changed (a double tap changes nothing).
        """
        if result not in RESULTS:
            raise AuditError("stale")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            checklist = self.snapshot(row)
            question_id = _question_id(checklist, index)
            if row["status"] != "in_progress":
                raise AuditError("not_in_questions", status=row["status"])
            current = await audits.answer(conn, audit_id, question_id)
            changed = current is None or current["result"] != result
            if changed:
                await audits.set_answer(conn, audit_id, question_id, result, actor.id, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="answer",
                                   entity_id=f"{audit_id}:{question_id}", action="result",
                                   before=current["result"] if current else None, after=result)
                await audits.touch(conn, audit_id, now)
            await audits.set_position(conn, audit_id, actor.id, index)
            return await self._question_view(conn, row, checklist, index, actor.lang), changed

    async def add_note(self, actor: Actor, audit_id: int, index: int, text: str) -> QuestionView:
        note = clean_text(text, MAX_NOTE)
        if not note:
            raise AuditError("field_empty")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            checklist = self.snapshot(row)
            question_id = _question_id(checklist, index)
            note_id = await audits.add_note(conn, audit_id, question_id, actor.id, note, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                               action="added", after={"question": question_id, "text": note})
            await audits.touch(conn, audit_id, now)
            return await self._question_view(conn, row, checklist, index, actor.lang)

    async def add_evidence(
        self, actor: Actor, audit_id: int, index: int, *, kind: str, data: bytes, file_name: str | None,
        mime_type: str | None, caption: str | None, telegram_file_id: str | None,
    ) -> QuestionView:
        """Store a file (by SHA-256, once) with a thumbnail for photos, and file it under the question."""
        async with self.db.read() as conn:  # check access before writing any file
            await self._audit(conn, actor, audit_id, writable=False)
        sha = await asyncio.to_thread(self.files.put, data)
        thumb_sha = None
        if kind == "photo":
            thumb = await asyncio.to_thread(make_thumbnail, data)
            thumb_sha = await asyncio.to_thread(self.files.put, thumb) if thumb else None
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            checklist = self.snapshot(row)
            question_id = _question_id(checklist, index)
            evidence_id = await evidence.add(
                conn, kind=kind, sha256=sha, size=len(data), person_id=actor.id, at=now, audit_id=audit_id,
                question_id=question_id, thumb_sha256=thumb_sha, file_name=file_name, mime_type=mime_type,
                caption=clean_text(caption or "", MAX_FIELD) or None, telegram_file_id=telegram_file_id,
            )
            await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=evidence_id,
                               action="added", after={"question": question_id, "sha256": sha, "kind": kind})
            await audits.touch(conn, audit_id, now)
            view = await self._question_view(conn, row, checklist, index, actor.lang)
        if kind == "photo" and self.on_photo is not None:
            self.on_photo(sha)
        return view

    async def sections(self, actor: Actor, audit_id: int) -> list[dict]:
        """Sections with their first question index and how many are answered."""
        async with self.db.read() as conn:
            row = await self._audit(conn, actor, audit_id, writable=False)
            answered = await audits.answers(conn, audit_id)
        checklist = self.snapshot(row)
        result, index = [], 0
        for section in checklist.sections:
            done = sum(1 for q in section.questions if q.id in answered)
            result.append({"index": index, "title": section.title.get(actor.lang), "done": done,
                           "total": len(section.questions)})
            index += len(section.questions)
        return result

    # --- summary and completion ---------------------------------------------------------------

    async def summary(self, actor: Actor, audit_id: int) -> SummaryView:
        async with self.db.read() as conn:
            row = await self._audit(conn, actor, audit_id, writable=False)
            answers = await audits.answers(conn, audit_id)
            note_counts = await audits.note_counts(conn, audit_id)
            evidence_counts = await audits.evidence_counts(conn, audit_id)
        checklist = self.snapshot(row)
        lang = actor.lang
        counts = Counter(a["result"] for a in answers.values())
        unanswered, problems, due = [], [], []
        closing = json.loads(row["closing_json"])
        chosen_due = closing.get("due_dates", {})
        for index, (_, question) in enumerate(checklist.questions()):
            answer = answers.get(question.id)
            if answer is None:
                unanswered.append((index, question.clause, question.text.get(lang)))
                continue
            if answer["result"] in NONCONFORMITIES:
                if not note_counts.get(question.id):
                    problems.append(Problem(index, question.clause, "statement"))
                if question.evidence is EvidenceRule.required and not evidence_counts.get(question.id):
                    problems.append(Problem(index, question.clause, "evidence"))
                default = self.default_due_date(answer["result"])
                picked = chosen_due.get(str(index))
                due.append((index, question.clause, answer["result"],
                            date.fromisoformat(picked) if picked else default))
        return SummaryView(audit_id, row["number"], row["department"], row["status"],
                           len(checklist.question_ids()), {r: counts.get(r, 0) for r in RESULTS},
                           unanswered, problems, due)

    def default_due_date(self, result: str) -> date:
        days = self.settings.major_due_days if result == "major" else self.settings.minor_due_days
        return self.clock.now().astimezone(self.settings.tz).date() + timedelta(days=days)

    async def set_due_date(self, actor: Actor, audit_id: int, index: int, due: date | str) -> None:
        """Change the due date of the action for the NC at ``index`` before completion.

        ``due`` may be the text the auditor typed (any form ``parse_date`` reads).
        """
        today = self.clock.now().astimezone(self.settings.tz).date()
        if isinstance(due, str):
            due = parse_date(due, today)
            if due is None:
                raise AuditError("due_unreadable")
        if due <= today:
            raise AuditError("due_in_past")
        if due > today + timedelta(days=730):
            raise AuditError("due_too_far")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            _question_id(self.snapshot(row), index)
            closing = json.loads(row["closing_json"])
            closing.setdefault("due_dates", {})[str(index)] = due.isoformat()
            await audits.set_card(conn, audit_id, "closing", closing, now)

    async def complete(self, actor: Actor, audit_id: int) -> Completed:
        """Number the findings and create one corrective action per nonconformity."""
        summary = await self.summary(actor, audit_id)
        if summary.problems:
            raise AuditError("cannot_complete", problems=summary.problems)
        due_by_index = {index: due for index, _, _, due in summary.due_dates}
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != "closing":
                raise AuditError("stale")
            checklist = self.snapshot(row)
            answers = await audits.answers(conn, audit_id)
            serial: Counter[str] = Counter()
            made, capa_ids = [], []
            for index, (_, question) in enumerate(checklist.questions()):
                answer = answers.get(question.id)
                if answer is None or answer["result"] not in FINDING_SERIES:
                    continue
                kind = answer["result"]
                series = FINDING_SERIES[kind]
                serial[series] += 1
                number = f"{series}{serial[series]}"
                statement = "\n".join(n["text"] for n in await audits.notes(conn, audit_id, question.id))
                finding_id = await findings.add_finding(conn, audit_id=audit_id, question_id=question.id,
                                                        kind=kind, number=number, statement=statement, at=now)
                made.append({"number": number, "kind": kind, "clause": question.clause})
                if kind in NONCONFORMITIES:
                    capa_id = await findings.add_capa(
                        conn, finding_id=finding_id, audit_id=audit_id, department_id=row["department_id"],
                        auditor_id=answer["answered_by"], due_date=due_by_index[index], at=now)
                    capa_ids.append(capa_id)
            closing = json.loads(row["closing_json"])
            closing["held_at"] = closing.get("held_at") or now.isoformat()
            await audits.set_card(conn, audit_id, "closing", closing, now)
            await audits.set_status(conn, audit_id, "completed", now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="completed", after={"findings": [m["number"] for m in made]})
            staff = len(await people.staff_of(conn, row["department_id"])) if capa_ids else 0
        return Completed(audit_id, row["number"], made, capa_ids, row["department"], staff, actor.is_lead)

    # --- lists ---------------------------------------------------------------------------------

    async def unfinished(self, actor: Actor) -> list[dict]:
        async with self.db.read() as conn:
            rows = await audits.unfinished_of(conn, actor.id)
        result = []
        for row in rows:
            total = len(self.snapshot(row).question_ids())
            result.append({"id": row["id"], "number": row["number"], "department": row["department"],
                           "status": row["status"], "answered": row["answered"], "total": total})
        return result


def _question_id(checklist: Checklist, index: int) -> str:
    ids = checklist.question_ids()
    if not 0 <= index < len(ids):
        raise AuditError("stale")
    return ids[index]


def _require_auditor(actor: Actor) -> None:
    if not actor.is_auditor or not actor.active:
        raise AuditError("not_allowed")

