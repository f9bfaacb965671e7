"""The person card a lead uses: role switches, a clerk's department, deactivation asked first, a way back."""

from __future__ import annotations

from storage.sql import fetch_all
from tests.capa_fixtures import add_person, cast
from tests.harness import LEAD, STAFF, TgUser
from tests.helpers import button_labels

OTHER = TgUser(id=3021, first_name="Qian", language_code="zh")


async def test_a_lead_moves_a_clerk_and_deactivates_after_confirming(bot):
    await cast(bot.db)
    await add_person(bot.db, OTHER, "staff", "人事科")
    people = await bot.command(LEAD, "/users")
    card = await bot.press(LEAD, people.button("Zhao"), message_id=people.message_id)
    assert [label for label, _ in card.buttons[0]] == ["⬜ Auditor", "⬜ Lead"]
    assert "Staff of: 法制办公室" in card.plain_text

    pick = await bot.press(LEAD, card.button("Department: 法制办公室"), message_id=card.message_id)
    assert "to which department" in pick.plain_text
    assert button_labels(pick) == ["人事科", "⬅️ Back"]
    moved = await bot.press(LEAD, pick.button("人事科"), message_id=pick.message_id)
    assert "Staff of: 人事科" in moved.plain_text
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT r.role, d.name FROM person_roles r JOIN departments d"
                                     " ON d.id = r.department_id WHERE r.person_id = :id", {"id": STAFF.id})
    assert [(r["role"], r["name"]) for r in rows] == [("staff", "人事科")]

    ask = await bot.press(LEAD, moved.button("Deactivate"), message_id=moved.message_id)
    assert "lose access" in ask.plain_text
    back = await bot.press(LEAD, ask.button("Back"), message_id=ask.message_id)  # changed their mind
    assert "Status: active" in back.plain_text
    ask = await bot.press(LEAD, back.button("Deactivate"), message_id=back.message_id)
    done = await bot.press(LEAD, ask.button("Yes, deactivate"), message_id=ask.message_id)
    assert "Status: deactivated" in done.plain_text
    forged = await bot.press_for_answer(OTHER, f"1|usd|{OTHER.id}|1", check=False)  # not a lead
    assert forged.text.startswith("您没有此项权限")


def menu(bot, user: TgUser) -> list[str]:
    return [c["command"] for c in bot.double.scoped_commands.get((f"chat:{user.id}", ""), [])]


async def test_each_person_has_the_menu_of_their_roles_in_their_language(bot):
    await bot.join(STAFF, "staff", "Office")
    await bot.tick()
    assert menu(bot, STAFF) == ["start", "capa", "find", "lang", "help", "cancel"]
    described = bot.double.scoped_commands[(f"chat:{STAFF.id}", "")]
    assert described[1]["description"] == bot.app.bot_data["runtime"].prompts.label("zh", "cmd_capa")

    # a lead makes them an auditor too: their menu follows
    people = await bot.command(LEAD, "/users")
    card = await bot.press(LEAD, people.button("Zhao"), message_id=people.message_id)
    await bot.press(LEAD, card.button("Auditor"), message_id=card.message_id)
    await bot.tick()
    assert menu(bot, STAFF) == ["start", "audit", "resume", "capa", "report", "find", "lang", "help", "cancel"]

    # and they switch to English: the descriptions follow
    lang = await bot.command(STAFF, "/lang")
    await bot.press(STAFF, lang.button("English"), message_id=lang.message_id)
    await bot.tick()
    described = bot.double.scoped_commands[(f"chat:{STAFF.id}", "")]
    assert described[1]["description"] == bot.app.bot_data["runtime"].prompts.label("en", "cmd_audit")


async def test_menus_of_people_from_before_are_set_at_start_once(bot):
    await cast(bot.db)  # people made before per-person menus existed
    await bot.restart()
    await bot.tick()
    assert menu(bot, STAFF) == ["start", "capa", "find", "lang", "help", "cancel"]
    assert "users" in menu(bot, LEAD) and "audit" in menu(bot, LEAD)
    async with bot.db.read() as conn:
        before = len(await fetch_all(conn, "SELECT id FROM outbox WHERE kind = 'commands'"))
    await bot.restart()  # nothing changed: nothing queued again
    async with bot.db.read() as conn:
        assert len(await fetch_all(conn, "SELECT id FROM outbox WHERE kind = 'commands'")) == before
