"""Issue 8, defect 6: completing an audit of a department nobody of which uses the bot yet."""

from __future__ import annotations

import pytest

from tests.defect_fixtures import one_nc_audit
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness
from tests.helpers import invite_code


@pytest.mark.parametrize("user", [AUDITOR_EN, AUDITOR])
async def test_auditor_is_told_the_actions_wait_and_how_to_invite(bot: BotHarness, user):
    done = await one_nc_audit(bot, user, "Records Office")
    text = done.plain_text
    assert "sent to the department" not in text and "发送给受审部门" not in text, text
    assert "/invite staff Records Office" in text
    if user is AUDITOR_EN:
        assert "Nobody of Records Office uses the bot yet" in text and "wait" in text
        assert "Ask a team lead to invite" in text
    else:
        assert "还没有人使用本机器人" in text and "等待部门联系人" in text
        assert "请联系审核组长" in text


async def test_lead_can_use_the_command_as_given(bot: BotHarness):
    done = await one_nc_audit(bot, LEAD, "Records Office")
    assert "Invite the contact with: /invite staff Records Office" in done.plain_text
    command = done.plain_text.split("with: ")[1].splitlines()[0]
    name, _, args = command.partition(" ")
    await bot.settle()  # the notices the completion kicked off (a digest to the lead) come first
    asked = bot.double.mark()
    bot.double.send_command(LEAD, name, args)
    created = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "start=" in (s.text or ""), after=asked)
    mark = bot.double.mark()
    await bot.command(STAFF, "/start", invite_code(created))
    await bot.tick()  # the waiting action goes out to the new contact
    await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "NC1" in (s.plain_text or ""), after=mark)


async def test_with_staff_it_still_says_sent(bot: BotHarness):
    await bot.join(STAFF, "staff", "Office")
    done = await one_nc_audit(bot, AUDITOR_EN, "Office")
    assert "1 corrective action created and sent to the department." in done.plain_text
    assert "/invite" not in done.plain_text
