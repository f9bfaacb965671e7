"""The second year, in the interview: each question card recalls what the department's
previous audit found there, and a closed action of last time is judged effective or not in
one tap (ISO 9001 9.2.2 a, 10.2.1 d).

A part of ``AuditService`` (a mixin: it uses the audit's access checks, the person's place and
dialog, and the checklist snapshots). What last time found is read once per audit and kept
(``CarryBasis``); a card adds one read by primary keys: the action's state and this audit's
verdict on it. "Not effective" sends the old action back to its verification (state
implemented, its staff and verifier told through the outbox) and makes this question's answer
a nonconformity with the reason as its statement: a repeat finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.carry_over import (
    MIN_REASON,
    ActionNow,
    Before,
    Carried,
    CarryBasis,
    Verdict,
    match,
    repeat_kind,
)
from bot.domain.checklists import Checklist
from bot.domain.errors import ServiceError
from bot.domain.reminder_rules import not_before
from bot.domain.text import clean_text
from bot.domain.vocabulary import AuditStatus, CapaState, NoticeKind, Role
from bot.services.people_service import Actor
from storage.repos import audits, carry_over, findings, outbox, people, trail
from storage.times import from_db

NOT_EFFECTIVE = "not_effective"  # awaiting: the reason an action was not effective, typed next
MAX_REASON = 2000
LIKE_FIELDS = ("audit_client", "objectives", "scope", "criteria", "participants")  # copied by "Like last time"


class CarryError(ServiceError):
    prefix = "carry_error_"


@dataclass(frozen=True)
class Judged:
    """A verdict given on last time's action (``changed`` False: it was given already)."""

    verdict: Verdict
    changed: bool
    view: Any  # the question card (QuestionView)


