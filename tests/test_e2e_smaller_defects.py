"""Smaller defects found in the crash trials (issue 9, items 6-8), through the Bot API double."""

from __future__ import annotations

import pytest

from storage.sql import fetch_all, fetch_value
from tests.audit_fixtures import checklist_label, first_question, start_audit
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, BotHarness


async def notes(bot: BotHarness) -> list[str]:
    async with bot.db.read() as conn:
        return [r["text"] for r in await fetch_all(conn, "SELECT text FROM notes ORDER BY id")]


# --- 6: /report with a reference that is no number ---------------------------------------------

@pytest.mark.parametrize("reference", ["9999999999999999999999999", "²", "-1", "0", "١٢", "x" * 500])
async def test_report_with_an_impossible_reference_says_no_such_audit(bot, reference):
    reply = await bot.command(LEAD, "/report", reference)
    assert reply.text == "I found no audit by that number that you took part in. Send /report for the list."
    await bot.join(AUDITOR, "auditor")
    reply = await bot.command(AUDITOR, "/report", reference)
    assert "没有找到" in reply.text
    await bot.settle()
    assert not [s for s in bot.double.sent if "went wrong" in (s.text or "") or "出错" in (s.text or "")]


# --- 7: a note of Telegram's maximum length is kept whole --------------------------------------

@pytest.mark.parametrize("user", [AUDITOR_EN, AUDITOR])
async def test_a_note_of_4096_characters_is_kept_whole(bot, user):
    card = await first_question(bot, user)
    card = await bot.press(user, card.button("轻微不符合" if user is AUDITOR else "Minor NC"),
                           message_id=card.message_id)
    text = ("记录" if user is AUDITOR else "ab") * 2048
    assert len(text) == 4096
    card = await bot.say(user, text)
    assert ("备注已保存" if user is AUDITOR else "Note saved") in card.text
    assert await notes(bot) == [text]


# --- 8: emoji joined by zero-width joiners stay whole ------------------------------------------

async def test_a_note_keeps_emoji_zwj_sequences_and_drops_bidi_overrides(bot):
    card = await first_question(bot)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Family room 👨\u200d👩\u200d👧 ok \u202egnp.exe\u202c\x07 🏳️\u200d🌈")
    assert "Note saved" in card.text
    assert await notes(bot) == ["Family room 👨\u200d👩\u200d👧 ok gnp.exe 🏳️\u200d🌈"]
    assert "👨\u200d👩\u200d👧" in card.text


@pytest.mark.parametrize("user", [AUDITOR_EN, AUDITOR])
async def test_a_card_field_too_long_to_keep_is_refused_not_cut(bot, user):
    await bot.join(user, "auditor")
    plan = await start_audit(bot, user, checklist_label(user), "Office")
    await bot.press(user, plan.button("Objectives" if user is AUDITOR_EN else "审核目的"), message_id=plan.message_id)
    refused = await bot.say(user, "x" * 2500)
    assert ("longer than 2,000 characters" if user is AUDITOR_EN else "超过 2000 字") in refused.text
    async with bot.db.read() as conn:
        plan_json = await fetch_value(conn, "SELECT plan_json FROM audits")
    assert "xxx" not in plan_json
    plan = await bot.say(user, "Check licensing")
    assert "Check licensing" in plan.text
