"""What the audit report shows, read once from the database into plain dataclasses.

``load_report_data`` does all the reading (SQL lives in ``storage.repos``); the builders
(``docx_builder``, ``xlsx_export``) only draw. Every text a person typed goes through
``clean_text`` on the way in, so nothing downstream has to worry about characters that
XML (Word, Excel) cannot hold. Times are converted to the display time zone here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.domain.agency import AgencyProfile
from bot.domain.checklists import Checklist
from bot.domain.repeat import repeat_of
from bot.domain.report_rules import SignOff
from bot.domain.vocabulary import FINDING_RESULTS, NONCONFORMITIES, Result, Series
from bot.report.agency import profile_of, read_logo
from bot.report.clean import clean_text
from bot.report.follow_up import FollowUp, load_follow_up
from storage.db import Database
from storage.files import FileStore
from storage.repos import (
    acknowledgements,
    agency,
    audits,
    findings,
    programme,
    repeats,
    report_flow,
    reports,
    revisions,
)
from storage.times import from_db

# The report's groupings of bot.domain.vocabulary's results (said once there).
RESULTS = tuple(Result)
NC_KINDS = NONCONFORMITIES
OTHER_FINDING_KINDS = (Result.observation, Result.ofi)
FINDING_KINDS = FINDING_RESULTS
PHOTO_MIME_TYPES = ("image/jpeg", "image/png", "image/webp")

# XML 1.0 cannot hold C0 controls other than tab/newline/CR, U+FFFE/U+FFFF or lone surrogates.


class AuditNotFound(LookupError):
    """No audit with the id or number asked for."""


def days_late(due: date | None, done_on: date | None, today: date) -> int:
    """Whole days past ``due``: until ``done_on`` when the action is closed, else until today."""
    if due is None:
        return 0
    return max(0, ((done_on or today) - due).days)


def conformity_rate(counts: Mapping[str, int]) -> float | None:
    """Applicable answers without a nonconformity ÷ applicable answers (answered − not
    applicable); None when nothing applicable was answered. An observation, an opportunity
    for improvement or a good practice is not a nonconformity: 4 conform, 1 observation,
    1 OFI and 1 minor NC of 7 read 6/7.

    ``counts`` are questions per result; results outside RESULTS (skipped, unanswered)
    are not answers. The one definition of the rate: the audit report (which states it),
    the export and the management review all use it.
    """
    applicable = applicable_answers(counts)
    if not applicable:
        return None
    return (applicable - sum(counts.get(kind, 0) for kind in NC_KINDS)) / applicable


def applicable_answers(counts: Mapping[str, int]) -> int:
    """Answered questions less those not applicable: the denominator of the conformity rate."""
    return sum(counts.get(result, 0) for result in RESULTS if result != "na")


def parse_date(text: object) -> date | None:
    """An ISO date (or the date part of an ISO time) as a date; None when it is not one."""
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def local_time(text: str | None, tz: tzinfo) -> datetime | None:
    """A UTC time from the database in the display zone."""
    moment = from_db(text)
    return moment.astimezone(tz) if moment else None


@dataclass(frozen=True)
class Note:
    text: str
    author: str
    at: datetime | None


@dataclass(frozen=True)
class Photo:
    """A photo of a question; ``path`` is None when the stored name is not a file name."""

    path: Path | None
    caption: str
    author: str
    at: datetime | None


@dataclass
class QuestionResult:
    """One question of the checklist snapshot and what the audit recorded on it."""

    id: str
    section: str
    clause: str
    text: str
    result: str | None = None  # one of RESULTS; None when not answered (or skipped)
    skipped: bool = False
    answered_by: str = ""
    answered_at: datetime | None = None
    notes: list[Note] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    documents: int = 0
    voice: int = 0
    finding: str = ""  # number of the finding raised on this question


@dataclass
class Action:
    """The corrective action (CAPA) of a nonconformity."""

    state: str
    due_date: date | None  # the due date in force (an extension granted moves it)
    days_late: int = 0
    original_due_date: date | None = None  # set when the due date was extended
    days_late_original: int = 0  # late against the first due date (the on-time figure)
    correction: str = ""
    root_cause: list[str] = field(default_factory=list)
    elsewhere: str = ""
    action_plan: str = ""
    target_date: str = ""
    implementation: str = ""
    effectiveness: str = ""
    rejection_reason: str = ""
    closed_at: datetime | None = None
    photos: list[Photo] = field(default_factory=list)  # the department's evidence of implementation
    documents: int = 0  # other files of that evidence (documents, voice messages)


@dataclass
class Finding:
    """A numbered finding; ``provisional`` when the audit is not completed yet."""

    number: str
    kind: str
    statement: str
    question: QuestionResult
    action: Action | None = None
    provisional: bool = False
    repeat_of: str = ""  # a repeat finding: the previous audit and its NCs on the clause


@dataclass(frozen=True)
class Plan:
    audit_client: str = ""
    objectives: str = ""
    scope: str = ""
    criteria: str = ""
    location: str = ""
    date: str = ""
    participants: str = ""


@dataclass(frozen=True)
class Meeting:
    attendees: str = ""
    held_at: str = ""
    scope_confirmed: bool | None = None
    conclusions: str = ""
    divergent: str = ""


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: str  # 'leader' | 'auditor' | 'reviser' (a lead who reopened it: in the revision history only)


@dataclass(frozen=True)
class Revision:
    """One issue of the report: revision 1 is the first completion, each reopening one more."""

    rev: int
    at: datetime | None  # completed (or, while being revised, reopened)
    by: str
    reason: str


@dataclass(frozen=True)
class Issue:
    """The revision's report as issued: its number, revision and date."""

    number: str
    rev: int
    at: datetime | None


