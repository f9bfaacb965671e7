"""End to end through the Bot API double: /start, strangers, invites, roles, language."""

from __future__ import annotations

from tests.harness import AUDITOR, LEAD, STAFF, STRANGER
from tests.helpers import button_labels


async def test_lead_gets_the_lead_menu(bot):
    reply = await bot.command(LEAD, "/start")
    assert reply.method == "sendMessage"
    assert "Lena" in reply.text
    assert "/status" in reply.text and "/invite" in reply.text
    assert any("People" in text for text in button_labels(reply))


async def test_stranger_gets_one_line_and_nothing_else(bot, clock):
    reply = await bot.command(STRANGER, "/start")
    assert reply.text == "This bot is for invited members only. Ask your audit team lead for an invite link."
    assert reply.reply_markup is None
    for text in ("/audit", "hello", "/users"):  # within AUDITBOT_STRANGER_REPLY_MINUTES: not again
        bot.double.send_message(STRANGER, text)
    await bot.settle()
    assert len(bot.double.sent_to(STRANGER.id)) == 1
    clock.advance(minutes=10)
    again = await bot.say(STRANGER, "hello")
    assert again.text.startswith("This bot is for invited members only")


async def test_commands_registered_in_both_languages(bot):
    await bot.settle()
    # before a role only /start, /lang and /help (issue 23, point 19); a person's own menu has the rest
    assert [c["command"] for c in bot.double.commands["en"]] == ["start", "lang", "help"]
    zh = {c["command"]: c["description"] for c in bot.double.commands["zh"]}
    assert zh["start"] == "主菜单，或用邀请码加入"
    # each role's own menu: tests/test_e2e_command_menus.py


async def test_invite_and_join_as_staff_in_chinese(bot):
    created = await bot.command(LEAD, "/invite", "staff 法制办公室")
    assert "法制办公室" in created.text and "new department" in created.text
    link = created.text.strip().splitlines()[-1]
    code = link.split("start=")[1]
    joined = await bot.command(STAFF, "/start", code)
    assert joined.text.startswith("✅ 欢迎")
    assert "法制办公室的部门人员" in joined.text
    menu = await bot.double.reply_to(STAFF)
    assert "/capa" in menu.text and "/status" not in menu.text
    # single use: a second person cannot reuse it, and is told to ask for a new link
    reused = await bot.command(STRANGER, "/start", code)
    assert reused.text == "This invite has already been used. Ask your team lead for a new link."


async def test_expired_invite(bot, clock):
    created = await bot.command(LEAD, "/invite", "auditor")
    code = created.text.split("start=")[1].strip()
    clock.advance(days=8)
    reply = await bot.command(AUDITOR, "/start", code)
    assert reply.text == "邀请已过期。请向审核组长索取新的链接。"  # its own message, not the stranger line
    again = await bot.say(AUDITOR, "/audit")
    assert "受邀成员" in again.text  # still a stranger, in their client's language


async def test_non_lead_cannot_invite_or_manage(bot):
    created = await bot.command(LEAD, "/invite", "auditor")
    code = created.text.split("start=")[1].strip()
    await bot.command(AUDITOR, "/start", code)
    await bot.settle()
    for command in ("/invite", "/users", "/departments"):
        reply = await bot.command(AUDITOR, command, "auditor" if command == "/invite" else "")
        assert reply.text == "您没有此项权限。发送 /help 查看您可以使用的命令。"


async def test_invite_usage_and_lang_switch(bot):
    usage = await bot.command(LEAD, "/invite", "nobody")
    assert "/invite staff" in usage.text
    buttons = await bot.command(LEAD, "/invite", "")  # no arguments: by buttons
    assert button_labels(buttons) == ["Auditor", "Staff"]
    choose = await bot.command(LEAD, "/lang")
    reply = await bot.press(LEAD, choose.button("中文"), message_id=choose.message_id)
    assert reply.text == "语言已设置为中文。"
    menu = await bot.command(LEAD, "/start")
    assert menu.text.startswith("👋 您好")



async def test_lead_renames_department_and_changes_roles(bot):
    await bot.join(STAFF, "staff", "Legal Office")
    listing = await bot.command(LEAD, "/departments")
    ask = await bot.press(LEAD, listing.button("Legal Office"), message_id=listing.message_id)
    assert "new name" in ask.text
    taken_check = await bot.say(LEAD, "   ")
    assert "cannot be empty" in taken_check.text
    done = await bot.say(LEAD, "Legal Affairs Office")
    assert "Legal Affairs Office" in done.text
    people = await bot.command(LEAD, "/users")
    assert "Staff of Legal Affairs Office" in people.text  # role names, not codes (issue 8 defect 8)
    card = await bot.press(LEAD, people.button("Zhao"), message_id=people.message_id)
    card = await bot.press(LEAD, card.button("Auditor"), message_id=card.message_id)
    assert "Auditor" in card.text and card.buttons[0][0][0] == "✅ Auditor" and card.buttons[0][1][0] == "⬜ Lead"
    assert card.button("Department: Legal Affairs Office")
    back = await bot.press(LEAD, card.button("Back"), message_id=card.message_id)
    assert "Zhao" in back.text  # the list of people again
    menu = await bot.command(STAFF, "/start")
    assert "/audit" in menu.text  # now also an auditor
    forged = await bot.press_for_answer(STAFF, "1|ur|1001|lead", message_id=menu.message_id, check=False)
    assert forged.text == "您没有此项权限。发送 /help 查看您可以使用的命令。"
