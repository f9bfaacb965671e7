"""What a queued message says, decided at the moment it is sent.

A row of the outbox names a kind and an action; whether it still applies (the action's
state, the reminder stage of today, the recipient's role) and what it shows are decided
here, in the recipient's current language. A row that no longer applies is dropped, so a
reminder stops once the action is implemented and a late one is never sent out of turn.
No Telegram here: the outbox sender renders the result.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.clock import Clock
from bot.domain.reminder_rules import Rules, not_before, stage_on
from bot.domain.vocabulary import CAPA_STAFF_STATES, CapaState, NoticeKind, Role
from bot.prompts import default_prompts, file_name
from bot.services import document_request_service, revision_notices
from bot.services.capa_return import resubmission
from bot.services.capa_service import capa_view, findings_for_acknowledgement
from bot.services.programme_service import ProgrammeService
from bot.services.report_flow_service import REPORT_KINDS
from bot.services.report_flow_service import notice_values as report_notice_values
from bot.services.status_service import StatusService
from bot.settings import Settings
from storage.db import Database
from storage.repos import audits, capa, findings, outbox, people

MAX_PHOTOS = 10  # one album
IssuedDocument = Callable[[int, int, str], Awaitable[tuple[str, str] | None]]  # audit, revision, language
K = NoticeKind
STAFF_KINDS = (K.capa_new, K.capa_photos, K.capa_reminder, K.capa_rejected, K.capa_closed, K.capa_cancelled,
               K.capa_plan_returned, K.capa_plan_accepted, K.capa_extension_granted, K.capa_extension_refused,
               K.capa_moved_away)
LEAD_KINDS = (K.capa_escalation, K.capa_no_staff, K.lead_digest, K.lead_blocked, K.lead_poison_update,
              K.lead_audit_completed, K.lead_joined, K.programme_missed)
_LIVE = (CapaState.open, CapaState.planned, CapaState.plan_accepted, CapaState.implemented)
REVISION_KINDS = (K.revision_reopened, K.revision_completed, K.revision_withdrawn)
PROGRAMME_KINDS = (K.programme_reminder, K.programme_missed, K.programme_team_added, K.programme_team_removed)
# The action states in which a notice about it still applies.
VALID_STATES = {
    NoticeKind.capa_new: CAPA_STAFF_STATES,
    NoticeKind.capa_photos: CAPA_STAFF_STATES,
    NoticeKind.capa_reminder: CAPA_STAFF_STATES,
    NoticeKind.capa_escalation: CAPA_STAFF_STATES,
    NoticeKind.capa_planned: (CapaState.planned, CapaState.plan_accepted, CapaState.implemented),
    NoticeKind.capa_plan_returned: (CapaState.planned,),
    NoticeKind.capa_plan_accepted: (CapaState.plan_accepted, CapaState.implemented),
    NoticeKind.capa_implemented: (CapaState.implemented,),
    NoticeKind.capa_rejected: (CapaState.plan_accepted,),
    NoticeKind.capa_closed: (CapaState.closed,),
    NoticeKind.capa_extension_asked: _LIVE,
    NoticeKind.capa_extension_granted: _LIVE,
    NoticeKind.capa_extension_refused: _LIVE,
    NoticeKind.capa_moved_away: _LIVE,
    NoticeKind.capa_verifier_assigned: _LIVE,
    NoticeKind.capa_verifier_released: _LIVE,
}


@dataclass(frozen=True)
class Notice:
    """A message to render: template ``kind`` with ``values`` in ``lang`` (or an album of ``photos``)."""

    kind: str
    lang: str
    values: dict[str, Any]
    photos: list[dict[str, Any]] = field(default_factory=list)
    recipient_blocked: bool = False
    document: tuple[str, str] | None = None  # (sha256 in the file store, file name): sent as a file
    protect: bool = False  # Telegram's protect_content (no forwarding or saving)


class NoticeService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, status: StatusService,
                 programme: ProgrammeService | None = None, issued_document: IssuedDocument | None = None):
        self.db = db
        self.issued_document = issued_document  # builds (once) and keeps an issued report
        self.protect_reports = settings.report_protect_content
        self.clock = clock
        self.rules = settings.rules()
        self.status = status
        self.programme = programme

    async def compose(self, kind: str, chat_id: int, payload_json: str) -> Notice | None:
        """The message of one outbox row, or None when it no longer applies."""
        payload = json.loads(payload_json)
        today = self.rules.today(self.clock.now())
        async with self.db.read() as conn:
            person = await people.get(conn, chat_id)
            if person is None or not person["active"]:
                return None
            roles = {(r["role"], r["department_id"]) for r in await people.roles(conn, chat_id)}
            if kind in LEAD_KINDS and (Role.lead, 0) not in roles:
                return None
            values: dict[str, Any] | None
            photos: list[dict[str, Any]] = []
            if kind in PROGRAMME_KINDS:
                values = (await self.programme.notice(conn, kind, payload, chat_id, person["lang"])
                          if self.programme is not None else None)
            elif kind == NoticeKind.role_changed:  # still so when it goes out
                held = (payload["role"], 0) in roles
                by = await people.get(conn, payload.get("by")) if payload.get("by") else None
                values = ({"role": payload["role"], "held": held, "by": by["name"] if by else ""}
                          if held == payload["held"] else None)
            elif kind == NoticeKind.commands:  # their menu, from their roles now
                values = {"roles": sorted({role for role, _ in roles})}
            elif kind in (NoticeKind.records_requested, NoticeKind.records_returned):  # to the department's contacts
                values = await document_request_service.notice(conn, kind, payload, person["lang"], roles,
                                                               today, self.rules)
            elif kind == NoticeKind.audit_findings:  # to the audited department's contacts
                audit = await audits.get(conn, payload["audit_id"])
                values = None
                if audit is not None and (Role.staff, audit["department_id"]) in roles:
                    values = await findings_for_acknowledgement(conn, audit["id"], chat_id, self.rules.tz)
                    if values["rev"] != payload.get("rev", values["rev"]):  # a later revision's notice follows
                        values = None
            elif kind in REVISION_KINDS:  # to the audit's auditors
                values = await revision_notices.notice(conn, kind, payload, chat_id)
            elif kind in REPORT_KINDS:
                values = await report_notice_values(conn, kind, payload, chat_id, self.rules.tz)
            elif kind in VALID_STATES:
                values = await _about_action(conn, kind, payload, roles, today, self.rules)
                if values is not None and kind == NoticeKind.capa_photos:
                    photos = [dict(r) for r in await capa.question_photos(conn, payload["capa_id"], MAX_PHOTOS)]
                    values = values if photos else None
            else:
                values = await _OTHER.get(kind, _unknown)(conn, payload, today)
        if kind == NoticeKind.lead_digest and values is not None:
            digest = await self.status.digest(today)
            values = {"digest": digest} if digest is not None else None
        if values is None:
            return None
        document, protect = None, False
        if kind == NoticeKind.report_issued:
            document = (await self.issued_document(payload["audit_id"], payload["rev"], person["lang"])
                        if self.issued_document else None)
            if document is None:
                return None
            protect = self.protect_reports
        elif kind == NoticeKind.report_draft_review:
            document = (values["draft_sha256"], file_name(default_prompts(), person["lang"], "file_report_draft",
                                                          number=values["number"], rev=values["rev"]))
        return Notice(kind, person["lang"], values, photos, bool(person["blocked_bot"]), document, protect)

    # --- what became of a row ----------------------------------------------------------------

    async def claim_next(self, owner: str, lease: timedelta) -> tuple[Any, bool] | None:
        """Claim the next row to send (committed before it is sent): (row, in doubt) or None."""
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            return await outbox.claim_next(conn, now, now + lease, owner)

    async def release_leases(self) -> int:
        """After a restart of the one process (SQLite): its rows being sent are in doubt now.
        Replicas (PostgreSQL) wait for the lease instead: the sender may be alive."""
        if not self.db.single_process:
            return 0
        async with self.db.transaction(claim=False) as conn:
            return await outbox.release_leases(conn, self.clock.now())

    async def sent(self, outbox_id: int, chat_id: int, recipient_blocked: bool) -> None:
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            await outbox.mark_sent(conn, outbox_id, now)
            if recipient_blocked:  # they unblocked the bot
                await people.set_blocked(conn, chat_id, False, now)

    async def retry(self, outbox_id: int, at: datetime, error: str) -> None:
        """Try the row again at ``at`` (or when the quiet hours that ``at`` falls in end)."""
        async with self.db.transaction(claim=False) as conn:
            await outbox.retry_later(conn, outbox_id, not_before(self.rules, at), error)

    async def drop(self, outbox_id: int, reason: str) -> None:
        """The row no longer applies, or Telegram refused it for good."""
        async with self.db.transaction(claim=False) as conn:
            await outbox.mark_failed(conn, outbox_id, "failed", reason)

    async def blocked(self, outbox_id: int, chat_id: int, error: str) -> None:
        """The person blocked the bot: the row stops, the person is flagged, the leads are told once."""
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            await outbox.mark_failed(conn, outbox_id, "blocked", error)
            person = await people.get(conn, chat_id)
            if person is None or person["blocked_bot"]:
                return
            await people.set_blocked(conn, chat_id, True, now)
            for lead in await people.with_role(conn, Role.lead):
                if lead["id"] != chat_id:
                    await outbox.enqueue(
                        conn, dedupe_key=f"blocked:{chat_id}:{outbox_id}:{lead['id']}", chat_id=lead["id"],
                        kind=NoticeKind.lead_blocked, payload={"person_id": chat_id},
                        not_before=not_before(self.rules, now), at=now,
                    )


async def _about_action(
    conn: Any, kind: str, payload: dict, roles: set, today: date, rules: Rules
) -> dict[str, Any] | None:
    row = await findings.get_capa(conn, payload["capa_id"])
    if row is None or row["state"] not in VALID_STATES[kind]:
        return None
    department = payload.get("from_department", row["department_id"])  # moved away: the old staff are told
    if kind in STAFF_KINDS and (Role.staff, department) not in roles:
        return None
    if kind == NoticeKind.capa_reminder and row["state"] == CapaState.planned and not row["returned_step"]:
        return None  # the plan is with the auditor for review: nothing for the staff to do now
    values: dict[str, Any] = {"capa": await capa_view(conn, row, today)}
    if kind == NoticeKind.capa_planned:  # back after a return: marked, with what changed there
        values["resubmitted"] = await resubmission(conn, row)
    if kind == NoticeKind.capa_reminder:
        stage = stage_on(rules, date.fromisoformat(row["due_date"]), today)
        if stage is None or stage.name != payload.get("stage"):
            return None  # a later stage applies now: only the latest one is sent
        values["stage"] = stage.name
    return values


async def _no_staff(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    count = await capa.waiting_for_staff(conn, payload["audit_id"])
    audit = await audits.get(conn, payload["audit_id"])
    if not count or audit is None:
        return None
    return {"audit_number": audit["number"], "department": audit["department"], "count": count}


async def _digest(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    return {} if payload.get("day") == today.isoformat() else None  # yesterday's digest is stale


async def _blocked(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    person = await people.get(conn, payload["person_id"])
    if person is None:
        return None
    roles = await people.roles(conn, person["id"])
    return {"person": dict(person), "departments": [r["department"] for r in roles if r["department"]]}


async def _poison(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    return {"update_id": payload["update_id"], "reason": payload.get("reason", "")}


async def _team_added(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    """A co-auditor added to a team: still in it, and the audit still open."""
    audit = await audits.get(conn, payload["audit_id"])
    if audit is None or audit["status"] in ("completed", "cancelled"):
        return None
    if not await audits.is_member(conn, audit["id"], payload["to"]):
        return None  # removed again before the notice went out
    by = await people.get(conn, payload["by"])
    return {"audit_id": audit["id"], "number": audit["number"], "department": audit["department"],
            "by": by["name"] if by else ""}


async def _audit_completed(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    """A lead told of a completed audit: who, and what it found."""
    audit = await audits.get(conn, payload["audit_id"])
    if audit is None or audit["status"] != "completed":
        return None
    by = await people.get(conn, payload["by"])
    rows = await findings.of_audit(conn, audit["id"])
    counts: dict[str, int] = {}
    for row in rows:
        series = "".join(ch for ch in row["number"] if ch.isalpha())
        counts[series] = counts.get(series, 0) + 1
    actions = sum(1 for row in rows if row["capa_id"] is not None)
    return {"audit_id": audit["id"], "number": audit["number"], "department": audit["department"],
            "by": by["name"] if by else "", "findings": counts, "actions": actions}


async def _capa_cancelled(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    """An action cancelled in a revision of its audit (its finding withdrawn), with the reason."""
    row = await findings.get_capa(conn, payload["capa_id"])
    if row is None or row["cancelled_at"] is None:
        return None
    return {"capa": await capa_view(conn, row, today), "reason": row["cancel_reason"] or ""}


async def _capa_reopened(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    """A closed action found not effective at the next audit: back at its verification."""
    row = await findings.get_capa(conn, payload["capa_id"])
    if row is None or row["state"] != CapaState.implemented:
        return None
    audit = await audits.get(conn, payload["audit_id"])
    return {"capa": await capa_view(conn, row, today), "reason": payload.get("reason", ""),
            "audit_number": audit["number"] if audit else "", "to": payload.get("to", "staff")}


async def _joined(conn: Any, payload: dict, today: date) -> dict[str, Any] | None:
    person = await people.get(conn, payload["person_id"])
    if person is None:
        return None
    return {"person": {"name": person["name"]}, "role": payload["role"], "department": payload.get("department")}


async def _unknown(conn: Any, payload: dict, today: date) -> None:
    return None


_OTHER: dict[str, Callable[[Any, dict, date], Awaitable[dict[str, Any] | None]]] = {
    NoticeKind.capa_no_staff: _no_staff,
    NoticeKind.lead_digest: _digest,
    NoticeKind.lead_blocked: _blocked,
    NoticeKind.lead_poison_update: _poison,
    NoticeKind.audit_team_added: _team_added,
    NoticeKind.lead_audit_completed: _audit_completed,
    NoticeKind.capa_cancelled: _capa_cancelled,
    NoticeKind.lead_joined: _joined,
    NoticeKind.capa_reopened: _capa_reopened,
}