@dataclass
class ReportData:
    """Everything the report shows about one audit, in the audit's language."""

    audit_id: int
    number: str
    lang: str
    status: str
    department: str
    checklist_title: str
    tz_name: str
    generated_at: datetime
    created_at: datetime | None
    completed_at: datetime | None
    plan: Plan = field(default_factory=Plan)
    opening: Meeting = field(default_factory=Meeting)
    closing: Meeting = field(default_factory=Meeting)
    team: list[TeamMember] = field(default_factory=list)
    questions: list[QuestionResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)  # the history, when reopened

    @property
    def revision(self) -> int:
        return self.revisions[-1].rev if self.revisions else 1
    acknowledged: list[tuple[str, datetime]] = field(default_factory=list)  # (who, when): this revision's
    acknowledged_before: list[tuple[int, str, datetime]] = field(default_factory=list)  # (rev, who, when) earlier
    impartiality: list[tuple[str, str]] = field(default_factory=list)  # (auditor, override reason)
    follow_up: FollowUp | None = None  # the previous audit's findings, verified here (none: a first audit)
    agency: AgencyProfile | None = None  # printed in the header and footer; None: none set
    signoff: list[SignOff] = field(default_factory=list)  # submitted, approved, issued … of every revision
    receipts: list[tuple[int, str, datetime | None, str | None]] = field(default_factory=list)  # rev, who, when, skipped
    diverging: list[tuple[str, str]] = field(default_factory=list)  # the department's unresolved disagreements
    issue: Issue | None = None  # the current revision, once issued

    def counts(self) -> Counter[str]:
        """Questions per result, with 'unanswered' for those without one."""
        return Counter(q.result or "unanswered" for q in self.questions)

    def answered(self) -> int:
        return sum(1 for q in self.questions if q.result)

    def conformity_rate(self) -> float | None:
        """Applicable answers without a nonconformity ÷ applicable answers (``conformity_rate``)."""
        return conformity_rate(self.counts())

    def with_result(self, result: str | None) -> list[QuestionResult]:
        return [q for q in self.questions if q.result == result]

    def findings_of(self, kinds: tuple[str, ...]) -> list[Finding]:
        return [f for f in self.findings if f.kind in kinds]

    def actions(self) -> list[Finding]:
        """Findings that carry a corrective action, in finding order."""
        return [f for f in self.findings if f.action is not None]

    def leaders(self) -> list[str]:
        return [m.name for m in self.team if m.role == "leader"]

    def auditors(self) -> list[str]:
        return [m.name for m in self.team if m.role == "auditor"]


