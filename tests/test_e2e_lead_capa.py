"""Issue 23, point 20 (first half): a lead's /capa shows every open action, by department,
instead of "nothing needs you" while actions are open."""

from __future__ import annotations

from tests.audit_fixtures import completed_audit
from tests.harness import LEAD, STAFF


async def test_a_leads_capa_lists_the_departments_with_open_actions(bot):
    await bot.join(STAFF, "staff", "Office")
    await completed_audit(bot)
    await bot.settle()  # the completion's notices first
    listing = await bot.command(LEAD, "/capa")
    assert "Nothing waits for you" not in listing.plain_text
    assert "Open actions by department" in listing.plain_text and "Office: 1 open" in listing.plain_text
    department = await bot.press(LEAD, listing.button("🏢 Office"), message_id=listing.message_id)
    assert "NC1" in department.plain_text
