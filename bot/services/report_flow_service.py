"""The official record: a report's lifecycle from draft to issue, per revision of an audit.

draft → submitted (by the audit's leader) → changes requested (with the reason; the audit goes
back to its team) or approved (by a report approver; every lead when none is named) → issued
(numbered, dated, the findings locked: later changes only through /reopen, as the next
revision). Before approval the department's contacts may get the draft to comment on; on
issue each recipient of the distribution list gets the issued report and confirms receipt.
Each step is a line of the report's sign-off table and of the audit trail. No Telegram here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.agency import AgencyProfile, report_number
from bot.domain.clock import Clock
from bot.domain.errors import ServiceError
from bot.domain.report_rules import SignOff, Who, next_step
from bot.domain.text import clean_text
from bot.domain.vocabulary import AuditStatus, NoticeKind, ReportState, ReportStep, Role
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.repos import (
    agency,
    audits,
    dialogs,
    findings,
    outbox,
    people,
    programme,
    report_flow,
    revisions,
    trail,
)
from storage.times import from_db, to_db

FLOW = "report"  # typed text: the reason of a change request, of a disagreement, of a late issue
MAX_NOTE = 2000
REVIEW_DAYS = 5  # the department's comments on the draft are due this many days after it is sent
ASKS = ("changes", "disagree", "delay")


class ReportFlowError(ServiceError):
    """A step of the report's lifecycle the state or the person's rights do not allow."""

    prefix = "rf_"


@dataclass(frozen=True)
class Receipt:
    person_id: int
    name: str
    rev: int
    received_at: datetime | None
    skipped: str | None = None


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    active: bool
    included: bool


@dataclass(frozen=True)
class ReportStatus:
    """One audit's report as the person asking sees it, with the step that is theirs now."""

    audit_id: int
    number: str
    department: str
    audit_status: str
    rev: int
    state: str  # a ReportState, or 'in_progress' while the audit is being worked on
    report_number: str | None = None
    issued_at: datetime | None = None
    next: str | None = None  # submit | decide | issue | receipts
    manages: bool = False
    received: int = 0
    recipients: int = 0
    lines: list[SignOff] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    distribution: list[Recipient] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    review_due: date | None = None


@dataclass(frozen=True)
class Issued:
    status: ReportStatus
    sent: list[str]
    skipped: list[str]  # recipients who left (deactivated): not sent, reported


@dataclass(frozen=True)
class Asked:
    """The person is asked to type a reason (``ask``: changes | disagree | delay)."""

    ask: str
    number: str
    rev: int


