"""Invites by buttons and by typed role names in either language; the inviting lead hears
who joined; pending invites listed and revoked; an expired, revoked or used link says so."""

from __future__ import annotations

from tests.harness import LEAD, STAFF, STRANGER, BotHarness, TgUser
from tests.helpers import invite_code

NEWCOMER = TgUser(id=4004, first_name="Sun", language_code="zh")
LATE = TgUser(id=4005, first_name="Zhou", language_code="en")


async def joined_notice(bot: BotHarness, mark: int):
    await bot.tick()
    return await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "joined with your invite" in (s.text or ""),
                                     after=mark, timeout=10)


async def test_invite_by_buttons_a_new_department_and_the_lead_is_told(bot):
    menu = await bot.command(LEAD, "/start")
    choose = await bot.press(LEAD, menu.button("Invite"), message_id=menu.message_id)
    assert "who is it for" in choose.text
    departments = await bot.press(LEAD, choose.button("Staff"), message_id=choose.message_id)
    ask = await bot.press(LEAD, departments.button("New department"), message_id=departments.message_id)
    assert "name of the new department" in ask.text
    created = await bot.say(LEAD, "档案室")
    assert "档案室" in created.text and "(new department)" in created.text
    mark = bot.double.mark()
    welcome = await bot.command(STAFF, "/start", invite_code(created))
    assert "档案室" in welcome.text
    notice = await joined_notice(bot, mark)
    assert notice.plain_text == "👋 Zhao Clerk joined with your invite as Staff of 档案室."

    # the next staff invite picks the department from the list
    choose = await bot.command(LEAD, "/invite")
    departments = await bot.press(LEAD, choose.button("Staff"), message_id=choose.message_id)
    created = await bot.press(LEAD, departments.button("档案室"), message_id=departments.message_id)
    assert "档案室" in created.text and "(new department)" not in created.text


async def test_role_names_in_either_language_list_revoke_and_dead_links(bot):
    await bot.join(STAFF, "staff", "Office")
    auditor_zh = await bot.command(LEAD, "/invite", "审核员")
    assert "Auditor" in auditor_zh.text and "start=" in auditor_zh.text
    staff_zh = await bot.command(LEAD, "/invite", "部门人员 法制办公室")
    assert "法制办公室" in staff_zh.text
    staff_en = await bot.command(LEAD, "/invite", "STAFF Office")
    assert "Office" in staff_en.text
    wrong = await bot.command(LEAD, "/invite", "组长")  # leads are not invited
    assert "Usage" in wrong.text

    listing = await bot.command(LEAD, "/invite", "list")
    assert "Invites not used yet</b> (3)" in listing.text
    revoke = [data for row in listing.buttons for _, data in row]
    assert len(revoke) == 3
    forged = await bot.press_for_answer(STAFF, revoke[0], check=False)  # not a lead
    assert forged.text.startswith("您没有此项权限")
    codes = {invite_code(auditor_zh), invite_code(staff_zh), invite_code(staff_en)}
    revoked_code = revoke[0].split("|")[2]
    assert revoked_code in codes
    after = await bot.press(LEAD, revoke[0], message_id=listing.message_id)
    assert "(2)" in after.text
    again = await bot.press_for_answer(LEAD, revoke[0], message_id=listing.message_id, check=False)
    assert again.text == "That invite was used or has expired already."

    # a revoked link: its own message, not the stranger's line
    dead = await bot.command(STRANGER, "/start", revoked_code)
    assert dead.text == "This invite has expired. Ask your team lead for a new link."
    # a used link
    live = next(iter(codes - {revoked_code}))
    await bot.command(NEWCOMER, "/start", live)
    used = await bot.command(LATE, "/start", live)
    assert used.text == "This invite has already been used. Ask your team lead for a new link."
    made_up = await bot.command(STRANGER, "/start", "nonsense-code")
    assert "invited members only" in made_up.text
