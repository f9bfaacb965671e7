"""Who may have which audit's report, and building it off the event loop. No Telegram here."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.clock import Clock
from bot.domain.errors import ServiceError
from bot.domain.vocabulary import AuditStatus
from bot.prompts import default_prompts, file_name
from bot.report import ProgressCallback, build_export, build_report, warm_photo
from bot.report.pdf import PdfConverter, find_soffice
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, report_flow, reports, revisions
from storage.times import from_db

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
MAX_REFERENCE = 64  # longer than any audit number
MAX_ID = 2**63 - 1  # SQLite's largest integer


class ReportError(ServiceError):
    """A refusal about a report (not found, not allowed)."""

    prefix = "report_"


@dataclass(frozen=True)
class AuditRef:
    id: int
    number: str
    department: str
    status: str
    day: date | None = None  # completed on (started on, while not completed), local
    revision: int = 1  # 2, 3, … after a reopening: the report's revision


@dataclass(frozen=True)
class ReportChoices:
    """/report's list: recent audits, and whether a PDF can be made here (LibreOffice)."""

    audits: list[AuditRef]
    pdf: bool


class ReportService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, files: FileStore):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.files = files
        self._warming: set[asyncio.Future] = set()
        self._issuing: dict[tuple[int, int], asyncio.Lock] = {}  # one build of an issued report at a time
        self.pdfs = PdfConverter(settings.pdf_concurrency)  # LibreOffice runs, at most this many at once

    async def choices(self, actor: Actor, limit: int = 10) -> ReportChoices:
        """Recent audits this person may have reports of (leads: all), with their state and date."""
        _require_auditor(actor)
        async with self.db.read() as conn:
            rows = await audits.recent(conn, person_id=None if actor.is_lead else actor.id, limit=limit)
        refs = [AuditRef(r["id"], r["number"], r["department"], r["status"], self._day(r)) for r in rows]
        return ReportChoices(refs, find_soffice() is not None)

    def _day(self, row: Any) -> date | None:
        moment = from_db(row["completed_at"] or row["created_at"])
        return moment.astimezone(self.settings.tz).date() if moment else None

    async def resolve(self, actor: Actor, reference: str) -> AuditRef:
        """The audit called ``reference`` (its number, or its id), if this person may have it."""
        _require_auditor(actor)
        number, audit_id = parse_reference(reference)
        async with self.db.read() as conn:
            row = await reports.resolve_audit(conn, number, audit_id)
            if row is None:
                raise ReportError("not_found")
            if not actor.is_lead and not await audits.is_member(conn, row["id"], actor.id):
                raise ReportError("not_found")  # say nothing of audits one may not see
            revision = await revisions.current(conn, row["id"])
        return AuditRef(row["id"], row["number"], row["department"], row["status"], revision=revision)

    async def find(self, reference: str) -> AuditRef | None:
        """The audit called ``reference``, for the command line (which has every right)."""
        try:
            number, audit_id = parse_reference(reference)
        except ReportError:
            return None
        async with self.db.read() as conn:
            row = await reports.resolve_audit(conn, number, audit_id)
        return None if row is None else AuditRef(row["id"], row["number"], row["department"], row["status"])

    async def build(self, audit: AuditRef, *, on_progress: ProgressCallback | None = None,
                    out: Path | None = None, **limits: Any) -> Path:
        """The .docx (default: in the reports folder, under Telegram's 50 MB: photos shrink if needed);
        for /report, the issued file itself once the current revision is issued (the official copy)."""
        if out is None and (issued := await self._issued_copy(audit.id)) is not None:
            return issued
        if out is None:
            stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
            out = self.settings.reports_dir / f"{_safe(audit.number)}-{stamp}.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        return await build_report(self.db, audit.id, self.files, self.settings.tz, out, on_progress=on_progress,
                                  photo_cache=self.settings.photo_cache_dir, now=self.clock.now(), **limits)

    async def record_pack(self, actor: Actor, audit_id: int, *, out: Path | None = None) -> tuple[AuditRef, Path]:
        """The record pack (.zip) of a completed audit this person may have; ReportError
        'record_not_completed' while it is not completed."""
        audit = await self.resolve(actor, str(audit_id))
        return audit, await self.record_pack_of(audit, out=out)

    async def record_pack_of(self, audit: AuditRef, *, out: Path | None = None) -> Path:
        """The record pack of ``audit`` (the command line's way in: every right)."""
        from bot.report.record_set.pack import build_record_pack  # only the pack needs it

        if audit.status != AuditStatus.completed:
            raise ReportError("record_not_completed")
        if out is None:
            stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
            out = self.settings.reports_dir / f"{_safe(audit.number)}-records-{stamp}.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        return await build_record_pack(self.db, audit.id, self.files, self.settings.tz, out,
                                       photo_cache=self.settings.photo_cache_dir, now=self.clock.now())
    async def issued_document(self, audit_id: int, rev: int, lang: str = "en") -> tuple[str, str] | None:
        """(sha256 in the file store, file name in ``lang``) of revision ``rev``'s issued report, built
        once at the first ask (by the issuer or the outbox) and the same bytes for every recipient."""
        async with self.db.read() as conn:
            row = await report_flow.state(conn, audit_id, rev)
            head = await audits.get(conn, audit_id)
        if row is None or row["state"] != "issued" or head is None:
            return None
        name = file_name(default_prompts(), lang, "file_report_issued", number=row["number"] or head["number"],
                         department=head["department"], rev=rev)
        if row["issued_sha256"]:
            return row["issued_sha256"], name
        lock = self._issuing.setdefault((audit_id, rev), asyncio.Lock())
        async with lock:
            async with self.db.read() as conn:
                row = await report_flow.state(conn, audit_id, rev)
            if not row["issued_sha256"]:
                sha = await self.store_build(AuditRef(audit_id, head["number"], head["department"], head["status"]))
                async with self.db.transaction() as conn:
                    await report_flow.set_issued_file(conn, audit_id, rev, sha)
                    row = await report_flow.state(conn, audit_id, rev)
        return row["issued_sha256"], name

    async def _issued_copy(self, audit_id: int) -> Path | None:
        async with self.db.read() as conn:
            row = await report_flow.state(conn, audit_id, await revisions.current(conn, audit_id))
        if row is None or row["state"] != "issued" or not row["issued_sha256"]:
            return None
        path = self.files.path_of(row["issued_sha256"])
        return path if path.exists() else None

    async def store_build(self, audit: AuditRef) -> str:
        """Build the report now and keep it in the file store (the official copy); its sha256."""
        path = await self.build(audit)
        data = path.read_bytes()
        return await asyncio.get_running_loop().run_in_executor(None, self.files.put, data)

    def photo_arrived(self, sha256: str) -> None:
        """Scale a new evidence photo for reports in the background (best effort)."""
        path = self.files.path_of(sha256)
        task = asyncio.get_running_loop().run_in_executor(None, warm_photo, path, self.settings.photo_cache_dir)
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def pdf(self, docx: Path) -> Path:
        """The PDF of a built report (AUDITBOT_PDF_CONCURRENCY conversions at a time)."""
        return await self.pdfs.convert(docx)

    async def export(self, actor: Actor) -> Path:
        """The .xlsx workbook of everything (leads only)."""
        if not actor.is_lead:
            raise ReportError("not_allowed")
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        return await self.export_to(self.settings.reports_dir / f"export-{stamp}.xlsx", lang=actor.lang)

    async def export_to(self, out: Path, *, lang: str | None = None) -> Path:
        """The .xlsx workbook of everything, written to ``out`` (in ``lang``; None: English with codes)."""
        out.parent.mkdir(parents=True, exist_ok=True)
        return await build_export(self.db, self.settings.tz, out, lang, files=self.files)


def parse_reference(reference: str) -> tuple[str, int | None]:
    """(audit number, audit id or None) of what a person typed; ReportError('not_found') if neither.

    An id is ASCII digits within SQLite's integer range: "²" or a 25-digit number is no id.
    """
    text = reference.strip()
    if not text or len(text) > MAX_REFERENCE:
        raise ReportError("not_found")
    audit_id = None
    if text.isascii() and text.isdigit():
        value = int(text)
        if not 0 < value <= MAX_ID:
            raise ReportError("not_found")
        audit_id = value
    return text, audit_id


def document_name(audit: AuditRef, suffix: str, revision: str = "") -> str:
    """``<audit number> <department> <revision>.docx``, safe as a file name (``revision``: the
    revision as the person reads it, e.g. "rev 2" / "第2版"; empty for the first)."""
    tail = f" {_safe(revision)}" if revision else ""
    return f"{_safe(audit.number)} {_safe(audit.department)}{tail}{suffix}"


def safe_name(text: str) -> str:
    """``text`` as (part of) a file name."""
    return _safe(text)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip()[:80] or "audit"


def _require_auditor(actor: Actor) -> None:
    if not actor.is_auditor:
        raise ReportError("not_allowed")