class ReportFlowService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.settings = settings

    # --- what a person sees -----------------------------------------------------------------

    async def status(self, actor: Actor, audit_id: int) -> ReportStatus:
        async with self.db.read() as conn:
            return await self._status(conn, actor, await self._head(conn, actor, audit_id))

    async def statuses(self, actor: Actor, audit_ids: list[int]) -> dict[int, ReportStatus]:
        """/report's list: each audit's report state and the person's next step."""
        async with self.db.read() as conn:
            result = {}
            for audit_id in audit_ids:
                head = await audits.get_head(conn, audit_id)
                if head is not None:
                    result[audit_id] = await self._status(conn, actor, head, brief=True)
            return result

    async def _head(self, conn, actor: Actor, audit_id: int):
        head = await audits.get_head(conn, audit_id)
        if head is None or head["status"] == AuditStatus.cancelled:
            raise ReportFlowError("not_found")
        return head

    async def _who(self, conn, actor: Actor, audit_id: int, rev: int) -> Who:
        team = {m["id"]: m["team_role"] for m in await audits.team(conn, audit_id)}
        approvers = await report_flow.approver_ids(conn)
        submitted = await report_flow.last_step(conn, audit_id, rev, ReportStep.submitted)
        return Who(lead=actor.is_lead, leader=team.get(actor.id) == "leader", member=actor.id in team,
                   approver=actor.id in approvers, approvers_named=bool(approvers),
                   submitter=submitted is not None and submitted["person_id"] == actor.id)

    async def _status(self, conn, actor: Actor, head, *, brief: bool = False) -> ReportStatus:
        audit_id = head["id"]
        rev = await revisions.current(conn, audit_id)
        row = await report_flow.state(conn, audit_id, rev)
        completed = head["status"] == AuditStatus.completed
        state = row["state"] if row is not None else (ReportState.draft if completed else "in_progress")
        who = await self._who(conn, actor, audit_id, rev)
        step = next_step(ReportState(state) if state in ReportState.__members__ else None, who,
                         completed=completed, separate=self.settings.report_separate_approver)
        receipts = [_receipt(r) for r in await report_flow.receipts(conn, audit_id)]
        current = [r for r in receipts if r.rev == rev and r.skipped is None]
        values: dict[str, Any] = {}
        if not brief:
            tz = self.settings.tz
            values["lines"] = _lines(await report_flow.steps(conn, audit_id), tz)
            values["receipts"] = receipts
            values["distribution"] = await self._distribution(conn, head)
            values["comments"] = [dict(c) for c in await report_flow.comments(conn, audit_id, rev)]
        return ReportStatus(
            audit_id, head["number"], head["department"], head["status"], rev, state,
            report_number=row["number"] if row is not None else None,
            issued_at=_local(row["issued_at"], self.settings.tz) if row is not None else None,
            next=step, manages=who.manages,
            received=sum(1 for r in current if r.received_at is not None), recipients=len(current),
            review_due=date.fromisoformat(row["review_due"]) if row is not None and row["review_due"] else None,
            **values)

    async def _distribution(self, conn, head) -> list[Recipient]:
        """Everyone with a role, each marked on or off the list: by default the department's
        contacts, the leads (the quality office) and the report approvers; as changed since."""
        defaults = await report_flow.default_recipients(conn, head["department_id"])
        changes = await report_flow.recipient_changes(conn, head["id"])
        return [Recipient(p["id"], p["name"], bool(p["active"]), changes.get(p["id"], p["id"] in defaults))
                for p in await report_flow.people_with_roles(conn)]

    # --- the steps -------------------------------------------------------------------------------

    async def _for_step(self, conn, actor: Actor, audit_id: int, rev: int, *states: str):
        """The audit, its report's state and the person's place, if ``rev`` is current and the
        state one of ``states`` (else the refusal that says what the report is now)."""
        head = await self._head(conn, actor, audit_id)
        current = await revisions.current(conn, audit_id)
        if rev != current:
            raise ReportFlowError("stale_revision", number=head["number"], rev=current)
        row = await report_flow.state(conn, audit_id, rev)
        state = row["state"] if row is not None else ReportState.draft
        if state not in states:
            raise ReportFlowError(f"already_{state}", number=head["number"], rev=rev)
        return head, state, await self._who(conn, actor, audit_id, rev)

    async def submit(self, actor: Actor, audit_id: int, rev: int) -> ReportStatus:
        """The audit's leader submits the report for approval; the approvers are told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.draft,
                                                ReportState.changes_requested)
            if not who.may_submit:
                raise ReportFlowError("not_leader", number=head["number"])
            if head["status"] != AuditStatus.completed:
                raise ReportFlowError("not_completed", number=head["number"])
            missing = [f["number"] for f in await findings.of_audit(conn, audit_id) if not (f["statement"] or "").strip()]
            if missing:
                raise ReportFlowError("no_statements", number=head["number"], findings=", ".join(missing))
            await self._step(conn, actor, head, rev, ReportState.submitted, ReportStep.submitted,
                             "leader" if who.leader else "lead", None, now)
            approvers = await report_flow.approver_ids(conn) or {p["id"] for p in await people.with_role(conn, Role.lead)}
            for person_id in sorted(approvers - {actor.id}):
                await self._notify(conn, person_id, NoticeKind.report_submitted, audit_id, rev, now, by=actor.id)
            return await self._status(conn, actor, head)

    async def ask_changes(self, actor: Actor, audit_id: int, rev: int) -> Asked:
        """↩️ Request changes: the next text the approver types is the reason."""
        async with self.db.transaction() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.submitted)
            self._check_approver(head, who)
            return await self._ask(conn, actor, head, rev, "changes")

    async def approve(self, actor: Actor, audit_id: int, rev: int) -> ReportStatus:
        """The approver approves; the audit's leader is told (with the button to issue)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.submitted)
            self._check_approver(head, who)
            await self._step(conn, actor, head, rev, ReportState.approved, ReportStep.approved,
                             "approver" if who.approver else "lead", None, now)
            for person_id in await self._leaders(conn, audit_id, exclude=actor.id):
                await self._notify(conn, person_id, NoticeKind.report_approved, audit_id, rev, now, by=actor.id)
            return await self._status(conn, actor, head)

    def _check_approver(self, head, who: Who) -> None:
        if not who.may_approve:
            raise ReportFlowError("not_approver", number=head["number"])
        if self.settings.report_separate_approver and who.own:
            raise ReportFlowError("own_audit", number=head["number"])

    async def issue(self, actor: Actor, audit_id: int, rev: int) -> Issued:
        """Number, date and lock the report; send it to each active recipient of the list (a
        recipient who left is skipped and reported)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.approved)
            if not who.may_issue:
                raise ReportFlowError("not_issuer", number=head["number"])
            profile = await agency.get(conn)  # the agency's number prefix, if it has one
            number = report_number(AgencyProfile(number_prefix=(profile["number_prefix"] or "") if profile else ""),
                                   head["number"])
            await self._step(conn, actor, head, rev, ReportState.issued, ReportStep.issued,
                             "leader" if who.leader else ("lead" if who.lead else "approver"), number, now,
                             number=number, issued_at=to_db(now), issued_by=actor.id)
            sent, skipped = [], []
            for recipient in await self._distribution(conn, head):
                if not recipient.included:
                    continue
                if not recipient.active:
                    await report_flow.add_receipt(conn, audit_id, rev, recipient.person_id, now, skipped="left")
                    skipped.append(recipient.name)
                    continue
                await report_flow.add_receipt(conn, audit_id, rev, recipient.person_id, now)
                await self._notify(conn, recipient.person_id, NoticeKind.report_issued, audit_id, rev, now)
                sent.append(recipient.name)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{audit_id}:{rev}",
                               action="distributed", after={"sent": sent, "skipped": skipped})
            return Issued(await self._status(conn, actor, head), sent, skipped)

    async def receive(self, actor: Actor, audit_id: int, rev: int) -> ReportStatus:
        """✅ Received, pressed under an issued report (of revision ``rev``)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head = await self._head(conn, actor, audit_id)
            issued = [s["rev"] for s in await report_flow.states_of(conn, audit_id) if s["state"] == ReportState.issued]
            if not issued or rev not in issued:
                raise ReportFlowError("not_found")
            if rev != issued[-1] or rev != await revisions.current(conn, audit_id):
                raise ReportFlowError("receipt_stale", number=head["number"], rev=rev,
                                      current=await revisions.current(conn, audit_id))
            mine = await report_flow.receipt(conn, audit_id, rev, actor.id)
            if mine is None or mine["skipped"]:
                raise ReportFlowError("not_recipient", number=head["number"])
            if mine["received_at"] is not None:
                raise ReportFlowError("already_received", number=head["number"], rev=rev)
            await report_flow.mark_received(conn, audit_id, rev, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{audit_id}:{rev}",
                               action="received")
            return await self._status(conn, actor, head, brief=True)

    async def toggle_recipient(self, actor: Actor, audit_id: int, person_id: int) -> ReportStatus:
        """Put a person on the distribution list or take them off (until the report is issued)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head = await self._head(conn, actor, audit_id)
            rev = await revisions.current(conn, audit_id)
            who = await self._who(conn, actor, audit_id, rev)
            if not who.manages:
                raise ReportFlowError("not_leader", number=head["number"])
            row = await report_flow.state(conn, audit_id, rev)
            if row is not None and row["state"] == ReportState.issued:
                raise ReportFlowError("already_issued", number=head["number"], rev=rev)
            listed = {r.person_id: r for r in await self._distribution(conn, head)}
            if person_id not in listed:
                raise ReportFlowError("not_found")
            included = not listed[person_id].included
            await report_flow.set_recipient(conn, audit_id, person_id, included, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=audit_id,
                               action="recipient_added" if included else "recipient_removed",
                               after={"person_id": person_id})
            return await self._status(conn, actor, head)

    # --- the department's comments on the draft -------------------------------------------------

    async def check_send_for_comment(self, actor: Actor, audit_id: int, rev: int) -> int:
        """Whether the draft may go to the department now; the number of its contacts."""
        async with self.db.read() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.draft,
                                                ReportState.submitted, ReportState.changes_requested)
            if not who.manages:
                raise ReportFlowError("not_leader", number=head["number"])
            if head["status"] != AuditStatus.completed:
                raise ReportFlowError("not_completed", number=head["number"])
            contacts = await people.staff_of(conn, head["department_id"])
            if not contacts:
                raise ReportFlowError("no_contacts", number=head["number"], department=head["department"])
            return len(contacts)

    async def send_for_comment(self, actor: Actor, audit_id: int, rev: int, draft_sha256: str) -> ReportStatus:
        """The draft (built and stored by the caller) goes to the department's contacts, with a deadline."""
        now = self.clock.now()
        due = self.settings.rules().today(now) + timedelta(days=REVIEW_DAYS)
        async with self.db.transaction() as conn:
            head, state, who = await self._for_step(conn, actor, audit_id, rev, ReportState.draft,
                                                    ReportState.submitted, ReportState.changes_requested)
            if not who.manages:
                raise ReportFlowError("not_leader", number=head["number"])
            await report_flow.put_state(conn, audit_id, rev, state, now, draft_sha256=draft_sha256,
                                        review_due=due.isoformat())
            await report_flow.add_step(conn, audit_id, rev, ReportStep.sent_for_comment, actor.id,
                                       "leader" if who.leader else "lead", due.isoformat(), now)
            for contact in await people.staff_of(conn, head["department_id"]):
                await report_flow.ask_comment(conn, audit_id, rev, contact["id"], now)
                await self._notify(conn, contact["id"], NoticeKind.report_draft_review, audit_id, rev, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{audit_id}:{rev}",
                               action="sent_for_comment", after={"due": due.isoformat()})
            return await self._status(conn, actor, head)

    async def agree(self, actor: Actor, audit_id: int, rev: int) -> ReportStatus:
        return await self._comment(actor, audit_id, rev, "agree", None)

    async def ask_disagreement(self, actor: Actor, audit_id: int, rev: int) -> Asked:
        async with self.db.transaction() as conn:
            head = await self._commenter(conn, actor, audit_id, rev)
            return await self._ask(conn, actor, head, rev, "disagree")

    async def _commenter(self, conn, actor: Actor, audit_id: int, rev: int):
        head = await self._head(conn, actor, audit_id)
        if rev != await revisions.current(conn, audit_id):
            raise ReportFlowError("stale_revision", number=head["number"], rev=await revisions.current(conn, audit_id))
        row = await report_flow.state(conn, audit_id, rev)
        if row is not None and row["state"] in (ReportState.approved, ReportState.issued):
            raise ReportFlowError(f"already_{row['state']}", number=head["number"], rev=rev)
        if not any(c["person_id"] == actor.id for c in await report_flow.comments(conn, audit_id, rev)):
            raise ReportFlowError("not_found")
        return head

    async def _comment(self, actor: Actor, audit_id: int, rev: int, verdict: str, reason: str | None
                       ) -> ReportStatus:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head = await self._commenter(conn, actor, audit_id, rev)
            await report_flow.answer_comment(conn, audit_id, rev, actor.id, verdict, reason, now)
            await report_flow.add_step(conn, audit_id, rev, ReportStep.agreed if verdict == "agree"
                                       else ReportStep.disagreed, actor.id, "department", reason, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{audit_id}:{rev}",
                               action=f"comment_{verdict}", after={"reason": reason})
            for person_id in await self._leaders(conn, audit_id, exclude=actor.id):
                await self._notify(conn, person_id, NoticeKind.report_commented, audit_id, rev, now, by=actor.id,
                                   verdict=verdict)
            if reason is not None:
                await dialogs.clear(conn, actor.id)
            return await self._status(conn, actor, head, brief=True)

    # --- the issue deadline ---------------------------------------------------------------------

    async def plan_delays(self) -> int:
        """The periodic pass: each completed audit whose report is not issued within
        AUDITBOT_REPORT_ISSUE_DAYS asks its leader, once, for the reason of the delay."""
        now = self.clock.now()
        asked = 0
        async with self.db.transaction() as conn:
            for row in await report_flow.unissued_completed(conn, now - timedelta(days=self.settings.report_issue_days)):
                current = await report_flow.state(conn, row["id"], row["rev"])
                await report_flow.put_state(conn, row["id"], row["rev"],
                                            current["state"] if current else ReportState.draft, now,
                                            delay_asked_at=to_db(now))
                for person_id in await self._leaders(conn, row["id"]):
                    await self._notify(conn, person_id, NoticeKind.report_delay_asked, row["id"], row["rev"], now)
                    asked += 1
        return asked

    async def ask_delay_reason(self, actor: Actor, audit_id: int, rev: int) -> Asked:
        async with self.db.transaction() as conn:
            head = await self._head(conn, actor, audit_id)
            who = await self._who(conn, actor, audit_id, rev)
            if not who.manages:
                raise ReportFlowError("not_leader", number=head["number"])
            row = await report_flow.state(conn, audit_id, rev)
            if row is None or row["delay_asked_at"] is None:
                raise ReportFlowError("not_found")
            if row["state"] == ReportState.issued:
                raise ReportFlowError("already_issued", number=head["number"], rev=rev)
            return await self._ask(conn, actor, head, rev, "delay")

    # --- typed reasons ---------------------------------------------------------------------------

    async def _ask(self, conn, actor: Actor, head, rev: int, ask: str) -> Asked:
        await dialogs.put(conn, actor.id, flow=FLOW, audit_id=head["id"], awaiting=ask, data={"rev": rev},
                          at=self.clock.now())
        return Asked(ask, head["number"], rev)

    async def typed(self, actor: Actor, text: str) -> tuple[str, ReportStatus]:
        """The reason the person was asked for: (what it was, the report now)."""
        reason = clean_text(text or "", MAX_NOTE)
        if not reason:
            raise ReportFlowError("reason_empty")
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != FLOW or state["awaiting"] not in ASKS:
            raise ReportFlowError("not_found")
        audit_id, rev, ask = state["audit_id"], json.loads(state["data_json"] or "{}").get("rev", 0), state["awaiting"]
        if ask == "disagree":
            return ask, await self._comment(actor, audit_id, rev, "disagree", reason)
        if ask == "changes":
            return ask, await self._request_changes(actor, audit_id, rev, reason)
        return ask, await self._delay_reason(actor, audit_id, rev, reason)

    async def _request_changes(self, actor: Actor, audit_id: int, rev: int, reason: str) -> ReportStatus:
        """Changes requested, with the reason: the audit goes back to its team (the closing
        meeting's card, to change and complete again) and its leader is told."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head, _, who = await self._for_step(conn, actor, audit_id, rev, ReportState.submitted)
            self._check_approver(head, who)
            await self._step(conn, actor, head, rev, ReportState.changes_requested, ReportStep.changes_requested,
                             "approver" if who.approver else "lead", reason, now)
            if head["status"] == AuditStatus.completed:
                await audits.set_status(conn, audit_id, AuditStatus.closing, now)
                await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                                   action="returned", before=AuditStatus.completed, after=AuditStatus.closing)
            for person_id in await self._leaders(conn, audit_id, exclude=actor.id):
                await self._notify(conn, person_id, NoticeKind.report_changes_requested, audit_id, rev, now,
                                   by=actor.id)
            await dialogs.clear(conn, actor.id)
            head = await audits.get_head(conn, audit_id)
            return await self._status(conn, actor, head)

    async def _delay_reason(self, actor: Actor, audit_id: int, rev: int, reason: str) -> ReportStatus:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head = await self._head(conn, actor, audit_id)
            row = await report_flow.state(conn, audit_id, rev)
            if row is None or row["delay_asked_at"] is None:
                raise ReportFlowError("not_found")
            await report_flow.set_columns(conn, audit_id, rev, delay_reason=reason)
            await report_flow.add_step(conn, audit_id, rev, ReportStep.delay_reason, actor.id, "leader", reason, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{audit_id}:{rev}",
                               action="delay_reason", after={"reason": reason})
            item = await programme.by_audit(conn, audit_id)
            owners = {item["created_by"]} if item is not None else {p["id"] for p in await people.with_role(conn, Role.lead)}
            for person_id in sorted(owners - {actor.id}):
                await self._notify(conn, person_id, NoticeKind.report_delay_reason, audit_id, rev, now, by=actor.id)
            await dialogs.clear(conn, actor.id)
            return await self._status(conn, actor, head)

    # --- report approvers (a lead assigns them) ------------------------------------------------

    async def toggle_approver(self, actor: Actor, person_id: int) -> bool:
        """Make a person a report approver, or no longer; whether they are one now."""
        if not actor.is_lead:
            raise ReportFlowError("not_allowed")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await people.get(conn, person_id) is None:
                raise ReportFlowError("not_found")
            on = not await report_flow.is_approver(conn, person_id)
            await report_flow.set_approver(conn, person_id, on, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="person", entity_id=person_id,
                               action="approver_added" if on else "approver_removed")
            return on

    async def is_approver(self, person_id: int) -> bool:
        async with self.db.read() as conn:
            return await report_flow.is_approver(conn, person_id)

    async def counts(self) -> dict[str, int]:
        """The lead's /status: reports waiting for approval, and overdue for issue."""
        before = self.clock.now() - timedelta(days=self.settings.report_issue_days)
        async with self.db.read() as conn:
            return {"waiting": await report_flow.waiting_for_approval(conn),
                    "overdue": await report_flow.overdue_for_issue(conn, before)}

    # --- helpers ----------------------------------------------------------------------------------

    async def _step(self, conn, actor: Actor, head, rev: int, state: str, step: str, role: str,
                    note: str | None, now: datetime, **columns: Any) -> None:
        before = await report_flow.state(conn, head["id"], rev)
        await report_flow.put_state(conn, head["id"], rev, state, now, **columns)
        await report_flow.add_step(conn, head["id"], rev, step, actor.id, role, note, now)
        await trail.record(conn, at=now, person_id=actor.id, entity="report", entity_id=f"{head['id']}:{rev}",
                           action=step, before=before["state"] if before else ReportState.draft,
                           after={"state": state, "role": role, "note": note})

    async def _leaders(self, conn, audit_id: int, exclude: int | None = None) -> list[int]:
        """The audit's leader(s), the people told of its report's steps."""
        return [m["id"] for m in await audits.team(conn, audit_id) if m["team_role"] == "leader" and m["id"] != exclude]

    async def _notify(self, conn, person_id: int, kind: str, audit_id: int, rev: int, now: datetime,
                      **extra: Any) -> None:
        steps = await report_flow.step_count(conn, audit_id)  # two submits at one clock time are two notices
        await outbox.enqueue(conn, dedupe_key=f"{kind}:{audit_id}:{rev}:{person_id}:{steps}:{now.isoformat()}",
                             chat_id=person_id, kind=kind, payload={"audit_id": audit_id, "rev": rev, **extra},
                             not_before=now, at=now)


