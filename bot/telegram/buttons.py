"""Every button of the bot, declared once: its route prefix and typed fields.

The wire format is bot.telegram.callbacks' ``1|<prefix>|<field>|…`` (at most 64 bytes), the same
as buttons already on people's screens. A handler receives the parsed button; the one
wrapper in bot/telegram/refusals.py answers a stale or forged press before it gets there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from bot.domain.vocabulary import Result
from bot.telegram.callbacks import Button


@dataclass(frozen=True)
class AuditButton(Button):
    """A button about one audit."""

    audit: int


@dataclass(frozen=True)
class QuestionButton(Button):
    """A button about one question (by its index in the checklist) of an audit."""

    audit: int
    index: int


# --- starting an audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChooseChecklist(Button, prefix="ac"):
    checklist: str


@dataclass(frozen=True)
class ChooseDepartment(Button, prefix="ad"):
    department: int


@dataclass(frozen=True)
class NewDepartment(Button, prefix="adn"):
    pass


@dataclass(frozen=True)
class LikeLastTime(Button, prefix="adl"):
    """🔁 Like last time: a new audit of the department with its last audit's checklist,
    plan (scope, objectives, criteria …) and team, the results empty."""

    department: int


# --- plan, opening and closing cards -----------------------------------------------------------


@dataclass(frozen=True)
class CardField(Button, prefix="cf"):
    audit: int
    field: int  # index into the card's fields


class ScopeToggle(AuditButton, prefix="cs"):
    pass


@dataclass(frozen=True)
class ConfirmStage(Button, prefix="cc"):
    audit: int
    stage: Literal["p", "o"]  # plan, opening

    @property
    def status(self) -> str:
        """The audit status whose card this confirms."""
        return "planning" if self.stage == "p" else "opening"


@dataclass(frozen=True)
class Team(Button, prefix="ct"):
    audit: int
    person: int | None = None  # None: show the team card


class Resume(AuditButton, prefix="rs"):
    pass


@dataclass(frozen=True)
class AssignSections(Button, prefix="ta"):
    """The sections assigned to one co-auditor; with ``section``: toggle that one."""

    audit: int
    person: int
    section: int | None = None


# --- questions -------------------------------------------------------------------------------


class Move(StrEnum):
    """What a question card's button does besides recording a result."""

    next = "next"
    skip = "skip"
    back = "back"
    pause = "pause"
    sections = "secs"
    summary = "sum"


@dataclass(frozen=True)
class Question(Button, prefix="q"):
    """A question card's button: a result's code (Result.code) or a Move."""

    audit: int
    index: int
    action: str

    def __post_init__(self) -> None:
        if Result.from_code(self.action) is None and self.action not in Move._value2member_map_:
            raise ValueError(self.action)

    @property
    def result(self) -> Result | None:
        return Result.from_code(self.action)

    @property
    def move(self) -> Move | None:
        return None if self.result is not None else Move(self.action)


class Jump(QuestionButton, prefix="qj"):
    pass


@dataclass(frozen=True)
class CarryVerdict(Button, prefix="qv"):
    """✅ Effective (e) / ❌ Not effective (n): the verdict on last time's closed action,
    from the card of question ``index``."""

    audit: int
    index: int
    verdict: Literal["e", "n"]


@dataclass(frozen=True)
class NaReason(Button, prefix="qna"):
    """The optional reason of the N/A on question ``index``, from the next card: out of scope (s),
    no such activity (n), outsourced (o), or ✍️ typed (w)."""

    audit: int
    index: int
    reason: Literal["s", "n", "o", "w"]


class Records(QuestionButton, prefix="qr"):
    """The notes and files of a question, to correct."""


@dataclass(frozen=True)
class NoteEdit(Button, prefix="ne"):
    audit: int
    note: int


@dataclass(frozen=True)
class NoteDelete(Button, prefix="nd"):
    audit: int
    note: int


@dataclass(frozen=True)
class FileDelete(Button, prefix="fd"):
    audit: int
    file: int


@dataclass(frozen=True)
class FileMove(Button, prefix="fm"):
    audit: int
    file: int
    page: int | None = None  # the page of question buttons (None: the page of the file's question)


@dataclass(frozen=True)
class FileMoveTo(Button, prefix="fmt"):
    """A question's button after ↪: the file goes there."""

    audit: int
    file: int
    index: int


