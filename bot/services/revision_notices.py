"""What a revision of a completed audit changed in its findings, and the notices that tell
the audit's auditors of it (reopened by someone else, completed, withdrawn). No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.vocabulary import AuditStatus, NoticeKind
from storage.repos import audits, findings, outbox, people, revision_snapshot, revisions


@dataclass(frozen=True)
class Changes:
    """What a revision changed in the findings since the previous one."""

    new: list[dict[str, Any]] = field(default_factory=list)  # {number, kind}
    changed: list[dict[str, Any]] = field(default_factory=list)  # {number, kind, was, was_kind, statement}
    withdrawn: list[dict[str, Any]] = field(default_factory=list)  # {number, kind}

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.withdrawn)



def changes_between(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Changes:
    """The findings' changes from ``before`` to ``after`` (rows with question_id, number,
    kind, statement, withdrawn_at), by question."""
    was = {f["question_id"]: f for f in before if not f.get("withdrawn_at")}
    now = {f["question_id"]: f for f in after if not f.get("withdrawn_at")}
    result = Changes()
    for question, f in now.items():
        old = was.get(question)
        if old is None:
            result.new.append({"number": f["number"], "kind": f["kind"]})
        elif old["number"] != f["number"] or old["kind"] != f["kind"] or old["statement"] != f["statement"]:
            result.changed.append({"number": f["number"], "kind": f["kind"], "was": old["number"],
                                   "was_kind": old["kind"], "statement": old["statement"] != f["statement"]})
    result.withdrawn.extend({"number": f["number"], "kind": f["kind"]} for q, f in was.items() if q not in now)
    return result


async def changes_of(conn: Any, audit_id: int, rev: int) -> Changes:
    """What completed revision ``rev`` changed (nothing known for revision 1, or one opened
    before snapshots were kept)."""
    if rev <= 1:
        return Changes()
    snapshot = revisions.snapshot_of(await revisions.get(conn, audit_id, rev))
    if snapshot is None:
        return Changes()
    return changes_between(snapshot["findings"], [dict(r) for r in (await findings.every_of_audit(conn, audit_id)).values()])


async def issued_revision(conn: Any, audit_id: int) -> int:
    """The audit's last completed revision (the one in force while another is being worked on)."""
    current = await revisions.current(conn, audit_id)
    return current - 1 if await revisions.open_revision(conn, audit_id) is not None else current


async def snapshot_for_reopening(conn: Any, audit_id: int) -> dict[str, Any]:
    """Taken by AuditService.reopen before it changes anything."""
    return await revision_snapshot.take(conn, audit_id)


async def tell_auditors(conn: Any, audit_id: int, kind: NoticeKind, actor_id: int, rev: int, at: datetime,
                        team: list[int] | None = None, **payload: Any) -> None:
    """Queue ``kind`` to the audit's auditors (its team before the revision; not ``actor_id``)."""
    if team is None:
        snapshot = revisions.snapshot_of(await revisions.get(conn, audit_id, rev))
        team = ([m["person_id"] for m in snapshot["team"]] if snapshot is not None
                else [m["id"] for m in await audits.team(conn, audit_id)])
    for person_id in team:
        if person_id == actor_id:
            continue
        await outbox.enqueue(conn, dedupe_key=f"{kind}:{audit_id}:{rev}:{person_id}:{at.isoformat()}",
                             chat_id=person_id, kind=kind,
                             payload={"audit_id": audit_id, "rev": rev, "by": actor_id, **payload},
                             not_before=at, at=at)


# --- the notices of a revision, as the outbox composes them ----------------------------------

async def notice(conn: Any, kind: str, payload: dict[str, Any], chat_id: int) -> dict[str, Any] | None:
    """The values of a revision notice to an auditor, or None when it no longer applies."""
    audit = await audits.get(conn, payload["audit_id"])
    if audit is None or audit["status"] == AuditStatus.cancelled:
        return None
    by = await people.get(conn, payload["by"])
    rev = payload["rev"]
    values = {"audit_id": audit["id"], "number": audit["number"], "department": audit["department"],
              "rev": rev, "by": by["name"] if by else "", "reason": payload.get("reason", "")}
    row = await revisions.get(conn, audit["id"], rev)
    if kind == NoticeKind.revision_reopened:  # still being worked on
        return values if row is not None and row["completed_at"] is None else None
    if kind == NoticeKind.revision_completed:
        if row is None or row["completed_at"] is None or await revisions.current(conn, audit["id"]) != rev:
            return None
        return {**values, "reason": row["reason"], "changes": await changes_of(conn, audit["id"], rev)}
    if kind == NoticeKind.revision_withdrawn:
        return {**values, "back_to": rev - 1}
    return None
