"""The management review for leads, and the daily snapshot of the action figures. No Telegram here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.domain.clock import Clock
from bot.domain.errors import ServiceError
from bot.report.review.pack import Period, PeriodError, build_review, parse_period
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import review

log = logging.getLogger(__name__)


class ReviewError(ServiceError):
    """A refusal: 'not_allowed', or a period that is not one ('malformed', 'reversed', 'too_long')."""


@dataclass(frozen=True)
class ReviewPack:
    period: Period
    docx: Path
    xlsx: Path
    audits: int


class ReviewService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.settings = settings

    def today(self) -> date:
        return self.clock.now().astimezone(self.settings.tz).date()

    def period(self, actor: Actor, text: str | None) -> Period:
        """The period a lead asked for; ReviewError when not a lead or not a period."""
        if not actor.is_lead:
            raise ReviewError("not_allowed")
        try:
            return parse_period(text, self.today())
        except PeriodError as error:
            raise ReviewError(error.code) from error

    async def build(self, actor: Actor, period: Period) -> ReviewPack:
        """The review document and its workbook in the reports folder, in the lead's language."""
        if not actor.is_lead:
            raise ReviewError("not_allowed")
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        folder = self.settings.reports_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"review-{period.start.isoformat()}-{period.end.isoformat()}-{stamp}-{actor.id}"
        docx, xlsx = folder / f"{stem}.docx", folder / f"{stem}.xlsx"
        figures = await build_review(self.db, period, self.settings.tz, self.today(), actor.lang, docx, xlsx,
                                     files=FileStore(self.settings.evidence_dir))
        return ReviewPack(period, docx, xlsx, figures.done)

    async def snapshot_if_due(self) -> int:
        """Take yesterday's snapshot of the action figures unless it was taken; rows written."""
        now = self.clock.now()
        day = now.astimezone(self.settings.tz).date() - timedelta(days=1)
        async with self.db.read() as conn:
            if await review.has_snapshot(conn, day):
                return 0
        lo = datetime.combine(day, time(), self.settings.tz)
        async with self.db.transaction(claim=False) as conn:
            written = await review.take_snapshot(conn, day, lo, lo + timedelta(days=1), now)
        if written:
            log.info("review snapshot of %s: %d departments", day, written)
        return written