# --- summary and closing ---------------------------------------------------------------------


class ToClosing(AuditButton, prefix="cl"):
    pass


@dataclass(frozen=True)
class SummaryPage(Button, prefix="sp"):
    """A page of the summary's buttons to the questions that need attention."""

    audit: int
    page: int


class BackToQuestions(AuditButton, prefix="cb"):
    pass


class DueDate(QuestionButton, prefix="dd"):
    pass


@dataclass(frozen=True)
class DueSet(Button, prefix="dds"):
    """A quick due date (+30/+60/+90 days) for the action of the NC at ``index``."""

    audit: int
    index: int
    day: date


class EditPlan(AuditButton, prefix="pe"):
    """The plan card, editable until completion (from the summary)."""


class Complete(AuditButton, prefix="fin"):
    """Complete the audit: asks for confirmation first (CompleteConfirmed does it)."""


class CompleteConfirmed(AuditButton, prefix="fiy"):
    pass


@dataclass(frozen=True)
class CompleteSuggested(Button, prefix="fis"):
    """✅ Use this · Yes, complete: the suggested conclusion (``mark``: its check) saved, and completed."""

    audit: int
    mark: int


class Discard(AuditButton, prefix="dx"):
    """Discard an audit started by mistake: asks first (DiscardConfirmed does it)."""


class DiscardConfirmed(AuditButton, prefix="dxy"):
    pass


class WithdrawRevision(AuditButton, prefix="rw"):
    """↩️ Withdraw the revision (a lead, on a revision's summary or closing card): asks first."""


class WithdrawRevisionConfirmed(AuditButton, prefix="rwy"):
    pass


# --- reports, people, menu, language ---------------------------------------------------------


@dataclass(frozen=True)
class Report(Button, prefix="rp"):
    audit: int
    format: Literal["pdf"] | None = None


class RecordPack(AuditButton, prefix="rk"):
    """The record pack (.zip of the audit's record set) of a completed audit."""


@dataclass(frozen=True)
class Reopen(Button, prefix="ro"):
    """A lead's 🔓 Reopen on a completed audit: the reason is asked next."""

    audit: int


AgencyFieldName = Literal["name_zh", "name_en", "logo", "number_prefix", "confidentiality", "footer"]


@dataclass(frozen=True)
class AgencyField(Button, prefix="ag"):
    """/agency: set one field of the agency's profile (typed, or the logo sent, next)."""

    field: AgencyFieldName


@dataclass(frozen=True)
class AgencyClear(Button, prefix="agx"):
    """/agency: empty one field of the profile."""

    field: AgencyFieldName


@dataclass(frozen=True)
class LeaveDialog(Button, prefix="lv"):
    """◀ Back from a typed prompt: the prompt is dropped (as /cancel), the menu shown."""


@dataclass(frozen=True)
class CreateDepartment(Button, prefix="dc"):
    """➕ on /departments: the lead types the new department's name next."""


@dataclass(frozen=True)
class RenameDepartment(Button, prefix="dr"):
    department: int


@dataclass(frozen=True)
class Person(Button, prefix="u"):
    person: int


@dataclass(frozen=True)
class PersonRole(Button, prefix="ur"):
    person: int
    role: Literal["auditor", "lead"]


@dataclass(frozen=True)
class PersonActive(Button, prefix="ua"):
    person: int
    active: Literal[0, 1]


@dataclass(frozen=True)
class PersonDeactivate(Button, prefix="uad"):
    """Deactivation confirmed."""

    person: int


@dataclass(frozen=True)
class PersonDepartments(Button, prefix="upd"):
    """Pick another department for a staff member."""

    person: int


@dataclass(frozen=True)
class PersonStaffDepartment(Button, prefix="usd"):
    person: int
    department: int


@dataclass(frozen=True)
class PersonExport(Button, prefix="ux"):
    """A lead sends themselves everything the bot holds about a person (a zip)."""

    person: int


@dataclass(frozen=True)
class PersonErase(Button, prefix="ue"):
    """Erase a person's personal data: asks first (PersonEraseConfirmed does it)."""

    person: int


@dataclass(frozen=True)
class PersonEraseConfirmed(Button, prefix="uey"):
    person: int


