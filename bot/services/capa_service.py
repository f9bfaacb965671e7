"""Corrective actions: the staff's answer (plan, then implementation) and the auditor's verification.

No Telegram here. Each answer is saved in the capa row the moment it arrives and the
person's place in dialog_state, so leaving half-way and coming back continues there.
Messages to other people go into the outbox in the same transaction as the change.
Rights and state are checked on every call, never only when a list is shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bot.domain.clock import Clock
from bot.domain.dates import parse_date
from bot.domain.errors import ServiceError
from bot.domain.reminder_rules import not_before
from bot.domain.text import clean_text
from bot.domain.vocabulary import (
    AuditStatus,
    CapaState,
    CapaStep,
    ExtensionState,
    NoticeKind,
    PlanVerdict,
    ReturnStep,
    Role,
)
from bot.services.capa_return import (
    given_again,
    kept_columns,
    last_return,
    plan_before,
    previous_text,
)
from bot.services.capa_return import plan_of as _plan_of
from bot.services.capa_steps import (
    DRAFT,
    plan_step,
    staff_phase,
    staff_place,
    still_open,
    whys_of,
)
from bot.services.people_service import Actor
from bot.services.reminder_service import queue_new_actions
from bot.services.revision_notices import changes_of, issued_revision
from bot.services.thumbnails import store_file
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import (
    acknowledgements,
    audits,
    capa_history,
    departments,
    dialogs,
    evidence,
    findings,
    outbox,
    people,
    revisions,
    trail,
)
from storage.repos import capa as capa_repo
from storage.repos import status as status_repo
from storage.times import from_db, to_db

FLOW = "capa"
MAX_TEXT = 2000
MAX_TARGET_DAYS = 3 * 366
LIST_LIMIT = 20  # per list: the message stays within 4096 characters
MAX_CHOICES = 30  # departments or auditors offered for a reassignment (a button each)
_FIELDS = {"correction": "correction", "elsewhere": "elsewhere", "plan": "action_plan"}
_GONE = ("closed", "not_allowed", "not_found")  # the action is no longer the person's to answer
# What a returned plan clears, per step named: the staff give it again from there.
_RETURN_CLEARS: dict[str, dict[str, Any]] = {
    ReturnStep.why: {"root_cause_json": "[]", "elsewhere": None},
    ReturnStep.plan: {"action_plan": None},
    ReturnStep.target: {"target_date": None},
}


class CapaError(ServiceError):
    """A refusal about an action; ``step`` (when given) is where the person still is."""

    prefix = "capa_err_"

    def __init__(self, code: str, step: Step | None = None):
        super().__init__(code)
        self.step = step


@dataclass(frozen=True)
class Extension:
    """A request for a later due date (the latest of an action)."""

    id: int
    state: str  # ExtensionState
    date: date
    reason: str


@dataclass(frozen=True)
class CapaView:
    """One corrective action as a person should see it: the finding, the staff's answers,
    the dates; and what the step being shown adds (the choices of a move, the date asked)."""

    id: int
    number: str
    kind: str
    statement: str
    clause: str
    question: str
    audit_number: str
    department: str
    auditor: str
    state: str  # CapaState
    due_date: date
    days_left: int
    target_date: date | None
    correction: str | None
    whys: list[str]
    elsewhere: str | None
    action_plan: str | None
    implementation: str | None
    effectiveness: str | None
    rejection_reason: str | None
    evidence_count: int
    returned_step: str | None  # a returned plan: the step it went back to
    return_reason: str | None
    original_due_date: date | None  # before an extension
    extension: Extension | None
    can_reassign: bool = False  # a lead may move it (the verifier's card)
    return_to: str | None = None  # the step a plan is being returned to
    asked_date: date | None = None  # the later due date being asked for
    choices: tuple[dict[str, Any], ...] = ()  # departments or auditors to move it to
    what: str | None = None  # which of the two
    previous: dict[str, Any] | None = None  # a returned step not given again: its parts before the return
    reviews: int = 0  # plan reviews so far: the round the verifier's review buttons answer

    @property
    def shown_state(self) -> str:
        """The state as people read it: a returned plan waits for the staff's plan again."""
        return CapaState.open if self.state == CapaState.planned and self.returned_step else self.state


@dataclass(frozen=True)
class Step:
    """Where a person is with one action, and the action as they should see it."""

    name: str
    capa: CapaView
    added: int = 0  # notes and files given in this implementation round
    card: int | None = None  # the person's live card (a message id) to edit in place, when known
    notice: str | None = None  # what was just done, said above the step (e.g. the extension asked)


@dataclass(frozen=True)
class CapaLists:
    answer: list[dict] = field(default_factory=list)  # staff: their departments' open actions
    answer_total: int = 0
    verify: list[dict] = field(default_factory=list)  # auditor/lead: waiting for verification
    verify_total: int = 0
    departments: list[dict] = field(default_factory=list)  # a lead: every department with open actions


