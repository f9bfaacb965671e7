"""Corrective actions: the staff's answer (plan, then implementation) and the auditor's verification.

No Telegram here. Each answer is saved in the capa row the moment it arrives and the
person's place in dialog_state, so leaving half-way and coming back continues there.
Messages to other people go into the outbox in the same transaction as the change.
Rights and state are checked on every call, never only when a list is shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.report.data import root_causes
from bot.services.dates import parse_date
from bot.services.errors import ServiceError
from bot.services.people_service import Actor
from bot.services.reminder_rules import Rules, not_before
from bot.services.text import clean_text
from bot.services.thumbnails import store_file
from bot.settings import Settings
from bot.vocabulary import CapaState, Role
from storage.db import Database
from storage.files import FileStore
from storage.repos import capa as capa_repo
from storage.repos import dialogs, evidence, findings, outbox, people, trail
from storage.times import to_db

FLOW = "capa"
MAX_TEXT = 2000
MAX_WHYS = 5
MAX_TARGET_DAYS = 3 * 366
LIST_LIMIT = 20  # per list: the message stays within 4096 characters
_FIELDS = {"correction": "correction", "elsewhere": "elsewhere", "plan": "action_plan"}
_GONE = ("closed", "not_allowed", "not_found")  # the action is no longer the person's to answer


class CapaError(ServiceError):
    """A refusal about an action; ``step`` (when given) is where the person still is."""

    prefix = "capa_err_"

    def __init__(self, code: str, step: Step | None = None):
        super().__init__(code)
        self.step = step


@dataclass(frozen=True)
class Step:
    """Where a person is with one action, and the action as they should see it."""

    name: str
    capa: dict[str, Any]
    added: int = 0  # notes and files given in this implementation round


@dataclass(frozen=True)
class CapaLists:
    answer: list[dict] = field(default_factory=list)  # staff: their departments' open actions
    answer_total: int = 0
    verify: list[dict] = field(default_factory=list)  # auditor/lead: waiting for verification
    verify_total: int = 0


class CapaService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, files: FileStore):
        self.db = db
        self.clock = clock
        self.files = files
        self.rules = Rules.from_settings(settings)

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
        return CapaLists(
            answer=[_summary(row, today) for row in answer],
            answer_total=answer[0]["total"] if answer else 0,
            verify=[_summary(row, today) for row in verify],
            verify_total=verify[0]["total"] if verify else 0,
        )

    async def open(self, actor: Actor, capa_id: int) -> Step:
        """A staff member opens an action (the notice's button or /capa): continue where they were."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_staff(actor, row)
            state = await dialogs.get(conn, actor.id)
            here = _dialog_on(state, capa_id)
            if row["state"] == CapaState.closed:
                raise CapaError("closed")
            if row["state"] == CapaState.implemented:
                return Step("waiting", await self._view(conn, row, now))
            if row["state"] == CapaState.planned:
                if here and state["awaiting"] == "evidence":
                    return Step("evidence", await self._view(conn, row, now), dialogs.data_of(state).get("added", 0))
                name = "planned"
            else:
                name = plan_step(row, state["awaiting"] if here else None)
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting=name, at=now)
            return Step(name, await self._view(conn, row, now))

    async def verify_card(self, actor: Actor, capa_id: int) -> Step:
        """The auditor's (or a lead's) view of an action."""
        now = self.clock.now()
        async with self.db.read() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            return Step("verify", await self._view(conn, row, now))

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
        try:
            return await self._answer(actor, text)
        except CapaError as error:
            if error.code in _GONE:
                await self.leave(actor)
            raise

    async def _answer(self, actor: Actor, text: str) -> Step:
        state = await self._dialog(actor)
        awaiting = state["awaiting"]
        if awaiting in ("effectiveness", "reject_reason"):
            return await self._verdict(actor, state["capa_id"], awaiting, text)
        if awaiting == "evidence":
            return await self._add_note(actor, state["capa_id"], text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if awaiting == "planned":  # the plan is confirmed: only its buttons go on from here
                row = await self._staff_row(conn, actor, state["capa_id"], CapaState.planned)
                raise CapaError("use_buttons", Step("planned", await self._view(conn, row, now)))
            row = await self._staff_row(conn, actor, state["capa_id"], CapaState.open)
            step = plan_step(row, awaiting)
            if step in ("why_more", "confirm"):
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
            row = await self._staff_row(conn, actor, capa_id, CapaState.open)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current != step and not _still_open(row, step, current):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            return await self._save_text(conn, actor, row, step, text, now)

    async def why_again(self, actor: Actor, capa_id: int) -> Step:
        return await self._choose(actor, capa_id, "why")

    async def whys_done(self, actor: Actor, capa_id: int) -> Step:
        return await self._choose(actor, capa_id, "elsewhere")

    async def set_target(self, actor: Actor, capa_id: int, day: date) -> Step:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.open)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current not in ("target", "confirm"):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            return await self._set_target(conn, actor, row, day, now)

    async def confirm(self, actor: Actor, capa_id: int) -> Step:
        """The plan is complete: the action becomes 'planned' and the auditor is told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.open)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current != "confirm":
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            await findings.update_capa(conn, capa_id, now, state=CapaState.planned, planned_at=to_db(now))
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="planned", before=CapaState.open, after=_plan_of(row))
            await self._notify_auditor(conn, row, "capa_planned", now)
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting="planned", at=now)
            return Step("planned", await self._view(conn, await _load(conn, capa_id), now))

    async def start_over(self, actor: Actor, capa_id: int) -> Step:
        """Clear the unconfirmed plan and ask again from the correction (the trail keeps the old one)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.open)
            await findings.update_capa(conn, capa_id, now, correction=None, root_cause_json="[]",
                                       elsewhere=None, action_plan=None, target_date=None)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="plan_cleared", before=_plan_of(row))
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting="correction", at=now)
            return Step("correction", await self._view(conn, await _load(conn, capa_id), now))

    # --- staff: implementation -------------------------------------------------------------

    async def implement(self, actor: Actor, capa_id: int) -> Step:
        """Start giving evidence of implementation (notes, photos, documents)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.planned)
            state = await dialogs.get(conn, actor.id)
            added = dialogs.data_of(state).get("added", 0) if _dialog_on(state, capa_id) else 0
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting="evidence",
                              data={"added": added}, at=now)
            return Step("evidence", await self._view(conn, row, now), added)

    async def add_file(
        self, actor: Actor, *, kind: str, data: bytes, file_name: str | None, mime_type: str | None,
        telegram_file_id: str | None, caption: str | None,
    ) -> Step:
        """A file sent while giving evidence; stored by its SHA-256 and filed under the action."""
        try:
            return await self._add_file(actor, kind=kind, data=data, file_name=file_name, mime_type=mime_type,
                                        telegram_file_id=telegram_file_id, caption=caption)
        except CapaError as error:
            if error.code in _GONE:
                await self.leave(actor)
            raise

    async def _add_file(
        self, actor: Actor, *, kind: str, data: bytes, file_name: str | None, mime_type: str | None,
        telegram_file_id: str | None, caption: str | None,
    ) -> Step:
        state = await self._dialog(actor)
        if state["awaiting"] != "evidence":
            raise CapaError("media_not_now")
        async with self.db.read() as conn:  # check before writing any file
            await self._staff_row(conn, actor, state["capa_id"], CapaState.planned)
        sha, thumb_sha = await store_file(self.files, data, kind)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, state["capa_id"], CapaState.planned)
            evidence_id = await evidence.add(
                conn, kind=kind, sha256=sha, size=len(data), person_id=actor.id, at=now, capa_id=row["id"],
                thumb_sha256=thumb_sha, file_name=file_name, mime_type=mime_type,
                caption=clean_text(caption or "") or None, telegram_file_id=telegram_file_id,
            )
            await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=evidence_id,
                               action="added", after={"capa": row["id"], "sha256": sha, "kind": kind})
            return await self._evidence_added(conn, actor, row, now)

    async def submit(self, actor: Actor, capa_id: int) -> Step:
        """Implementation done: the action waits for the auditor, who is told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.planned)
            state = await dialogs.get(conn, actor.id)
            if not _dialog_on(state, capa_id) or state["awaiting"] != "evidence":
                raise CapaError("step_done", Step("planned", await self._view(conn, row, now)))
            if not dialogs.data_of(state).get("added"):
                raise CapaError("evidence_needed", Step("evidence", await self._view(conn, row, now)))
            await findings.update_capa(conn, capa_id, now, state=CapaState.implemented, implemented_at=to_db(now))
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="implemented", before=CapaState.planned, after=row["implementation"])
            await self._notify_auditor(conn, row, "capa_implemented", now)
            await dialogs.clear(conn, actor.id)
            return Step("waiting", await self._view(conn, await _load(conn, capa_id), now))

    # --- auditor: verification -------------------------------------------------------------

    async def ask_verdict(self, actor: Actor, capa_id: int, accept: bool) -> Step:
        """Accept (asks how effectiveness was checked) or reject (asks why)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await _load(conn, capa_id)
            _require_verifier(actor, row)
            _require_state(row, CapaState.implemented)
            name = "effectiveness" if accept else "reject_reason"
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting=name, at=now)
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
                action, name, kind = "closed", "closed_done", "capa_closed"
            else:
                await findings.update_capa(conn, capa_id, now, state=CapaState.planned, rejection_reason=text,
                                           implemented_at=None)
                action, name, kind = "rejected", "rejected_done", "capa_rejected"
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action=action, before=CapaState.implemented, after=text)
            await self._notify_staff(conn, row, kind, now)
            await dialogs.clear(conn, actor.id)
            return Step(name, await self._view(conn, await _load(conn, capa_id), now))

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
        row = await _load(conn, capa_id)
        _require_staff(actor, row)
        if row["state"] != expected:
            if row["state"] == CapaState.closed:
                raise CapaError("closed")
            name = "waiting" if row["state"] == CapaState.implemented else (
                "planned" if row["state"] == CapaState.planned else plan_step(row, None))
            raise CapaError("step_done", Step(name, await self._view(conn, row, self.clock.now())))
        return row

    async def _choose(self, actor: Actor, capa_id: int, awaiting: str) -> Step:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.open)
            current = plan_step(row, await _awaiting(conn, actor, capa_id))
            if current not in ("why_more", "why") or not _whys(row):
                raise CapaError("step_done", Step(current, await self._view(conn, row, now)))
            name = plan_step(row, awaiting)
            await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting=name, at=now)
            return Step(name, await self._view(conn, row, now))

    async def _save_text(self, conn: Any, actor: Actor, row: Any, step: str, text: str, now: datetime) -> Step:
        if not text:
            raise CapaError("empty", Step(step, await self._view(conn, row, now)))
        if len(text) > MAX_TEXT:
            raise CapaError("too_long", Step(step, await self._view(conn, row, now)))
        if step == "why":
            before = _whys(row)
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
            raise CapaError("date_past", Step("target", await self._view(conn, row, now)))
        if day > today + timedelta(days=MAX_TARGET_DAYS):
            raise CapaError("date_too_far", Step("target", await self._view(conn, row, now)))
        await findings.update_capa(conn, row["id"], now, target_date=day.isoformat())
        await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=row["id"],
                           action="set_target_date", before=row["target_date"], after=day.isoformat())
        return await self._advance(conn, actor, row["id"], now)

    async def _advance(self, conn: Any, actor: Actor, capa_id: int, now: datetime) -> Step:
        row = await _load(conn, capa_id)
        name = plan_step(row, None)
        await dialogs.put(conn, actor.id, flow=FLOW, capa_id=capa_id, awaiting=name, at=now)
        return Step(name, await self._view(conn, row, now))

    async def _add_note(self, actor: Actor, capa_id: int, text: str) -> Step:
        text = clean_text(text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._staff_row(conn, actor, capa_id, CapaState.planned)
            if not text or len(text) > MAX_TEXT:
                raise CapaError("too_long" if text else "empty", Step("evidence", await self._view(conn, row, now)))
            joined = "\n".join(part for part in (row["implementation"], text) if part)
            await findings.update_capa(conn, capa_id, now, implementation=joined)
            await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                               action="implementation_note", after=text)
            return await self._evidence_added(conn, actor, await _load(conn, capa_id), now)

    async def _evidence_added(self, conn: Any, actor: Actor, row: Any, now: datetime) -> Step:
        added = dialogs.data_of(await dialogs.get(conn, actor.id)).get("added", 0) + 1
        await dialogs.put(conn, actor.id, flow=FLOW, capa_id=row["id"], awaiting="evidence",
                          data={"added": added}, at=now)
        return Step("evidence", await self._view(conn, row, now), added)

    async def _notify_auditor(self, conn: Any, row: Any, kind: str, now: datetime) -> None:
        """Queue ``kind`` for the auditor who raised the finding (the leads if they are gone)."""
        auditor = await people.get(conn, row["auditor_id"])
        if auditor is not None and auditor["active"]:
            recipients = [row["auditor_id"]]
        else:
            recipients = [p["id"] for p in await people.with_role(conn, Role.lead)]
        await self._enqueue(conn, row, kind, recipients, now)

    async def _notify_staff(self, conn: Any, row: Any, kind: str, now: datetime) -> None:
        recipients = [p["id"] for p in await people.staff_of(conn, row["department_id"])]
        await self._enqueue(conn, row, kind, recipients, now)

    async def _enqueue(self, conn: Any, row: Any, kind: str, recipients: list[int], now: datetime) -> None:
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        event = kind.removeprefix("capa_")
        for person_id in recipients:
            await outbox.enqueue(
                conn, dedupe_key=f"capa:{row['id']}:{event}:{stamp}:{person_id}", chat_id=person_id, kind=kind,
                payload={"capa_id": row["id"]}, not_before=not_before(self.rules, now), at=now,
            )

    async def _view(self, conn: Any, row: Any, now: datetime) -> dict[str, Any]:
        return await capa_view(conn, row, self.rules.today(now))


# --- pure helpers ------------------------------------------------------------------------------

def plan_step(row: Any, awaiting: str | None) -> str:
    """The planning step an open action is at, from what is saved (and the why/next choice).

    The steps, in order: correction, why (up to five, each followed by why_more: ask again
    or go on), elsewhere, plan, target, confirm.
    """
    whys = _whys(row)
    if not row["correction"]:
        return "correction"
    if not whys:
        return "why"
    if row["elsewhere"] is None:
        if len(whys) >= MAX_WHYS:
            return "elsewhere"
        return awaiting if awaiting in ("why", "elsewhere") else "why_more"
    if not row["action_plan"]:
        return "plan"
    if not row["target_date"]:
        return "target"
    return "confirm"


def _still_open(row: Any, step: str, current: str) -> bool:
    """May the button of ``step`` still answer it, although the dialog is at ``current``?

    "Elsewhere" is not in the saved answers until given: once a root cause is in, the
    person may be at the why/continue choice, or have left the dialog (/cancel) and lost
    the choice; the elsewhere card's button still answers the step it showed.
    """
    return step == "elsewhere" and current in ("why", "why_more") and bool(_whys(row)) \
        and row["elsewhere"] is None


async def capa_view(conn: Any, row: Any, today: date) -> dict[str, Any]:
    """Everything a message about one action shows (the finding, the answers, the dates)."""
    clause, question = _question(row["checklist_json"], row["question_id"])
    auditor = await people.get(conn, row["auditor_id"])
    due = date.fromisoformat(row["due_date"])
    return {
        "id": row["id"],
        "number": row["number"],
        "kind": row["kind"],
        "statement": row["statement"],
        "clause": clause,
        "question": question,
        "audit_number": row["audit_number"],
        "department": row["department"],
        "auditor": auditor["name"] if auditor is not None else "",
        "state": row["state"],
        "due_date": due,
        "days_left": (due - today).days,
        "target_date": date.fromisoformat(row["target_date"]) if row["target_date"] else None,
        "correction": row["correction"],
        "whys": _whys(row),
        "elsewhere": row["elsewhere"],
        "action_plan": row["action_plan"],
        "implementation": row["implementation"],
        "effectiveness": row["effectiveness"],
        "rejection_reason": row["rejection_reason"],
        "evidence_count": await capa_repo.count_evidence(conn, row["id"]),
    }


async def _load(conn: Any, capa_id: int) -> Any:
    row = await findings.get_capa(conn, capa_id)
    if row is None:
        raise CapaError("not_found")
    return row


async def _awaiting(conn: Any, actor: Actor, capa_id: int) -> str | None:
    state = await dialogs.get(conn, actor.id)
    return state["awaiting"] if _dialog_on(state, capa_id) else None


def _dialog_on(state: Any, capa_id: int) -> bool:
    return state is not None and state["flow"] == FLOW and state["capa_id"] == capa_id


def _require_staff(actor: Actor, row: Any) -> None:
    if row["department_id"] not in actor.staff_departments:
        raise CapaError("not_allowed")


def _require_verifier(actor: Actor, row: Any) -> None:
    if not (actor.is_lead or (actor.is_auditor and row["auditor_id"] == actor.id)):
        raise CapaError("not_allowed")


def _require_state(row: Any, expected: str) -> None:
    if row["state"] == CapaState.closed:
        raise CapaError("closed")
    if row["state"] != expected:
        raise CapaError("step_done")


def _whys(row: Any) -> list[str]:
    return root_causes(row["root_cause_json"])


def _plan_of(row: Any) -> dict[str, Any]:
    return {"correction": row["correction"], "root_cause": _whys(row), "elsewhere": row["elsewhere"],
            "action_plan": row["action_plan"], "target_date": row["target_date"]}


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
            "department": row["department"], "state": row["state"], "due_date": due,
            "days_left": (due - today).days}