def _local(text: str | None, tz) -> datetime | None:
    moment = from_db(text) if text else None
    return moment.astimezone(tz) if moment else None


def _receipt(row) -> Receipt:
    return Receipt(row["person_id"], row["name"] or "", row["rev"], from_db(row["received_at"]), row["skipped"])


def _lines(rows, tz) -> list[SignOff]:
    return [SignOff(r["rev"], r["step"], r["name"] or "", r["role"], _local(r["at"], tz), r["note"] or "") for r in rows]


# --- what a queued notice about a report says (bot/services/notices.py asks) ------------------------

REPORT_KINDS = (NoticeKind.report_submitted, NoticeKind.report_changes_requested, NoticeKind.report_approved,
                NoticeKind.report_issued, NoticeKind.report_draft_review, NoticeKind.report_commented,
                NoticeKind.report_delay_asked, NoticeKind.report_delay_reason)
_STILL = {  # the report states in which a notice still applies
    NoticeKind.report_submitted: (ReportState.submitted,),
    NoticeKind.report_changes_requested: (ReportState.changes_requested,),
    NoticeKind.report_approved: (ReportState.approved,),
    NoticeKind.report_issued: (ReportState.issued,),
    NoticeKind.report_draft_review: (ReportState.draft, ReportState.submitted, ReportState.changes_requested),
    NoticeKind.report_delay_asked: (ReportState.draft, ReportState.submitted, ReportState.changes_requested,
                                    ReportState.approved),
}


