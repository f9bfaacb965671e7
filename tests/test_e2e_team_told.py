"""Issue 23, point 18: team changes are told. A person given (or losing) the auditor role is
told; an auditor put on or taken off a planned audit's team is told, and a "▶ Start audit"
button already sent to one taken off no longer works for them; the co-auditors of an audit
started from the programme are told they are on its team."""

from __future__ import annotations

from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness


async def _person_card(bot: BotHarness, name: str):
    listing = await bot.command(LEAD, "/users")
    return await bot.press(LEAD, listing.button(name), message_id=listing.message_id)


async def test_a_person_given_the_auditor_role_is_told(bot: BotHarness):
    await bot.join(STAFF, "staff", "办公室")
    card = await _person_card(bot, "Zhao")
    mark = bot.double.mark()
    await bot.press(LEAD, card.button("Auditor"), message_id=card.message_id)
    told = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "审核员" in (s.plain_text or "")
                                     and "授予" in (s.plain_text or ""), after=mark, timeout=5)
    assert "Lena Lead 已授予您审核员角色" in told.plain_text and "/audit" in told.plain_text
    card = await _person_card(bot, "Zhao")
    mark = bot.double.mark()
    await bot.press(LEAD, card.button("Auditor"), message_id=card.message_id)
    told = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "收回" in (s.plain_text or ""),
                                     after=mark, timeout=5)
    assert "收回您的审核员角色" in told.plain_text


async def test_programme_team_changes_are_told_and_the_old_start_button_stops(bot: BotHarness):
    await bot.join(AUDITOR, "auditor")
    await bot.join(AUDITOR_EN, "auditor")
    await bot.join(STAFF, "staff", "办公室")
    listing = await bot.command(LEAD, "/programme")
    choose = await bot.press(LEAD, listing.button("Add"), message_id=listing.message_id)
    item = await bot.press(LEAD, choose.button("办公室"), message_id=choose.message_id)
    team = await bot.press(LEAD, item.button("Team"), message_id=item.message_id)
    team = await bot.press(LEAD, team.button("Wang"), message_id=team.message_id)
    team = await bot.press(LEAD, team.button("Ann"), message_id=team.message_id)
    item = await bot.press(LEAD, team.button("Done"), message_id=team.message_id)
    mark = bot.double.mark()
    item = await bot.press(LEAD, item.button("Save"), message_id=item.message_id)
    wang = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "计划审核" in (s.plain_text or ""),
                                     after=mark, timeout=5)
    assert "Lena Lead 已将您列入审核方案中的计划审核" in wang.plain_text and "办公室" in wang.plain_text
    ann = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR_EN.id and "planned audit" in (s.plain_text or ""),
                                    after=mark, timeout=5)
    assert "Lena Lead put you on the team" in ann.plain_text
    start = wang.button("开始")

    # Wang taken off: told, and the start button he got answers that he is not on the team
    team = await bot.press(LEAD, item.button("Team"), message_id=item.message_id)
    mark = bot.double.mark()
    await bot.press(LEAD, team.button("Wang"), message_id=team.message_id)
    off = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "移出" in (s.plain_text or ""),
                                    after=mark, timeout=5)
    assert "已失效" in off.plain_text
    refused = await bot.press_for_answer(AUDITOR, start, message_id=wang.message_id, check=False)
    assert refused.text == "您已不在 办公室 这次计划审核的审核组中。如有误，请联系审核组长。"

    # put back on, then Ann starts the audit: Wang is told he is on the audit's team
    await bot.press(LEAD, team.button("Wang"), message_id=team.message_id)
    await bot.settle()
    mark = bot.double.mark()
    started = await bot.press(AUDITOR_EN, ann.button("Start"), message_id=ann.message_id)
    assert started is not None
    told = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "加入审核" in (s.plain_text or ""),
                                     after=mark, timeout=5)
    assert "Ann" in told.plain_text and "办公室" in told.plain_text
