"""One table of commands: each person's own command menu (setMyCommands, chat scope) holds
exactly the commands /help offers them, in both languages, and a lead's has the year's work."""

from __future__ import annotations

import re

import pytest

from bot.app import COMMANDS
from tests.capa_fixtures import add_person
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, STAFF_EN, TgUser

LEAD_ZH = TgUser(id=1002, first_name="Liu", last_name="Lead", language_code="zh")
PEOPLE = [(LEAD, "lead", "en"), (LEAD_ZH, "lead", "zh"), (AUDITOR, "auditor", "zh"),
          (AUDITOR_EN, "auditor", "en"), (STAFF, "staff", "zh"), (STAFF_EN, "staff", "en")]


def own_menu(bot, user: TgUser) -> list[dict]:
    return bot.double.scoped_commands.get((f"chat:{user.id}", ""), [])


async def _cast_with_menus(bot) -> None:
    for user, role, _ in PEOPLE:
        await add_person(bot.db, user, role, "法制办公室" if role == "staff" else None)
    await bot.restart()  # at start every person's own menu is queued, as after an upgrade
    await bot.tick()


@pytest.mark.parametrize(("user", "role", "lang"), PEOPLE, ids=[f"{r}-{lang}" for _, r, lang in PEOPLE])
async def test_each_persons_menu_is_what_help_offers_them(bot, user, role, lang):
    await _cast_with_menus(bot)
    menu = own_menu(bot, user)
    help_text = (await bot.command(user, "/help")).plain_text
    offered = re.findall(r"^/([a-z]+) ", help_text, flags=re.M)
    assert sorted(c["command"] for c in menu) == sorted(offered)  # /help groups them by role
    assert [c["command"] for c in menu] == COMMANDS.names_for([role])  # in the table's order
    labels = {c["command"]: c["description"] for c in menu}
    assert labels["help"] == {"zh": "我能做什么", "en": "What you can do here"}[lang]  # the person's language
    assert help_text.startswith({"zh": "您可以做什么", "en": "What you can do"}[lang])


async def test_a_leads_own_menu_has_the_years_work(bot):
    await _cast_with_menus(bot)
    for lead in (LEAD, LEAD_ZH):
        names = [c["command"] for c in own_menu(bot, lead)]
        assert {"review", "programme", "reopen"} <= set(names)
    assert "review" not in [c["command"] for c in own_menu(bot, AUDITOR)]
    assert [c["command"] for c in own_menu(bot, STAFF)] == ["start", "capa", "find", "lang", "help", "cancel"]


async def test_before_a_role_the_default_menu_offers_only_start_lang_and_help(bot):
    """Issue 23, point 19: a stranger or a new person does not see the leads' commands."""
    for lang in ("", "en", "zh"):
        names = [c["command"] for c in bot.double.scoped_commands.get(("default", lang), [])]
        assert names == ["start", "lang", "help"], (lang, names)
    described = {c["command"]: c["description"] for c in bot.double.scoped_commands[("default", "zh")]}
    assert described["help"] == "我能做什么"
