"""Co-auditors in one audit; jumping to a section; /resume with several audits."""

from __future__ import annotations

from tests.audit_fixtures import start_audit, team_of_two, through_opening
from tests.harness import AUDITOR, AUDITOR_EN
from tests.helpers import button_labels


async def test_co_auditor_works_the_same_audit(bot):
    plan, team, _ = await team_of_two(bot)
    assert "✅ Wang Auditor" in str(team.buttons)
    assert "Wang Auditor" in plan.text
    card = await through_opening(bot, AUDITOR_EN, plan)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)

    # the co-auditor resumes the same audit (in Chinese) and answers another section
    await bot.settle()  # the notice that they were added comes first
    theirs = await bot.command(AUDITOR, "/resume")
    assert "1/41" in theirs.text and "✅ 符合" in str(theirs.buttons)
    sections = await bot.press(AUDITOR, theirs.button("章节"), message_id=theirs.message_id)
    theirs = await bot.press(AUDITOR, sections.button("公文"), message_id=sections.message_id)
    assert "/41" in theirs.text
    theirs = await bot.press(AUDITOR, theirs.button("观察项"), message_id=theirs.message_id)

    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    assert "Conform: 1" in summary.text and "Observation: 1" in summary.text


async def test_resume_lists_several_audits(bot):
    await bot.join(AUDITOR_EN, "auditor")
    await start_audit(bot, AUDITOR_EN, "functional", "Office")
    await start_audit(bot, AUDITOR_EN, "ISO 9001", "Finance")
    listing = await bot.command(AUDITOR_EN, "/resume")
    assert "unfinished audits" in listing.text
    assert any("A-2026-001" in t for t in button_labels(listing))
    card = await bot.press(AUDITOR_EN, listing.button("A-2026-001"), message_id=listing.message_id)
    assert "Audit plan" in card.text and "Office" in card.text