@dataclass(frozen=True)
class InviteRole(Button, prefix="iv"):
    """/invite by buttons: the role of the person invited."""

    role: Literal["auditor", "staff"]


@dataclass(frozen=True)
class InviteDepartment(Button, prefix="ivd"):
    """/invite staff: the department, picked."""

    department: int


@dataclass(frozen=True)
class InviteNewDepartment(Button, prefix="ivn"):
    """/invite staff of a department not in the list: its name is typed next."""


@dataclass(frozen=True)
class InviteRevoke(Button, prefix="ivr"):
    code: str


@dataclass(frozen=True)
class AcknowledgeFindings(Button, prefix="ack"):
    """The department's contact acknowledges a completed audit's findings (of revision
    ``rev``; None: a button from before revisions were named)."""

    audit: int
    rev: int | None = None


@dataclass(frozen=True)
class Menu(Button, prefix="m"):
    key: str


@dataclass(frozen=True)
class Lang(Button, prefix="lang"):
    lang: Literal["zh", "en"]


# --- corrective actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class CapaButton(Button):
    """A button about one corrective action."""

    capa: int


class CapaOpen(CapaButton, prefix="cpr"):
    pass


class CapaView(CapaButton, prefix="cpv"):
    pass


class CapaWhyAgain(CapaButton, prefix="cpw"):
    pass


class CapaWhysDone(CapaButton, prefix="cpn"):
    pass


class CapaNotElsewhere(CapaButton, prefix="cpe"):
    pass


class CapaConfirm(CapaButton, prefix="cpc"):
    pass


class CapaStartOver(CapaButton, prefix="cps"):
    pass


class CapaImplement(CapaButton, prefix="cpi"):
    pass


class CapaSubmit(CapaButton, prefix="cpd"):
    pass


class CapaAccept(CapaButton, prefix="cpa"):
    pass


class CapaReject(CapaButton, prefix="cpj"):
    pass


class CapaEvidence(CapaButton, prefix="cpf"):
    pass


@dataclass(frozen=True)
class CapaTarget(Button, prefix="cpt"):
    capa: int
    day: date


@dataclass(frozen=True)
class CapaPlanAccept(CapaButton, prefix="cpk"):
    """The verifier accepts the confirmed plan (of review ``round``: a plan resubmitted since
    is not accepted unseen; None on buttons made before rounds were named)."""

    round: int | None = None


@dataclass(frozen=True)
class CapaPlanReturn(Button, prefix="cpb"):
    """The verifier returns the plan (of review ``round``) to a step (a ReturnStep); the reason is typed next."""

    capa: int
    step: Literal["why", "plan", "target"]
    round: int | None = None


@dataclass(frozen=True)
class CapaKeepReturned(Button, prefix="cpq"):
    """"Keep as it was" on a step the verifier returned: its earlier text, given again unchanged."""

    capa: int
    step: Literal["why", "plan", "target"]


class CapaExtend(CapaButton, prefix="cpx"):
    """The staff ask for a later due date."""


class CapaExtendBack(CapaButton, prefix="cpxb"):
    """"◀ Back" on the extension prompt: ask nothing, back to the step one was at."""


@dataclass(frozen=True)
class CapaExtendDate(Button, prefix="cpxd"):
    """A later due date in one tap on the extension prompt (as if typed)."""

    capa: int
    day: date


@dataclass(frozen=True)
class CapaReassign(Button, prefix="cpm"):
    """A lead chooses where to move an action: another department (d) or verifier (a)."""

    capa: int
    what: Literal["d", "a"]


@dataclass(frozen=True)
class CapaMoveTo(Button, prefix="cpo"):
    """A lead moves an action to a department."""

    capa: int
    department: int


@dataclass(frozen=True)
class CapaVerifier(Button, prefix="cpu"):
    """A lead makes a person the action's verifying auditor."""

    capa: int
    person: int


@dataclass(frozen=True)
class CapaExtension(Button, prefix="cpg"):
    """The verifier (or a lead) grants (1) or refuses (0) an extension request."""

    extension: int
    grant: Literal[0, 1]


# --- a lead's overview (/status, /overdue, the digest) --------------------------------------------


class LeadAction(CapaButton, prefix="lca"):
    """A lead opens any action, as its verifier."""


