"""A whole 60-question audit as an auditor does it, through the Bot API double.

Results, notes, photos, a pause, a bot restart in the middle, /resume, the summary, the
closing meeting and completion; then the database must hold exactly what was entered.
"""

from __future__ import annotations

from datetime import date

import pytest

from storage.sql import execute, fetch_all, fetch_one
from tests.audit_fixtures import jpeg, start_audit, write_sixty_question_checklist
from tests.harness import AUDITOR_EN, BotHarness
from tests.helpers import button_labels

TOTAL = 60
UNANSWERED_AT_FIRST = {50, 51}
PAUSE_AT = 20
RESTART_AT = 35


def planned_result(i: int) -> str:
    if i == 17:
        return "Major NC"
    if i % 10 == 3:
        return "Minor NC"
    if i % 10 == 7:
        return "Observation"
    return {25: "OFI", 34: "Good practice", 40: "N/A"}.get(i, "Conform")


def needs_note(i: int) -> bool:
    return i % 5 == 0 or planned_result(i) not in ("Conform", "N/A")  # every finding needs a statement


def needs_photo(i: int) -> bool:
    evidence_required = (i % 10 + 1) % 3 == 0  # the fixture requires evidence on every third question
    return i % 5 == 0 or (planned_result(i) in ("Minor NC", "Major NC") and evidence_required)


