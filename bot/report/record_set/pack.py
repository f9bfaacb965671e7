"""The record pack: every document of the record set, written to a temp folder and zipped.

    path = await build_record_pack(db, audit_id, files, tz, "A-2026-001.zip", photo_cache=…)
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import zipfile
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

from bot.prompts import default_prompts
from bot.report.data import NC_KINDS
from bot.report.docx_builder import render_report_under
from bot.report.record_set.attendance import render_attendance
from bot.report.record_set.data import RecordSet, load_record_set
from bot.report.record_set.nc_distribution import render_nc_distribution
from bot.report.record_set.nc_report import render_nc_report
from storage.db import Database
from storage.files import FileStore, save_atomically

REPORT_LIMIT = 40 * 1024 * 1024  # the report's share of Telegram's 50 MB (photos shrink to fit)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip()[:60] or "-"


def render_record_pack(records: RecordSet, out: Path, *, photo_cache: Path | None = None) -> Path:
    """Write every document of ``records`` and zip them into ``out`` (atomically). Blocking."""
    prompts, data = default_prompts(), records.report
    lang = data.lang

    def name(key: str, **values: str) -> str:
        return prompts.label(lang, f"record_file_{key}", **{k: _safe(v) for k, v in values.items()})

    with tempfile.TemporaryDirectory(prefix="record-pack-") as folder:
        root = Path(folder)
        written: list[Path] = []
        report = root / name("report", number=data.number)
        written.append(render_report_under(data, report, REPORT_LIMIT, photo_cache=photo_cache))
        for finding in data.findings_of(NC_KINDS):
            if not finding.provisional:
                written.append(render_nc_report(records, finding, root / name("nc", finding=finding.number)))
        written.append(render_nc_distribution(records, root / name("distribution", number=data.number)))
        for meeting in ("opening", "closing"):
            written.append(render_attendance(records, meeting, root / name(meeting, number=data.number)))

        def zip_to(target: str) -> None:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as pack:
                for path in written:
                    pack.write(path, path.name)

        save_atomically(zip_to, Path(out))
    return Path(out)


async def build_record_pack(db: Database, audit_id: int, files: FileStore, tz: tzinfo, out: Path | str, *,
                            photo_cache: Path | None = None, now: datetime | None = None) -> Path:
    """Read the audit's record set and write its pack in a worker thread."""
    records = await load_record_set(db, audit_id, files, tz, now=now)
    return await asyncio.to_thread(partial(render_record_pack, records, Path(out), photo_cache=photo_cache))
