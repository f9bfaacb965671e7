"""The domain's words, said once: results, audit status, CAPA states, finding series, roles,
the languages, and the one way typed text is cleaned. No Telegram, no SQL here.

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
