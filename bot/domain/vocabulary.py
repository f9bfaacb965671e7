"""The domain's words, said once: results, audit status, CAPA states and steps, notice kinds,
finding series, roles and the languages. No Telegram, no SQL here.

They are StrEnums, so they equal the plain strings the database and the wire formats hold.
"""

from __future__ import annotations

from enum import StrEnum

LANGS = ("zh", "en")
DEFAULT_LANG = "en"


class Result(StrEnum):
    """What an auditor records for a question (PRODUCT.md's order)."""

    conform = "conform"
    minor = "minor"
    major = "major"
    observation = "observation"
    ofi = "ofi"
    good = "good"
    na = "na"

    @property
    def code(self) -> str:
        """The short code a result button sends (``1|q|<audit>|<index>|<code>``)."""
        return _RESULT_CODES[self]

    @classmethod
    def from_code(cls, code: str) -> Result | None:
        return _RESULT_BY_CODE.get(code)

    @property
    def is_nonconformity(self) -> bool:
        return self in NONCONFORMITIES

    @property
    def series(self) -> Series | None:
        """The numbering series of the finding this result makes (None: no finding)."""
        return _SERIES.get(self)


_RESULT_CODES = {Result.conform: "c", Result.minor: "mi", Result.major: "ma", Result.observation: "ob",
                 Result.ofi: "of", Result.good: "g", Result.na: "na"}
_RESULT_BY_CODE = {code: result for result, code in _RESULT_CODES.items()}
NONCONFORMITIES = (Result.major, Result.minor)


class Series(StrEnum):
    """Findings are numbered per series at completion: NC1, NC2, …, OBS1, OFI1, GP1."""

    NC = "NC"
    OBS = "OBS"
    OFI = "OFI"
    GP = "GP"


# major and minor share the NC series
_SERIES = {Result.major: Series.NC, Result.minor: Series.NC, Result.observation: Series.OBS,
           Result.ofi: Series.OFI, Result.good: Series.GP}
FINDING_RESULTS = tuple(_SERIES)


class AuditStatus(StrEnum):
    planning = "planning"
    opening = "opening"
    in_progress = "in_progress"
    closing = "closing"
    completed = "completed"
    cancelled = "cancelled"

    @property
    def closed(self) -> bool:
        return self in (AuditStatus.completed, AuditStatus.cancelled)


class CapaState(StrEnum):
    """open → planned → plan_accepted → implemented → closed (PRODUCT.md); a returned plan
    stays planned (back at the step named), a rejected implementation goes back to plan_accepted."""

    open = "open"
    planned = "planned"
    plan_accepted = "plan_accepted"
    implemented = "implemented"
    closed = "closed"


# The states in which the staff still have work on an action (notices and reminders go out).
CAPA_STAFF_STATES = (CapaState.open, CapaState.planned, CapaState.plan_accepted)


class ExtensionState(StrEnum):
    """A request for a later due date."""

    pending = "pending"
    granted = "granted"
    refused = "refused"


class PlanVerdict(StrEnum):
    accepted = "accepted"
    returned = "returned"


class ReturnStep(StrEnum):
    """The steps of a plan the auditor may return it to (the plan dialog's step names)."""

    why = "why"
    plan = "plan"
    target = "target"


class Role(StrEnum):
    lead = "lead"
    auditor = "auditor"
    staff = "staff"


class ProgrammeState(StrEnum):
    """Where a planned audit of the programme stands (derived, never stored; see
    bot/domain/programme_rules.py): its window is ahead, open, or passed unstarted; or
    the audit started from it is under way or completed."""

    planned = "planned"
    due = "due"
    in_progress = "in_progress"
    done = "done"
    missed = "missed"


class Risk(StrEnum):
    """The risk a department's process carries, as the lead judges it (9.2.2 a: importance)."""

    low = "low"
    normal = "normal"
    high = "high"


class ProgrammeStatus(StrEnum):
    """What the lead decided about a planned audit (stored): being added, kept, cancelled."""

    draft = "draft"
    active = "active"
    cancelled = "cancelled"


AUDITORS = frozenset({Role.auditor, Role.lead})  # who runs audits (leads do too)
LEADS = frozenset({Role.lead})