async def notice_values(conn, kind: str, payload: dict, chat_id: int, tz) -> dict[str, Any] | None:
    """The values of a report notice, or None when it no longer applies."""
    audit_id, rev = payload["audit_id"], payload["rev"]
    head = await audits.get_head(conn, audit_id)
    row = await report_flow.state(conn, audit_id, rev)
    if head is None or row is None or head["status"] == AuditStatus.cancelled:
        return None
    if kind in _STILL and (row["state"] not in _STILL[kind] or rev != await revisions.current(conn, audit_id)):
        return None
    by = await people.get(conn, payload["by"]) if payload.get("by") else None
    values: dict[str, Any] = {
        "audit_id": audit_id, "number": head["number"], "department": head["department"], "rev": rev,
        "by": by["name"] if by else "", "report_number": row["number"] or head["number"],
        "issued_at": _local(row["issued_at"], tz), "verdict": payload.get("verdict"),
    }
    if kind in (NoticeKind.report_changes_requested, NoticeKind.report_commented, NoticeKind.report_delay_reason):
        step = {NoticeKind.report_changes_requested: ReportStep.changes_requested,
                NoticeKind.report_delay_reason: ReportStep.delay_reason}.get(
            kind, ReportStep.agreed if payload.get("verdict") == "agree" else ReportStep.disagreed)
        last = await report_flow.last_step(conn, audit_id, rev, step)
        values["note"] = last["note"] if last is not None and last["note"] else ""
    if kind == NoticeKind.report_draft_review:
        mine = [c for c in await report_flow.comments(conn, audit_id, rev) if c["person_id"] == chat_id]
        if not mine or mine[0]["verdict"] is not None or not row["draft_sha256"]:
            return None
        values["draft_sha256"] = row["draft_sha256"]
        values["due"] = date.fromisoformat(row["review_due"]) if row["review_due"] else None
    if kind == NoticeKind.report_issued:
        mine_receipt = await report_flow.receipt(conn, audit_id, rev, chat_id)
        if mine_receipt is None or mine_receipt["skipped"]:
            return None
    if kind == NoticeKind.report_delay_asked:
        values["completed_at"] = _local(head["completed_at"], tz)
    return values
