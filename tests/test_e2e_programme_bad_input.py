"""/programme's bad input through the Bot API double: a window in the past, an end before its
start, a team with nobody, an impartiality override without a reason; and who may use it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.report.data import load_report_data
from bot.telegram import buttons
from storage.files import FileStore
from storage.sql import fetch_all
from tests.capa_fixtures import SHANGHAI
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, BotHarness
from tests.helpers import button_labels
from tests.programme_fixtures import OPS, programme_bot


@pytest.fixture
async def bot(double, tmp_path, clock):
    async with programme_bot(double, tmp_path, clock) as harness:
        yield harness


async def new_item(bot: BotHarness):
    """➕ Add → Operations: the draft's card."""
    listing = await bot.command(LEAD, "/programme")
    choose = await bot.press(LEAD, listing.button("Add"), message_id=listing.message_id)
    card = await bot.press(LEAD, choose.button(OPS), message_id=choose.message_id)
    assert "not saved" in card.plain_text and "Team: nobody yet" in card.plain_text
    return card


def item_id(card) -> int:
    return buttons.ProgrammeSave.parse(card.button("Save")).item


async def test_windows_that_are_not_windows_are_refused(bot):
    card = await new_item(bot)
    assert "Window: 2026-12" in card.plain_text  # next month by default
    months = await bot.press(LEAD, card.button("Move"), message_id=card.message_id)
    assert "type a window" in months.plain_text
    for typed, problem in (("2026-10", "already over"), ("2026-10-01 2026-10-31", "already over"),
                           ("2027-03-20 2027-03-01", "ends before it starts"), ("next spring", "could not read")):
        answer = await bot.say(LEAD, typed)
        assert problem in answer.plain_text, (typed, answer.plain_text)
    forged = buttons.ProgrammeMonth(item_id(card), date(2026, 10, 1)).pack()
    toast = await bot.press_for_answer(LEAD, forged, message_id=months.message_id, check=False)
    assert "already over" in toast.params["text"]
    moved = await bot.say(LEAD, "2027-03-01 2027-03-20")
    assert "Window: 2027-03-01 – 2027-03-20" in moved.plain_text
    moved = await bot.press(LEAD, buttons.ProgrammeMonth(item_id(card), date(2027, 2, 1)).pack(),
                            message_id=months.message_id)
    assert "Window: 2027-02" in moved.plain_text


async def test_a_team_with_nobody_is_refused(bot):
    card = await new_item(bot)
    toast = await bot.press_for_answer(LEAD, card.button("Save"), message_id=card.message_id)
    assert "at least one auditor" in toast.params["text"]
    team = await bot.press(LEAD, card.button("Team"), message_id=card.message_id)
    team = await bot.press(LEAD, team.button("Wang"), message_id=team.message_id)
    assert "Team: Wang" in team.plain_text
    card = await bot.press(LEAD, team.button("Done"), message_id=team.message_id)
    saved = await bot.press(LEAD, card.button("Save"), message_id=card.message_id)
    assert "planned" in saved.plain_text and "not saved" not in saved.plain_text
    team = await bot.press(LEAD, saved.button("Team"), message_id=saved.message_id)
    toast = await bot.press_for_answer(LEAD, team.button("✅ Wang"), message_id=team.message_id)
    assert "at least one auditor" in toast.params["text"]  # the last one cannot be taken off a kept audit


async def test_an_override_needs_a_reason_and_is_shown(bot):
    card = await new_item(bot)
    team = await bot.press(LEAD, card.button("Team"), message_id=card.message_id)
    assert "⚠️ Ann" in button_labels(team)  # verifies an open action there
    asked = await bot.press(LEAD, team.button("Ann"), message_id=team.message_id)
    assert "cannot audit it impartially" in asked.plain_text and "verifier of an open action" in asked.plain_text
    refused = await bot.say(LEAD, "   ")
    assert "needs a reason" in refused.plain_text
    card = await bot.say(LEAD, "Only auditor trained on the release process")
    assert "Team: Ann" in card.plain_text
    assert "impartiality override — Only auditor trained on the release process" in card.plain_text
    asked = await bot.press(LEAD, card.button("Scope"), message_id=card.message_id)
    assert "Type the scope" in asked.plain_text
    card = await bot.say(LEAD, "Release of finished goods, last 6 months")
    assert "Scope: Release of finished goods, last 6 months" in card.plain_text
    saved = await bot.press(LEAD, card.button("Save"), message_id=card.message_id)
    assert "planned" in saved.plain_text
    listing = await bot.command(LEAD, "/programme")
    assert "Ann ⚠️" in listing.plain_text
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT action, after_json FROM audit_trail WHERE entity = 'programme'")
    assert [r["action"] for r in rows] == ["impartiality_override", "added"]
    offer = await bot.command(AUDITOR_EN, "/audit")
    plan = await bot.press(AUDITOR_EN, offer.button("🗓"), message_id=offer.message_id)
    assert "impartiality override — Only auditor trained on the release process" in plan.plain_text
    assert "Release of finished goods, last 6 months" in plan.plain_text  # the plan's scope
    audit_id = buttons.ConfirmStage.parse(plan.button("✅")).audit
    report = await load_report_data(bot.db, audit_id, FileStore(bot.data_dir / "evidence"), SHANGHAI)
    assert report.impartiality == [("Ann Auditor", "Only auditor trained on the release process")]


async def test_only_leads_keep_the_programme_and_cancelled_audits_are_not_reminded(bot, clock):
    refused = await bot.command(AUDITOR, "/programme")
    assert "没有此项权限" in refused.plain_text
    card = await new_item(bot)
    team = await bot.press(LEAD, card.button("Team"), message_id=card.message_id)
    team = await bot.press(LEAD, team.button("Wang"), message_id=team.message_id)
    card = await bot.press(LEAD, team.button("Done"), message_id=team.message_id)
    saved = await bot.press(LEAD, card.button("Save"), message_id=card.message_id)
    sure = await bot.press(LEAD, saved.button("Cancel this audit"), message_id=saved.message_id)
    gone = await bot.press(LEAD, sure.button("Yes, cancel it"), message_id=sure.message_id)
    assert "is cancelled" in gone.plain_text
    clock.advance(days=20)
    await bot.tick()
    assert not [s for s in bot.double.sent_to(AUDITOR.id) if "有审核" in (s.plain_text or "")]
    assert not [s for s in bot.double.sent_to(AUDITOR_EN.id) if "Audit coming up" in (s.plain_text or "")]