class NoticeKind(StrEnum):
    """What an outbox row says (its template has the same name); ``commands`` sets a
    person's own command menu instead of sending a message."""

    capa_new = "capa_new"
    capa_photos = "capa_photos"
    capa_reminder = "capa_reminder"
    capa_escalation = "capa_escalation"
    capa_no_staff = "capa_no_staff"
    capa_planned = "capa_planned"
    capa_plan_returned = "capa_plan_returned"
    capa_plan_accepted = "capa_plan_accepted"
    capa_implemented = "capa_implemented"
    capa_rejected = "capa_rejected"
    capa_closed = "capa_closed"
    capa_cancelled = "capa_cancelled"
    capa_extension_asked = "capa_extension_asked"
    capa_extension_granted = "capa_extension_granted"
    capa_extension_refused = "capa_extension_refused"
    capa_moved_away = "capa_moved_away"
    capa_verifier_assigned = "capa_verifier_assigned"
    capa_verifier_released = "capa_verifier_released"
    capa_reopened = "capa_reopened"  # the next audit found a closed action not effective
    audit_team_added = "audit_team_added"
    audit_findings = "audit_findings"
    revision_reopened = "revision_reopened"  # to an audit's auditors: someone reopened it for revision
    revision_completed = "revision_completed"  # … the revision completed, and what changed
    revision_withdrawn = "revision_withdrawn"  # … the revision withdrawn (back to the last one)
    lead_digest = "lead_digest"
    lead_blocked = "lead_blocked"
    lead_poison_update = "lead_poison_update"
    lead_audit_completed = "lead_audit_completed"
    lead_joined = "lead_joined"
    programme_reminder = "programme_reminder"
    programme_missed = "programme_missed"
    programme_team_added = "programme_team_added"  # put on a planned audit's team
    programme_team_removed = "programme_team_removed"  # taken off it (its ▶ Start no longer works for them)
    role_changed = "role_changed"  # a lead gave or took the auditor or lead role
    records_requested = "records_requested"
    records_returned = "records_returned"
    report_submitted = "report_submitted"
    report_changes_requested = "report_changes_requested"
    report_approved = "report_approved"
    report_issued = "report_issued"
    report_draft_review = "report_draft_review"
    report_commented = "report_commented"
    report_delay_asked = "report_delay_asked"
    report_delay_reason = "report_delay_reason"
    commands = "commands"


class ReportState(StrEnum):
    """Where an audit's report (one revision of it) stands: draft → submitted → changes
    requested (back to the team) or approved → issued."""

    draft = "draft"
    submitted = "submitted"
    changes_requested = "changes_requested"
    approved = "approved"
    issued = "issued"


class ReportStep(StrEnum):
    """A line of the report's sign-off table (and of the audit trail)."""

    submitted = "submitted"
    changes_requested = "changes_requested"
    approved = "approved"
    issued = "issued"
    sent_for_comment = "sent_for_comment"
    agreed = "agreed"
    disagreed = "disagreed"
    delay_reason = "delay_reason"


class CapaStep(StrEnum):
    """Where a person is with one corrective action: the staff's plan dialog (correction,
    five whys, elsewhere, plan, target, confirm), the implementation, the verifier's decisions,
    and the steps that end a dialog (``…_done``, waiting)."""

    correction = "correction"
    why = "why"
    why_more = "why_more"
    elsewhere = "elsewhere"
    plan = "plan"
    target = "target"
    confirm = "confirm"
    planned = "planned"
    accepted = "accepted"
    evidence = "evidence"
    waiting = "waiting"
    verify = "verify"
    effectiveness = "effectiveness"
    reject_reason = "reject_reason"
    return_reason = "return_reason"
    extend_date = "extend_date"
    extend_reason = "extend_reason"
    extension_asked = "extension_asked"
    reassign_department = "reassign_department"
    reassign_auditor = "reassign_auditor"
    closed_done = "closed_done"
    rejected_done = "rejected_done"
    returned_done = "returned_done"
    plan_accepted_done = "plan_accepted_done"
    extension_granted_done = "extension_granted_done"
    extension_refused_done = "extension_refused_done"
    reassigned_done = "reassigned_done"

    @property
    def drafting(self) -> bool:
        """A step of writing the plan (a later due date may be asked from it)."""
        return self in _DRAFT_STEPS

    @property
    def ends_dialog(self) -> bool:
        """After it the person's card is not a live one."""
        return self in _DONE_STEPS


_DRAFT_STEPS = frozenset({CapaStep.correction, CapaStep.why, CapaStep.why_more, CapaStep.elsewhere,
                          CapaStep.plan, CapaStep.target})
_DONE_STEPS = frozenset({CapaStep.closed_done, CapaStep.rejected_done, CapaStep.returned_done,
                         CapaStep.extension_asked, CapaStep.waiting, CapaStep.verify,
                         CapaStep.plan_accepted_done, CapaStep.extension_granted_done,
                         CapaStep.extension_refused_done})
