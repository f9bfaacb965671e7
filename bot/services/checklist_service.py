"""The team's own checklists: import (workbook or YAML) → draft → publish, versions, archive.

Only leads import, publish and archive. Published checklists are YAML files in the data
dir (``storage.checklist_files``); the live dict of checklists the audit service offers is
updated in place, so a published checklist is on offer at once, without a restart. An
audit keeps the snapshot of the version it ran, whatever happens here later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.checklists import (
    LANGS,
    Checklist,
    ChecklistError,
    EvidenceRule,
    bundled_dir,
    load_all,
    load_checklist,
)
from bot.domain.clock import Clock
from bot.domain.errors import ServiceError
from bot.prompts import default_prompts, file_name
from bot.services.people_service import Actor
from bot.settings import Settings
from bot.workbooks import checklist as workbooks
from storage.checklist_files import ChecklistFiles
from storage.db import Database
from storage.repos import audits, dialogs

FLOW = "checklists"  # the dialog a lead is in after /checklists: a document sent is imported
PREVIEW_QUESTIONS = 3
PREVIEW_SECTIONS = 15

Fetch = Callable[[], Awaitable[bytes]]


class ChecklistRefused(ServiceError):
    """A checklist request refused: ``not_allowed``, ``too_big``, ``stale``, ``draft_gone``."""


@dataclass(frozen=True)
class ChecklistRow:
    id: str
    title: str
    version: int
    questions: int
    languages: tuple[str, ...]
    audits: int
    archived: bool


@dataclass(frozen=True)
class WorkbookFile:
    data: bytes
    name: str
    title: str | None  # None: the blank template
    version: int | None


@dataclass(frozen=True)
class DraftView:
    draft_id: str
    id: str
    title: str
    version: int  # the version it will be published as
    published_version: int | None  # the highest version already published, if any
    unchanged: bool  # the same questions as the published version
    languages: tuple[str, ...]
    sections: list[tuple[str, int]]  # title, question count (the first PREVIEW_SECTIONS)
    more_sections: int
    questions: int
    evidence_required: int
    first: list[tuple[str, str]]  # clause, question


@dataclass(frozen=True)
class ImportOutcome:
    """Either a draft, or the problems (with the workbook marked up when it could be opened)."""

    draft: DraftView | None
    problems: list[workbooks.Problem]
    marked: bytes | None = None
    marked_name: str | None = None


@dataclass(frozen=True)
class PublishOutcome:
    """Published (``checklist``), or refused because ``needs_version`` or higher is needed."""

    checklist: ChecklistRow | None
    needs_version: int | None = None
    draft: DraftView | None = None


class ChecklistService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, checklists: dict[str, Checklist]):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.checklists = checklists  # the live dict the audit service offers (shared, updated in place)
        self.files = ChecklistFiles(settings.checklists_dir)
        self._lock = asyncio.Lock()
        self._signature = self.files.signature()  # the files the live dict was loaded from

    # --- the list -------------------------------------------------------------------------------

    async def overview(self, actor: Actor, *, enter: bool = True) -> list[ChecklistRow]:
        """Every checklist (on offer, then archived); with ``enter`` a document sent next is imported."""
        _require_lead(actor)
        await asyncio.to_thread(self.refresh)
        async with self.db.transaction() as conn:
            counts = await audits.count_by_checklist(conn)
            if enter:
                await dialogs.put(conn, actor.id, flow=FLOW, at=self.clock.now())
        archived = self.files.archived()
        rows = [_row(c, actor.lang, counts, False) for c in sorted(self.checklists.values(), key=lambda c: c.id)]
        rows += [_row(c, actor.lang, counts, True) for c in sorted(archived.values(), key=lambda c: c.id)
                 if c.id not in self.checklists]
        return rows

    def refresh(self) -> bool:
        """Take in what changed on disk since the start (a checklist published on the command
        line while the bot runs); True when the live dict changed. A broken file changes nothing."""
        signature = self.files.signature()
        if signature == self._signature:
            return False
        try:
            fresh = load_all([self.settings.checklists_dir])
        except ChecklistError:
            return False
        self._signature = signature
        for checklist_id in set(self.checklists) - set(fresh):
            del self.checklists[checklist_id]
        self.checklists.update(fresh)
        return True

    async def workbook(self, actor: Actor, checklist_id: str | None) -> WorkbookFile:
        """One checklist as a workbook, or the blank template when ``checklist_id`` is None; in the
        lead's language (sheets, column names, evidence rules and the file's name)."""
        _require_lead(actor)
        prompts = default_prompts()
        if checklist_id is None:
            data = await asyncio.to_thread(workbooks.write_workbook, None, lang=actor.lang, prompts=prompts)
            return WorkbookFile(data, file_name(prompts, actor.lang, "file_checklist_template"), None, None)
        checklist = self.find(checklist_id)
        if checklist is None:
            raise ChecklistRefused("stale")
        data = await asyncio.to_thread(workbooks.write_workbook, checklist, lang=actor.lang, prompts=prompts)
        title = checklist.title.get(actor.lang)
        name = file_name(prompts, actor.lang, "file_checklist", title=title, id=checklist.id,
                         version=checklist.version)
        return WorkbookFile(data, name, title, checklist.version)

    # --- import ---------------------------------------------------------------------------------

    async def import_file(self, actor: Actor, sent_name: str | None, size: int | None, fetch: Fetch) -> ImportOutcome:
        """Check a sent file whole; a draft when it is correct. Size and rights before downloading."""
        _require_lead(actor)
        if size is not None and size > workbooks.MAX_FILE_BYTES:
            return ImportOutcome(None, [workbooks.too_big(size)])
        data = await fetch()
        return await asyncio.to_thread(self.check_and_draft, actor, sent_name or "checklist.xlsx", data)

    def check_and_draft(self, actor: Actor, sent_name: str, data: bytes) -> ImportOutcome:
        """Validation and draft, off the event loop (also what the benchmark times)."""
        result = workbooks.read_checklist_file(sent_name, data)
        if result.checklist is None:
            marked = None
            if result.opened:
                marked = workbooks.mark_problems(data, result.problems, actor.lang)
            prompts = default_prompts()
            stem = sent_name.rsplit(".", 1)[0] or "checklist"
            for lang in LANGS:  # a marked copy sent back: its name is not marked twice
                suffix = prompts.label(lang, "file_checklist_problems", stem="").rsplit(".", 1)[0]
                stem = (stem.removesuffix(suffix) or stem) if suffix else stem
            return ImportOutcome(None, result.problems, marked,
                                 file_name(prompts, actor.lang, "file_checklist_problems", stem=stem))
        draft_id = self.files.save_draft(result.checklist, actor.id)
        return ImportOutcome(self._draft_view(draft_id, result.checklist, actor.lang), [])

    async def draft(self, actor: Actor, draft_id: str) -> DraftView:
        _require_lead(actor)
        checklist = self.files.draft(draft_id)
        if checklist is None:
            raise ChecklistRefused("draft_gone")
        return self._draft_view(draft_id, checklist, actor.lang)

    async def discard(self, actor: Actor, draft_id: str) -> None:
        _require_lead(actor)
        if not self.files.discard(draft_id):
            raise ChecklistRefused("draft_gone")

    async def publish(self, actor: Actor, draft_id: str, version: int) -> PublishOutcome:
        """Publish a draft as ``version``, which must be higher than any version of its id so far."""
        _require_lead(actor)
        async with self._lock:
            published = self.publish_draft(draft_id, version)
        if isinstance(published, int):
            view = self._draft_view(draft_id, self.files.draft(draft_id), actor.lang)
            return PublishOutcome(None, needs_version=published, draft=view)
        async with self.db.read() as conn:
            counts = await audits.count_by_checklist(conn)
        return PublishOutcome(_row(published, actor.lang, counts, False))

    def publish_draft(self, draft_id: str, version: int | None = None) -> Checklist | int:
        """The published checklist; or, when ``version`` is not above every earlier one, the lowest
        version that would be. No rights checked: the command line and ``publish`` call it."""
        checklist = self.files.draft(draft_id)
        if checklist is None:
            raise ChecklistRefused("draft_gone")
        version = version or checklist.version
        highest = self.highest_version(checklist.id)
        if highest is not None and version <= highest:
            return highest + 1
        if version != checklist.version:
            checklist = checklist.model_copy(update={"version": version})
        self.files.publish(checklist)
        self.files.discard(draft_id)
        self.checklists[checklist.id] = checklist
        self._signature = self.files.signature()
        return checklist

    def find(self, checklist_id: str) -> Checklist | None:
        """A checklist on offer or archived."""
        return self.checklists.get(checklist_id) or self.files.archived().get(checklist_id)

    def highest_version(self, checklist_id: str) -> int | None:
        """The highest version of ``checklist_id`` on offer, archived, kept or bundled; None if new."""
        versions = list(self.files.versions(checklist_id))
        for found in (self.checklists.get(checklist_id), self.files.archived().get(checklist_id)):
            if found is not None:
                versions.append(found.version)
        bundled = bundled_dir() / f"{checklist_id}.yaml"
        if bundled.exists():
            versions.append(load_checklist(bundled).version)
        return max(versions) if versions else None

    # --- archive --------------------------------------------------------------------------------

    async def archive(self, actor: Actor, checklist_id: str) -> list[ChecklistRow]:
        """No new audits on it; audits already run keep their snapshot."""
        _require_lead(actor)
        async with self._lock:
            checklist = self.checklists.get(checklist_id)
            if checklist is None:
                raise ChecklistRefused("stale")
            self.files.archive(checklist)
            self.checklists.pop(checklist_id, None)
            self._signature = self.files.signature()
        return await self.overview(actor, enter=False)

    async def restore(self, actor: Actor, checklist_id: str) -> list[ChecklistRow]:
        _require_lead(actor)
        async with self._lock:
            if checklist_id in self.checklists:
                raise ChecklistRefused("stale")
            checklist = self.files.restore(checklist_id)
            if checklist is None:
                raise ChecklistRefused("stale")
            self.checklists[checklist.id] = checklist
            self._signature = self.files.signature()
        return await self.overview(actor, enter=False)

    # --- views ----------------------------------------------------------------------------------

    def _draft_view(self, draft_id: str, checklist: Checklist, lang: str) -> DraftView:
        highest = self.highest_version(checklist.id)
        version = checklist.version if highest is None or checklist.version > highest else highest + 1
        current = self.checklists.get(checklist.id)
        unchanged = current is not None and current.model_copy(update={"version": 0}) == \
            checklist.model_copy(update={"version": 0})
        pairs = checklist.questions()
        return DraftView(
            draft_id=draft_id, id=checklist.id, title=checklist.title.get(lang), version=version,
            published_version=highest, unchanged=unchanged, languages=checklist.languages(),
            sections=[(s.title.get(lang), len(s.questions)) for s in checklist.sections[:PREVIEW_SECTIONS]],
            more_sections=max(0, len(checklist.sections) - PREVIEW_SECTIONS),
            questions=len(pairs),
            evidence_required=sum(1 for _, q in pairs if q.evidence is EvidenceRule.required),
            first=[(q.clause, q.text.get(lang)) for _, q in pairs[:PREVIEW_QUESTIONS]],
        )


def _row(checklist: Checklist, lang: str, counts: dict[str, int], archived: bool) -> ChecklistRow:
    return ChecklistRow(
        id=checklist.id, title=checklist.title.get(lang), version=checklist.version,
        questions=len(checklist.question_ids()), languages=checklist.languages(),
        audits=counts.get(checklist.id, 0), archived=archived,
    )


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise ChecklistRefused("not_allowed")