class CapaService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, files: FileStore):
        self.db = db
        self.clock = clock
        self.files = files
        self.rules = settings.rules()

    def today(self) -> date:
        """Today's local date (due dates and target dates are local)."""
        return self.rules.today(self.clock.now())

    # --- views -----------------------------------------------------------------------------

    async def lists(self, actor: Actor) -> CapaLists:
        """/capa: staff see their departments' open actions; auditors and leads what waits for them."""
        async with self.db.read() as conn:
            answer = await capa_repo.open_of_departments(conn, actor.staff_departments, LIST_LIMIT)
            verify = []
            if actor.is_auditor:
                auditor = None if actor.is_lead else actor.id
                verify = await capa_repo.waiting_verification(conn, auditor, LIST_LIMIT)
            today = self.today()
            departments = ([dict(r) for r in await status_repo.per_department(conn, today, LIST_LIMIT) if r["open"]]
                           if actor.is_lead else [])
        return CapaLists(
            answer=[_summary(row, today) for row in answer],
            answer_total=answer[0]["total"] if answer else 0,
            verify=[_summary(row, today) for row in verify],
            verify_total=verify[0]["total"] if verify else 0,
            departments=departments,
        )

    async def open(self, actor: Actor, capa_id: int) -> Step:
        """A staff member opens an action (the notice's button or /capa): continue where they were."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_staff(actor, row)
            state = await dialogs.get(conn, actor.id)
            here = _dialog_on(state, capa_id)
            return await self._resume(conn, actor, row, state["awaiting"] if here else None,
                                      dialogs.data_of(state) if here else {}, now)

    async def _resume(self, conn: Any, actor: Actor, row: Any, awaiting: str | None,
                      data: dict[str, Any], now: datetime) -> Step:
        """Put the person back at the step of the action's phase (``awaiting``: where they were)."""
        capa_id = row["id"]
        phase = staff_phase(row)
        if phase == CapaState.closed:
            raise CapaError("closed")
        if phase == CapaState.implemented:
            return Step(CapaStep.waiting, await self._view(conn, row, now))
        if phase == CapaState.planned:  # with the auditor for review
            name = "planned"
        elif phase == CapaState.plan_accepted:
            if awaiting == "evidence":
                await _put(conn, actor.id, capa_id, "evidence", now, data={"added": data.get("added", 0)})
                return Step(CapaStep.evidence, await self._view(conn, row, now), data.get("added", 0))
            if row["rejection_reason"]:  # a rejected implementation: straight back to the evidence
                await _put(conn, actor.id, capa_id, "evidence", now, data={"added": 0})
                return Step(CapaStep.evidence, await self._view(conn, row, now))
            name = "accepted"
        else:
            name = plan_step(row, awaiting)
        await _put(conn, actor.id, capa_id, name, now)
        return Step(name, await self._view(conn, row, now))

    async def verify_card(self, actor: Actor, capa_id: int) -> Step:
        """The auditor's (or a lead's) view of an action."""
        now = self.clock.now()
        async with self.db.read() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            view = await self._view(conn, row, now)
            return Step(CapaStep.verify, replace(view, can_reassign=actor.is_lead and row["state"] != CapaState.closed))

    async def evidence_files(self, actor: Actor, capa_id: int) -> list[dict]:
        """The implementation evidence, for the department's staff, the auditor and leads."""
        async with self.db.read() as conn:
            row = await _load(conn, capa_id)
            if row["department_id"] not in actor.staff_departments:
                _require_verifier(actor, row)
            return [dict(r) for r in await evidence.of_capa(conn, capa_id)]

    # --- staff: the plan -------------------------------------------------------------------

    async def answer(self, actor: Actor, text: str) -> Step:
        """Typed text in the corrective-action dialog: whatever the current step asks for.

        When the action is gone from the person (closed, not theirs), so is the dialog.
        """
        card = await self._live_card(actor)
        try:
            return replace(await self._answer(actor, text), card=card)
        except CapaError as error:
            if error.code in _GONE:
                await self.leave(actor)
            elif error.step is not None:
                error.step = replace(error.step, card=card)
            raise

    async def _answer(self, actor: Actor, text: str) -> Step:
        state = await self._dialog(actor)
        awaiting = state["awaiting"]
        if awaiting in ("effectiveness", "reject_reason"):
            return await self._verdict(actor, state["capa_id"], awaiting, text)
        if awaiting == "return_reason":
            return await self._return_plan(actor, state["capa_id"], dialogs.data_of(state).get("step", ""), text)
        if awaiting in ("extend_date", "extend_reason"):
            return await self._extension_text(actor, state, text)
        if awaiting == "evidence":
            return await self._add_note(actor, state["capa_id"], text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, state["capa_id"])
            _require_staff(actor, row)
            if staff_phase(row) not in (DRAFT, CapaState.closed):  # the plan is confirmed: only buttons now
                raise CapaError("use_buttons", Step(staff_place(row), await self._view(conn, row, now)))
            row = await self._staff_row(conn, actor, state["capa_id"], DRAFT)
            if awaiting in ("planned", "accepted"):  # the plan came back to them since
                awaiting = None
            step = plan_step(row, awaiting)
            if step in (CapaStep.why_more, CapaStep.confirm):
                raise CapaError("use_buttons", Step(step, await self._view(conn, row, now)))
            if step == "target":
                day = parse_date(text, self.rules.today(now))
                if day is None:
                    raise CapaError("date_invalid", Step(step, await self._view(conn, row, now)))
                return await self._set_target(conn, actor, row, day, now)
            return await self._save_text(conn, actor, row, step, clean_text(text), now)

    async def give(self, actor: Actor, capa_id: int, step: str, text: str) -> Step:
        """A quick-answer button: the same as typing ``text`` at ``step``."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current != step and not still_open(row, step, current):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            return await self._save_text(conn, actor, row, step, text, now)

    async def why_again(self, actor: Actor, capa_id: int) -> Step:
        return await self._choose(actor, capa_id, "why")

    async def whys_done(self, actor: Actor, capa_id: int) -> Step:
        return await self._choose(actor, capa_id, "elsewhere")

    async def set_target(self, actor: Actor, capa_id: int, day: date) -> Step:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current not in ("target", "confirm"):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            return await self._set_target(conn, actor, row, day, now)

    async def confirm(self, actor: Actor, capa_id: int) -> Step:
        """The plan is complete: the action becomes 'planned' and the auditor is told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current != "confirm":
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            await findings.update_capa(conn, capa_id, now, state=CapaState.planned, planned_at=to_db(now),
                                       returned_step=None, return_reason=None)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="planned", before=row["state"], after=_plan_of(row))
            await self._notify_auditor(conn, row, NoticeKind.capa_planned, now)
            await _put(conn, actor.id, capa_id, "planned", now)
            return Step(CapaStep.planned, await self._view(conn, await _load(conn, capa_id), now))

    async def keep_returned(self, actor: Actor, capa_id: int, step: str) -> Step:
        """"Keep as it was" on a step the verifier returned: its text before the return, given
        again unchanged (the verifier sees that nothing changed there)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            review = await last_return(conn, capa_id)
            if row["returned_step"] != step or review is None or review["step"] != step or given_again(row, step):
                current = plan_step(row, await _awaiting(conn, actor, capa_id))
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            columns = kept_columns(plan_before(review), step)
            kept = columns.get("target_date")
            if kept and date.fromisoformat(kept) < self.rules.today(now):
                raise CapaError("date_past", Step(CapaStep.target, await self._view(conn, row, now)))
            await findings.update_capa(conn, capa_id, now, **columns)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="kept_after_return", before=step, after=columns)
            return await self._advance(conn, actor, capa_id, now)

    async def start_over(self, actor: Actor, capa_id: int) -> Step:
        """Clear the unconfirmed plan and ask again from the correction (the trail keeps the old one)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            await findings.update_capa(conn, capa_id, now, correction=None, root_cause_json="[]",
                                       elsewhere=None, action_plan=None, target_date=None)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="plan_cleared", before=_plan_of(row))
            await _put(conn, actor.id, capa_id, "correction", now)
            return Step(CapaStep.correction, await self._view(conn, await _load(conn, capa_id), now))

    # --- staff: implementation -------------------------------------------------------------

    async def implement(self, actor: Actor, capa_id: int) -> Step:
        """Start giving evidence of implementation (notes, photos, documents)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.plan_accepted)
            state = await dialogs.get(conn, actor.id)
            added = dialogs.data_of(state).get("added", 0) if _dialog_on(state, capa_id) else 0
            if not added and not row["rejection_reason"]:  # files kept while the plan was written
                added = len(await evidence.of_capa(conn, capa_id))
            await _put(conn, actor.id, capa_id, "evidence", now, data={"added": added})
            return Step(CapaStep.evidence, await self._view(conn, row, now), added)

    async def add_file(
        self, actor: Actor, *, kind: str, data: bytes, file_name: str | None, mime_type: str | None,
        telegram_file_id: str | None, caption: str | None,
    ) -> Step:
        """A file sent while giving evidence; stored by its SHA-256 and filed under the action."""
        card = await self._live_card(actor)
        try:
            step = await self._add_file(actor, kind=kind, data=data, file_name=file_name, mime_type=mime_type,
                                        telegram_file_id=telegram_file_id, caption=caption)
            return replace(step, card=card)
        except CapaError as error:
            if error.code in _GONE:
                await self.leave(actor)
            elif error.step is not None:
                error.step = replace(error.step, card=card)
            raise

    async def _add_file(
        self, actor: Actor, *, kind: str, data: bytes, file_name: str | None, mime_type: str | None,
        telegram_file_id: str | None, caption: str | None,
    ) -> Step:
        state = await self._dialog(actor)
        early = state["awaiting"] != "evidence"  # sent while the plan is written or reviewed: kept for later
        async with self.db.read() as conn:  # check before writing any file
            await self._file_row(conn, actor, state["capa_id"], early)
        sha, thumb_sha = await store_file(self.files, data, kind)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._file_row(conn, actor, state["capa_id"], early)
            evidence_id = await evidence.add(
                conn, kind=kind, sha256=sha, size=len(data), person_id=actor.id, at=now, capa_id=row["id"],
                thumb_sha256=thumb_sha, file_name=file_name, mime_type=mime_type,
                caption=clean_text(caption or "") or None, telegram_file_id=telegram_file_id,
            )
            await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=evidence_id,
                               action="kept_for_implementation" if early else "added",
                               after={"capa": row["id"], "sha256": sha, "kind": kind})
            if early:
                step = await self._resume(conn, actor, row, state["awaiting"], dialogs.data_of(state), now)
                return replace(step, notice="file_kept")
            return await self._evidence_added(conn, actor, row, now)

    async def _file_row(self, conn: Any, actor: Actor, capa_id: int, early: bool) -> Any:
        """The action a file is for: implementing (evidence), or, sent early, any phase before the
        implementation is handed in (the file waits there as evidence of the implementation)."""
        if not early:
            return await self._staff_row(conn, actor, capa_id, CapaState.plan_accepted)
        row = await _load(conn, capa_id)
        _require_staff(actor, row)
        if staff_phase(row) not in (DRAFT, CapaState.planned, CapaState.plan_accepted):
            raise CapaError("media_not_now", Step(staff_place(row), await self._view(conn, row, self.clock.now())))
        return row

    async def submit(self, actor: Actor, capa_id: int) -> Step:
        """Implementation done: the action waits for the auditor, who is told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.plan_accepted)
            state = await dialogs.get(conn, actor.id)
            if not _dialog_on(state, capa_id) or state["awaiting"] != "evidence":
                raise CapaError("step_done", Step(CapaStep.accepted, await self._view(conn, row, now)))
            if not dialogs.data_of(state).get("added"):
                raise CapaError("evidence_needed", Step(CapaStep.evidence, await self._view(conn, row, now)))
            await findings.update_capa(conn, capa_id, now, state=CapaState.implemented, implemented_at=to_db(now))
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="implemented", before=CapaState.plan_accepted, after=row["implementation"])
            await self._notify_auditor(conn, row, NoticeKind.capa_implemented, now)
            await dialogs.clear(conn, actor.id)
            return Step(CapaStep.waiting, await self._view(conn, await _load(conn, capa_id), now))

    # --- auditor: verification -------------------------------------------------------------

    async def ask_verdict(self, actor: Actor, capa_id: int, accept: bool) -> Step:
        """Accept (asks how effectiveness was checked) or reject (asks why)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_state(row, CapaState.implemented)
            name = "effectiveness" if accept else "reject_reason"
            await _put(conn, actor.id, capa_id, name, now)
            return Step(name, await self._view(conn, row, now))

    async def _verdict(self, actor: Actor, capa_id: int, awaiting: str, text: str) -> Step:
        text = clean_text(text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_state(row, CapaState.implemented)
            if not text or len(text) > MAX_TEXT:
                raise CapaError("too_long" if text else "empty", Step(awaiting, await self._view(conn, row, now)))
            if awaiting == "effectiveness":
                await findings.update_capa(conn, capa_id, now, state=CapaState.closed, effectiveness=text,
                                           closed_at=to_db(now))
                action, name, kind = "closed", CapaStep.closed_done, NoticeKind.capa_closed
            else:
                await findings.update_capa(conn, capa_id, now, state=CapaState.plan_accepted, rejection_reason=text,
                                           implemented_at=None)
                action, name, kind = "rejected", CapaStep.rejected_done, NoticeKind.capa_rejected
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action=action, before=CapaState.implemented, after=text)
            await self._notify_staff(conn, row, kind, now)
            await dialogs.clear(conn, actor.id)
            return Step(name, await self._view(conn, await _load(conn, capa_id), now))

    # --- auditor: plan review --------------------------------------------------------------

    async def accept_plan(self, actor: Actor, capa_id: int, round: int | None = None) -> Step:
        """The verifier accepts the confirmed plan: the staff may now implement it, and are told.
        ``round``: the plan reviews there were when the button was made (a plan resubmitted
        since is shown, not accepted)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_review(row)
            await self._require_round(conn, row, round, now)
            await findings.update_capa(conn, capa_id, now, state=CapaState.plan_accepted, plan_accepted_at=to_db(now))
            await capa_history.add_review(conn, capa_id=capa_id, reviewer_id=actor.id, verdict=PlanVerdict.accepted,
                                          plan=_plan_of(row), at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="plan_accepted", before=CapaState.planned, after=CapaState.plan_accepted)
            await self._notify_staff(conn, row, NoticeKind.capa_plan_accepted, now)
            await self._leave_action(conn, actor, capa_id)
            return Step(CapaStep.plan_accepted_done, await self._view(conn, await _load(conn, capa_id), now))

    async def ask_return(self, actor: Actor, capa_id: int, step: str, round: int | None = None) -> Step:
        """The verifier returns the plan to ``step``: ask for the reason (typed next)."""
        if step not in ReturnStep._value2member_map_:
            raise CapaError("not_found")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_review(row)
            await self._require_round(conn, row, round, now)
            await _put(conn, actor.id, capa_id, "return_reason", now, data={"step": step})
            return Step(CapaStep.return_reason, replace(await self._view(conn, row, now), return_to=step))

    async def _return_plan(self, actor: Actor, capa_id: int, step: str, text: str) -> Step:
        text = clean_text(text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_review(row)
            if step not in _RETURN_CLEARS:
                raise CapaError("step_done")
            if not text or len(text) > MAX_TEXT:
                view = replace(await self._view(conn, row, now), return_to=step)
                raise CapaError("too_long" if text else "empty", Step(CapaStep.return_reason, view))
            await findings.update_capa(conn, capa_id, now, returned_step=step, return_reason=text,
                                       **_RETURN_CLEARS[step])
            await capa_history.add_review(conn, capa_id=capa_id, reviewer_id=actor.id, verdict=PlanVerdict.returned,
                                          plan=_plan_of(row), at=now, step=step, reason=text)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="plan_returned", before=_plan_of(row), after={"step": step, "reason": text})
            await self._notify_staff(conn, row, NoticeKind.capa_plan_returned, now)
            await dialogs.clear(conn, actor.id)
            return Step(CapaStep.returned_done, await self._view(conn, await _load(conn, capa_id), now))

    async def _require_round(self, conn: Any, row: Any, round: int | None, now: datetime) -> None:
        """A review button made for an earlier round of the plan (returned and resubmitted since)."""
        if round is not None and round != await capa_history.count_reviews(conn, row["id"]):
            view = await self._view(conn, row, now)
            raise CapaError("plan_resubmitted", Step(CapaStep.verify, view))

    # --- due-date extension ----------------------------------------------------------------

    async def ask_extension(self, actor: Actor, capa_id: int) -> Step:
        """The staff ask for a later due date: the date is typed next, then the reason."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_staff(actor, row)
            await self._require_extendable(conn, row, now)
            state = await dialogs.get(conn, actor.id)
            back = _back_of(state, capa_id)
            await _put(conn, actor.id, capa_id, "extend_date", now, data={"back": back})
            return Step(CapaStep.extend_date, await self._view(conn, row, now))

    async def leave_extension(self, actor: Actor, capa_id: int) -> Step:
        """"◀ Back" on the extension prompt: nothing is asked; the person is where they were."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_staff(actor, row)
            back = _back_of(await dialogs.get(conn, actor.id), capa_id)
            return await self._resume(conn, actor, row, back.get("awaiting"), back, now)

    async def extension_date(self, actor: Actor, capa_id: int, day: date) -> Step:
        """A later due date pressed on the extension prompt: as if typed (the reason is next)."""
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if not _dialog_on(state, capa_id) or state["awaiting"] != "extend_date":
            raise CapaError("step_done")
        return await self._extension_text(actor, state, day.isoformat())

    async def _extension_text(self, actor: Actor, state: Any, text: str) -> Step:
        now = self.clock.now()
        capa_id = state["capa_id"]
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_staff(actor, row)
            await self._require_extendable(conn, row, now)
            if state["awaiting"] == "extend_date":
                today = self.rules.today(now)
                day = parse_date(text, today)
                problem = _extension_date_problem(day, today, date.fromisoformat(row["due_date"]))
                if problem:
                    raise CapaError(problem, Step(CapaStep.extend_date, await self._view(conn, row, now)))
                await _put(conn, actor.id, capa_id, "extend_reason", now,
                           data={"date": day.isoformat(), "back": dialogs.data_of(state).get("back")})
                return Step(CapaStep.extend_reason, replace(await self._view(conn, row, now), asked_date=day))
            day = date.fromisoformat(dialogs.data_of(state)["date"])
            reason = clean_text(text)
            if not reason or len(reason) > MAX_TEXT:
                view = replace(await self._view(conn, row, now), asked_date=day)
                raise CapaError("too_long" if reason else "empty", Step(CapaStep.extend_reason, view))
            extension_id = await capa_history.add_extension(
                conn, capa_id=capa_id, person_id=actor.id, requested=day, reason=reason,
                due_before=date.fromisoformat(row["due_date"]), at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="extension_asked", before=row["due_date"],
                               after={"extension": extension_id, "date": day.isoformat(), "reason": reason})
            await self._notify_auditor(conn, row, NoticeKind.capa_extension_asked, now, extension=extension_id)
            back = dialogs.data_of(state).get("back") or {}
            step = await self._resume(conn, actor, await _load(conn, capa_id), back.get("awaiting"), back, now)
            return replace(step, notice=CapaStep.extension_asked)

    async def decide_extension(self, actor: Actor, extension_id: int, grant: bool) -> Step:
        """The verifier (or a lead) grants the date asked for, or refuses; the staff are told.

        A granted date becomes the due date; the first due date is kept in original_due_date
        and the reminders start again for the new date.
        """
        now = self.clock.now()
        async with self.db.transaction() as conn:
            extension = await capa_history.get_extension(conn, extension_id)
            if extension is None:
                raise CapaError("not_found")
            row = await _load(conn, extension["capa_id"])
            _require_verifier(actor, row)
            if row["state"] == CapaState.closed:
                raise CapaError("closed")
            state = ExtensionState.granted if grant else ExtensionState.refused
            if not await capa_history.decide_extension(conn, extension_id, state=state, person_id=actor.id, at=now):
                raise CapaError("extension_decided", Step(CapaStep.verify, await self._view(conn, row, now)))
            if grant:
                await findings.update_capa(
                    conn, row["id"], now, due_date=extension["requested_date"], reminded_stage=None,
                    escalated_at=None, original_due_date=row["original_due_date"] or row["due_date"])
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=row["id"],
                               action=f"extension_{state}", before=row["due_date"],
                               after={"extension": extension_id, "date": extension["requested_date"]})
            await self._notify_staff(conn, row, f"capa_extension_{state}", now)
            return Step(f"extension_{state}_done", await self._view(conn, await _load(conn, row["id"]), now))

    async def _require_extendable(self, conn: Any, row: Any, now: datetime) -> None:
        if row["state"] == CapaState.closed:
            raise CapaError("closed")
        if row["state"] == CapaState.implemented:
            raise CapaError("extension_not_now", Step(CapaStep.waiting, await self._view(conn, row, now)))
        latest = await capa_history.latest_extension(conn, row["id"])
        if latest is not None and latest["state"] == ExtensionState.pending:
            raise CapaError("extension_pending", Step(staff_place(row), await self._view(conn, row, now)))

    async def _leave_action(self, conn: Any, actor: Actor, capa_id: int) -> None:
        """End the person's dialog if it is about this action."""
        if _dialog_on(await dialogs.get(conn, actor.id), capa_id):
            await dialogs.clear(conn, actor.id)

    # --- lead: reassignment ----------------------------------------------------------------

    async def reassign_choices(self, actor: Actor, capa_id: int, what: str) -> Step:
        """The departments (``what`` = "department") or auditors ("auditor") a lead may move the action to."""
        now = self.clock.now()
        async with self.db.read() as conn:
            row = await _load(conn, capa_id)
            _require_lead(actor)
            if row["state"] == CapaState.closed:
                raise CapaError("closed")
            if what == "department":
                choices = [{"id": d["id"], "name": d["name"]} for d in await departments.list_active(conn)
                           if d["id"] != row["department_id"]]
            else:
                choices = [{"id": p["id"], "name": p["name"]} for p in await people.with_role(conn, Role.auditor)
                           if p["id"] != row["auditor_id"]]
            view = replace(await self._view(conn, row, now), choices=tuple(choices[:MAX_CHOICES]), what=what)
            return Step(f"reassign_{what}", view)

    async def reassign_department(self, actor: Actor, capa_id: int, department_id: int) -> Step:
        """A lead moves the action to another department: its staff get it as new, the old staff are told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _reassignable(conn, actor, capa_id)
            if department_id == row["department_id"]:
                raise CapaError("same_department")
            target = await departments.get(conn, department_id)
            if target is None or not target["active"]:
                raise CapaError("not_found")
            await findings.update_capa(conn, capa_id, now, department_id=department_id, notified_at=None,
                                       reminded_stage=None, escalated_at=None)
            await capa_history.add_reassignment(conn, capa_id=capa_id, person_id=actor.id, at=now,
                                                from_department=row["department_id"], to_department=department_id)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="reassigned_department", before=row["department_id"], after=department_id)
            await self._notify_staff(conn, row, NoticeKind.capa_moved_away, now, from_department=row["department_id"])
            await queue_new_actions(conn, self.rules, now)  # the new department's staff get it as new
            return Step(CapaStep.reassigned_done, await self._view(conn, await _load(conn, capa_id), now))

    async def reassign_auditor(self, actor: Actor, capa_id: int, auditor_id: int) -> Step:
        """A lead gives the action another verifying auditor; both auditors are told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _reassignable(conn, actor, capa_id)
            if auditor_id == row["auditor_id"]:
                raise CapaError("same_auditor")
            if auditor_id not in {p["id"] for p in await people.with_role(conn, Role.auditor)}:
                raise CapaError("not_found")
            await findings.update_capa(conn, capa_id, now, auditor_id=auditor_id)
            await capa_history.add_reassignment(conn, capa_id=capa_id, person_id=actor.id, at=now,
                                                from_auditor=row["auditor_id"], to_auditor=auditor_id)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="reassigned_auditor", before=row["auditor_id"], after=auditor_id)
            await self._enqueue(conn, row, NoticeKind.capa_verifier_assigned, [auditor_id], now)
            old = await people.get(conn, row["auditor_id"])
            if old is not None and old["active"]:
                await self._enqueue(conn, row, NoticeKind.capa_verifier_released, [old["id"]], now)
                if _dialog_on(await dialogs.get(conn, old["id"]), capa_id):  # a verdict half-typed ends
                    await dialogs.clear(conn, old["id"])
            return Step(CapaStep.reassigned_done, await self._view(conn, await _load(conn, capa_id), now))

    # --- the department acknowledges the findings (closing meeting) ------------------------

    async def acknowledge_findings(self, actor: Actor, audit_id: int, rev: int | None = None) -> dict[str, Any]:
        """A contact of the audited department acknowledges revision ``rev`` of the completed
        audit's findings (None: a button from before revisions were named, revision 1's). A
        button of an older revision records nothing: the current revision's findings come
        back, naming it, with its own button."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            audit = await audits.get(conn, audit_id)
            if audit is None:
                raise CapaError("not_found")
            if audit["department_id"] not in actor.staff_departments:
                raise CapaError("not_allowed")
            if audit["status"] != AuditStatus.completed:
                raise CapaError("step_done")
            current = await revisions.current(conn, audit_id)
            pressed = rev or 1
            if pressed != current:
                values = await findings_for_acknowledgement(conn, audit_id, actor.id, self.rules.tz)
                return {**values, "stale_rev": pressed}
            if await acknowledgements.add(conn, audit_id, actor.id, now, current):
                await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                                   action="findings_acknowledged", after={"revision": current})
            return await findings_for_acknowledgement(conn, audit_id, actor.id, self.rules.tz)

    async def card_sent(self, actor: Actor, capa_id: int, message_id: int) -> int | None:
        """The card of ``capa_id`` went out as ``message_id``: the next typed answer edits it.
        Returns the live card it replaces (to take its buttons off), if any."""
        async with self.db.transaction() as conn:
            state = await dialogs.get(conn, actor.id)
            if not _dialog_on(state, capa_id):
                return None
            await dialogs.set_message_id(conn, actor.id, message_id)
            old = state["message_id"]
            return old if old != message_id else None

    async def fresh_card(self, actor: Actor, capa_id: int, pressed: int) -> Step | None:
        """A press on message ``pressed``, which has no buttons: when it is a card of the action
        the person's newer live card replaced, where they are now with it (nothing is done);
        None when it is not (the press is handled as any other)."""
        async with self.db.read() as conn:
            row = await _load(conn, capa_id)
            state = await dialogs.get(conn, actor.id)
        if not _dialog_on(state, capa_id) or state["message_id"] is None or pressed >= state["message_id"]:
            return None
        if row["department_id"] in actor.staff_departments:
            step = await self.open(actor, capa_id)
        else:
            step = await self.verify_card(actor, capa_id)
        return replace(step, notice="superseded")

    async def _live_card(self, actor: Actor) -> int | None:
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        return state["message_id"] if state is not None and state["flow"] == FLOW else None

    async def leave(self, actor: Actor) -> None:
        """End the person's corrective-action dialog (the action was closed or is not theirs)."""
        async with self.db.transaction() as conn:
            state = await dialogs.get(conn, actor.id)
            if state is not None and state["flow"] == FLOW:
                await dialogs.clear(conn, actor.id)

    # --- helpers ---------------------------------------------------------------------------

    async def _dialog(self, actor: Actor) -> Any:
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != FLOW or state["capa_id"] is None:
            raise CapaError("no_dialog")
        return state

    async def _staff_row(self, conn: Any, actor: Actor, capa_id: int, expected: str) -> Any:
        """The action, when the staff member may work on it and it is in phase ``expected``
        (DRAFT: writing the plan; plan_accepted: implementing)."""
        row = await _load(conn, capa_id)
        _require_staff(actor, row)
        phase = staff_phase(row)
        if phase != expected:
            if phase == CapaState.closed:
                raise CapaError("closed")
            code = "plan_not_accepted" if expected == CapaState.plan_accepted and phase in (
                DRAFT, CapaState.planned) else "step_done"
            raise CapaError(code, Step(staff_place(row), await self._view(conn, row, self.clock.now())))
        return row

    async def _choose(self, actor: Actor, capa_id: int, awaiting: str) -> Step:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, DRAFT)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current not in (CapaStep.why_more, CapaStep.why) or not whys_of(row):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            name = plan_step(row, awaiting)
            await _put(conn, actor.id, capa_id, name, now)
            return Step(name, await self._view(conn, row, now))

    async def _save_text(self, conn: Any, actor: Actor, row: Any, step: str, text: str, now: datetime) -> Step:
        if not text:
            raise CapaError("empty", Step(step, await self._view(conn, row, now)))
        if len(text) > MAX_TEXT:
            raise CapaError("too_long", Step(step, await self._view(conn, row, now)))
        if step == "why":
            before = whys_of(row)
            await findings.update_capa(conn, row["id"], now,
                                       root_cause_json=json.dumps([*before, text], ensure_ascii=False))
            name, before_value = "root_cause", before
        else:
            name = _FIELDS[step]
            before_value = row[name]
            await findings.update_capa(conn, row["id"], now, **{name: text})
        await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=row["id"],
                           action=f"set_{name}", before=before_value, after=text)
        return await self._advance(conn, actor, row["id"], now)

    async def _set_target(self, conn: Any, actor: Actor, row: Any, day: date, now: datetime) -> Step:
        today = self.rules.today(now)
        if day < today:
            raise CapaError("date_past", Step(CapaStep.target, await self._view(conn, row, now)))
        if day > today + timedelta(days=MAX_TARGET_DAYS):
            raise CapaError("date_too_far", Step(CapaStep.target, await self._view(conn, row, now)))
        await findings.update_capa(conn, row["id"], now, target_date=day.isoformat())
        await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=row["id"],
                           action="set_target_date", before=row["target_date"], after=day.isoformat())
        return await self._advance(conn, actor, row["id"], now)

    async def _advance(self, conn: Any, actor: Actor, capa_id: int, now: datetime) -> Step:
        row = await _load(conn, capa_id)
        name = plan_step(row, None)
        await _put(conn, actor.id, capa_id, name, now)
        return Step(name, await self._view(conn, row, now))

    async def _add_note(self, actor: Actor, capa_id: int, text: str) -> Step:
        text = clean_text(text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.plan_accepted)
            if not text or len(text) > MAX_TEXT:
                raise CapaError("too_long" if text else "empty", Step(CapaStep.evidence, await self._view(conn, row, now)))
            joined = "\n".join(part for part in (row["implementation"], text) if part)
            await findings.update_capa(conn, capa_id, now, implementation=joined)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="implementation_note", after=text)
            return await self._evidence_added(conn, actor, await _load(conn, capa_id), now)

    async def _evidence_added(self, conn: Any, actor: Actor, row: Any, now: datetime) -> Step:
        added = dialogs.data_of(await dialogs.get(conn, actor.id)).get("added", 0) + 1
        await _put(conn, actor.id, row["id"], "evidence", now, data={"added": added})
        return Step(CapaStep.evidence, await self._view(conn, row, now), added)

    async def _notify_auditor(self, conn: Any, row: Any, kind: str, now: datetime, **extra: Any) -> None:
        """Queue ``kind`` for the auditor who raised the finding (the leads if they are gone)."""
        auditor = await people.get(conn, row["auditor_id"])
        if auditor is not None and auditor["active"]:
            recipients = [row["auditor_id"]]
        else:
            recipients = [p["id"] for p in await people.with_role(conn, Role.lead)]
        await self._enqueue(conn, row, kind, recipients, now, **extra)

    async def _notify_staff(self, conn: Any, row: Any, kind: str, now: datetime, **extra: Any) -> None:
        recipients = [p["id"] for p in await people.staff_of(conn, row["department_id"])]
        await self._enqueue(conn, row, kind, recipients, now, **extra)

    async def _enqueue(
        self, conn: Any, row: Any, kind: str, recipients: list[int], now: datetime, **extra: Any
    ) -> None:
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        event = kind.removeprefix("capa_")
        for person_id in recipients:
            await outbox.enqueue(
                conn, dedupe_key=f"capa:{row['id']}:{event}:{stamp}:{person_id}", chat_id=person_id, kind=kind,
                payload={"capa_id": row["id"], **extra}, not_before=not_before(self.rules, now), at=now,
            )

    async def _view(self, conn: Any, row: Any, now: datetime) -> CapaView:
        return await capa_view(conn, row, self.rules.today(now))


