"""The pure reminder rules: stages by days to the due date, windows, quiet hours, digest time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.reminder_rules import (
    Rules,
    digest_day,
    escalation_windows,
    in_quiet_hours,
    not_before,
    reminder_windows,
    stage_on,
)

RULES = Rules()  # the defaults of PRODUCT.md: 7 and 1 days before, due date, every 3 days, escalate after 7
SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 12, 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(("days_late", "stage"), [
    (-30, None), (-8, None), (-7, "before7"), (-2, "before7"), (-1, "before1"), (0, "due"), (2, "due"),
    (3, "overdue:1"), (5, "overdue:1"), (6, "overdue:2"), (300, "overdue:100"),
])
def test_latest_stage_by_days_late(days_late, stage):
    found = stage_on(RULES, DUE, DUE + timedelta(days=days_late))
    assert (found.name if found else None) == stage


def test_settings_change_the_stages():
    rules = Rules(remind_before_days=(14, 3, 0), overdue_every_days=1)
    names = [getattr(stage_on(rules, DUE, DUE + timedelta(days=d)), "name", None) for d in range(-15, 3)]
    assert names == [None] + ["before14"] * 11 + ["before3"] * 3 + ["due", "overdue:1", "overdue:2"]


@given(
    due_offset=st.integers(min_value=-400, max_value=60),
    earliest_offset=st.integers(min_value=-500, max_value=60),
    before=st.lists(st.integers(min_value=0, max_value=30), max_size=4),
    every=st.integers(min_value=1, max_value=10),
)
def test_windows_agree_with_the_stage_of_each_due_date(due_offset, earliest_offset, before, every):
    rules = Rules(remind_before_days=tuple(before), overdue_every_days=every)
    today = date(2026, 11, 2)
    due = today + timedelta(days=due_offset)
    earliest = min(due, today + timedelta(days=earliest_offset))
    windows = {w.due: w for w in reminder_windows(rules, today, earliest)}
    stage = stage_on(rules, due, today)
    if stage is None:
        assert due not in windows
    else:
        window = windows[due]
        assert window.stage == stage.name
        assert window.starts_at == local(due + timedelta(days=stage.start), 0)
        assert window.starts_at <= local(today, 0)  # a stage that applies today began by today


def test_escalation_windows_start_seven_days_late():
    today = date(2026, 11, 2)
    windows = escalation_windows(RULES, today, date(2026, 10, 1))
    assert windows[0].due == date(2026, 10, 1) and windows[-1].due == today - timedelta(days=7)
    assert windows[-1].starts_at == local(today, 0)
    assert escalation_windows(RULES, today, today - timedelta(days=6)) == []
    assert reminder_windows(RULES, today, None) == [] == escalation_windows(RULES, today, None)


@pytest.mark.parametrize(("hour", "minute", "expected"), [
    (7, 59, (0, 8)), (8, 0, None), (12, 0, None), (19, 59, None), (20, 0, (1, 8)), (23, 30, (1, 8)), (0, 5, (0, 8)),
])
def test_quiet_hours_push_to_the_morning(hour, minute, expected):
    day = date(2026, 11, 2)
    now = local(day, hour, minute)
    assert in_quiet_hours(RULES, now) == (expected is not None)
    want = now if expected is None else local(day + timedelta(days=expected[0]), expected[1])
    assert not_before(RULES, now) == want


def test_quiet_hours_within_one_day_and_none():
    lunch = Rules(quiet_start=time(12, 0), quiet_end=time(14, 0))
    day = date(2026, 11, 2)
    assert not_before(lunch, local(day, 13)) == local(day, 14)
    assert not_before(lunch, local(day, 15)) == local(day, 15)
    never = Rules(quiet_start=time(8, 0), quiet_end=time(8, 0))
    assert not_before(never, local(day, 3)) == local(day, 3)


def test_digest_from_its_time_on():
    day = date(2026, 11, 2)
    assert digest_day(RULES, local(day, 8, 59)) is None
    assert digest_day(RULES, local(day, 9, 0)) == day
    assert digest_day(RULES, local(day, 23, 59)) == day
