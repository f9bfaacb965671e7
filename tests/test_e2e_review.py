"""/review through the Bot API double: the management-review pack a team lead receives."""

from __future__ import annotations

import pytest

from storage.sql import fetch_all
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, BotHarness
from tests.helpers import document_text, headings
from tests.review_fixtures import build_history, review


@pytest.fixture
async def bot(double, tmp_path, clock):
    """The bot with two leads: LEAD (English) and AUDITOR (Chinese client)."""
    harness = BotHarness(double, tmp_path / "data", clock=clock, admin_ids=(LEAD.id, AUDITOR.id))
    await harness.start()
    await build_history(harness.db)
    yield harness
    await harness.stop()


async def test_review_in_english(bot):
    ready, document, workbook = await review(bot, LEAD, "2026")
    assert "2026-01-01 – 2026-12-31" in ready and "3 audits completed" in ready
    assert headings(document) == [
        "1 Inputs to the management review (9.3.2)", "2 Audit results (9.3.2 c) 6))",
        "3 Nonconformities and corrective actions (9.3.2 c) 4))", "4 Trends from the daily snapshots",
        "5 Decisions and actions (9.3.3)", "Annex: Definitions of the figures"]
    text = document_text(document)
    assert "not known yet" in text  # planned and missed: said, not invented
    assert "66.7%" in text and "75.0%" in text  # Ops and Lab conformity (applicable answers without an NC)
    assert "A-002" in text and "No evidence of training" in text  # the repeat's previous audit; rejection
    assert "c) Resource needs" in text and "On-time closure rate" in text
    assert len(document.inline_shapes) == 4  # rate by department and quarter, findings by clause, actions
    assert all(shape._inline.graphic.graphicData.pic is not None for shape in document.inline_shapes)
    assert {"Audits", "Conformity by department", "Findings by clause", "Repeat findings",
            "Actions by department", "Definitions"} <= set(workbook.sheetnames)
    assert workbook["Conformity by department"]["E3"].value == pytest.approx(4 / 6)


async def test_review_in_chinese_with_the_daily_trend(bot, clock):
    await bot.tick()  # the snapshot of yesterday
    await bot.tick()  # not twice
    clock.advance(days=1)
    await bot.tick()
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT day, COUNT(*) AS n FROM review_snapshots GROUP BY day ORDER BY day")
    assert [(r["day"], r["n"]) for r in rows] == [("2026-11-01", 2), ("2026-11-02", 2)]
    ready, document, workbook = await review(bot, AUDITOR)
    assert "管理评审输入" in ready and "4 次审核" in ready  # the last 12 months: A0 too
    assert headings(document)[1] == "2 审核结果（9.3.2 c) 6)）"
    text = document_text(document)
    assert "暂无法得知" in text and "资源需求" in text and "按时关闭率" in text
    assert len(document.inline_shapes) == 5  # and the trend of open and overdue actions
    assert "每日快照" in workbook.sheetnames
    trend = list(workbook["每日快照"].iter_rows(min_row=2, values_only=True))
    # Lab's action is open and overdue: both snapshots, then today as it is now (issue 23, point 23)
    assert [(row[1], row[2]) for row in trend] == [(1, 1), (1, 1), (1, 1)]
    by_department = list(workbook["各部门每日快照"].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in by_department] == [("Lab", 1, 1, 0), ("Ops", 0, 0, 0)] * 3


async def test_an_empty_period_says_so_without_charts(bot):
    ready, document, workbook = await review(bot, LEAD, "2020-Q2")
    assert "no audit was completed" in ready
    assert "No audit was completed in 2020-04-01 – 2020-06-30" in document_text(document)
    assert len(document.inline_shapes) == 0
    assert workbook["Audits"].max_row == 1


async def test_bad_input(bot):
    await bot.join(AUDITOR_EN, "auditor")
    refused = await bot.command(AUDITOR_EN, "/review")
    assert "for team leads" in refused.text
    malformed = await bot.command(LEAD, "/review", "last year")
    assert "could not read that period" in malformed.text and "/review 2026-Q3" in malformed.text
    reversed_ = await bot.command(LEAD, "/review", "2026-06..2026-01")
    assert "ends before it starts" in reversed_.text
    chinese = await bot.command(AUDITOR, "/review", "2026-Q5")
    assert "无法识别该期间" in chinese.text
    mark = bot.double.mark()
    await bot.settle()
    assert not [s for s in bot.double.sent[mark:] if s.method == "sendDocument"]


async def test_help_and_commands_name_review(bot):
    help_text = await bot.command(LEAD, "/help")
    assert "/review" in help_text.text
    await bot.tick()  # the lead's own command menu (the default one holds /start, /lang, /help only)
    own = bot.double.scoped_commands.get((f"chat:{LEAD.id}", ""), [])
    assert any(c["command"] == "review" for c in own)