def _require_review(row: Any) -> None:
    """The action's plan is confirmed and waits for the verifier's review."""
    if row["state"] == CapaState.closed:
        raise CapaError("closed")
    if row["state"] != CapaState.planned or row["returned_step"]:
        raise CapaError("step_done")


def _extension_date_problem(day: date | None, today: date, due: date) -> str | None:
    if day is None:
        return "extension_date_invalid"
    if day < today:
        return "date_past"
    if day <= due:
        return "extension_not_later"
    if day > today + timedelta(days=MAX_TARGET_DAYS):
        return "date_too_far"
    return None


async def capa_view(conn: Any, row: Any, today: date) -> CapaView:
    """Everything a message about one action shows (the finding, the answers, the dates)."""
    clause, question = _question(row["checklist_json"], row["question_id"])
    auditor = await people.get(conn, row["auditor_id"])
    due = date.fromisoformat(row["due_date"])
    planned = row["state"] == CapaState.planned
    return CapaView(
        id=row["id"],
        number=row["number"],
        kind=row["kind"],
        statement=row["statement"],
        clause=clause,
        question=question,
        audit_number=row["audit_number"],
        department=row["department"],
        auditor=auditor["name"] if auditor is not None else "",
        state=row["state"],
        due_date=due,
        days_left=(due - today).days,
        target_date=date.fromisoformat(row["target_date"]) if row["target_date"] else None,
        correction=row["correction"],
        whys=whys_of(row),
        elsewhere=row["elsewhere"],
        action_plan=row["action_plan"],
        implementation=row["implementation"],
        effectiveness=row["effectiveness"],
        rejection_reason=row["rejection_reason"],
        evidence_count=await capa_repo.count_evidence(conn, row["id"]),
        returned_step=row["returned_step"] if planned else None,
        return_reason=row["return_reason"] if planned else None,
        original_due_date=date.fromisoformat(row["original_due_date"]) if row["original_due_date"] else None,
        extension=_extension_of(await capa_history.latest_extension(conn, row["id"])),
        previous=await previous_text(conn, row) if planned and row["returned_step"] else None,
        reviews=await capa_history.count_reviews(conn, row["id"]) if planned else 0,
    )


