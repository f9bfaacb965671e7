"""A revision of a completed audit as a record: what it changed, who is told, and how a lead
withdraws it (the audit goes back exactly to its last completed revision).

When a revision is opened (AuditService.reopen) its snapshot is kept with it
(storage.repos.revision_snapshot); withdrawing puts that back in one transaction. The
findings and actions are untouched by a withdrawal: they are numbered only at completion,
so an open revision has not changed them yet. No Telegram here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.clock import Clock
from bot.domain.vocabulary import AuditStatus, NoticeKind
from bot.services.audit_service import AuditError
from bot.services.people_service import Actor
from bot.services.revision_notices import tell_auditors
from bot.settings import Settings
from storage.db import Database
from storage.repos import audits, dialogs, findings, revision_snapshot, revisions, trail

REVISING = (AuditStatus.in_progress, AuditStatus.closing)


@dataclass(frozen=True)
class Withdrawing:
    """The open revision a lead asks to withdraw (or has withdrawn): the audit goes back to ``back_to``."""

    audit_id: int
    number: str
    department: str
    rev: int
    reason: str
    back_to: int
    findings: int = 0  # the findings in force again (after withdrawing)
    status: str = AuditStatus.completed  # where the revision stands (asking: in_progress or closing)


class RevisionService:
    """↩️ Withdraw the revision: two taps of a lead (ask, confirm)."""

    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.settings = settings

    async def withdraw_preview(self, actor: Actor, audit_id: int) -> Withdrawing:
        """↩️ pressed: what withdrawing will do, for the lead to confirm."""
        async with self.db.read() as conn:
            head, open_rev = await _withdrawable(conn, actor, audit_id)
        return Withdrawing(audit_id, head["number"], head["department"], open_rev["rev"], open_rev["reason"],
                           open_rev["rev"] - 1, status=head["status"])

    async def withdraw(self, actor: Actor, audit_id: int) -> Withdrawing:
        """Put the audit back exactly as its last completed revision left it (answers, notes,
        files, cards, team; status completed), drop the open revision, end the lead's dialog
        and tell the audit's auditors. One transaction."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            head, open_rev = await _withdrawable(conn, actor, audit_id)
            snapshot = revisions.snapshot_of(open_rev)
            if snapshot is None:  # opened before snapshots were kept: nothing to go back to
                raise AuditError("withdraw_no_snapshot", number=head["number"], rev=open_rev["rev"])
            rev = open_rev["rev"]
            await revision_snapshot.restore(conn, audit_id, snapshot, actor.id, now)
            await revisions.remove_open(conn, audit_id)
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=audit_id,
                               action="revision_withdrawn", before=head["status"],
                               after={"revision": rev, "reason": open_rev["reason"], "back_to": rev - 1})
            state = await dialogs.get(conn, actor.id)
            if state is not None and state["audit_id"] == audit_id:
                await dialogs.clear(conn, actor.id)
            await tell_auditors(conn, audit_id, NoticeKind.revision_withdrawn, actor.id, rev, now,
                                team=[m["person_id"] for m in snapshot["team"]], reason=open_rev["reason"])
            count = len(await findings.of_audit(conn, audit_id))
        return Withdrawing(audit_id, head["number"], head["department"], rev, open_rev["reason"], rev - 1, count)


async def _withdrawable(conn: Any, actor: Actor, audit_id: int):
    """The audit and its open revision, if a lead may withdraw it now."""
    if not actor.is_lead:
        raise AuditError("withdraw_not_allowed")
    head = await audits.get(conn, audit_id)
    if head is None:
        raise AuditError("stale")
    open_rev = await revisions.open_revision(conn, audit_id)
    if open_rev is None or head["status"] not in REVISING:
        raise AuditError("withdraw_stale", number=head["number"], rev=await revisions.current(conn, audit_id))
    return head, open_rev
