"""Issue 23, point 24 (one of its smaller points): /departments can create a department."""

from __future__ import annotations

from storage.sql import fetch_all
from tests.harness import LEAD


async def test_a_lead_creates_a_department_from_departments(bot):
    listing = await bot.command(LEAD, "/departments")
    assert "No departments yet" in listing.plain_text
    ask = await bot.press(LEAD, listing.button("New department"), message_id=listing.message_id)
    assert "name of the new department" in ask.plain_text
    empty = await bot.say(LEAD, "   ")
    assert empty.plain_text  # refused in a line; the prompt stays
    created = await bot.say(LEAD, "法制办公室")
    assert "法制办公室" in created.plain_text and "/invite staff 法制办公室" in created.plain_text
    listing = await bot.command(LEAD, "/departments")
    assert "法制办公室" in listing.plain_text
    ask = await bot.press(LEAD, listing.button("New department"), message_id=listing.message_id)
    taken = await bot.say(LEAD, "法制办公室")
    assert "taken" in taken.plain_text.lower() or "already" in taken.plain_text.lower(), taken.plain_text
    menu = await bot.press(LEAD, ask.button("Back"), message_id=ask.message_id)  # changed their mind
    assert "Hello" in menu.plain_text
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT name FROM departments")
    assert [r["name"] for r in rows] == ["法制办公室"]