async def load_report_data(
    db: Database, audit_id: int, files: FileStore, tz: tzinfo, *, now: datetime | None = None
) -> ReportData:
    """Read one audit for the report; raise AuditNotFound when there is none."""
    async with db.read() as conn:
        audit = await audits.get(conn, audit_id)
        if audit is None:
            raise AuditNotFound(f"no audit with id {audit_id}")
        team = await audits.team(conn, audit_id)
        answer_rows = await reports.answers_with_people(conn, audit_id)
        note_rows = await reports.notes_with_people(conn, audit_id)
        evidence_rows = await reports.evidence_with_people(conn, audit_id)
        action_evidence = await reports.action_evidence_with_people(conn, audit_id)
        finding_rows = await findings.of_audit(conn, audit_id)
        capa_rows = await findings.capas_of_audit(conn, audit_id)
        history = await revisions.history(conn, audit_id)
        first = await revisions.first_completion(conn, audit_id) if history else None
        ack_rows = await acknowledgements.of_audit(conn, audit_id)
        checklist = Checklist.from_json(audit["checklist_json"])
        basis = await repeats.repeat_basis(conn, audit["department_id"], audit_id, checklist)
        planned = await programme.by_audit(conn, audit_id)
        follow_up = await load_follow_up(conn, audit, tz, clean_text)
        step_rows = await report_flow.steps(conn, audit_id)
        receipt_rows = await report_flow.receipts(conn, audit_id)
        current_rev = await revisions.current(conn, audit_id)
        comment_rows = await report_flow.comments(conn, audit_id, current_rev)
        state_row = await report_flow.state(conn, audit_id, current_rev)
        overrides = [(clean_text(m["name"]), clean_text(m["override_reason"]))
                     for m in (await programme.team(conn, planned["id"]) if planned else []) if m["override_reason"]]
        agency_row = await agency.get(conn)
    generated = (now or datetime.now(tz)).astimezone(tz)
    lang = audit["lang"]
    questions = _questions(checklist, lang)
    _apply_answers(questions, answer_rows, tz)
    _apply_notes(questions, note_rows, tz)
    _apply_evidence(questions, evidence_rows, files, tz)
    actions = {row["finding_id"]: _action(row, tz, generated.date()) for row in capa_rows}
    for row in action_evidence:
        action = actions.get(row["finding_id"])
        if action is None:
            continue
        if row["kind"] == "photo" or (row["mime_type"] or "") in PHOTO_MIME_TYPES:
            action.photos.append(_photo(row, files, tz))
        else:
            action.documents += 1
    return ReportData(
        audit_id=audit_id,
        number=clean_text(audit["number"]),
        lang=lang,
        status=audit["status"],
        department=clean_text(audit["department"]),
        checklist_title=checklist.title.get(lang),
        tz_name=str(getattr(tz, "key", tz)),
        generated_at=generated,
        created_at=local_time(audit["created_at"], tz),
        completed_at=local_time(audit["completed_at"], tz),
        plan=Plan(**_card(audit["plan_json"], Plan, tz)),
        opening=Meeting(**_card(audit["opening_json"], Meeting, tz)),
        closing=Meeting(**_card(audit["closing_json"], Meeting, tz)),
        team=[TeamMember(clean_text(r["name"]), r["team_role"]) for r in _team_of_the_audit(team, history, first)],
        questions=list(questions.values()),
        findings=_mark_repeats(_findings(questions, finding_rows, actions), basis),
        impartiality=overrides,
        follow_up=follow_up,
        revisions=_revisions(first, history, tz),
        acknowledged=[(clean_text(r["name"]), local_time(r["acknowledged_at"], tz))
                      for r in ack_rows if r["rev"] == current_rev],
        acknowledged_before=[(r["rev"], clean_text(r["name"]), local_time(r["acknowledged_at"], tz))
                             for r in ack_rows if r["rev"] < current_rev],
        agency=await _agency(agency_row, files),
        signoff=[SignOff(r["rev"], r["step"], clean_text(r["name"] or ""), r["role"], local_time(r["at"], tz),
                         clean_text(r["note"] or "")) for r in step_rows],
        receipts=[(r["rev"], clean_text(r["name"] or ""), local_time(r["received_at"], tz), r["skipped"])
                  for r in receipt_rows],
        diverging=[(clean_text(r["name"] or ""), clean_text(r["reason"] or "")) for r in comment_rows
                   if r["verdict"] == "disagree"],
        issue=Issue(clean_text(state_row["number"] or audit["number"]), current_rev, local_time(state_row["issued_at"], tz))
        if state_row is not None and state_row["state"] == "issued" else None,
    )