async def findings_for_acknowledgement(conn: Any, audit_id: int, person_id: int, tz: tzinfo) -> dict[str, Any]:
    """The completed audit's findings as the department sees them, and whether (when) this
    person acknowledged them."""
    audit = await audits.get(conn, audit_id)
    rows = await findings.of_audit(conn, audit_id)
    rev = await issued_revision(conn, audit_id)
    mine = [r for r in await acknowledgements.of_audit(conn, audit_id, rev) if r["person_id"] == person_id]
    return {
        "audit": {"id": audit_id, "number": audit["number"], "department": audit["department"]},
        "rev": rev,  # each revision is acknowledged for itself, and says what it changed
        "changes": await changes_of(conn, audit_id, rev),
        "stale_rev": None,
        "findings": [{"number": r["number"], "kind": r["kind"], "statement": r["statement"],
                      "due_date": r["due_date"]} for r in rows],
        "acknowledged_at": from_db(mine[0]["acknowledged_at"]).astimezone(tz) if mine else None,
        "zone_key": getattr(tz, "key", str(tz)),  # the agency's time, as every card shows it
    }


def _extension_of(row: Any) -> Extension | None:
    if row is None:
        return None
    return Extension(id=row["id"], state=row["state"], date=date.fromisoformat(row["requested_date"]),
                     reason=row["reason"])


