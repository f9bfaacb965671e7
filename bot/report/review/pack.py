"""The management-review pack for the bot and the CLI: figures, then the .docx and the .xlsx.

    figures = await load_review(db, period, tz, today)
    await asyncio.to_thread(bot.report.review.docx.render_review, figures, lang, "review.docx")

or ``await build_review(...)``, which does both documents in a worker thread.
"""

from __future__ import annotations

import asyncio
from datetime import date, tzinfo
from pathlib import Path

from bot.report.agency import load_agency
from bot.report.review.figures import Period, PeriodError, ReviewFigures, load_review, parse_period
from storage.db import Database
from storage.files import FileStore

__all__ = ["Period", "PeriodError", "ReviewFigures", "build_review", "load_review", "parse_period"]


async def build_review(db: Database, period: Period, tz: tzinfo, today: date, lang: str,
                       docx_path: Path | str, xlsx_path: Path | str | None = None,
                       files: FileStore | None = None) -> ReviewFigures:
    """Read the figures of ``period`` and write the document (and the workbook when asked);
    with ``files`` (the evidence store, which keeps the logo) the agency's profile is on them."""
    figures = await load_review(db, period, tz, today)
    agency = await load_agency(db, files) if files is not None else None

    def write() -> None:
        # imported here: matplotlib takes a second to import, and only the review needs it
        from bot.report.review.docx import render_review
        from bot.report.review.xlsx import write_review_workbook

        render_review(figures, lang, docx_path, agency)
        if xlsx_path is not None:
            write_review_workbook(figures, lang, xlsx_path)

    await asyncio.to_thread(write)
    return figures
