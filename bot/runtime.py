"""The application's shared objects: one typed ``Runtime``, built by ``bootstrap``, for the
bot, the CLI, the demo, the tests and the benchmarks. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import checklists as checklist_loader
from bot.domain.checklists import Checklist
from bot.domain.clock import Clock
from bot.prompts import Prompts, default_prompts
from bot.services.agency_service import AgencyService
from bot.services.audit_service import AuditService
from bot.services.capa_service import CapaService
from bot.services.checklist_service import ChecklistService
from bot.services.dialog_service import DialogService
from bot.services.document_request_service import DocumentRequestService
from bot.services.inbox_service import InboxService
from bot.services.notices import NoticeService
from bot.services.people_service import PeopleService
from bot.services.privacy_service import PrivacyService
from bot.services.programme_service import ProgrammeService
from bot.services.reminder_service import ReminderService
from bot.services.report_flow_service import ReportFlowService
from bot.services.report_service import ReportService
from bot.services.review_service import ReviewService
from bot.services.revision_service import RevisionService
from bot.services.search_service import SearchService
from bot.services.status_service import StatusService
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.leader import Leadership


@dataclass
class Runtime:
    """The application's shared objects, built once at start by ``bootstrap``."""

    settings: Settings
    db: Database
    clock: Clock
    prompts: Prompts
    files: FileStore
    checklists: dict[str, Checklist]  # on offer now (the checklist service adds and archives)
    people: PeopleService
    dialogs: DialogService
    audit: AuditService
    capa: CapaService
    report: ReportService
    status: StatusService
    reminders: ReminderService
    notices: NoticeService
    inbox: InboxService
    checklist_admin: ChecklistService
    review: ReviewService
    leader: Leadership  # whether this replica runs the once-only passes
    programme: ProgrammeService
    privacy: PrivacyService  # lifetimes of personal data; a person's export and erasure
    search: SearchService  # /find
    records: DocumentRequestService  # records the department provides before the audit
    agency: AgencyService  # the agency's profile on every document
    report_flow: ReportFlowService  # the report's lifecycle: submit, approve, issue, distribute
    revision: RevisionService  # a reopened audit's revision withdrawn, back to the last completed one

    async def close(self) -> None:
        await self.leader.release()
        await self.db.close()


async def bootstrap(settings: Settings, clock: Clock | None = None, *, prompts: Prompts | None = None,
                    db: Database | None = None) -> Runtime:
    """Open the database (unless given one) and build every service once.

    The app, the CLI, the demo, the tests and the benchmarks all start here.
    """

    clock = clock or Clock()
    prompts = prompts or default_prompts()
    settings.prepare_data_dir()
    if db is None:
        db = await Database(settings.database, pool_size=settings.db_pool_size).open()
    files = FileStore(settings.evidence_dir)
    checklists = checklist_loader.load_all([settings.checklists_dir])
    report = ReportService(db, clock, settings, files)
    status = StatusService(db, clock, settings)
    programme = ProgrammeService(db, clock, settings, checklists)
    notices = NoticeService(db, clock, settings, status, programme, report.issued_document)
    return Runtime(
        settings=settings, db=db, clock=clock, prompts=prompts, files=files, checklists=checklists,
        people=PeopleService(db, clock, settings),
        dialogs=DialogService(db, clock),
        audit=AuditService(db, clock, settings, checklists, files, on_photo=report.photo_arrived),
        capa=CapaService(db, clock, settings, files),
        report=report,
        status=status,
        reminders=ReminderService(db, clock, settings),
        notices=notices,
        inbox=InboxService(db, clock, settings),
        checklist_admin=ChecklistService(db, clock, settings, checklists),
        review=ReviewService(db, clock, settings),
        leader=Leadership(db),
        programme=programme,
        privacy=PrivacyService(db, clock, settings, files),
        search=SearchService(db, clock, settings),
        records=DocumentRequestService(db, clock, settings, files),
        agency=AgencyService(db, clock, files),
        report_flow=ReportFlowService(db, clock, settings),
        revision=RevisionService(db, clock, settings),
    )
