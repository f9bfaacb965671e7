"""What a running audit's repeat findings are measured against: the department's previous
completed audit and its nonconformities by clause."""

from __future__ import annotations

from collections import defaultdict

from bot.domain.checklists import Checklist
from bot.domain.repeat import REPEAT_KINDS, RepeatBasis
from storage.repos import programme


async def repeat_basis(conn, department_id: int, audit_id: int, current: Checklist) -> RepeatBasis | None:
    """The department's previous completed audit (before ``audit_id``) and its nonconformities by
    clause, for marking repeat findings while an audit runs (``current``: the running audit's
    checklist, reused when the previous audit had the same one)."""
    previous = await programme.previous_audit(conn, department_id, audit_id)
    if previous is None:
        return None
    rows = [r for r in await programme.findings_of(conn, previous["id"]) if r["kind"] in REPEAT_KINDS]
    if not rows:
        return RepeatBasis(previous["number"], {})
    if (previous["checklist_id"], previous["checklist_version"]) == (current.id, current.version):
        checklist = current
    else:
        checklist = Checklist.from_json(await programme.checklist_json(conn, previous["id"]))
    clause_of = {q.id: q.clause for _, q in checklist.questions()}
    clauses: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        clauses[clause_of.get(row["question_id"], "") or "—"].append(row["number"])
    return RepeatBasis(previous["number"], dict(clauses))
