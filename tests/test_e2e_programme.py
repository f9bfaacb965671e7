"""/programme through the Bot API double: suggestion, acceptance, reminders on a moved clock,
starting the planned audit from its reminder, completion, and a missed audit."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.report.data import load_report_data
from bot.telegram import buttons
from storage.files import FileStore
from storage.sql import fetch_all
from tests.capa_fixtures import SHANGHAI, local
from tests.harness import AUDITOR, AUDITOR_EN, LEAD
from tests.helpers import button_labels, document_text, messages_to, outbox
from tests.programme_fixtures import LAB, OPS, programme_bot
from tests.review_fixtures import review


@pytest.fixture
async def bot(double, tmp_path, clock):
    async with programme_bot(double, tmp_path, clock) as harness:
        yield harness


async def test_a_programme_from_suggestion_to_completion_and_a_missed_audit(bot, clock):
    menu = await bot.command(LEAD, "/start")
    listing = await bot.press(LEAD, menu.button("Audit programme"), message_id=menu.message_id)
    assert "Nothing is planned for 2026" in listing.plain_text
    found = await bot.press(LEAD, listing.button("Suggested"), message_id=listing.message_id)
    text = found.plain_text
    assert f"{OPS}: 2026-12" in text and "a major nonconformity last time" in text  # 6 months after June
    assert f"{LAB}: 2026-12" in text and "never audited" in text
    accepted = await bot.press(LEAD, found.button(f"✅ {OPS}"), message_id=found.message_id)
    # AUDITOR_EN verifies the open action in Operations: not impartial, so AUDITOR is put on
    assert f"{OPS}: 2026-12 · Wang" in accepted.plain_text
    found = await bot.press(LEAD, accepted.button("Suggested"), message_id=accepted.message_id)
    assert OPS not in found.plain_text
    accepted = await bot.press(LEAD, found.button(f"✅ {LAB}"), message_id=found.message_id)
    assert f"{LAB}: 2026-12 · Ann" in accepted.plain_text

    listing = await bot.command(LEAD, "/programme")
    assert "2 planned · 0 due · 0 in progress · 0 done · 0 missed" in listing.plain_text

    # 14 days before December: each team hears once, however often the pass runs
    clock.set(local(11, 17, 9, 0))
    await bot.tick()
    await bot.tick()
    reminders = messages_to(bot, AUDITOR.id, "天后有审核")
    assert len(reminders) == 1 and OPS in reminders[0].plain_text
    assert len(messages_to(bot, AUDITOR_EN.id, "Audit coming up in 14 days")) == 1
    # 7 days before, in the quiet hours: queued for their end
    clock.set(local(11, 24, 6, 0))
    await bot.tick()
    assert len(messages_to(bot, AUDITOR.id, "7 天后有审核")) == 0
    clock.set(local(11, 24, 8, 1))
    await bot.tick()
    reminder = messages_to(bot, AUDITOR.id, "7 天后有审核")
    assert len(reminder) == 1
    await bot.restart()
    await bot.tick()
    assert len(messages_to(bot, AUDITOR.id, "天后有审核")) == 2  # nothing twice across a restart

    # in the window: the reminder's button opens the plan, filled in from the programme
    clock.set(local(12, 3, 10, 0))
    plan = await bot.press(AUDITOR, reminder[0].button("▶"), message_id=reminder[0].message_id)
    assert "审核计划" in plan.plain_text and OPS in plan.plain_text
    assert "A-2026-001" in plan.plain_text and "NC1" in plan.plain_text  # previous audit, open action
    again = await bot.press(AUDITOR, reminders[0].button("▶"), message_id=reminders[0].message_id)
    assert "A-2026-002" in again.plain_text  # the same audit, not a second one
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT id, number, status FROM audits ORDER BY id")
    assert [r["number"] for r in rows] == ["A-2026-001", "A-2026-002"]
    audit_id = rows[-1]["id"]

    listing = await bot.command(LEAD, "/programme")
    assert "0 planned · 1 due · 1 in progress" in listing.plain_text
    offer = await bot.command(AUDITOR_EN, "/audit")  # /audit offers the planned audits of one's team
    assert offer.buttons[0][0][0] == f"🗓 {LAB} · 2026-12"
    offer = await bot.command(AUDITOR, "/audit")
    assert not [t for t in button_labels(offer) if t.startswith("🗓")]  # Operations is started
    plan = await bot.command(AUDITOR, "/resume")  # the plan card anew: the earlier one lost its buttons

    # the audit is run and completed
    opening = await bot.press(AUDITOR, plan.button("✅"), message_id=plan.message_id)
    card = await bot.press(AUDITOR, opening.button("▶"), message_id=opening.message_id)
    for index in range(3):
        result = "mi" if index == 1 else "c"  # clause 8.5 had a major NC in June: a repeat finding
        card = await bot.press(AUDITOR, buttons.Question(audit_id, index, result).pack(), message_id=card.message_id)
        assert ("重复发现" in card.plain_text) == (index == 1), card.plain_text
        if index == 1:  # a finding stays on its question; Conform moves on by itself
            assert "A-2026-001 在本条款有 NC1" in card.plain_text
            card = await bot.say(AUDITOR, "Two releases without the final check")
            card = await bot.press(AUDITOR, buttons.Question(audit_id, index, "next").pack(),
                                   message_id=card.message_id)
    closing = await bot.press(AUDITOR, buttons.ToClosing(audit_id).pack(), message_id=card.message_id)
    confirm = await bot.press(AUDITOR, buttons.Complete(audit_id).pack(), message_id=closing.message_id)
    done = await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)  # (the suggested conclusion)
    assert "A-2026-002" in done.plain_text
    await bot.settle()
    report = await load_report_data(bot.db, audit_id, FileStore(bot.data_dir / "evidence"), SHANGHAI)
    assert [(f.number, f.repeat_of) for f in report.findings] == [("NC1", "A-2026-001 NC1")]

    # the Laboratory's window passes unstarted: missed, the lead told once, and in the digest
    clock.set(local(12, 31, 23, 0))
    await bot.tick()
    assert messages_to(bot, LEAD.id, "Audit missed") == []
    clock.set(datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI))
    await bot.tick()
    await bot.tick()
    missed = messages_to(bot, LEAD.id, "Audit missed")
    assert len(missed) == 1 and LAB in missed[0].plain_text
    assert any("missed in the last 12 months: 1" in s.plain_text for s in messages_to(bot, LEAD.id, "Daily digest"))
    clock.advance(days=1)
    await bot.tick()
    assert len(messages_to(bot, LEAD.id, "Audit missed")) == 1
    assert [r["state"] for r in await outbox(bot, "programme_missed")] == ["sent"]

    listing = await bot.command(LEAD, "/programme", "2026")
    assert "0 planned · 0 due · 0 in progress · 1 done · 1 missed" in listing.plain_text

    # the management review counts the audits planned and missed from the programme
    _, document, _ = await review(bot, LEAD, "2026")
    (table,) = [t for t in document.tables if t.rows[0].cells[0].text == "Planned"]
    assert [c.text for c in table.rows[1].cells] == ["2", "2", "1"]  # planned, done (Ops and June's), missed
    text = document_text(document)
    assert "not known yet" not in text.split("Definitions")[0]
    assert "A-2026-002" in text and "A-2026-001" in text  # the repeat finding, against June's audit


async def test_suggestions_warn_of_clauses_not_audited_for_three_years_and_accept_all(bot, clock):
    listing = await bot.command(LEAD, "/programme")
    found = await bot.press(LEAD, listing.button("Suggested"), message_id=listing.message_id)
    gaps = found.plain_text.split("for 3 years: clauses ")[1].split("\n")[0].split(", ")
    assert {"7.2", "8.5", "9.2", "4.1"} <= set(gaps)  # June's audit recorded no answers
    accepted = await bot.press(LEAD, found.button("Accept all 2"), message_id=found.message_id)
    assert OPS in accepted.plain_text and LAB in accepted.plain_text
    found = await bot.press(LEAD, accepted.button("Suggested"), message_id=accepted.message_id)
    assert "nothing to suggest" in found.plain_text
    toast = await bot.press_for_answer(LEAD, buttons.ProgrammeAccept().pack(), message_id=found.message_id,
                                       check=False)
    assert "nothing left to suggest" in toast.params["text"]
    # issue 23, point 13: the card that has nothing to suggest still has a way back
    assert found.buttons and found.button("Programme")
    back = await bot.press(LEAD, found.button("Programme"), message_id=found.message_id)
    assert "Audit programme" in back.plain_text
