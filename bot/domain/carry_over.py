"""What last time found: the department's previous completed audit, matched question by
question to the running one (ISO 9001 9.2.2 a: "take into consideration the results of
previous audits"), and the verdict on a closed action's effectiveness (10.2.1 d).

A question matches last time's question of the same id when the checklist is the same one
(any version), else a question of last time with the same clause (the most telling of them:
a nonconformity before an observation before a conform). A question with no match is a new
question; that is said only when the checklist changed between the audits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.checklists import Checklist
from bot.domain.vocabulary import CapaState, Result

MIN_REASON = 2  # characters: "无效" is a reason, "." is not
# Which of last time's answers on one clause is shown: the most telling first.
_WEIGHT = {Result.major: 7, Result.minor: 6, Result.observation: 5, Result.ofi: 4, Result.good: 3,
           Result.conform: 2, Result.na: 1}


class Verdict(StrEnum):
    """The next audit's verdict on a closed corrective action."""

    effective = "effective"
    not_effective = "not_effective"

    @property
    def code(self) -> str:
        return "e" if self is Verdict.effective else "n"

    @classmethod
    def from_code(cls, code: str) -> Verdict | None:
        return {"e": cls.effective, "n": cls.not_effective}.get(code)


@dataclass(frozen=True)
class Before:
    """Last time's answer on the question matched to one of this audit's."""

    question_id: str  # last time's
    result: str | None  # None: not answered last time
    finding: str | None = None  # its number (NC2), when it made a finding
    kind: str | None = None
    statement: str = ""
    capa_id: int | None = None
    by_clause: bool = False  # matched by its clause (the checklist changed)


@dataclass(frozen=True)
class CarryBasis:
    """The department's previous completed audit, matched to this audit's questions."""

    audit_id: int
    number: str
    completed_on: date
    changed: bool  # the checklist changed between the audits (other id or version)
    matches: Mapping[str, Before]  # this audit's question id → last time's answer there


@dataclass(frozen=True)
class ActionNow:
    """Last time's action as it stands, and this audit's verdict on it (one indexed read)."""

    state: str
    closed_on: date | None
    cancelled: bool
    verdict: str | None = None
    reason: str | None = None
    by: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Carried:
    """What a question card recalls of last time."""

    audit_number: str
    completed_on: date
    before: Before | None  # None: a new question (the checklist changed)
    action: ActionNow | None = None

    @property
    def can_verify(self) -> bool:
        """Last time's action is closed and this audit has not judged it yet."""
        a = self.action
        return a is not None and a.state == CapaState.closed and not a.cancelled and a.verdict is None


def match(current: Checklist, previous: Checklist, answers: Mapping[str, str],
          findings: Mapping[str, Mapping]) -> dict[str, Before]:
    """This audit's question id → last time's answer matched to it (see the module's rule).

    ``answers``: last time's result per question id; ``findings``: its finding rows per
    question id (number, kind, statement, capa_id)."""
    same = current.id == previous.id
    ids = set(previous.question_ids())
    by_clause: dict[str, str] = {}
    for _, question in previous.questions():
        key = question.clause.strip()
        best = by_clause.get(key)
        if best is None or _weight(answers.get(question.id)) > _weight(answers.get(best)):
            by_clause[key] = question.id
    matches: dict[str, Before] = {}
    for _, question in current.questions():
        if same and question.id in ids:
            old, clause = question.id, False
        else:
            old, clause = by_clause.get(question.clause.strip()), True
        if old is None:
            continue
        finding = findings.get(old)
        matches[question.id] = Before(
            question_id=old, result=answers.get(old),
            finding=finding["number"] if finding else None, kind=finding["kind"] if finding else None,
            statement=(finding["statement"] or "") if finding else "",
            capa_id=finding["capa_id"] if finding else None, by_clause=clause)
    return matches


def _weight(result: str | None) -> int:
    return _WEIGHT.get(result, 0) if result else 0


def repeat_kind(previous_kind: str | None, current: str | None) -> Result:
    """The result an answer becomes when last time's action was not effective: a
    nonconformity (kept as recorded if it is one, else last time's kind, else minor)."""
    if current in (Result.minor, Result.major):
        return Result(current)
    if previous_kind in (Result.minor, Result.major):
        return Result(previous_kind)
    return Result.minor