@dataclass(frozen=True)
class LeadDepartment(Button, prefix="lcd"):
    """A lead opens a department's open actions."""

    department: int


# --- the team's own checklists (/checklists) ---------------------------------------------------


@dataclass(frozen=True)
class ChecklistDownload(Button, prefix="clx"):
    checklist: str


@dataclass(frozen=True)
class ChecklistTemplate(Button, prefix="clt"):
    pass


@dataclass(frozen=True)
class ChecklistArchive(Button, prefix="cla"):
    checklist: str


@dataclass(frozen=True)
class ChecklistRestore(Button, prefix="clr"):
    checklist: str


@dataclass(frozen=True)
class ChecklistImport(Button, prefix="cli"):
    """Import the document the pressed message replies to."""


@dataclass(frozen=True)
class ChecklistPublish(Button, prefix="clp"):
    draft: str
    version: int


@dataclass(frozen=True)
class ChecklistDiscard(Button, prefix="cld"):
    draft: str


# --- the audit programme (/programme) ----------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeList(Button, prefix="pgl"):
    year: int | None = None


@dataclass(frozen=True)
class ProgrammeItem(Button, prefix="pgi"):
    item: int


@dataclass(frozen=True)
class ProgrammeAdd(Button, prefix="pga"):
    year: int | None = None  # the year being viewed


@dataclass(frozen=True)
class ProgrammeDepartment(Button, prefix="pgd"):
    department: int
    year: int | None = None  # the year being viewed (the new entry's default month is in it)


@dataclass(frozen=True)
class ProgrammeChecklists(Button, prefix="pgk"):
    item: int


@dataclass(frozen=True)
class ProgrammeChecklist(Button, prefix="pgc"):
    item: int
    checklist: str


@dataclass(frozen=True)
class ProgrammeWindow(Button, prefix="pgw"):
    item: int


@dataclass(frozen=True)
class ProgrammeMonth(Button, prefix="pgm"):
    item: int
    month: date  # its first day


@dataclass(frozen=True)
class ProgrammeRisk(Button, prefix="pgr"):
    item: int
    risk: Literal["low", "normal", "high"]


@dataclass(frozen=True)
class ProgrammeTeam(Button, prefix="pgt"):
    item: int
    person: int | None = None  # None: show the team choices


@dataclass(frozen=True)
class ProgrammeSave(Button, prefix="pgs"):
    item: int


@dataclass(frozen=True)
class ProgrammeCancel(Button, prefix="pgx"):
    item: int
    sure: Literal[0, 1] = 0


@dataclass(frozen=True)
class ProgrammeSuggest(Button, prefix="pgg"):
    pass


@dataclass(frozen=True)
class ProgrammeAccept(Button, prefix="pgy"):
    department: int | None = None  # None: accept them all


@dataclass(frozen=True)
class ProgrammeStart(Button, prefix="pgo"):
    """Start the audit planned in the programme (the reminder's button)."""

    item: int


@dataclass(frozen=True)
class ProgrammeExport(Button, prefix="pge"):
    year: int


@dataclass(frozen=True)
class ProgrammeImport(Button, prefix="pgf"):
    pass


@dataclass(frozen=True)
class ProgrammeField(Button, prefix="pgp"):
    item: int
    field: Literal["scope", "objectives"]


# --- /find -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindPage(Button, prefix="fnp"):
    """Page ``page`` of the person's search number ``serial`` (their last /find)."""

    serial: int
    page: int


# --- records the department provides before the audit -----------------------------------------


class RecordsRequest(AuditButton, prefix="rq"):
    """From the plan card: a new request of records (and what earlier ones got back)."""


@dataclass(frozen=True)
class RecordsDue(Button, prefix="rqd"):
    audit: int
    day: date


class RecordsSend(AuditButton, prefix="rqs"):
    pass


@dataclass(frozen=True)
class RecordsItemButton(Button):
    item: int


class RecordsReturn(RecordsItemButton, prefix="rqr"):
    """The auditor returns an answered item (the reason is typed next)."""


class RecordsItem(RecordsItemButton, prefix="rqi"):
    """A clerk answers an item of the request."""


class RecordsNotApplicable(RecordsItemButton, prefix="rqn"):
    pass


@dataclass(frozen=True)
class RecordsList(Button, prefix="rql"):
    """The request's card again, every item with its button."""

    request: int
