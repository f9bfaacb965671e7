"""The Word audit report and the Excel export, for the bot and the CLI.

For the bot (never block the event loop)::

    data = await load_report_data(db, audit_id, FileStore(settings.evidence_dir), settings.tz)
    path = await asyncio.to_thread(render_report_under, data, out, 50 * 1024 * 1024)

or ``await build_report(...)``, which does both. ``to_pdf`` makes a PDF where LibreOffice
is installed; ``load_export_rows`` + ``write_workbook`` (or ``await build_export(...)``)
make the .xlsx workbook.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

from bot.report.data import AuditNotFound, ReportData, clean_text, load_report_data
from bot.report.docx_builder import (
    DEFAULT_SIZES,
    ProgressCallback,
    ReportTooLarge,
    render_report,
    render_report_under,
)
from bot.report.pdf import PdfFailed, PdfUnavailable, to_pdf
from bot.report.xlsx_export import ExportRows, load_export_rows, write_workbook
from storage.db import Database
from storage.files import FileStore

TELEGRAM_FILE_LIMIT = 50 * 1024 * 1024

__all__ = [
    "DEFAULT_SIZES",
    "TELEGRAM_FILE_LIMIT",
    "AuditNotFound",
    "ExportRows",
    "PdfFailed",
    "PdfUnavailable",
    "ProgressCallback",
    "ReportData",
    "ReportTooLarge",
    "build_export",
    "build_report",
    "clean_text",
    "load_export_rows",
    "load_report_data",
    "render_report",
    "render_report_under",
    "to_pdf",
    "warm_photo",
    "write_workbook",
]


async def build_report(
    db: Database,
    audit_id: int,
    files: FileStore,
    tz: tzinfo,
    out_path: Path | str,
    *,
    max_bytes: int | None = TELEGRAM_FILE_LIMIT,
    on_progress: ProgressCallback | None = None,
    photo_cache: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Load one audit and write its .docx in a worker thread; under ``max_bytes`` when given.

    ``photo_cache`` (e.g. ``settings.reports_dir / "photo-cache"``) keeps scaled photos for
    the next build. ``on_progress`` is called from the worker thread: hand it on to the
    loop with ``loop.call_soon_threadsafe``.
    """
    data = await load_report_data(db, audit_id, files, tz, now=now)
    options = {"on_progress": on_progress, "photo_cache": photo_cache}
    if max_bytes is None:
        return await asyncio.to_thread(partial(render_report, data, out_path, **options))
    return await asyncio.to_thread(partial(render_report_under, data, out_path, max_bytes, **options))


def warm_photo(path: Path, cache_root: Path) -> None:
    """Scale a stored evidence photo for reports now, so building the report later is quick.

    Blocking: run it in a worker thread when a photo arrives.
    """
    from bot.report.photos import PhotoCache, scale_file

    max_px, quality = DEFAULT_SIZES[0]
    scale_file(path, max_px, quality, PhotoCache(cache_root))


async def build_export(db: Database, tz: tzinfo, out_path: Path | str, lang: str | None = None,
                       files: FileStore | None = None) -> Path:
    """Read every audit and write the .xlsx workbook in a worker thread (in ``lang``; None: English
    codes); with ``files`` (the evidence store) the agency's profile is on its printed pages."""
    from bot.report.agency import load_agency

    rows = await load_export_rows(db)
    agency = await load_agency(db, files) if files is not None else None
    translate = None
    if lang is not None:
        from bot.prompts import default_prompts

        prompts = default_prompts()

        def translate(key: str) -> str | None:
            return prompts.label(lang, key) if prompts.has_label(key) else None

    return await asyncio.to_thread(partial(write_workbook, translate=translate, agency=agency, lang=lang or "en"),
                                   rows, out_path, tz)
