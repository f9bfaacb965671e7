"""The audit programme's rules as pure functions: a planned audit's state, its window, when
its team is reminded, and when a department's next audit is due. No database, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.dates import add_months, month_end, parse_date
from bot.domain.vocabulary import AuditStatus, ProgrammeState

REMIND_BEFORE_DAYS = (14, 7, 1)  # the team hears of an audit this many days before its window opens
SHORT_INTERVAL_MONTHS = 6  # high risk, or a major nonconformity last time
LONG_INTERVAL_MONTHS = 12
CLAUSE_GAP_YEARS = 3  # a clause audited in no department for this long is warned of


class WindowError(ValueError):
    """A window a person typed or chose is not one (``code``: 'malformed', 'reversed', 'past')."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.start)


def month_window(day: date) -> Window:
    first = day.replace(day=1)
    return Window(first, month_end(first))


_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_SPLIT = re.compile(r"\s*(?:\.\.|–|—|~|～|至|到|\bto\b|\s)\s*")


def parse_window(text: str, today: date) -> Window:
    """'2026-03' (a month) or '2026-03-01 2026-03-20' (from–to, both included); checked."""
    text = text.strip()
    month = _MONTH.fullmatch(text)
    if month:
        try:
            window = month_window(date(int(month.group(1)), int(month.group(2)), 1))
        except ValueError as error:
            raise WindowError("malformed") from error
        return check_window(window, today)
    parts = [p for p in _SPLIT.split(text) if p]
    if len(parts) != 2:
        raise WindowError("malformed")
    start, end = (parse_date(p, today) for p in parts)
    if start is None or end is None:
        raise WindowError("malformed")
    return check_window(Window(start, end), today)


def check_window(window: Window, today: date) -> Window:
    """A window ends on or after its start, and not before today."""
    if window.end < window.start:
        raise WindowError("reversed")
    if window.end < today:
        raise WindowError("past")
    return window


def state_of(window_start: date, window_end: date, audit_status: str | None, today: date) -> ProgrammeState:
    """A planned audit's state: from the audit started from it, else from its window."""
    if audit_status == AuditStatus.completed:
        return ProgrammeState.done
    if audit_status is not None and audit_status != AuditStatus.cancelled:
        return ProgrammeState.in_progress
    if today < window_start:
        return ProgrammeState.planned
    if today <= window_end:
        return ProgrammeState.due
    return ProgrammeState.missed


def reminder_stage(window_start: date, today: date) -> str | None:
    """The latest reminder stage that applies today ('before14', 'before7', 'before1'), or None
    (more than 14 days ahead, or the window is open). Only the latest is ever sent."""
    days = (window_start - today).days
    if days < 1:
        return None
    stage = None
    for before in sorted(REMIND_BEFORE_DAYS, reverse=True):
        if days <= before:
            stage = f"before{before}"
    return stage


@dataclass(frozen=True)
class NextAudit:
    """When a department's next audit is due, and why (a reason code and its values)."""

    window: Window
    reason: str  # never | high_risk | major | routine
    months: int


def next_audit(risk: str, last_completed: date | None, had_major: bool, today: date) -> NextAudit:
    """High risk or a major NC last time: within 6 months of the last audit; otherwise 12.
    Never audited (or already late): next month."""
    months = SHORT_INTERVAL_MONTHS if risk == "high" or had_major else LONG_INTERVAL_MONTHS
    reason = "high_risk" if risk == "high" else "major" if had_major else "routine"
    soonest = add_months(today, 1).replace(day=1)
    if last_completed is None:
        return NextAudit(month_window(soonest), "never", months)
    due = add_months(last_completed, months)
    start = max(due.replace(day=1), soonest)
    return NextAudit(month_window(start), reason, months)


def default_month(today: date, year: int | None) -> date:
    """The month a new programme entry starts at: next month, kept inside the year being
    viewed (this month in December of that year, its January when that year is ahead)."""
    following = add_months(today.replace(day=1), 1)
    if year is None or following.year == year:
        return following
    if following.year < year:
        return date(year, 1, 1)
    return today.replace(day=1) if today.year == year else date(year, 12, 1)


def months_ahead(today: date, count: int = 12) -> list[date]:
    """The first days of this month and the next ``count - 1`` months."""
    first = today.replace(day=1)
    return [add_months(first, n) for n in range(count)]


def gap_cutoff(today: date) -> date:
    return today - timedelta(days=365 * CLAUSE_GAP_YEARS + 1)
