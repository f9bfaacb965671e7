"""Issue 23, point 24: the opening meeting's attendees start from the plan: the department's
participants written in the plan, then the audit team (seen in Chinese)."""

from __future__ import annotations

from storage.sql import fetch_value
from tests.audit_fixtures import start_audit
from tests.harness import AUDITOR


async def test_the_opening_attendees_are_prefilled_from_the_plan(bot):
    await bot.join(AUDITOR, "auditor")
    plan = await start_audit(bot, AUDITOR, "职能部门", "法制办公室")
    await bot.press(AUDITOR, plan.button("受审部门参加人员"), message_id=plan.message_id)
    plan = await bot.say(AUDITOR, "赵主任、钱科员")
    assert "赵主任、钱科员" in plan.plain_text
    opening = await bot.press(AUDITOR, plan.button("✅"), message_id=plan.message_id)
    assert "赵主任、钱科员；Wang Auditor" in opening.plain_text, opening.plain_text
    async with bot.db.read() as conn:
        stored = await fetch_value(conn, "SELECT opening_json FROM audits")
    assert "赵主任、钱科员；Wang Auditor" in stored