class CarryOver:
    """The carry-over part of AuditService (see the module's docstring)."""

    _carry: dict[int, CarryBasis | None]

    async def _carry_basis(self, conn, row, current: Checklist) -> CarryBasis | None:
        """What the department's previous completed audit found, matched to this audit's questions."""
        previous = await carry_over.previous_audit(conn, row["department_id"], row["id"], current.id)
        if previous is None:
            return None
        same = (previous["checklist_id"], previous["checklist_version"]) == (current.id, current.version)
        old = current if same else Checklist.from_json(previous["checklist_json"])
        matches = match(current, old, await carry_over.answers_of(conn, previous["id"]),
                        await carry_over.findings_of(conn, previous["id"]))
        completed = from_db(previous["completed_at"]).astimezone(self.settings.tz).date()
        return CarryBasis(previous["id"], previous["number"], completed, not same, matches)

    async def _remember_carry(self, conn, row) -> None:
        if row["id"] not in self._carry and not AuditStatus(row["status"]).closed:
            self._carry[row["id"]] = await self._carry_basis(conn, row, self._snapshots[row["id"]])

    def _carried(self, audit_id: int, question_id: str) -> Carried | None:
        """What the card of ``question_id`` recalls (without the action's state, read per card)."""
        basis = self._carry.get(audit_id)
        if basis is None:
            return None
        before = basis.matches.get(question_id)
        if before is None and not basis.changed:
            return None
        return Carried(basis.number, basis.completed_on, before)

    async def _with_action(self, conn, view):
        """The card with last time's action as it stands now (one read by primary keys)."""
        carried = view.carried
        if carried is None or carried.before is None or carried.before.capa_id is None:
            return view
        now = await carry_over.action_now(conn, carried.before.capa_id, view.audit_id)
        if now is None:
            return view
        closed = from_db(now["closed_at"])
        at = from_db(now["verdict_at"])
        action = ActionNow(now["state"], closed.astimezone(self.settings.tz).date() if closed else None,
                           now["cancelled_at"] is not None, now["verdict"], now["reason"], now["verdict_by"],
                           at.astimezone(self.settings.tz) if at else None)
        return replace(view, carried=replace(carried, action=action))

    # --- "Like last time" ---------------------------------------------------------------------

    async def like_last_time(self, actor: Actor, department_id: int, *, plan_defaults: dict[str, str]):
        """🔁 Like last time on the /audit department list: a new audit of the department with its
        last completed audit's checklist (as offered now), plan fields and team; results empty.
        Co-auditors are told, as when added by hand. Its plan card."""
        if not actor.is_auditor or not actor.active:
            raise CarryError("stale")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self._new_audit_dialog(conn, actor)  # the /audit picker is the live one
            last = await carry_over.latest_completed(conn, department_id)
            if last is None:
                raise CarryError("nothing_before")
            checklist = self.checklists.get(last["checklist_id"])
            if checklist is None:
                raise CarryError("checklist_gone")
            plan = json.loads(last["plan_json"] or "{}")
            copied = {name: plan[name] for name in LIKE_FIELDS if plan.get(name)}
            audit_id = await self._create(conn, actor, checklist, department_id, {**plan_defaults, **copied})
            may_audit = {p["id"] for role in (Role.auditor, Role.lead) for p in await people.with_role(conn, role)}
            team = [m["id"] for m in await audits.team(conn, last["id"]) if m["id"] != actor.id and m["id"] in may_audit]
            for person_id in team:
                await audits.add_member(conn, audit_id, person_id, "auditor", now)
                await outbox.enqueue(conn, dedupe_key=f"team:{audit_id}:{person_id}:{now.isoformat()}",
                                     chat_id=person_id, kind=NoticeKind.audit_team_added,
                                     payload={"audit_id": audit_id, "by": actor.id, "to": person_id},
                                     not_before=now, at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="like_last_time", after={"from": last["number"], "plan": sorted(copied),
                                                               "team": team})
        return await self.card(actor, audit_id)

    # --- the verdict -------------------------------------------------------------------------

    async def _judgeable(self, conn, actor: Actor, row, index: int) -> tuple[str, Before, Any]:
        """(question id, last time's answer, the action's state) of the card at ``index``, whose
        last-time action the person may judge now."""
        checklist = self.snapshot(row)
        ids = checklist.question_ids()
        if not 0 <= index < len(ids):
            raise CarryError("stale")
        carried = self._carried(row["id"], ids[index])
        if carried is None or carried.before is None or carried.before.capa_id is None:
            raise CarryError("stale")
        now = await carry_over.action_now(conn, carried.before.capa_id, row["id"])
        if now is None:
            raise CarryError("stale")
        return ids[index], carried.before, now

    async def verify_effective(self, actor: Actor, audit_id: int, index: int, *,
                               message_id: int | None = None) -> Judged:
        """✅ Effective on the card of question ``index``: recorded on last time's action (by
        whom, when, at this audit). A second tap changes nothing."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._on_card(conn, actor, audit_id, index)
            question_id, before, action = await self._judgeable(conn, actor, row, index)
            changed = self._check_verdict(action, Verdict.effective)
            if changed and await carry_over.add_verdict(conn, capa_id=before.capa_id, audit_id=audit_id,
                                                        question_id=question_id, verdict=Verdict.effective,
                                                        reason=None, person_id=actor.id, at=now):
                await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=before.capa_id,
                                   action="verified_effective", after={"audit": audit_id, "question": question_id})
                await audits.touch(conn, audit_id, now)
            else:
                changed = False
            await self._enter(conn, actor, row, message_id=message_id)
            view = await self._question_view(conn, row, self.snapshot(row), index, actor)
        return Judged(Verdict.effective, changed, view)

    async def ask_not_effective(self, actor: Actor, audit_id: int, index: int) -> Carried:
        """❌ Not effective: the reason is typed next. Returns what the card recalls."""
        async with self.db.transaction() as conn:
            row = await self._on_card(conn, actor, audit_id, index)
            question_id, _, action = await self._judgeable(conn, actor, row, index)
            self._check_verdict(action, Verdict.not_effective, asking=True)
            await self._enter(conn, actor, row, awaiting=NOT_EFFECTIVE, data={"index": index})
        return self._carried(audit_id, question_id)

    async def not_effective_typed(self, actor: Actor, audit_id: int, index: int, text: str):
        """The reason typed after ❌ Not effective: last time's action goes back to its
        verification (its staff and verifier are told), and this question's answer becomes a
        repeat nonconformity with the reason as its statement. One transaction."""
        reason = clean_text(text or "", MAX_REASON)
        if len(reason.strip()) < MIN_REASON:
            raise CarryError("reason_needed")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._audit(conn, actor, audit_id)
            if row["status"] != AuditStatus.in_progress:
                raise CarryError("stale")
            question_id, before, action = await self._judgeable(conn, actor, row, index)
            self._check_verdict(action, Verdict.not_effective, asking=True)
            if not await carry_over.add_verdict(conn, capa_id=before.capa_id, audit_id=audit_id,
                                                question_id=question_id, verdict=Verdict.not_effective,
                                                reason=reason, person_id=actor.id, at=now):
                raise CarryError("verdict_given_not_effective")
            await self._reopen_verification(conn, actor, before.capa_id, reason, row, now)
            state = await audits.question_state(conn, audit_id, question_id)
            kind = repeat_kind(before.kind, state["result"])
            if state["result"] != kind:
                await audits.set_answer(conn, audit_id, question_id, kind, actor.id, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="answer",
                                   entity_id=f"{audit_id}:{question_id}", action="result",
                                   before=state["result"], after=kind)
            note_id = await audits.add_note(conn, audit_id, question_id, actor.id, reason, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                               action="added", after={"question": question_id, "text": reason})
            await audits.touch(conn, audit_id, now)
            if _position(row) != index:
                await audits.set_position(conn, audit_id, actor.id, index)
            await self._enter(conn, actor, row)
            return await self._question_view(conn, row, self.snapshot(row), index, actor)

    async def _reopen_verification(self, conn, actor: Actor, capa_id: int, reason: str, row, now) -> None:
        """Last time's action back at its verification step; its staff and verifier are told."""
        capa = await findings.get_capa(conn, capa_id)
        await findings.update_capa(conn, capa_id, now, state=CapaState.implemented, closed_at=None)
        await trail.record(conn, at=now, person_id=actor.id, entity="capa", entity_id=capa_id,
                           action="verification_reopened", before=CapaState.closed,
                           after={"audit": row["id"], "reason": reason})
        rules = self.settings.rules()
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        staff = [p["id"] for p in await people.staff_of(conn, capa["department_id"])]
        verifier = await people.get(conn, capa["auditor_id"])
        verifiers = [verifier["id"]] if verifier is not None and verifier["active"] else \
            [p["id"] for p in await people.with_role(conn, Role.lead)]
        for to, recipients in (("staff", staff), ("verifier", verifiers)):
            for person_id in recipients:
                await outbox.enqueue(
                    conn, dedupe_key=f"capa:{capa_id}:reopened:{stamp}:{to}:{person_id}", chat_id=person_id,
                    kind=NoticeKind.capa_reopened,
                    payload={"capa_id": capa_id, "to": to, "audit_id": row["id"], "reason": reason},
                    not_before=not_before(rules, now), at=now)

    @staticmethod
    def _check_verdict(action, verdict: Verdict, *, asking: bool = False) -> bool:
        """Whether ``verdict`` may be given now (False: the same one was given: a double tap)."""
        if action["verdict"] is not None:
            if action["verdict"] == verdict and not asking:
                return False
            raise CarryError(f"verdict_given_{action['verdict']}")
        if action["state"] != CapaState.closed or action["cancelled_at"] is not None:
            raise CarryError("action_not_closed")
        return True


def _position(row) -> int:
    return row["position"] or 0