async def _reassignable(conn, actor: Actor, capa_id: int):
    """The action a lead may move: not closed."""
    row = await _load(conn, capa_id)
    _require_lead(actor)
    if row["state"] == CapaState.closed:
        raise CapaError("closed")
    return row


async def _load(conn: Any, capa_id: int) -> Any:
    row = await findings.get_capa(conn, capa_id)
    if row is None:
        raise CapaError("not_found")
    return row


async def _put(conn: Any, person_id: int, capa_id: int, awaiting: str, at: datetime,
               data: dict[str, Any] | None = None) -> None:
    """Set the person's place in the action's dialog, keeping their live card on the same action."""
    state = await dialogs.get(conn, person_id)
    card = state["message_id"] if _dialog_on(state, capa_id) else None
    await dialogs.put(conn, person_id, flow=FLOW, capa_id=capa_id, awaiting=awaiting, data=data,
                      message_id=card, at=at)


async def _awaiting(conn: Any, actor: Actor, capa_id: int) -> str | None:
    state = await dialogs.get(conn, actor.id)
    return state["awaiting"] if _dialog_on(state, capa_id) else None


def _back_of(state: Any, capa_id: int) -> dict[str, Any]:
    """Where the person was on this action before the extension prompt (its step and data)."""
    if not _dialog_on(state, capa_id):
        return {}
    if state["awaiting"] in ("extend_date", "extend_reason"):  # asked twice: keep the first place
        return dialogs.data_of(state).get("back") or {}
    return {**dialogs.data_of(state), "awaiting": state["awaiting"]}