async def _agency(row: Any, files: FileStore) -> AgencyProfile | None:
    return profile_of(row, await read_logo(files, row["logo_sha256"] if row else None))


def _revisions(first: Any, history: list, tz: tzinfo) -> list[Revision]:
    """Revision 1 (the first completion) and each reopening, when there was one."""
    if not history:
        return []
    result = [Revision(1, local_time(first["at"], tz) if first else None, clean_text(first["name"] if first else ""),
                       "")]
    for row in history:
        at = row["completed_at"] or row["reopened_at"]
        result.append(Revision(int(row["rev"]), local_time(at, tz), clean_text(row["reopened_by_name"] or ""),
                               clean_text(row["reason"])))
    return result


def _team_of_the_audit(team: list, history: list, first: Any) -> list:
    """The team the report names: a lead who joined only by reopening the audit after its
    first completion is its reviser, named in the revision history, not one of its auditors."""
    revisers = {r["reopened_by"] for r in history}
    first_at = from_db(first["at"]) if first else None
    return [r for r in team if not (r["id"] in revisers and r["team_role"] != "leader" and first_at is not None
                                    and from_db(r["joined_at"]) >= first_at)]


def _mark_repeats(found: list[Finding], basis) -> list[Finding]:
    """Repeat findings (bot.domain.repeat.repeat_of, the one definition) against the previous audit."""
    for finding in found:
        numbers = repeat_of(finding.kind, finding.question.clause, basis.clauses if basis else None)
        if numbers:
            finding.repeat_of = f"{basis.number} {', '.join(numbers)}"
    return found


def _questions(checklist: Checklist, lang: str) -> dict[str, QuestionResult]:
    """The snapshot's questions in order, by id."""
    return {
        q.id: QuestionResult(id=q.id, section=s.title.get(lang), clause=q.clause, text=q.text.get(lang))
        for s, q in checklist.questions()
    }


def _question(questions: dict[str, QuestionResult], question_id: str) -> QuestionResult:
    """The question ``question_id``; one the snapshot does not know is added at the end."""
    if question_id not in questions:
        questions[question_id] = QuestionResult(id=question_id, section="", clause="", text=question_id)
    return questions[question_id]


def _apply_answers(questions: dict[str, QuestionResult], rows: list[Any], tz: tzinfo) -> None:
    for row in rows:
        question = _question(questions, row["question_id"])
        question.skipped = row["result"] == "skipped"
        question.result = None if question.skipped else row["result"]
        question.answered_by = clean_text(row["person"])
        question.answered_at = local_time(row["answered_at"], tz)


def _apply_notes(questions: dict[str, QuestionResult], rows: list[Any], tz: tzinfo) -> None:
    for row in rows:
        note = Note(clean_text(row["text"]), clean_text(row["person"]), local_time(row["created_at"], tz))
        _question(questions, row["question_id"]).notes.append(note)


def _apply_evidence(
    questions: dict[str, QuestionResult], rows: list[Any], files: FileStore, tz: tzinfo
) -> None:
    for row in rows:
        question = _question(questions, row["question_id"])
        if row["kind"] == "photo" or (row["mime_type"] or "") in PHOTO_MIME_TYPES:
            question.photos.append(_photo(row, files, tz))
        elif row["kind"] == "voice":
            question.voice += 1
        else:
            question.documents += 1


