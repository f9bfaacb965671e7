"""The management review's figures on a hand-made history with known answers."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.report.review.figures import Period, PeriodError, default_period, load_review, parse_period
from storage.db import Database
from tests.databases import target
from tests.review_fixtures import build_history

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)


@pytest.fixture
async def db(tmp_path):
    async with Database(target(tmp_path / "db.sqlite3")) as database:
        await build_history(database)
        yield database


async def test_audits_and_conformity(db):
    figures = await load_review(db, parse_period("2026", TODAY), TZ, TODAY)
    assert [a.number for a in figures.audits] == ["A-002", "A-003", "A-004"]  # A0 is 23:00 on 31 Dec
    assert figures.planned is None and figures.missed is None
    rates = {line.name: line for line in figures.by_department}
    assert rates["Ops"].audits == 2 and rates["Ops"].rate == pytest.approx(4 / 6)
    assert rates["Lab"].rate == pytest.approx(3 / 4)
    quarters = {line.name: line for line in figures.by_quarter}
    assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert quarters["2026-Q1"].rate == pytest.approx(2 / 3)
    assert quarters["2026-Q2"].rate == pytest.approx(5 / 7)
    assert quarters["2026-Q3"].audits == 0 and quarters["2026-Q3"].rate is None
    assert figures.total.rate == pytest.approx(7 / 10)


async def test_findings_and_repeats(db):
    figures = await load_review(db, parse_period("2026", TODAY), TZ, TODAY)
    clauses = {line.name: line for line in figures.by_clause}
    assert list(clauses) == ["7.5", "8.5.1"]
    assert clauses["7.5"].kinds["minor"] == 1 and clauses["7.5"].kinds["major"] == 1
    assert clauses["7.5"].repeats == 1
    assert clauses["8.5.1"].kinds["observation"] == 1 and clauses["8.5.1"].kinds["minor"] == 1
    assert clauses["8.5.1"].repeats == 0  # A1 (Ops' audit before A2) had no NC on 8.5.1; B1 is Lab's first
    departments = {line.name: line for line in figures.findings_by_department}
    assert departments["Ops"].nonconformities == 2 and departments["Ops"].total == 3
    assert [(r.audit, r.clause, r.previous_audit) for r in figures.repeats] == [("A-003", "7.5", "A-002")]


async def test_corrective_actions(db):
    figures = await load_review(db, parse_period("2026", TODAY), TZ, TODAY)
    actions = figures.actions
    assert (actions.raised, actions.open, actions.overdue, actions.closed) == (3, 1, 1, 2)
    assert actions.on_time == 1 and actions.on_time_rate == pytest.approx(0.5)
    assert sorted(actions.days_to_close) == [36, 38]
    assert actions.mean_days == pytest.approx(37) and actions.median_days == pytest.approx(37)
    assert actions.rejected == 1 and figures.rejected[0].finding == "NC1"
    assert figures.rejected[0].reason == "No evidence of training"  # from the audit trail
    lab = {line.name: line for line in figures.actions_by_department}["Lab"]
    assert (lab.open, lab.overdue, lab.closed) == (1, 1, 0)
    # on the due date itself an action is not overdue yet
    on_due = await load_review(db, parse_period("2026", TODAY), TZ, date(2026, 7, 19))
    assert on_due.actions.overdue == 0


async def test_a_quarter_and_an_empty_period(db):
    q2 = await load_review(db, parse_period("2026-Q2", TODAY), TZ, TODAY)
    assert [a.number for a in q2.audits] == ["A-003", "A-004"]
    assert q2.repeats and q2.repeats[0].previous_audit == "A-002"  # the previous audit lies before the period
    empty = await load_review(db, parse_period("2024", TODAY), TZ, TODAY)
    assert empty.done == 0 and not empty.by_clause and empty.actions.raised == 0
    assert empty.actions.on_time_rate is None and empty.actions.mean_days is None


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-01..2026-06", date(2026, 1, 1), date(2026, 6, 30)),
    ("2025-07-01..2026-06-30", date(2025, 7, 1), date(2026, 6, 30)),
    (" 2025-07-01 .. 2026-06-30 ", date(2025, 7, 1), date(2026, 6, 30)),
    ("2025-Q3..2026-Q2", date(2025, 7, 1), date(2026, 6, 30)),
])
def test_periods(text, start, end):
    period = parse_period(text, TODAY)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("text", "code"), [
    ("last year", "malformed"), ("2026-Q5", "malformed"), ("2026-13", "malformed"),
    ("2026-02-30", "malformed"), ("26", "malformed"), ("2026..", "malformed"), ("1899", "malformed"),
    ("2026-06..2026-01", "reversed"), ("2000..2099", "too_long"), ("x" * 500, "malformed"),
])
def test_bad_periods(text, code):
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY)
    assert caught.value.code == code


def test_default_is_the_last_twelve_months():
    assert default_period(TODAY) == Period(date(2025, 12, 1), TODAY)
    assert parse_period("", date(2024, 2, 29)) == Period(date(2023, 3, 1), date(2024, 2, 29))


async def test_charts_fall_back_cleanly_without_a_cjk_font(db, tmp_path, monkeypatch):
    import docx

    from bot.report.review import charts as review_charts
    from bot.report.review.docx import render_review

    monkeypatch.setattr(review_charts, "chart_font", lambda: None)
    assert review_charts._categories(["办公室", "Lab"]) == ["1", "Lab"]
    figures = await load_review(db, parse_period("2026", TODAY), TZ, TODAY)
    document = docx.Document(str(render_review(figures, "zh", tmp_path / "r.docx")))
    assert len(document.inline_shapes) == 4
    assert any("没有中文字体" in p.text for p in document.paragraphs)


async def test_the_trend_ends_with_today_as_it_is_now(db):
    """Issue 23, point 23: no snapshot of today yet (it is taken when the day ends), so the
    trend's last day is counted when the pack is built: the open action is open."""
    figures = await load_review(db, parse_period("2026", TODAY), TZ, TODAY)
    last = figures.trend[-1]
    assert last.day == TODAY and last.open == figures.actions.open == 1
