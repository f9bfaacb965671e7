"""The audit programme's pure rules: windows, states, reminder stages, the next audit."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import programme_rules as rules
from bot.domain.vocabulary import ProgrammeState

TODAY = date(2026, 11, 2)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2027年2月", date(2027, 2, 1), date(2027, 2, 28)),
    ("2026-12-01 2026-12-20", date(2026, 12, 1), date(2026, 12, 20)),
    ("2026-12-01..2026-12-20", date(2026, 12, 1), date(2026, 12, 20)),
    ("2026-12-01 to 2027-01-10", date(2026, 12, 1), date(2027, 1, 10)),
    ("2026-11-01 2026-11-02", date(2026, 11, 1), date(2026, 11, 2)),  # ends today: still open
])
def test_windows_people_type(text, start, end):
    assert rules.parse_window(text, TODAY) == rules.Window(start, end)


@pytest.mark.parametrize(("text", "code"), [
    ("2026-10", "past"), ("2026-10-01 2026-11-01", "past"), ("2026-12-20 2026-12-01", "reversed"),
    ("soon", "malformed"), ("2026-13", "malformed"), ("2026-12-01", "malformed"), ("", "malformed"),
])
def test_windows_refused(text, code):
    with pytest.raises(rules.WindowError) as error:
        rules.parse_window(text, TODAY)
    assert error.value.code == code


def test_states():
    start, end = date(2026, 12, 1), date(2026, 12, 31)
    assert rules.state_of(start, end, None, TODAY) == ProgrammeState.planned
    assert rules.state_of(start, end, None, date(2026, 12, 31)) == ProgrammeState.due
    assert rules.state_of(start, end, None, date(2027, 1, 1)) == ProgrammeState.missed
    assert rules.state_of(start, end, "in_progress", date(2027, 1, 1)) == ProgrammeState.in_progress
    assert rules.state_of(start, end, "cancelled", date(2027, 1, 1)) == ProgrammeState.missed
    assert rules.state_of(start, end, "completed", date(2027, 1, 1)) == ProgrammeState.done


@pytest.mark.parametrize(("days", "stage"), [
    (30, None), (15, None), (14, "before14"), (8, "before14"), (7, "before7"), (2, "before7"), (1, "before1"),
    (0, None), (-3, None)])
def test_only_the_latest_reminder_stage(days, stage):
    assert rules.reminder_stage(date.fromordinal(TODAY.toordinal() + days), TODAY) == stage


def test_next_audit():
    never = rules.next_audit("normal", None, False, TODAY)
    assert (never.window.start, never.reason) == (date(2026, 12, 1), "never")
    major = rules.next_audit("normal", date(2026, 6, 15), True, TODAY)
    assert (major.window.start, major.window.end, major.reason) == (date(2026, 12, 1), date(2026, 12, 31), "major")
    high = rules.next_audit("high", date(2026, 9, 1), False, TODAY)
    assert (high.window.start, high.reason) == (date(2027, 3, 1), "high_risk")
    routine = rules.next_audit("low", date(2026, 9, 1), False, TODAY)
    assert (routine.window.start, routine.reason) == (date(2027, 9, 1), "routine")
    late = rules.next_audit("normal", date(2024, 1, 1), False, TODAY)
    assert late.window.start == date(2026, 12, 1)  # overdue already: as soon as can be planned


def test_the_default_month_of_a_new_entry_stays_in_the_year_viewed():
    from datetime import date

    from bot.domain.programme_rules import default_month
    assert default_month(date(2026, 12, 7), 2026) == date(2026, 12, 1)  # not 2027-01
    assert default_month(date(2026, 12, 7), 2027) == date(2027, 1, 1)
    assert default_month(date(2026, 5, 7), 2026) == date(2026, 6, 1)
    assert default_month(date(2026, 5, 7), 2028) == date(2028, 1, 1)
    assert default_month(date(2026, 5, 7), 2025) == date(2025, 12, 1)
    assert default_month(date(2026, 5, 7), None) == date(2026, 6, 1)
