"""Issue 8, defect 8: /users names the roles in the lead's language, never the internal codes."""

from __future__ import annotations

from tests.harness import AUDITOR, LEAD, STAFF, BotHarness


async def test_users_shows_role_names_in_the_leads_language(bot: BotHarness):
    await bot.join(AUDITOR, "auditor")
    await bot.join(STAFF, "staff", "办公室")

    listing = await bot.command(LEAD, "/users")
    text = listing.plain_text
    for code in ("staff:", "auditor", "lead", ":办公室"):
        assert code not in text, text
    assert "Zhao Clerk — Staff of 办公室" in text
    assert "Wang Auditor (@wang) — Auditor" in text
    assert "Lena Lead (@lena) — Lead" in text

    choose = await bot.command(LEAD, "/lang")
    await bot.press(LEAD, choose.button("中文"), message_id=choose.message_id)
    listing = await bot.command(LEAD, "/users")
    text = listing.plain_text
    roles = " ".join(line.split("——", 1)[-1] for line in text.splitlines())
    for code in ("staff", "auditor", "lead", "Staff", "Auditor", "Lead"):
        assert code not in roles, text
    assert "Zhao Clerk —— 办公室部门人员" in text
    assert "Wang Auditor（@wang） —— 审核员" in text
    assert "组长" in text
