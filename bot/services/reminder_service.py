"""The reminder pass: derive from the actions' state and dates what is due now, and queue it.

The database is the truth: nothing about the schedule lives in memory or in APScheduler.
Each pass asks, for the current moment, which notices, reminder stages, escalations and
digests apply, and inserts them into the outbox under deterministic dedupe keys (see
storage/repos/capa.py); what was queued before is ignored by the UNIQUE key. A restart,
a clock jump or a missed run is just another pass. No Telegram here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import reminder_rules as rules_
from bot.domain.clock import Clock
from bot.services import document_request_service
from bot.settings import Settings
from storage.db import Database
from storage.repos import capa

# The leads hear of actions waiting for a department without staff only after a while: a
# lead who invites the department's contact right after the audit gets no needless message.
NO_STAFF_GRACE = timedelta(minutes=10)
CHUNK = 2500  # actions per transaction of the reminder pass


@dataclass(frozen=True)
class Planned:
    """How many outbox rows one pass queued, by sort."""

    new: int = 0
    no_staff: int = 0
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    records: int = 0  # reminders of records the department was asked to provide

    @property
    def total(self) -> int:
        return self.new + self.no_staff + self.reminders + self.escalations + self.digests + self.records


class ReminderService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.rules = settings.rules()

    async def plan(self) -> Planned:
        """Queue everything due at the clock's current time (idempotent).

        Reminder stages and escalations go in chunks of CHUNK actions, one transaction each,
        so a day with thousands of them never holds the database from the handlers for long.
        """
        now = self.clock.now()
        today = self.rules.today(now)
        send_at = rules_.not_before(self.rules, now)
        digest_day = rules_.digest_day(self.rules, now)
        async with self.db.transaction() as conn:
            new = await queue_new_actions(conn, self.rules, now)
            later = rules_.not_before(self.rules, now + NO_STAFF_GRACE)
            no_staff = await capa.enqueue_no_staff(conn, not_before=later, at=now)
            digests = 0
            if digest_day is not None:
                digests = await capa.enqueue_digests(conn, digest_day, not_before=send_at, at=now)
            earliest = await capa.earliest_open_due(conn)
            records = await document_request_service.queue_reminders(conn, self.rules, now)
        stages = _rows(rules_.reminder_windows(self.rules, today, earliest))
        reminders = await self._chunked(capa.enqueue_reminders, stages, send_at, now)
        late = _rows(rules_.escalation_windows(self.rules, today, earliest))
        escalations = await self._chunked(capa.enqueue_escalations, late, send_at, now)
        return Planned(new, no_staff, reminders, escalations, digests, records)

    async def _chunked(self, enqueue, windows: list[capa.WindowRow], send_at, now) -> int:
        """Run ``enqueue`` chunk by chunk; windows before the last chunk's latest due date are done."""
        queued = 0
        while windows:
            async with self.db.transaction() as conn:
                actions, rows = await enqueue(conn, windows, not_before=send_at, at=now, limit=CHUNK)
                reached = await capa.last_picked_due(conn) if actions == CHUNK else None
            queued += rows
            if reached is None:
                break
            windows = [w for w in windows if w[0] >= reached]
        return queued


async def queue_new_actions(conn: AsyncConnection, rules: rules_.Rules, now: datetime) -> int:
    """Queue the actions nobody of their department was told of yet (and those told before a
    staff member joined) to the department's staff, in the caller's transaction; what a pass
    does first, and what creating or moving an action does at once (its COMMIT sends them)."""
    new = await capa.enqueue_new_actions(conn, not_before=rules_.not_before(rules, now), at=now)
    await capa.mark_notified(conn, now)
    return new


def _rows(windows: list[rules_.Window]) -> list[capa.WindowRow]:
    return [(w.due, w.stage, w.starts_at) for w in windows]