def _dialog_on(state: Any, capa_id: int) -> bool:
    return state is not None and state["flow"] == FLOW and state["capa_id"] == capa_id


def _require_staff(actor: Actor, row: Any) -> None:
    if row["department_id"] not in actor.staff_departments:
        raise CapaError("not_allowed")


def _require_verifier(actor: Actor, row: Any) -> None:
    if not (actor.is_lead or (actor.is_auditor and row["auditor_id"] == actor.id)):
        raise CapaError("not_allowed")


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise CapaError("not_allowed")


def _require_state(row: Any, expected: str) -> None:
    if row["state"] == CapaState.closed:
        raise CapaError("closed")
    if row["state"] != expected:
        raise CapaError("step_done")


def _question(checklist_json: str, question_id: str) -> tuple[str, dict[str, str]]:
    """(clause, question text per language) from the audit's checklist snapshot."""
    try:
        sections = json.loads(checklist_json).get("sections", [])
    except (ValueError, AttributeError):
        sections = []
    for section in sections:
        for question in section.get("questions", []):
            if question.get("id") == question_id:
                return question.get("clause", ""), dict(question.get("text", {}))
    return "", {}


def _summary(row: Any, today: date) -> dict[str, Any]:
    due = date.fromisoformat(row["due_date"])
    return {"id": row["id"], "number": row["number"], "kind": row["kind"], "audit_number": row["audit_number"],
            "statement": row["statement"],
            "department": row["department"], "state": row["state"], "due_date": due,
            "days_left": (due - today).days}
