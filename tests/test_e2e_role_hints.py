"""Issue 8, defect 7: the hint for a file sent outside a dialog follows the person's roles."""

from __future__ import annotations

from tests.audit_fixtures import jpeg
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, STAFF_EN, BotHarness, TgUser


async def photo_hint(bot: BotHarness, user: TgUser) -> str:
    return (await bot.send_photo(user, jpeg(1))).plain_text


async def test_a_clerk_is_not_sent_to_audit_commands(bot: BotHarness):
    await bot.join(STAFF, "staff", "办公室")
    await bot.join(STAFF_EN, "staff", "Office")
    zh = await photo_hint(bot, STAFF)
    en = await photo_hint(bot, STAFF_EN)
    for text in (zh, en):
        assert "/audit" not in text and "/resume" not in text, text
        assert "/capa" in text
    assert "标记为已实施" in zh and "无法归档" in zh
    assert "Mark implemented" in en


async def test_auditors_get_the_audit_hint_and_people_with_both_roles_get_both(bot: BotHarness):
    await bot.join(AUDITOR, "auditor")
    await bot.join(AUDITOR_EN, "auditor")
    for user in (AUDITOR, AUDITOR_EN):
        text = await photo_hint(bot, user)
        assert "/audit" in text and "/resume" in text and "/capa" not in text, text
    await bot.join(AUDITOR_EN, "staff", "Office")  # an auditor who is also a department's contact
    text = await photo_hint(bot, AUDITOR_EN)
    assert "/resume" in text and "/capa" in text
    text = await photo_hint(bot, LEAD)
    assert "/resume" in text and "/capa" not in text