@pytest.fixture
async def sixty(double, tmp_path, clock):
    write_sixty_question_checklist(tmp_path / "data" / "checklists")
    harness = BotHarness(double, tmp_path / "data", clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


async def answer_question(bot: BotHarness, card, i: int):
    """Result, optional note and photo, then Next; returns the next card.

    Conform and N/A move on in one tap, so their note and photo come first."""
    user = AUDITOR_EN
    assert f"<b>{i + 1}/{TOTAL}</b>" in card.text, card.text
    one_tap = planned_result(i) in ("Conform", "N/A")
    if i == 3:  # the auditor first taps Conform (it moves on), goes back and changes their mind
        card = await bot.press(user, card.button("Conform"), message_id=card.message_id)
        assert f"<b>{i + 2}/{TOTAL}</b>" in card.text
        card = await bot.press(user, card.button("Back"), message_id=card.message_id)
        assert "✅ Conform" in button_labels(card)
    if not one_tap:
        card = await bot.press(user, card.button(planned_result(i)), message_id=card.message_id)
        assert f"✅ {planned_result(i)}" in button_labels(card)
    if needs_note(i):
        card = await bot.say(user, f"Note on question {i + 1}: sampled 3 records <ok>")
        assert "Note saved" in card.text
    if needs_photo(i):
        card = await bot.send_photo(user, jpeg(i), caption=None)
        assert "Evidence saved" in card.text
    if one_tap:
        return await bot.press(user, card.button(planned_result(i)), message_id=card.message_id)
    return await bot.press(user, card.button("Next"), message_id=card.message_id)


async def test_whole_sixty_question_audit(sixty, clock):
    bot = sixty
    user = AUDITOR_EN
    await bot.join(user, "auditor")

    plan = await start_audit(bot, user, "Sixty-question", "Legal Affairs Office")
    assert "A-2026-001" in plan.text and "Legal Affairs Office" in plan.text
    ask = await bot.press(user, plan.button("Objectives"), message_id=plan.message_id)
    assert "Objectives" in ask.text
    plan = await bot.say(user, "Check the licensing process against the 2026 rules")
    assert "Check the licensing process" in plan.text
    opening = await bot.press(user, plan.button("✅"), message_id=plan.message_id)
    await bot.press(user, opening.button("Attendees"), message_id=opening.message_id)
    opening = await bot.say(user, "Director Li, clerk Zhao, auditor Ann")
    opening = await bot.press(user, opening.button("Scope confirmed"), message_id=opening.message_id)
    assert "✅ Scope confirmed with the department" in button_labels(opening)
    card = await bot.press(user, opening.button("▶"), message_id=opening.message_id)

    i = 0
    while i < TOTAL:
        if i in UNANSWERED_AT_FIRST:
            card = await bot.press(user, card.button("Skip"), message_id=card.message_id)
        else:
            card = await answer_question(bot, card, i)
        i += 1
        if i == PAUSE_AT:
            paused = await bot.press(user, card.button("Pause"), message_id=card.message_id)
            assert "paused at question 21/60" in paused.text
            assert button_labels(paused) == ["⏯ Resume", "☰ Menu"]  # the next steps
            card = await bot.press(user, paused.button("Resume"), message_id=paused.message_id)
        if i == RESTART_AT:
            await bot.restart()
            card = await bot.command(user, "/resume")
        if i < TOTAL:
            assert f"<b>{i + 1}/{TOTAL}</b>" in card.text

    # after the last question: the summary, with the two skipped questions to jump to
    assert "Summary" in card.text and "Unanswered: 2 of 60" in card.text
    for skipped in sorted(UNANSWERED_AT_FIRST):
        card = await bot.press(user, card.button(f"{skipped + 1}."), message_id=card.message_id)
        assert f"<b>{skipped + 1}/{TOTAL}</b>" in card.text
        card = await bot.press(user, card.button("Conform"), message_id=card.message_id)  # moves on
        card = await bot.press(user, card.button("Summary"), message_id=card.message_id)
    assert "Unanswered: 0 of 60" in card.text and "All questions answered" in card.text

    closing = await bot.press(user, card.button("Closing meeting"), message_id=card.message_id)
    assert "Closing meeting" in closing.text
    await bot.press(user, closing.button("Conclusions"), message_id=closing.message_id)
    closing = await bot.say(user, "The system is implemented; 7 nonconformities to correct.")
    first_due = closing.button("📅")
    await bot.press(user, first_due, message_id=closing.message_id)
    refused = await bot.say(user, "yesterday")
    assert "could not read that date" in refused.text
    closing = await bot.say(user, "2027-01-31")
    assert "due 2027-01-31" in closing.text
    confirm = await bot.press(user, closing.button("Complete"), message_id=closing.message_id)
    done = await bot.press(user, confirm.button("Yes, complete"), message_id=confirm.message_id)
    assert "Audit A-2026-001 completed" in done.text
    assert "NC1" in done.text and "OBS1" in done.text and "OFI1" in done.text and "GP1" in done.text

    await check_database(bot)


async def check_database(bot: BotHarness) -> None:
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT question_id, result FROM answers ORDER BY answered_at")
        answers = {r["question_id"]: r["result"] for r in rows}
        notes = (await execute(conn, "SELECT COUNT(*) FROM notes")).fetchone()
        photos = (await execute(conn, "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM evidence")).fetchone()
        findings = await fetch_all(conn, "SELECT number, kind FROM findings ORDER BY id")
        capa = await fetch_all(conn, "SELECT due_date, state FROM capa ORDER BY id")
        trail = await fetch_all(
            conn, "SELECT before_json, after_json FROM audit_trail WHERE entity = 'answer' AND entity_id LIKE :pattern",
            {"pattern": "%:q1-4"},
        )
        audit = await fetch_one(conn, "SELECT status, plan_json, opening_json, closing_json FROM audits")

    result_codes = {"Conform": "conform", "Minor NC": "minor", "Major NC": "major", "Observation": "observation",
                    "OFI": "ofi", "Good practice": "good", "N/A": "na"}
    ids = [f"q{s}-{q}" for s in range(1, 7) for q in range(1, 11)]
    expected = {qid: result_codes[planned_result(i)] for i, qid in enumerate(ids)}
    for i in UNANSWERED_AT_FIRST:
        expected[ids[i]] = "conform"
    assert answers == expected
    assert notes[0] == sum(1 for i in range(TOTAL) if i not in UNANSWERED_AT_FIRST and needs_note(i))
    expected_photos = sum(1 for i in range(TOTAL) if i not in UNANSWERED_AT_FIRST and needs_photo(i))
    assert photos[0] == expected_photos == photos[1]
    nc_count = sum(1 for i in range(TOTAL) if planned_result(i) in ("Minor NC", "Major NC"))
    assert [f["number"] for f in findings if f["kind"] in ("minor", "major")] == [f"NC{n}" for n in range(1, nc_count + 1)]
    assert [f["number"] for f in findings if f["kind"] == "observation"][:2] == ["OBS1", "OBS2"]
    assert len(capa) == nc_count and all(c["state"] == "open" for c in capa)
    assert capa[0]["due_date"] == "2027-01-31"  # changed before completing
    major_due = date(2026, 11, 2).toordinal() + 30
    assert sum(1 for c in capa if date.fromisoformat(c["due_date"]).toordinal() == major_due) == 1
    # the changed answer of question 3 kept its history
    assert [(t["before_json"], t["after_json"]) for t in trail] == [(None, '"conform"'), ('"conform"', '"minor"')]
    assert audit["status"] == "completed"
    assert "licensing process" in audit["plan_json"] and "Director Li" in audit["opening_json"]
    assert "7 nonconformities" in audit["closing_json"]
    evidence_dir = bot.data_dir / "evidence"
    assert len([p for p in evidence_dir.rglob("*") if p.is_file()]) == expected_photos * 2  # photo + thumbnail
