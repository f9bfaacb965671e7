"""The report's "follow-up of previous findings" (ISO 9001 9.2.2 a, 10.2.1 d): the department's
previous audit's nonconformities, their actions, and whether this audit verified them
effective. Read with the report's data (``load_follow_up``), drawn at the end of the
corrective-actions section (``draw_follow_up``); absent on a department's first audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.vocabulary import NONCONFORMITIES
from storage.repos import carry_over, findings
from storage.times import from_db


@dataclass(frozen=True)
class FollowedUp:
    """One finding of the previous audit, and this audit's verdict on its action."""

    number: str  # "NC2"
    audit_number: str
    kind: str
    statement: str
    state: str | None  # its action's state now (None: no action)
    verdict: str | None = None  # effective | not_effective | None: not verified here
    reason: str = ""
    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class FollowUp:
    previous: str  # the previous audit's number
    completed_at: datetime | None
    rows: list[FollowedUp] = field(default_factory=list)

    def count(self, verdict: str | None) -> int:
        return sum(1 for r in self.rows if r.verdict == verdict)


async def load_follow_up(conn: Any, audit: Any, tz: tzinfo, clean: Any) -> FollowUp | None:
    """The follow-up of ``audit`` (a row of audits), or None when its department had no audit before."""
    previous = await carry_over.previous_audit(conn, audit["department_id"], audit["id"], audit["checklist_id"])
    verdicts = {r["capa_id"]: r for r in await carry_over.verdicts_of(conn, audit["id"])}
    if previous is None and not verdicts:
        return None
    rows: list[FollowedUp] = []
    seen: set[int] = set()
    old = await findings.of_audit(conn, previous["id"]) if previous is not None else []
    for row in old:
        if row["kind"] not in NONCONFORMITIES and row["capa_id"] not in verdicts:
            continue
        rows.append(_row(row, previous["number"], verdicts.get(row["capa_id"]), tz, clean))
        seen.add(row["capa_id"])
    for capa_id, v in verdicts.items():  # an older audit's action verified here too
        if capa_id not in seen:
            rows.append(_row({"number": v["number"], "kind": v["kind"], "statement": v["statement"],
                              "capa_state": v["state"]}, v["audit_number"], v, tz, clean))
    moment = from_db(previous["completed_at"]) if previous is not None else None
    return FollowUp(clean(previous["number"]) if previous is not None else "",
                    moment.astimezone(tz) if moment else None, rows)


def _row(row: Any, audit_number: str, verdict: Any, tz: tzinfo, clean: Any) -> FollowedUp:
    at = from_db(verdict["created_at"]) if verdict is not None else None
    return FollowedUp(
        number=clean(row["number"]), audit_number=clean(audit_number), kind=row["kind"],
        statement=clean(row["statement"]), state=row["capa_state"],
        verdict=verdict["verdict"] if verdict is not None else None,
        reason=clean(verdict["reason"]) if verdict is not None else "",
        by=clean(verdict["person"]) if verdict is not None else "",
        at=at.astimezone(tz) if at else None)


def draw_follow_up(writer: Any, follow_up: FollowUp | None, grid: Any) -> None:
    """The sub-section and its table (``grid``: docx_parts.Grid)."""
    if follow_up is None:
        return
    t = writer.t
    writer.heading(t("h_follow_up"), level=3)
    when = follow_up.completed_at.strftime("%Y-%m-%d") if follow_up.completed_at else ""
    writer.para(t("follow_up_intro", number=follow_up.previous, date=when,
                  effective=follow_up.count("effective"), not_effective=follow_up.count("not_effective")))
    if not follow_up.rows:
        writer.para(t("follow_up_none"))
        return
    table = grid(writer, (2.4, 4.8, 2.4, 2.4, 2.4, 2.2), headers=[
        t(k) for k in ("col_finding", "col_fu_statement", "col_state", "col_fu_verdict", "col_fu_by",
                       "col_fu_reason")])
    for r in follow_up.rows:
        state = writer.prompts.label(writer.lang, f"capa_state_{r.state}") if r.state else "—"
        by = f"{r.by}, {r.at:%Y-%m-%d}" if r.by and r.at else r.by
        table.row((f"{r.audit_number} {r.number}", r.statement, state, t(f"fu_verdict_{r.verdict or 'none'}"), by,
                   r.reason))
