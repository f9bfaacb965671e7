"""The audit interview: plan, opening meeting, questions, closing meeting, completion.

Everything is saved the moment it arrives. A person's place in an audit (the question they
are on) is kept once, with the audit's team (audit_team.position), so a restart loses
nothing; their dialog (which audit typed text goes to, what typed input is awaited, which
message is the live card) is in dialog_state, written only here. No Telegram here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.carry_over import Carried
from bot.domain.checklists import Checklist, EvidenceRule
from bot.domain.clock import Clock
from bot.domain.dates import read_date
from bot.domain.errors import AuditError, ServiceError
from bot.domain.repeat import RepeatBasis, repeat_of
from bot.domain.text import clean_text
from bot.domain.vocabulary import (
    FINDING_RESULTS,
    NONCONFORMITIES,
    AuditStatus,
    NoticeKind,
    ProgrammeStatus,
    Result,
    Role,
)
from bot.services import conclusions, revision_notices
from bot.services.carry_over_service import NOT_EFFECTIVE, CarryOver
from bot.services.conclusions import ConclusionError, Conclusions
from bot.services.na_reasons import NA_REASON, NaReasons
from bot.services.people_service import Actor, clean_name
from bot.services.reminder_service import queue_new_actions
from bot.services.thumbnails import store_file
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import (
    audits,
    carry_over,
    departments,
    dialogs,
    evidence,
    findings,
    outbox,
    people,
    programme,
    repeats,
    report_flow,
    revisions,
    trail,
)
from storage.times import from_db

FLOW = "audit"  # working in an audit: typed text and files go to it
NEW_FLOW = "audit_new"  # choosing the checklist and department of a new audit
REOPEN_FLOW = "audit_reopen"  # a lead typing the reason to reopen a completed audit
CARDS = {
    "plan": ("audit_client", "objectives", "scope", "criteria", "location", "date", "participants"),
    "opening": ("attendees",),
    "closing": ("attendees", "conclusions", "divergent"),
}
MAX_FIELD = 2000
SNAPSHOT_CACHE = 256  # parsed checklists of recently used audits
MAX_NOTE = 4096  # Telegram's longest message: a note is kept whole
SUMMARY_PAGE = 8  # buttons to questions per page of the summary
QUICK_DUE_DAYS = (30, 60, 90)  # the due date's quick buttons, as the CAPA step has
JUMP = "jump"  # awaiting: the summary or the sections list is shown, a typed number goes there


@dataclass(frozen=True)
class QuestionView:
    audit_id: int
    number: str
    department: str
    index: int
    total: int
    section_title: str
    clause: str
    text: str
    guidance: str
    evidence_rule: str
    result: str | None
    notes: list[str]
    evidence_count: int
    answered: int
    answered_by: str | None = None  # who recorded the result, and when (local time)
    answered_at: datetime | None = None
    replaced: tuple[str, str] | None = None  # (result, name): another person's answer this one replaced
    repeat_of: tuple[str, list[str]] | None = None  # a repeat finding: (previous audit, its NCs on the clause)
    carried: Carried | None = None  # what the department's previous audit found here
    provided: int = 0  # evidence files the department provided on a document request
    not_applicable: int = 0  # items about this question the department answered "not applicable"
    na_reason_for: int | None = None  # the N/A just given (its index): the card offers its optional reason


@dataclass(frozen=True)
class Problem:
    """Something that blocks completion at question ``index``."""

    index: int
    clause: str
    kind: str  # statement | evidence
    text: str = ""  # the question, to name it (three questions may share a clause)


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
    position: int = 0  # the question the person was on (a button goes back to it)
    by_person: dict[str, int] = field(default_factory=dict)  # results recorded per team member
    page: int = 0  # of the buttons to the questions needing attention
    revising: bool = False  # completed before and reopened: a record, never discarded
    revision_open: bool = False  # reopened by a lead (not sent back for changes): ↩️ can withdraw it
    # a revision: the NCs (by question index) whose corrective action goes on: (its finding, its state);
    # their due date is the action's (extended, maybe), not one to choose
    kept_actions: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def attention(self) -> list[tuple[str, int, str, str]]:
        """What the summary's buttons lead to, problems first: (kind, index, clause, text),
        kind 'statement', 'evidence' or 'unanswered'."""
        return ([(p.kind, p.index, p.clause, p.text) for p in self.problems]
                + [("unanswered", index, clause, text) for index, clause, text in self.unanswered])

    @property
    def unanswered_numbers(self) -> str:
        """The unanswered questions' numbers, runs shortened: "3, 5–12, 40"."""
        runs: list[list[int]] = []
        for index, _, _ in self.unanswered:
            if runs and runs[-1][1] == index:
                runs[-1][1] = index + 1
            else:
                runs.append([index + 1, index + 1])
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.attention) // SUMMARY_PAGE))


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
    summary: SummaryView | None = None  # the closing card shows the summary too
    history: dict[str, Any] | None = None  # the plan card: previous audit, open actions, the programme


@dataclass(frozen=True)
class Sections:
    """The sections list, with the question the person was on (to go back to)."""

    audit_id: int
    sections: list[dict]
    position: int


@dataclass(frozen=True)
class Completed:
    audit_id: int
    number: str
    findings: list[dict]
    capa_ids: list[int]
    department: str = ""
    staff: int = 0  # active contacts of the department: none means the actions wait for one
    can_invite: bool = False  # the person who completed it may invite that contact (a lead)
    revision: int = 1  # 2, 3, … after a reopening
    cancelled: int = 0  # actions cancelled because their finding was withdrawn


@dataclass(frozen=True)
class CompletionPreview:
    """What completing the audit will do (the confirmation asks before it happens)."""

    audit_id: int
    number: str
    department: str
    findings: dict[str, int]  # per series (NC, OBS, OFI, GP), those with any
    actions: int  # corrective actions to create and send (one per new nonconformity)
    staff: int  # active contacts of the department who will receive them
    kept: int = 0  # a revision: live actions of findings that stay, kept as they are
    conclusion: str = ""  # the closing card's conclusions, shown to confirm (a revision: to review)
    revising: bool = False
    suggestion: str = ""  # none written: a conclusion from the counts, in the audit's language
    suggestion_mark: int = 0  # its check (conclusions.mark), carried by its one-tap button
    review_conclusion: bool = False  # a revision with the conclusion of the last completion: keep or edit
    concluded_in: int = 0  # that completion's revision
    changes: tuple[tuple[str, int, int], ...] = ()  # (result, count then, count now) changed since


@dataclass(frozen=True)
class Discarding:
    """An audit being (or just) discarded."""

    audit_id: int
    number: str
    department: str
    answered: int
    status: str = AuditStatus.planning  # where "◀ Keep it" returns: the plan card, or the summary


@dataclass(frozen=True)
class FileMoveChoice:
    """↪ on a file: where it is and the questions it may go to (clause, text), in order."""

    audit_id: int
    evidence_id: int
    current: int  # the index of the question it is on
    questions: list[tuple[str, str]]


@dataclass(frozen=True)
class QuestionRecords:
    """The notes and files of one question, to correct (while the audit is open)."""

    audit_id: int
    number: str
    index: int
    clause: str
    text: str
    notes: list[dict]  # id, text, person, created_at, edited_at
    files: list[dict]  # id, kind, caption, file_name, person


@dataclass(frozen=True)
class SectionAssignment:
    """The sections of an audit, and which of them are assigned to one co-auditor."""

    audit_id: int
    number: str
    person_id: int
    person: str
    sections: list[dict]  # index, title, first (question index), mine, other (another person's name)


Stage = CardView | QuestionView
ONE_TAP = (Result.conform, Result.na)  # recorded and moved on in one tap


@dataclass(frozen=True)
class Recorded:
    """A result pressed on question ``index``: what now shows (that question, or the next
    one and the summary after a one-tap result)."""

    result: Result
    changed: bool  # False: the same result again (a double tap)
    replaced: tuple[str, str] | None  # (result, name): another person's answer this one replaced
    index: int
    view: QuestionView | SummaryView

    @property
    def moved_on(self) -> bool:
        return not isinstance(self.view, QuestionView) or self.view.index != self.index


@dataclass(frozen=True)
class NewAudit:
    """What /audit offers: the checklists, and the planned audits the person may start."""

    checklists: list[dict]
    planned: list[dict] = field(default_factory=list)


