"""When corrective-action reminders, escalations and digests are due: pure functions of time.

Nothing here reads the database or the clock. A reminder *stage* of an action is decided
by the number of days between its due date and today (local dates): ``before7`` from 7
days before, ``before1`` from 1 day before, ``due`` on the due date, ``overdue:1`` from 3
days late, ``overdue:2`` from 6 days late … Only the latest stage applies, so a bot that
was down for days sends one reminder, not the ones it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ESCALATE = "escalate"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Rules:
    """The CAPA timing settings, in the form the functions below need (``Settings.rules()``)."""

    remind_before_days: tuple[int, ...] = (7, 1)
    overdue_every_days: int = 3
    escalate_after_days: int = 7
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    digest_time: time = time(9, 0)
    tz: ZoneInfo = DEFAULT_TZ

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """Local midnight of ``day``, in UTC."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)


@dataclass(frozen=True)
class Stage:
    """A staff reminder stage: applies from ``start`` days after the due date (negative: before)."""

    name: str
    start: int


@dataclass(frozen=True)
class Window:
    """Actions due on ``due`` are in ``stage`` today; the stage began at ``starts_at`` (UTC)."""

    due: date
    stage: str
    starts_at: datetime


def _fixed_stages(rules: Rules) -> list[Stage]:
    """The stages before and on the due date, earliest first."""
    stages = {0: Stage("due", 0)}
    for days in rules.remind_before_days:
        if days > 0:
            stages[-days] = Stage(f"before{days}", -days)
    return [stages[k] for k in sorted(stages)]


def stage_on(rules: Rules, due: date, today: date) -> Stage | None:
    """The latest staff reminder stage that applies on ``today`` (None: too early)."""
    late = (today - due).days
    every = rules.overdue_every_days
    if late >= every:
        n = late // every
        return Stage(f"overdue:{n}", n * every)
    current = None
    for stage in _fixed_stages(rules):
        if stage.start <= late:
            current = stage
    return current


def reminder_windows(rules: Rules, today: date, earliest_due: date | None) -> list[Window]:
    """One window per due date from ``earliest_due`` on that has a stage today."""
    first = min(s.start for s in _fixed_stages(rules))
    last_due = today - timedelta(days=first)
    if earliest_due is None or earliest_due > last_due:
        return []
    windows = []
    day = earliest_due
    while day <= last_due:
        stage = stage_on(rules, day, today)
        if stage is not None:
            windows.append(Window(day, stage.name, rules.day_start(day + timedelta(days=stage.start))))
        day += timedelta(days=1)
    return windows


def escalation_windows(rules: Rules, today: date, earliest_due: date | None) -> list[Window]:
    """Due dates whose open actions are late enough for the leads to be told."""
    last_due = today - timedelta(days=rules.escalate_after_days)
    if earliest_due is None or earliest_due > last_due:
        return []
    windows = []
    day = earliest_due
    while day <= last_due:
        starts = day + timedelta(days=rules.escalate_after_days)
        windows.append(Window(day, ESCALATE, rules.day_start(starts)))
        day += timedelta(days=1)
    return windows


def in_quiet_hours(rules: Rules, now: datetime) -> bool:
    moment = now.astimezone(rules.tz).time()
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def not_before(rules: Rules, now: datetime) -> datetime:
    """``now``, or the end of the quiet hours when ``now`` falls inside them."""
    if not in_quiet_hours(rules, now):
        return now
    local = now.astimezone(rules.tz)
    day = local.date() if local.time() < rules.quiet_end else local.date() + timedelta(days=1)
    return datetime.combine(day, rules.quiet_end, tzinfo=rules.tz).astimezone(UTC)


def digest_day(rules: Rules, now: datetime) -> date | None:
    """Today's local date once the digest time has passed; None before it."""
    local = now.astimezone(rules.tz)
    return local.date() if local.time() >= rules.digest_time else None