def _photo(row: Any, files: FileStore, tz: tzinfo) -> Photo:
    try:
        path: Path | None = files.path_of(row["sha256"])
    except ValueError:
        path = None
    return Photo(path, clean_text(row["caption"]), clean_text(row["person"]),
                 local_time(row["created_at"], tz))


def _action(row: Any, tz: tzinfo, today: date) -> Action:
    closed_at = local_time(row["closed_at"], tz)
    due = parse_date(row["due_date"])
    original = parse_date(row["original_due_date"])
    done_on = closed_at.date() if closed_at else None
    return Action(
        state=row["state"],
        due_date=due,
        days_late=days_late(due, done_on, today),
        original_due_date=original,
        days_late_original=days_late(original or due, done_on, today),
        correction=clean_text(row["correction"]),
        root_cause=root_causes(row["root_cause_json"]),
        elsewhere=clean_text(row["elsewhere"]),
        action_plan=clean_text(row["action_plan"]),
        target_date=clean_text(row["target_date"]),
        implementation=clean_text(row["implementation"]),
        effectiveness=clean_text(row["effectiveness"]),
        rejection_reason=clean_text(row["rejection_reason"]),
        closed_at=closed_at,
    )


def root_causes(text: str | None) -> list[str]:
    """The root-cause chain (capa.root_cause_json): a JSON list of whys; plain text is one why."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        value = [text]
    if not isinstance(value, list):
        value = [value]
    return [clean_text(why) for why in value if clean_text(why).strip()]


def json_dict(text: str | None) -> dict[str, Any]:
    """A JSON card (plan_json, opening_json, closing_json); {} when it is not an object."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _findings(
    questions: dict[str, QuestionResult], rows: list[Any], actions: dict[int, Action]
) -> list[Finding]:
    """The numbered findings, plus provisional ones for findings not numbered yet."""
    result = []
    for row in rows:
        question = _question(questions, row["question_id"])
        question.finding = clean_text(row["number"])
        result.append(Finding(question.finding, row["kind"], clean_text(row["statement"]),
                              question, actions.get(row["id"])))
    numbered = Counter(_series(f.kind) for f in result)
    for question in questions.values():
        if question.result in FINDING_KINDS and not question.finding:
            prefix = _series(question.result)
            numbered[prefix] += 1
            question.finding = f"{prefix}{numbered[prefix]}"
            result.append(Finding(question.finding, question.result, "", question, provisional=True))
    return sorted(result, key=_finding_order)


def _finding_order(finding: Finding) -> tuple[int, int, str]:
    """NC1, NC2, …, OBS1, …, OFI1, …, GP1: by prefix, then the number's value."""
    prefixes = tuple(Series)
    prefix = _series(finding.kind)
    digits = "".join(ch for ch in finding.number if ch.isdigit())
    rank = prefixes.index(prefix) if prefix in prefixes else len(prefixes)
    return rank, int(digits) if digits else 0, finding.number


def _series(kind: str) -> str:
    """NC, OBS, OFI or GP: the numbering series of a finding's kind ('' for none)."""
    return str(Result(kind).series or "") if kind in Result._value2member_map_ else ""


def _card(text: str | None, card: type, tz: tzinfo) -> dict[str, Any]:
    """The known keys of a JSON card as clean text (held_at shown in the display zone)."""
    raw = json_dict(text)
    values: dict[str, Any] = {}
    for name in card.__dataclass_fields__:
        value = raw.get(name)
        if value is None:
            continue
        if name == "scope_confirmed":
            values[name] = bool(value)
        elif name == "held_at":
            values[name] = _display_time(value, tz)
        else:
            values[name] = _card_text(value)
    return values


def _card_text(value: object) -> str:
    """A card value as text: lists are joined with commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(clean_text(item) for item in value)
    return clean_text(value)


def _display_time(value: object, tz: tzinfo) -> str:
    """An ISO time as local 'YYYY-MM-DD HH:MM'; anything else as the text it is."""
    text = clean_text(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M")