class AuditService(CarryOver, Conclusions, NaReasons):
    def __init__(self, db: Database, clock: Clock, settings: Settings, checklists: dict[str, Checklist],
                 files: FileStore, on_photo: Callable[[str], None] | None = None):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.checklists = checklists
        self.files = files
        self._snapshots: dict[int, Checklist] = {}
        self._repeats: dict[int, RepeatBasis | None] = {}  # per audit: its department's previous NCs
        self._carry = {}  # per audit: what its department's previous audit found, by question
        self.on_photo = on_photo  # told the SHA-256 of each new photo (reports prepare it)

    # --- starting ---------------------------------------------------------------------------

    def checklist_choices(self, lang: str) -> list[dict]:
        return [
            {"id": c.id, "title": c.title.get(lang), "questions": len(c.question_ids())}
            for c in sorted(self.checklists.values(), key=lambda c: c.id)
        ]

    async def begin(self, actor: Actor) -> NewAudit:
        """/audit: the checklists to choose from, and the planned audits of the programme the
        person is on the team of (the person is now starting an audit)."""
        _require_auditor(actor)
        today = self.clock.now().astimezone(self.settings.tz).date()
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=NEW_FLOW, at=self.clock.now())
            planned = [dict(r) for r in await programme.planned_for(conn, actor.id, today)]
        return NewAudit(self.checklist_choices(actor.lang), planned)

    async def choose_checklist(self, actor: Actor, checklist_id: str, *, message_id: int | None = None
                               ) -> list[dict]:
        """The checklist of the new audit is chosen (on message ``message_id``, which the
        audit's first card replaces): the departments to choose from."""
        _require_auditor(actor)
        if checklist_id not in self.checklists:
            raise AuditError("stale")
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=NEW_FLOW, data={"checklist": checklist_id},
                              message_id=message_id, at=self.clock.now())
            last = await carry_over.audited_departments(conn)  # "Like last time" is offered for these
            return [{**dict(r), "previous": last.get(r["id"])} for r in await departments.list_active(conn)]

    async def ask_new_department(self, actor: Actor) -> None:
        """"➕ New department": the next text typed is its name."""
        async with self.db.transaction() as conn:
            state = await dialogs.get(conn, actor.id)
            data = await self._new_audit_dialog(conn, actor)
            await dialogs.put(conn, actor.id, flow=NEW_FLOW, awaiting="department", data=data,
                              message_id=state["message_id"], at=self.clock.now())

    async def create_for(self, actor: Actor, department_id: int, *, plan_defaults: dict[str, str]) -> CardView:
        """The department of the new audit is chosen: create it; its plan card."""
        async with self.db.read() as conn:
            checklist_id = (await self._new_audit_dialog(conn, actor))["checklist"]
        audit_id = await self.create(actor, checklist_id, department_id, plan_defaults=plan_defaults)
        return await self.card(actor, audit_id)

    async def new_department_typed(self, actor: Actor, name: str, *, plan_defaults: dict[str, str]) -> CardView:
        """The name of a new department, typed while starting an audit: create both."""
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != NEW_FLOW or state["awaiting"] != "department":
            raise ServiceError("audit_use_buttons")
        department_id = await self.department_id_for(name)
        return await self.create_for(actor, department_id, plan_defaults=plan_defaults)

    async def _new_audit_dialog(self, conn, actor: Actor) -> dict:
        state = await dialogs.get(conn, actor.id)
        data = dialogs.data_of(state)
        if state is None or state["flow"] != NEW_FLOW or data.get("checklist") not in self.checklists:
            raise AuditError("stale")
        return data

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
        async with self.db.transaction() as conn:
            return await self._create(conn, actor, checklist, department_id, plan_defaults or {})

    async def _create(self, conn, actor: Actor, checklist: Checklist, department_id: int,
                      plan_defaults: dict[str, str], *, programme_id: int | None = None) -> int:
        now = self.clock.now()
        local = now.astimezone(self.settings.tz)
        department = await departments.get(conn, department_id)
        if department is None or not department["active"]:
            raise AuditError("stale")
        audit_id, number = await audits.create(
            conn, checklist_id=checklist.id, checklist_version=checklist.version,
            checklist_json=checklist.to_json(), department_id=department_id, lang=actor.lang,
            created_by=actor.id, at=now, number_prefix=f"A-{local:%Y}-",
        )
        plan = {**plan_defaults, "date": local.date().isoformat(), "location": department["name"]}
        await audits.set_card(conn, audit_id, "plan", plan, now)
        after = {"number": number, "checklist": checklist.id, "department": department["name"]}
        if programme_id is not None:
            after["programme"] = programme_id
        await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                           action="created", after=after)
        state = await dialogs.get(conn, actor.id)  # the picker's message: the plan card replaces it
        picker = state["message_id"] if state is not None and state["flow"] == NEW_FLOW else None
        await dialogs.put(conn, actor.id, flow=FLOW, audit_id=audit_id, message_id=picker, at=now)
        return audit_id

    async def start_planned(self, actor: Actor, item_id: int, *, plan_defaults: dict[str, str]) -> Stage:
        """Start the audit planned in the programme (its reminder's button): the plan is
        prefilled from it (department, checklist, team, scope, objectives). Once started,
        the same button goes back to that audit."""
        _require_auditor(actor)
        async with self.db.transaction() as conn:
            row = await programme.get(conn, item_id)
            if row is None or row["status"] != ProgrammeStatus.active:
                raise AuditError("stale")
            team = await programme.team(conn, item_id)
            if actor.id not in {m["person_id"] for m in team} and not actor.is_lead:
                raise AuditError("not_in_programme_team", department=row["department"])
            started = row["audit_id"] is not None and row["audit_status"] != AuditStatus.cancelled
            if not started:
                checklist = self.checklists.get(row["checklist_id"])
                if checklist is None:
                    raise AuditError("checklist_gone")
                defaults = {**plan_defaults, **{k: row[k] for k in ("scope", "objectives") if row[k]}}
                audit_id = await self._create(conn, actor, checklist, row["department_id"], defaults,
                                              programme_id=item_id)
                now = self.clock.now()
                for member in team:
                    if member["person_id"] != actor.id:
                        await audits.add_member(conn, audit_id, member["person_id"], "auditor", now)
                        await outbox.enqueue(conn, dedupe_key=f"team:{audit_id}:{member['person_id']}:{now.isoformat()}",
                                             chat_id=member["person_id"], kind=NoticeKind.audit_team_added,
                                             payload={"audit_id": audit_id, "by": actor.id, "to": member["person_id"]},
                                             not_before=now, at=now)
                await programme.update(conn, item_id, now, audit_id=audit_id)
        if started:
            return await self.resume(actor, row["audit_id"])
        return await self.card(actor, audit_id)

    # --- access and the person's dialog -----------------------------------------------------

    async def _audit(self, conn, actor: Actor, audit_id: int, *, writable: bool = True):
        """The audit (head, the person's place, their dialog) if ``actor`` may work on it.

        Leads join the team on first use.
        """
        _require_auditor(actor)
        row = await audits.press_context(conn, audit_id, actor.id)
        if row is None:
            raise AuditError("stale")
        if not row["member"]:
            if not actor.is_lead:
                raise AuditError("not_in_team", number=row["number"])
            if writable:
                await audits.add_member(conn, audit_id, actor.id, "auditor", self.clock.now())
        if writable and row["status"] == AuditStatus.cancelled:
            raise AuditError("audit_discarded", number=row["number"])
        if writable and AuditStatus(row["status"]).closed:
            rev = await revisions.current(conn, audit_id)
            if await report_flow.issued(conn, audit_id, rev):  # the official record: only /reopen changes it
                raise AuditError("audit_issued", number=row["number"], rev=rev)
            raise AuditError("audit_closed", number=row["number"])
        if audit_id not in self._snapshots:
            self._remember(audit_id, Checklist.from_json(await audits.checklist_json(conn, audit_id)))
        if audit_id not in self._repeats and not AuditStatus(row["status"]).closed:
            self._repeats[audit_id] = await repeats.repeat_basis(conn, row["department_id"], audit_id,
                                                         self._snapshots[audit_id])
        await self._remember_carry(conn, row)
        return row

    async def _enter(self, conn, actor: Actor, row, *, message_id: int | None = None,
                     awaiting: str | None = None, data: dict | None = None) -> None:
        """Make this audit the person's dialog (``message_id``: the card they pressed).

        Writes only when something changes, so pressing on the live card costs nothing here.
        """
        here = row["dialog_flow"] == FLOW and row["dialog_audit_id"] == row["id"]
        if message_id is None and here:
            message_id = row["dialog_message_id"]
        data = data or {}
        same = (here and row["dialog_awaiting"] == awaiting and row["dialog_message_id"] == message_id
                and json.loads(row["dialog_data_json"] or "{}") == data)
        if not same:
            await dialogs.put(conn, actor.id, flow=FLOW, audit_id=row["id"], awaiting=awaiting, data=data,
                              message_id=message_id, at=self.clock.now())

    async def card_sent(self, actor: Actor, audit_id: int, message_id: int) -> int | None:
        """A new card of ``audit_id`` went out as ``message_id``; the card it replaces (to remove)."""
        async with self.db.transaction() as conn:
            state = await dialogs.get(conn, actor.id)
            if state is None or state["flow"] not in (FLOW, NEW_FLOW):
                return None
            old = state["message_id"]
            if state["flow"] == FLOW and state["audit_id"] == audit_id:
                await dialogs.set_message_id(conn, actor.id, message_id)
            return old if old != message_id else None

    async def card_shown(self, actor: Actor, audit_id: int, message_id: int) -> int | None:
        """A stage card of ``audit_id`` was shown by editing message ``message_id`` (a prompt
        pressed): it is the live card now; the one it replaces (to take its buttons off)."""
        async with self.db.transaction() as conn:
            state = await dialogs.get(conn, actor.id)
            if state is None or state["flow"] != FLOW or state["audit_id"] != audit_id:
                return None
            old = state["message_id"]
            if old != message_id:
                await dialogs.set_message_id(conn, actor.id, message_id)
            return old if old != message_id else None

    def snapshot(self, row) -> Checklist:
        """The checklist the audit was run with (parsed once per audit, kept for the next time)."""
        cached = self._snapshots.get(row["id"])
        if cached is None:
            cached = self._remember(row["id"], Checklist.from_json(row["checklist_json"]))
        return cached

    def _remember(self, audit_id: int, checklist: Checklist) -> Checklist:
        if len(self._snapshots) >= SNAPSHOT_CACHE:
            oldest = next(iter(self._snapshots))
            self._snapshots.pop(oldest)
            self._repeats.pop(oldest, None)
            self._carry.pop(oldest, None)
        self._snapshots[audit_id] = checklist
        return checklist

    # --- where the person is ----------------------------------------------------------------

    async def resume(self, actor: Actor, audit_id: int, *, message_id: int | None = None) -> Stage:
        """Whatever the audit needs next from this person: its stage's card, or their question."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            await self._enter(conn, actor, row, message_id=message_id)
            if row["status"] == AuditStatus.in_progress:
                return await self._question_view(conn, row, self.snapshot(row), _position(row), actor)
            return await self._stage_view(conn, row, actor)

    async def _stage_view(self, conn, row, actor: Actor) -> CardView:
        view = await self._card_view(conn, row, actor.lang)
        if view.card == "closing":
            summary = await self._summary(conn, row, actor)
            view = CardView(**{**view.__dict__, "summary": summary})
        return view

    # --- plan, opening and closing cards ---------------------------------------------------

    async def card(self, actor: Actor, audit_id: int) -> CardView:
        """The card of the audit's current stage (plan, opening or closing)."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            return await self._stage_view(conn, row, actor)

    async def _card_view(self, conn, row, lang: str) -> CardView:
        card = {AuditStatus.planning: "plan", AuditStatus.opening: "opening",
                AuditStatus.closing: "closing"}.get(row["status"], "plan")
        values = json.loads(row[f"{card}_json"])
        team = [dict(t) for t in await audits.team(conn, row["id"])]
        history = await self._history(conn, row) if card == "plan" else None
        return CardView(row["id"], row["number"], row["department"], self.snapshot(row).title.get(lang),
                        row["status"], card, values, team, history=history)

    async def _history(self, conn, row) -> dict[str, Any]:
        """What the plan card recalls: the department's previous audit, its open actions, and the
        planned audit of the programme this one was started from (with any impartiality override)."""
        previous = await programme.previous_audit(conn, row["department_id"], row["id"])
        planned = await programme.by_audit(conn, row["id"])
        overrides = [dict(m) for m in await programme.team(conn, planned["id"]) if m["override_reason"]] \
            if planned is not None else []
        return {
            "previous": None if previous is None else {
                "number": previous["number"], "ncs": previous["ncs"],
                "completed_on": from_db(previous["completed_at"]).astimezone(self.settings.tz).date()},
            "open_actions": [dict(a) for a in await programme.open_actions(conn, row["department_id"])],
            "planned": None if planned is None else {"window_start": planned["window_start"],
                                                     "window_end": planned["window_end"], "risk": planned["risk"]},
            "overrides": overrides,
        }

    async def ask_field(self, actor: Actor, audit_id: int, index: int) -> tuple[str, Any]:
        """An ✏️ button: the next text typed fills field ``index`` of the current card.

        Returns (field name, its current value).
        """
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            view = await self._card_view(conn, row, actor.lang)
            if AuditStatus(row["status"]).closed or not 0 <= index < len(CARDS[view.card]):
                raise AuditError("stale")
            name = CARDS[view.card][index]
            await self._enter(conn, actor, row, awaiting="field", data={"card": view.card, "field": name})
            return name, view.values.get(name)

    async def ask_due(self, actor: Actor, audit_id: int, index: int) -> list[tuple[int, date]]:
        """A due-date button on the closing card: the next text typed is the date. Returns the
        quick choices (days from today, date)."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.closing:
                raise AuditError("stale")
            _question_id(self.snapshot(row), index)
            await self._enter(conn, actor, row, awaiting="due", data={"index": index})
        today = self.clock.now().astimezone(self.settings.tz).date()
        return [(days, today + timedelta(days=days)) for days in QUICK_DUE_DAYS]

    async def typed(self, actor: Actor, text: str) -> tuple[Stage, str | None]:
        """Text typed while working in an audit: the awaited card field or due date, else a
        note on the person's question. Returns the view to show and what was saved."""
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != FLOW:
            raise ServiceError("audit_use_buttons")
        audit_id = state["audit_id"]
        data = dialogs.data_of(state)
        if state["awaiting"] == "field":
            return await self.set_field(actor, audit_id, data["card"], data["field"], text), None
        if state["awaiting"] == "due":
            return await self.set_due_date(actor, audit_id, int(data["index"]), text), None
        if state["awaiting"] == "note_edit":
            return await self.edit_note(actor, audit_id, int(data["note"]), text), "note_edited"
        if state["awaiting"] == NOT_EFFECTIVE:
            return await self.not_effective_typed(actor, audit_id, int(data["index"]), text), NOT_EFFECTIVE
        if state["awaiting"] == NA_REASON:
            return await self.na_reason_typed(actor, audit_id, int(data["index"]), text), NA_REASON
        if state["awaiting"] == "file_move":
            return await self.move_file(actor, audit_id, int(data["evidence"]), text), "file_moved"
        if state["awaiting"] == JUMP and _number_typed(text):
            return await self.jump_to_number(actor, audit_id, text), None
        return await self.add_note(actor, audit_id, None, text), "note"

    async def jump_to_number(self, actor: Actor, audit_id: int, typed: str) -> QuestionView:
        """A question number typed while the summary or the sections list is shown."""
        number = int(_number_typed(typed) or 0)
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            total = len(self.snapshot(row).question_ids())
            if not 1 <= number <= total:
                raise AuditError("no_such_question", number=number, total=total)
            return await self._go(conn, actor, row, number - 1, None)

    async def set_field(self, actor: Actor, audit_id: int, card: str, name: str, value: str) -> CardView:
        """Store one field of the plan/opening/closing card, as typed (and stop waiting for it)."""
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
            await self._enter(conn, actor, row)
            return await self._stage_view(conn, await audits.press_context(conn, audit_id, actor.id), actor)

    async def toggle_scope_confirmed(self, actor: Actor, audit_id: int) -> CardView:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.opening:
                raise AuditError("stale")
            values = json.loads(row["opening_json"])
            values["scope_confirmed"] = not values.get("scope_confirmed", False)
            await audits.set_card(conn, audit_id, "opening", values, now)
            return await self._card_view(conn, await audits.get_head(conn, audit_id), actor.lang)

    async def advance_stage(self, actor: Actor, audit_id: int, expected: str) -> Stage:
        """Confirm the card of stage ``expected``; returns what comes next.

        A second press of the same Confirm (double tap, old message) changes nothing.
        """
        order = {AuditStatus.planning: AuditStatus.opening, AuditStatus.opening: AuditStatus.in_progress,
                 AuditStatus.in_progress: AuditStatus.closing}
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if expected == AuditStatus.in_progress and row["status"] == AuditStatus.closing:
                # "🤝 Closing meeting" on the summary opened from the closing card: back to it
                await self._enter(conn, actor, row)
                return await self._stage_view(conn, await audits.press_context(conn, audit_id, actor.id), actor)
            if row["status"] != expected:
                raise AuditError("stale")
            new = order[expected]
            if new == AuditStatus.opening:  # who attends: the department's participants of the plan and the team
                opening = json.loads(row["opening_json"])
                if not opening.get("attendees"):
                    opening["attendees"] = _attendees(json.loads(row["plan_json"]).get("participants"),
                                                      [m["name"] for m in await audits.team(conn, audit_id)],
                                                      row["lang"])
                    if opening["attendees"]:
                        await audits.set_card(conn, audit_id, "opening", opening, now)
            if expected == AuditStatus.opening:
                opening = json.loads(row["opening_json"])
                opening["held_at"] = now.isoformat()
                await audits.set_card(conn, audit_id, "opening", opening, now)
            if new == AuditStatus.closing:  # the closing meeting's attendees: those of the opening, to correct
                closing, opening = json.loads(row["closing_json"]), json.loads(row["opening_json"])
                if not closing.get("attendees") and opening.get("attendees"):
                    closing["attendees"] = opening["attendees"]
                    await audits.set_card(conn, audit_id, "closing", closing, now)
            await audits.set_status(conn, audit_id, new, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="status", before=expected, after=new)
            await self._enter(conn, actor, row)
            row = await audits.press_context(conn, audit_id, actor.id)
            if new == AuditStatus.in_progress:
                return await self._question_view(conn, row, self.snapshot(row), _position(row), actor)
            return await self._stage_view(conn, row, actor)

    async def plan_card(self, actor: Actor, audit_id: int) -> CardView:
        """✏️ Plan on the summary: the plan card, editable until completion (from the closing
        meeting, the audit goes back to the questions, as a jump does)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] == AuditStatus.closing:
                await audits.set_status(conn, audit_id, AuditStatus.in_progress, now)
                row = await audits.press_context(conn, audit_id, actor.id)
            await self._enter(conn, actor, row)
            return await self._card_view(conn, row, actor.lang)

    async def reopen_questions(self, actor: Actor, audit_id: int) -> SummaryView:
        """From the closing card back to the questions: the summary."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] == AuditStatus.closing:
                await audits.set_status(conn, audit_id, AuditStatus.in_progress, now)
            await self._enter(conn, actor, row, awaiting=JUMP)
            return await self._summary(conn, await audits.press_context(conn, audit_id, actor.id), actor)

    async def team(self, actor: Actor, audit_id: int, toggle: int | None = None
                   ) -> tuple[CardView, list[dict], bool | None]:
        """The team card: auditors who may be added, with whether they are in it; with
        ``toggle``, that person is added or removed first (the third value: now in it)."""
        member = None if toggle is None else await self.toggle_member(actor, audit_id, toggle)
        view, candidates = await self.team_choices(actor, audit_id)
        return view, candidates, member

    async def team_choices(self, actor: Actor, audit_id: int) -> tuple[CardView, list[dict]]:
        """Auditors who may be added to the team, with whether they are in it."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            view = await self._card_view(conn, row, actor.lang)
            members = {t["id"] for t in view.team}
            candidates = [dict(p) for p in await people.with_role(conn, Role.auditor)]
            candidates += [dict(p) for p in await people.with_role(conn, Role.lead)
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
            if person is None or not person["active"] or not roles & {Role.auditor, Role.lead} or person_id == actor.id:
                raise AuditError("stale")
            if person_id == row["created_by"]:
                raise AuditError("stale")
            if row["created_by"] != actor.id and not actor.is_lead:
                raise AuditError("team_not_allowed")
            if await audits.is_member(conn, audit_id, person_id):
                await audits.remove_member(conn, audit_id, person_id)
                member = False
            else:
                await audits.add_member(conn, audit_id, person_id, "auditor", now)
                member = True
                await outbox.enqueue(conn, dedupe_key=f"team:{audit_id}:{person_id}:{now.isoformat()}",
                                     chat_id=person_id, kind=NoticeKind.audit_team_added,
                                     payload={"audit_id": audit_id, "by": actor.id, "to": person_id},
                                     not_before=now, at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="team_added" if member else "team_removed", after={"person": person_id})
        return member

    async def assignments(self, actor: Actor, audit_id: int, person_id: int, toggle: int | None = None
                          ) -> SectionAssignment:
        """The sections assigned to co-auditor ``person_id`` (with ``toggle``: that section is
        assigned to them, or no longer, first). An assigned section is where their /resume
        starts. The audit's creator or a lead decides."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["created_by"] != actor.id and not actor.is_lead:
                raise AuditError("team_not_allowed")
            team = {t["id"]: t["name"] for t in await audits.team(conn, audit_id)}
            if person_id not in team:
                raise AuditError("stale")
            checklist = self.snapshot(row)
            plan = json.loads(row["plan_json"])
            assigned = plan.setdefault("sections", {})
            firsts, start = [], 0
            for section in checklist.sections:
                firsts.append(start)
                start += len(section.questions)
            if toggle is not None:
                if not 0 <= toggle < len(firsts):
                    raise AuditError("stale")
                key = str(toggle)
                if assigned.get(key) == person_id:
                    del assigned[key]
                else:
                    assigned[key] = person_id
                    await audits.set_position(conn, audit_id, person_id, firsts[toggle])
                await audits.set_card(conn, audit_id, "plan", plan, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                                   action="section_assigned", after={"section": toggle,
                                                                     "person": assigned.get(key)})
        sections = [{"index": i, "title": s.title.get(actor.lang), "first": firsts[i],
                     "mine": assigned.get(str(i)) == person_id,
                     "other": team.get(assigned.get(str(i))) if assigned.get(str(i)) not in (None, person_id) else None}
                    for i, s in enumerate(checklist.sections)]
        return SectionAssignment(audit_id, row["number"], person_id, team[person_id], sections)

    # --- questions ----------------------------------------------------------------------------

    async def question(self, actor: Actor, audit_id: int, index: int | None = None, *,
                       message_id: int | None = None) -> QuestionView:
        """Question ``index`` (default: where this person is) and remember the place."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            return await self._go(conn, actor, row, _position(row) if index is None else index, message_id)

    async def _go(self, conn, actor: Actor, row, index: int, message_id: int | None) -> QuestionView:
        if row["status"] != AuditStatus.in_progress:
            raise AuditError("not_in_questions", status=row["status"])
        checklist = self.snapshot(row)
        _question_id(checklist, index)
        if row["position"] != index:
            await audits.set_position(conn, row["id"], actor.id, index)
        await self._enter(conn, actor, row, message_id=message_id)
        return await self._question_view(conn, row, checklist, index, actor)

    async def _on_card(self, conn, actor: Actor, audit_id: int, index: int):
        """The audit, if the card of question ``index`` is the person's current one."""
        row = await self._audit(conn, actor, audit_id)
        if row["status"] != AuditStatus.in_progress:
            raise AuditError("not_in_questions", status=row["status"])
        if _position(row) != index:
            raise AuditError("stale_card")
        return row

    async def move(self, actor: Actor, audit_id: int, index: int, step: int, *,
                   message_id: int | None = None) -> QuestionView | SummaryView:
        """Next / Skip (``step`` 1) or Back (-1) from the card of question ``index``.

        After the last question comes the summary; Back on the first question is refused
        with a word on where to go instead.
        """
        async with self.db.transaction() as conn:
            row = await self._on_card(conn, actor, audit_id, index)
            target = index + step
            if target < 0:
                raise AuditError("first_question")
            if target >= len(self.snapshot(row).question_ids()):
                await self._enter(conn, actor, row, message_id=message_id, awaiting=JUMP)
                return await self._summary(conn, row, actor)
            return await self._go(conn, actor, row, target, message_id)

    async def jump(self, actor: Actor, audit_id: int, index: int, *, message_id: int | None = None) -> QuestionView:
        """To question ``index`` (from the sections list or the summary), back from closing if need be."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] == AuditStatus.closing:
                await audits.set_status(conn, audit_id, AuditStatus.in_progress, now)
                row = await audits.press_context(conn, audit_id, actor.id)
            return await self._go(conn, actor, row, index, message_id)

    async def pause(self, actor: Actor, audit_id: int, index: int) -> QuestionView:
        """Pause on the card of question ``index``: the dialog ends, the place is kept."""
        async with self.db.transaction() as conn:
            row = await self._on_card(conn, actor, audit_id, index)
            if row["dialog_flow"] is not None:
                await dialogs.clear(conn, actor.id)
            return await self._question_view(conn, row, self.snapshot(row), index, actor)

    async def _question_view(self, conn, row, checklist: Checklist, index: int, actor: Actor) -> QuestionView:
        """The question in the reader's language (the checklist is bilingual)."""
        state = await audits.question_state(conn, row["id"], checklist.question_ids()[index])
        return await self._with_action(conn, self._view_of(row, checklist, index, actor, state))

    def _view_of(self, row, checklist: Checklist, index: int, actor: Actor, state, *, answered: int | None = None,
                 result: str | None = None, by: str | None = None, at: datetime | None = None,
                 replaced: tuple[str, str] | None = None) -> QuestionView:
        """Question ``index`` as the card shows it, from its ``state`` (audits.question_state);
        ``result``, ``by``, ``at``: what was just recorded, not read back."""
        section, question = checklist.questions()[index]
        if result is None:
            result, by, at = state["result"], state["answered_by_name"], from_db(state["answered_at"])
        lang = actor.lang
        return QuestionView(
            audit_id=row["id"], number=row["number"], department=row["department"], index=index,
            total=len(checklist.question_ids()),
            section_title=section.title.get(lang), clause=question.clause, text=question.text.get(lang),
            guidance=question.guidance.get(lang), evidence_rule=question.evidence.value,
            result=result, notes=json.loads(state["notes_json"] or "[]"), evidence_count=state["evidence_count"],
            answered=state["answered"] if answered is None else answered, answered_by=by,
            answered_at=at.astimezone(self.settings.tz) if at else None, replaced=replaced,
            repeat_of=self._repeat_of(row["id"], result, question.clause),
            carried=self._carried(row["id"], question.id),
            provided=state["provided_count"] or 0, not_applicable=state["not_applicable_count"] or 0,
        )

    def _repeat_of(self, audit_id: int, result: str | None, clause: str) -> tuple[str, list[str]] | None:
        basis = self._repeats.get(audit_id)
        numbers = repeat_of(result, clause, basis.clauses if basis else None)
        return (basis.number, numbers) if basis and numbers else None

    async def record_result(self, actor: Actor, audit_id: int, index: int, result: str, *,
                            message_id: int | None = None) -> Recorded:
        """Set the result of question ``index`` (the card the person pressed on, checked to be
        their current one); the earlier result stays in the trail.

        Conform and N/A move on at once (one tap): the view is then the next question (or the
        summary after the last one). A second tap of the same one-tap result on the card that
        already moved on changes nothing. One transaction: the audit with the person's place
        and dialog, the question's state (and the next one's), and the writes a change needs.
        """
        kind = Result.__members__.get(result)
        if kind is None:
            raise AuditError("stale")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.in_progress:
                raise AuditError("not_in_questions", status=row["status"])
            checklist = self.snapshot(row)
            question_id = _question_id(checklist, index)
            total = len(checklist.question_ids())
            position = _position(row)
            one_tap = kind in ONE_TAP
            if position != index:
                if one_tap and position == index + 1:  # a double tap: the card already moved on
                    current = await audits.question_state(conn, audit_id, question_id)
                    if current["result"] == kind:
                        view = await self._question_view(conn, row, checklist, position, actor)
                        return Recorded(kind, False, None, index, self._with_na_row(view, kind, index, current))
                raise AuditError("stale_card")
            following = index + 1 if one_tap and index + 1 < total else None
            rows = None
            if following is not None:
                current, upcoming = await audits.question_states(conn, audit_id, question_id,
                                                                 checklist.question_ids()[following])
            elif one_tap:  # the last question: the summary comes next, read in the same round trip
                rows = dict(await audits.answer_rows(conn, audit_id))
                mine = rows.get(question_id)
                current, upcoming = {"result": mine and mine["result"], "answered": len(rows),
                                     "answered_by": mine and mine["answered_by"],
                                     "answered_by_name": mine and mine["answered_by_name"]}, None
                rows[question_id] = {"result": kind, "answered_by": actor.id, "answered_by_name": actor.name,
                                     "notes": mine["notes"] if mine else 0, "files": mine["files"] if mine else 0}
            else:
                current, upcoming = await audits.question_state(conn, audit_id, question_id), None
            before = current["result"]
            changed = before != kind
            replaced = None
            if changed:
                await audits.set_answer(conn, audit_id, question_id, kind, actor.id, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="answer",
                                   entity_id=f"{audit_id}:{question_id}", action="result",
                                   before=before, after=kind)
                await audits.touch(conn, audit_id, now)
                if before is not None and current["answered_by"] != actor.id:
                    replaced = (before, current["answered_by_name"] or "")
            if rows is not None:  # the last question: the summary comes next
                await self._enter(conn, actor, row, message_id=message_id, awaiting=JUMP)
                return Recorded(kind, changed, replaced, index, await self._summary(conn, row, actor, answers=rows))
            await self._enter(conn, actor, row, message_id=message_id)
            answered = current["answered"] + (1 if before is None else 0)
            if following is not None:
                await audits.set_position(conn, audit_id, actor.id, following)
                view = self._view_of(row, checklist, following, actor, upcoming, answered=answered)
                view = self._with_na_row(view, kind, index, current)
                return Recorded(kind, changed, replaced, index, await self._with_action(conn, view))
            by, at = (actor.name, now) if changed else (current["answered_by_name"], from_db(current["answered_at"]))
            view = self._view_of(row, checklist, index, actor, current, answered=answered, result=kind,
                                 by=by, at=at, replaced=replaced)
            return Recorded(kind, changed, replaced, index, await self._with_action(conn, view))

    async def add_note(self, actor: Actor, audit_id: int, index: int | None, text: str) -> QuestionView:
        """A note on question ``index`` (None: the one the person is on)."""
        note = clean_text(text, MAX_NOTE)
        if not note:
            raise AuditError("field_empty")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if index is None:
                if row["status"] != AuditStatus.in_progress:
                    raise ServiceError("audit_use_buttons")
                index = _position(row)
            checklist = self.snapshot(row)
            question_id = _question_id(checklist, index)
            if row["dialog_awaiting"] == JUMP:  # typed on the summary: a note, and the card again
                await self._enter(conn, actor, row)
            note_id = await audits.add_note(conn, audit_id, question_id, actor.id, note, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                               action="added", after={"question": question_id, "text": note})
            await audits.touch(conn, audit_id, now)
            return await self._question_view(conn, row, checklist, index, actor)

    async def evidence_here(self, actor: Actor) -> tuple[int, int]:
        """(audit, question index) a file sent now is evidence for; refused outside the questions."""
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
            if state is None or state["flow"] != FLOW:
                raise ServiceError("audit_evidence_needs_question")
            row = await self._audit(conn, actor, state["audit_id"], writable=False)
        if row["status"] != AuditStatus.in_progress:
            raise ServiceError("audit_evidence_needs_question")
        return row["id"], _position(row)

    async def add_evidence(
        self, actor: Actor, audit_id: int, index: int, *, kind: str, data: bytes, file_name: str | None,
        mime_type: str | None, caption: str | None, telegram_file_id: str | None,
    ) -> QuestionView:
        """Store a file (by SHA-256, once) with a thumbnail for photos, and file it under the question."""
        async with self.db.read() as conn:  # check access before writing any file
            await self._audit(conn, actor, audit_id, writable=False)
        sha, thumb_sha = await store_file(self.files, data, kind)
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
            view = await self._question_view(conn, row, checklist, index, actor)
        if kind == "photo" and self.on_photo is not None:
            self.on_photo(sha)
        return view

    async def sections(self, actor: Actor, audit_id: int, index: int | None = None) -> Sections:
        """Sections with their first question index and how many are answered (from the card
        of question ``index``, when given, which must be the person's current one)."""
        async with self.db.transaction() as conn:
            if index is None:
                row = await self._audit(conn, actor, audit_id, writable=False)
            else:
                row = await self._on_card(conn, actor, audit_id, index)
            if row["status"] == AuditStatus.in_progress and row["member"]:
                await self._enter(conn, actor, row, awaiting=JUMP)
            answered = await audits.answers(conn, audit_id)
        checklist = self.snapshot(row)
        result, start = [], 0
        for section in checklist.sections:
            done = sum(1 for q in section.questions if q.id in answered)
            result.append({"index": start, "title": section.title.get(actor.lang), "done": done,
                           "total": len(section.questions)})
            start += len(section.questions)
        return Sections(audit_id, result, _position(row))

    # --- summary and completion ---------------------------------------------------------------

    async def summary(self, actor: Actor, audit_id: int, index: int | None = None, *, page: int = 0,
                      message_id: int | None = None) -> SummaryView:
        """The summary (from the card of question ``index``, when given: checked to be current),
        at ``page`` of its buttons. While it is shown, a typed question number goes there."""
        async with self.db.transaction() as conn:
            if index is None:
                row = await self._audit(conn, actor, audit_id, writable=False)
            else:
                row = await self._on_card(conn, actor, audit_id, index)
            if row["status"] == AuditStatus.in_progress and row["member"]:
                await self._enter(conn, actor, row, message_id=message_id, awaiting=JUMP)
            return await self._summary(conn, row, actor, page=page)

    async def _summary(self, conn, row, actor: Actor, *, answers: dict | None = None, page: int = 0) -> SummaryView:
        """The summary (``answers``: audits.answer_rows already read, with this press's change)."""
        audit_id = row["id"]
        if answers is None:
            answers = await audits.answer_rows(conn, audit_id)
        checklist = self.snapshot(row)
        lang = actor.lang
        counts = Counter(a["result"] for a in answers.values())
        unanswered, problems, due = [], [], []
        closing = json.loads(row["closing_json"])
        chosen_due = closing.get("due_dates", {})
        live = {}  # a revision: the findings whose action goes on
        if row["completed_at"] is not None:
            live = {question: f for question, f in (await findings.every_of_audit(conn, audit_id)).items()
                    if f["capa_id"] is not None and f["cancelled_at"] is None and f["withdrawn_at"] is None}
        kept: dict[int, tuple[str, str]] = {}
        for index, (_, question) in enumerate(checklist.questions()):
            answer = answers.get(question.id)
            text = question.text.get(lang)
            if answer is None:
                unanswered.append((index, question.clause, text))
                continue
            if answer["result"] in FINDING_RESULTS and not answer["notes"]:
                problems.append(Problem(index, question.clause, "statement", text))  # every finding needs one
            if answer["result"] in NONCONFORMITIES:
                if question.evidence is EvidenceRule.required and not answer["files"]:
                    problems.append(Problem(index, question.clause, "evidence", text))
                default = self.default_due_date(answer["result"])
                picked = chosen_due.get(str(index))
                existing = live.get(question.id)
                if existing is not None and existing["capa_due_date"]:
                    kept[index] = (existing["number"], existing["capa_state"])
                    picked = existing["capa_due_date"]
                due.append((index, question.clause, answer["result"],
                            date.fromisoformat(picked) if picked else default))
        view = SummaryView(audit_id, row["number"], row["department"], row["status"],
                           len(checklist.question_ids()), {r: counts.get(r, 0) for r in Result},
                           unanswered, problems, due, _position(row),
                           dict(Counter(a["answered_by_name"] or "?" for a in answers.values()).most_common()))
        revising = row["completed_at"] is not None
        return replace(view, page=min(max(page, 0), view.pages - 1), revising=revising, kept_actions=kept,
                       revision_open=revising and await revisions.open_revision(conn, row["id"]) is not None)

    def default_due_date(self, result: str) -> date:
        days = self.settings.major_due_days if result == Result.major else self.settings.minor_due_days
        return self.clock.now().astimezone(self.settings.tz).date() + timedelta(days=days)

    async def set_due_date(self, actor: Actor, audit_id: int, index: int, due: date | str) -> CardView:
        """Change the due date of the action for the NC at ``index`` before completion.

        ``due`` may be the text the auditor typed (any form ``parse_date`` reads).
        """
        today = self.clock.now().astimezone(self.settings.tz).date()
        if isinstance(due, str):
            due, problem = read_date(due, today)
            if due is None:
                raise AuditError(f"due_{problem}")
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
            await self._enter(conn, actor, row)
            return await self._stage_view(conn, await audits.press_context(conn, audit_id, actor.id), actor)

    async def completion_preview(self, actor: Actor, audit_id: int) -> CompletionPreview:
        """Complete was pressed: what completing will do, for the person to confirm; refused
        (``cannot_complete``) while something blocks it, and (``no_conclusion``, with the
        preview and a suggested conclusion) while the audit has no conclusion."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.closing:
                raise AuditError("stale")
            summary = await self._summary(conn, row, actor)
            if summary.problems:
                raise AuditError("cannot_complete", problems=summary.problems)
            preview = await self._preview(conn, row, summary)
        if not preview.conclusion:
            raise ConclusionError("no_conclusion", preview=preview)
        return preview

    async def _preview(self, conn, row, summary: SummaryView) -> CompletionPreview:
        audit_id = row["id"]
        conclusion = str(json.loads(row["closing_json"]).get("conclusions") or "").strip()
        series: Counter[str] = Counter()
        for result, n in summary.counts.items():
            kind = Result(result).series
            if kind is not None and n:
                series[kind] += n
        # a revision keeps the live actions of findings that stay: only the new ones are sent
        before = await findings.every_of_audit(conn, audit_id) if row["completed_at"] is not None else {}
        live = {question for question, f in before.items()
                if f["capa_id"] is not None and f["cancelled_at"] is None and f["withdrawn_at"] is None}
        checklist = self.snapshot(row)
        actions = sum(1 for index, *_ in summary.due_dates if _question_id(checklist, index) not in live)
        staff = len(await people.staff_of(conn, row["department_id"])) if actions else 0
        preview = CompletionPreview(audit_id, row["number"], row["department"], dict(series), actions, staff,
                                    kept=len(summary.due_dates) - actions, conclusion=conclusion,
                                    revising=row["completed_at"] is not None)
        return await conclusions.reviewed(conn, row, preview, summary.counts, before)

    async def complete(self, actor: Actor, audit_id: int, *, suggestion: int | None = None) -> Completed:
        """Check completeness, number the findings and create one corrective action per
        nonconformity, in one transaction; the person's dialog ends. ``suggestion``: the mark
        of the suggested conclusion the person accepted (it is saved first), when none was written."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.closing:
                raise AuditError("stale")
            summary = await self._summary(conn, row, actor)
            if summary.problems:
                raise AuditError("cannot_complete", problems=summary.problems)
            closing = await self._concluded(conn, actor, row, summary, suggestion, now)
            due_by_index = {index: due for index, _, _, due in summary.due_dates}
            made, capa_ids, cancelled = await self._number_findings(conn, actor, row, due_by_index, now)
            closing["held_at"] = closing.get("held_at") or now.isoformat()
            await audits.set_card(conn, audit_id, "closing", closing, now)
            # a revision keeps the audit's completion date (the review's quarter, days to close);
            # its own date is the revision's (audit_revisions)
            await audits.set_status(conn, audit_id, AuditStatus.completed, now,
                                    keep_completed_at=row["completed_at"] is not None)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="completed", after={"findings": [m["number"] for m in made],
                                                          "cancelled_actions": cancelled})
            await revisions.completed(conn, audit_id, actor.id, now)
            revision = await revisions.current(conn, audit_id)
            contacts = await people.staff_of(conn, row["department_id"])
            if made or revision > 1:  # the closing meeting: the department acknowledges each revision's findings
                for contact in contacts:
                    await outbox.enqueue(
                        conn, dedupe_key=f"ack:{audit_id}:{contact['id']}:{revision}", chat_id=contact["id"],
                        kind=NoticeKind.audit_findings, payload={"audit_id": audit_id, "rev": revision},
                        not_before=now, at=now)
            if revision > 1:  # its auditors hear what the revision changed
                await revision_notices.tell_auditors(conn, audit_id, NoticeKind.revision_completed, actor.id,
                                                     revision, now)
            staff = len(contacts) if capa_ids else 0
            for capa_id in cancelled:  # the department hears which actions no longer apply
                for person in contacts:
                    await outbox.enqueue(conn, dedupe_key=f"capa:{capa_id}:cancelled:{person['id']}:{now.isoformat()}",
                                         chat_id=person["id"], kind=NoticeKind.capa_cancelled, payload={"capa_id": capa_id},
                                         not_before=now, at=now)
            for lead in await people.with_role(conn, Role.lead):  # the leads hear of it
                if lead["id"] != actor.id:
                    await outbox.enqueue(conn, dedupe_key=f"completed:{audit_id}:{lead['id']}:{now.isoformat()}",
                                         chat_id=lead["id"], kind=NoticeKind.lead_audit_completed,
                                         payload={"audit_id": audit_id, "by": actor.id}, not_before=now, at=now)
            if row["dialog_flow"] is not None:
                await dialogs.clear(conn, actor.id)
            if capa_ids:  # the department's staff get the new actions as this commit lands
                await queue_new_actions(conn, self.settings.rules(), now)
        return Completed(audit_id, row["number"], made, capa_ids, row["department"], staff, actor.is_lead,
                         revision, len(cancelled))

    async def _number_findings(self, conn, actor: Actor, row, due_by_index: dict[int, date], now: datetime
                               ) -> tuple[list[dict], list[int], list[int]]:
        """Number the findings (NC1, OBS1, …) and create one action per nonconformity.

        In a reopened audit, a finding that is still one keeps its number, its action and the
        action's state and history; a new one gets the next number of its series (numbers are
        never given twice); one that is gone is withdrawn with the revision's reason and its
        action cancelled. Returns (current findings, new or reopened actions, cancelled actions).
        """
        audit_id = row["id"]
        checklist = self.snapshot(row)
        answers = await audits.answers(conn, audit_id)
        before = await findings.every_of_audit(conn, audit_id)
        reason = await revisions.open_reason(conn, audit_id) or ""
        serial: Counter[str] = Counter()
        for f in before.values():
            series = "".join(ch for ch in f["number"] if ch.isalpha())
            serial[series] = max(serial[series], int("".join(ch for ch in f["number"] if ch.isdigit()) or 0))
        made, capa_ids, cancelled = [], [], []
        for index, (_, question) in enumerate(checklist.questions()):
            answer = answers.get(question.id)
            kind = Result.__members__.get(answer["result"]) if answer is not None else None
            old = before.get(question.id)
            current = old is not None and old["withdrawn_at"] is None
            if kind is None or kind.series is None:  # no finding (any more)
                if current:
                    await findings.withdraw_finding(conn, old["id"], now, reason)
                    await trail.record(conn, at=now, person_id=actor.id, entity="finding", entity_id=old["id"],
                                       action="withdrawn", before={"number": old["number"]}, after={"reason": reason})
                    if old["capa_id"] is not None and old["cancelled_at"] is None:
                        await findings.cancel_capa(conn, old["capa_id"], now, reason)
                        cancelled.append(old["capa_id"])
                continue
            statement = "\n".join(n["text"] for n in await audits.notes(conn, audit_id, question.id))
            same_series = current and Result(old["kind"]).series == kind.series
            if same_series:
                number = old["number"]
            else:
                serial[kind.series] += 1
                number = f"{kind.series}{serial[kind.series]}"
            if old is None:
                finding_id = await findings.add_finding(conn, audit_id=audit_id, question_id=question.id,
                                                        kind=kind, number=number, statement=statement, at=now)
            else:
                finding_id = old["id"]
                await findings.revise_finding(conn, finding_id, kind=kind, number=number, statement=statement)
                if not same_series:
                    await trail.record(conn, at=now, person_id=actor.id, entity="finding", entity_id=finding_id,
                                       action="renumbered", before={"number": old["number"], "kind": old["kind"]},
                                       after={"number": number, "kind": kind})
            made.append({"number": number, "kind": kind, "clause": question.clause})
            has_action = old is not None and old["capa_id"] is not None
            if kind.is_nonconformity:
                if not has_action:
                    capa_ids.append(await findings.add_capa(
                        conn, finding_id=finding_id, audit_id=audit_id, department_id=row["department_id"],
                        auditor_id=answer["answered_by"], due_date=due_by_index[index], at=now))
                elif old["cancelled_at"] is not None:  # a nonconformity again
                    await findings.reopen_capa(conn, old["capa_id"], due_by_index[index], now)
                    capa_ids.append(old["capa_id"])
            elif has_action and old["cancelled_at"] is None:  # no longer a nonconformity
                await findings.cancel_capa(conn, old["capa_id"], now, reason)
                cancelled.append(old["capa_id"])
        return made, capa_ids, cancelled

    # --- reopening a completed audit (a lead, with a reason) ----------------------------------

    async def reopenable(self, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
        """/reopen without arguments: the completed audits a lead may reopen, newest first."""
        if not actor.is_lead:
            raise AuditError("reopen_not_allowed")
        async with self.db.read() as conn:
            return [dict(r) for r in await audits.completed(conn, limit)]

    async def ask_reopen_reason(self, actor: Actor, audit_id: int) -> dict[str, Any]:
        """🔓 Reopen pressed: the next text the lead types is the reason; the audit's head."""
        if not actor.is_lead:
            raise AuditError("reopen_not_allowed")
        async with self.db.transaction() as conn:
            head = await audits.get(conn, audit_id)
            if head is None or head["status"] != AuditStatus.completed:
                raise AuditError("reopen_not_completed", number=head["number"] if head else "?")
            await dialogs.put(conn, actor.id, flow=REOPEN_FLOW, audit_id=audit_id, awaiting="reason",
                              at=self.clock.now())
            return {"id": head["id"], "number": head["number"], "department": head["department"]}

    async def reopen_typed(self, actor: Actor, reason: str) -> SummaryView:
        """The reason typed after 🔓 Reopen: reopen that audit (as /reopen <number> <reason>)."""
        return await self.reopen(actor, None, reason)

    async def reopen(self, actor: Actor, number: str | None, reason: str) -> SummaryView:
        """Reopen completed audit ``number`` (None: the one the lead's 🔓 Reopen dialog names)
        for revision: findings can be corrected, added or withdrawn until it is completed
        again. The lead joins its team; the summary. One transaction."""
        if not actor.is_lead:
            raise AuditError("reopen_not_allowed")
        reason = clean_text(reason or "", MAX_FIELD)
        if not reason:
            raise AuditError("reopen_needs_reason")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if number is None:
                state = await dialogs.get(conn, actor.id)
                asked = state["audit_id"] if state is not None and state["flow"] == REOPEN_FLOW else None
                head = await audits.get(conn, asked) if asked is not None else None
                number = head["number"] if head is not None else "?"
            else:
                head = await audits.by_number(conn, number.strip())
            if head is None or head["status"] == AuditStatus.cancelled:
                raise AuditError("reopen_no_such_audit", number=number)
            if head["status"] != AuditStatus.completed:
                raise AuditError("reopen_not_completed", number=head["number"])
            rev = await revisions.current(conn, head["id"]) + 1
            snapshot = await revision_notices.snapshot_for_reopening(conn, head["id"])  # to withdraw it by
            await revisions.add(conn, head["id"], rev, actor.id, reason, now, snapshot)
            await revision_notices.tell_auditors(conn, head["id"], NoticeKind.revision_reopened, actor.id, rev, now,
                                                 reason=reason)
            await audits.set_status(conn, head["id"], AuditStatus.in_progress, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=head["id"],
                               action="reopened", before=AuditStatus.completed,
                               after={"revision": rev, "reason": reason})
            row = await self._audit(conn, actor, head["id"])  # a lead joins the team
            row = await audits.press_context(conn, head["id"], actor.id)
            await self._enter(conn, actor, row, awaiting=JUMP)
            return await self._summary(conn, row, actor)

    # --- correcting notes and files -------------------------------------------------------------

    async def records(self, actor: Actor, audit_id: int, index: int) -> QuestionRecords:
        """The notes and files of question ``index``, each to edit, delete or move."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            return await self._records(conn, row, index, actor)

    async def _records(self, conn, row, index: int, actor: Actor) -> QuestionRecords:
        checklist = self.snapshot(row)
        question_id = _question_id(checklist, index)
        question = checklist.questions()[index][1]
        notes = [dict(n) for n in await audits.notes_with_people(conn, row["id"], question_id)]
        files = [dict(f) for f in await evidence.of_question_with_people(conn, row["id"], question_id)]
        return QuestionRecords(row["id"], row["number"], index, question.clause, question.text.get(actor.lang),
                               notes, files)

    async def _own_note(self, conn, row, note_id: int):
        note = await audits.note(conn, note_id)
        if note is None or note["audit_id"] != row["id"] or note["deleted_at"] is not None:
            raise AuditError("stale")
        return note

    async def _own_file(self, conn, row, evidence_id: int):
        item = await evidence.get(conn, evidence_id)
        if item is None or item["deleted_at"] is not None or item["question_id"] is None:
            raise AuditError("stale")
        if item["audit_id"] != row["id"]:
            raise AuditError("file_other_audit")
        return item

    async def ask_note_edit(self, actor: Actor, audit_id: int, note_id: int) -> str:
        """✏️ on a note: the next text typed replaces it. Returns its current text."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            note = await self._own_note(conn, row, note_id)
            await self._enter(conn, actor, row, awaiting="note_edit", data={"note": note_id})
            return note["text"]

    async def edit_note(self, actor: Actor, audit_id: int, note_id: int, text: str) -> QuestionView:
        """The new text of a note (the old one stays in the trail); the card of its question."""
        new = clean_text(text, MAX_NOTE)
        if not new:
            raise AuditError("field_empty")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            note = await self._own_note(conn, row, note_id)
            await audits.edit_note(conn, note_id, new, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                               action="edited", before={"text": note["text"]}, after={"text": new})
            await audits.touch(conn, audit_id, now)
            return await self._to_question(conn, actor, row, note["question_id"])

    async def delete_note(self, actor: Actor, audit_id: int, note_id: int) -> QuestionRecords:
        """🗑 on a note: it no longer counts (nor shows in the report); the row and the trail keep it."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            note = await self._own_note(conn, row, note_id)
            await audits.delete_note(conn, note_id, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                               action="deleted", before={"question": note["question_id"], "text": note["text"]})
            await audits.touch(conn, audit_id, now)
            return await self._records(conn, row, self.snapshot(row).question_ids().index(note["question_id"]), actor)

    async def delete_file(self, actor: Actor, audit_id: int, evidence_id: int) -> QuestionRecords:
        """🗑 on a file: it no longer counts (nor shows in the report); the row, the bytes and the trail keep it."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            item = await self._own_file(conn, row, evidence_id)
            await evidence.delete(conn, evidence_id, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=evidence_id,
                               action="deleted", before={"question": item["question_id"], "sha256": item["sha256"],
                                                         "kind": item["kind"], "caption": item["caption"]})
            await audits.touch(conn, audit_id, now)
            return await self._records(conn, row, self.snapshot(row).question_ids().index(item["question_id"]), actor)

    async def ask_file_move(self, actor: Actor, audit_id: int, evidence_id: int) -> FileMoveChoice:
        """↪ on a file: the questions it may go to (as buttons; a typed number works too)."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            item = await self._own_file(conn, row, evidence_id)
            await self._enter(conn, actor, row, awaiting="file_move", data={"evidence": evidence_id})
            checklist = self.snapshot(row)
            questions = [(q.clause, q.text.get(actor.lang)) for _, q in checklist.questions()]
            return FileMoveChoice(audit_id, evidence_id, checklist.question_ids().index(item["question_id"]),
                                  questions)

    async def move_file(self, actor: Actor, audit_id: int, evidence_id: int, typed: str) -> QuestionView:
        """Move a file to the question numbered ``typed`` of the same audit; the card of the
        question it came from (the person stays where they were)."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            item = await self._own_file(conn, row, evidence_id)
            ids = self.snapshot(row).question_ids()
            number = int(_number_typed(typed) or 0)
            if not 1 <= number <= len(ids):
                raise AuditError("no_such_question", number=number if _number_typed(typed) else typed,
                                 total=len(ids))
            await self._move_file(conn, actor, row, item, ids[number - 1])
            return await self._to_question(conn, actor, row, item["question_id"])

    async def move_file_to(self, actor: Actor, audit_id: int, evidence_id: int, index: int) -> QuestionRecords:
        """A question's button after ↪: the file goes there; the notes and files of the
        question it came from, where the person stays."""
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            item = await self._own_file(conn, row, evidence_id)
            ids = self.snapshot(row).question_ids()
            if not 0 <= index < len(ids):
                raise AuditError("stale")
            await self._move_file(conn, actor, row, item, ids[index])
            await self._enter(conn, actor, row)
            return await self._records(conn, row, ids.index(item["question_id"]), actor)

    async def _move_file(self, conn, actor: Actor, row, item, target: str) -> None:
        if target == item["question_id"]:
            return
        now = self.clock.now()
        await evidence.move(conn, item["id"], target)
        await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=item["id"],
                           action="moved", before={"question": item["question_id"]}, after={"question": target})
        await audits.touch(conn, row["id"], now)

    async def _to_question(self, conn, actor: Actor, row, question_id: str) -> QuestionView:
        """The card of ``question_id`` (the person's place moves there while in the questions)."""
        checklist = self.snapshot(row)
        index = checklist.question_ids().index(question_id)
        if row["status"] == AuditStatus.in_progress:
            return await self._go(conn, actor, row, index, None)
        await self._enter(conn, actor, row)
        return await self._question_view(conn, row, checklist, index, actor)

    # --- discarding an audit started by mistake ------------------------------------------------

    async def discard_preview(self, actor: Actor, audit_id: int) -> Discarding:
        """🗑 Discard: what is about to be discarded (refused unless the person created the
        audit or is a lead, and before completion)."""
        async with self.db.transaction() as conn:
            row = await self._discardable(conn, actor, audit_id)
            answered = await audits.answer_count(conn, audit_id)
        return Discarding(audit_id, row["number"], row["department"], answered, row["status"])

    async def discard(self, actor: Actor, audit_id: int) -> Discarding:
        """Discard the audit: it leaves every list (status cancelled); the rows and the trail
        keep it, and its number is not given again. The person's dialog in it ends."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._discardable(conn, actor, audit_id)
            answered = await audits.answer_count(conn, audit_id)
            await audits.set_status(conn, audit_id, AuditStatus.cancelled, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="discarded", before=row["status"], after=AuditStatus.cancelled)
            if row["dialog_audit_id"] == audit_id:
                await dialogs.clear(conn, actor.id)
        return Discarding(audit_id, row["number"], row["department"], answered)

    async def _discardable(self, conn, actor: Actor, audit_id: int):
        row = await self._audit(conn, actor, audit_id, writable=False)
        if row["status"] == AuditStatus.cancelled:
            raise AuditError("audit_discarded", number=row["number"])
        if AuditStatus(row["status"]).closed:
            raise AuditError("audit_closed", number=row["number"])
        if row["created_by"] != actor.id and not actor.is_lead:
            raise AuditError("discard_not_allowed")
        if row["completed_at"] is not None:  # it was completed: a record stays a record
            raise AuditError("discard_revision", number=row["number"])
        return row

    # --- lists ---------------------------------------------------------------------------------

    async def unfinished(self, actor: Actor) -> list[dict]:
        _require_auditor(actor)
        async with self.db.read() as conn:
            rows = await audits.unfinished_of(conn, actor.id)
        result = []
        for row in rows:
            total = len(self.snapshot(row).question_ids())
            result.append({"id": row["id"], "number": row["number"], "department": row["department"],
                           "status": row["status"], "answered": row["answered"], "total": total})
        return result


def _number_typed(text: str) -> str | None:
    """The digits of a typed question number ("12", "#12", "12.", "第12题"), else None."""
    m = re.fullmatch(r"\s*(?:#|no\.?\s*|第)?\s*(\d{1,4})\s*[.。]?\s*(?:题)?\s*", text, re.IGNORECASE)
    return m.group(1) if m else None


def _position(row) -> int:
    """The question the person is on (0 before they are in the team: a lead's first visit)."""
    return row["position"] or 0


def _attendees(participants: str | None, team: list[str], lang: str) -> str:
    """The opening meeting's attendees to start from: the plan's participants, then the team
    (names already among the participants are not repeated)."""
    given = (participants or "").strip()
    names, parts = ("、", "；") if lang == "zh" else (", ", "; ")
    extra = names.join(name for name in team if name and name not in given)
    return parts.join(part for part in (given, extra) if part)


def _question_id(checklist: Checklist, index: int) -> str:
    ids = checklist.question_ids()
    if not 0 <= index < len(ids):
        raise AuditError("stale")
    return ids[index]


def _require_auditor(actor: Actor) -> None:
    if not actor.is_auditor or not actor.active:
        raise AuditError("not_allowed")
