"""Issue 23, point 24 (the programme's smaller defects): a new entry added in December's view
of this year stays in this year; with no audit history the suggestions say "never audited"
instead of listing every clause as not audited for three years."""

from __future__ import annotations

from tests.capa_fixtures import DEPARTMENT, cast, local
from tests.harness import LEAD


async def _add_from(bot, year: str):
    listing = await bot.command(LEAD, "/programme", year)
    choose = await bot.press(LEAD, listing.button("Add"), message_id=listing.message_id)
    return await bot.press(LEAD, choose.button(DEPARTMENT), message_id=choose.message_id)


async def test_a_new_entry_defaults_to_a_month_of_the_year_viewed(bot, clock):
    await cast(bot.db)
    clock.set(local(12, 7, 10))
    item = await _add_from(bot, "2026")
    assert "2026-12" in item.plain_text and "2027-01" not in item.plain_text
    item = await _add_from(bot, "2027")
    assert "2027-01" in item.plain_text


async def test_suggestions_without_history_say_never_audited(bot, clock):
    await cast(bot.db)
    listing = await bot.command(LEAD, "/programme")
    found = await bot.press(LEAD, listing.button("Suggested"), message_id=listing.message_id)
    assert "No audit has been completed yet" in found.plain_text
    assert "for 3 years" not in found.plain_text
