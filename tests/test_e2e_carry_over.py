"""The second year (issue 21): two audits of one department a year apart on a moved clock.
The second one's cards show what the first found; one closed action is verified effective,
the other not (its verification reopened, the new answer a repeat nonconformity)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import docx
import yaml

from bot.report.review.docx import render_review
from bot.report.review.figures import load_review, parse_period
from storage.sql import fetch_all
from tests.audit_fixtures import start_audit, team_of_two, through_opening
from tests.carry_fixtures import a_year_on, answer, close_actions
from tests.defect_fixtures import complete_from, fetch_report, label
from tests.harness import AUDITOR, AUDITOR_EN, STAFF_EN
from tests.helpers import body_text, button_labels, outbox


async def test_two_audits_a_year_apart(bot, clock, tmp_path):
    await bot.join(AUDITOR_EN, "auditor")
    await bot.join(STAFF_EN, "staff", "Office")
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "functional", "Office"))
    assert "Last time" not in card.text  # the first audit of a department: no noise
    card = await answer(bot, AUDITOR_EN, card, "minor", "Two of five job descriptions unsigned", photo=True)
    card = await answer(bot, AUDITOR_EN, card, "minor", "Interface matter with Finance not minuted")
    card = await answer(bot, AUDITOR_EN, card, "conform")
    done = await complete_from(bot, AUDITOR_EN, card)
    assert "completed" in done.text
    first, second = await close_actions(bot, "A-2026-001", clock)
    await a_year_on(clock)

    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "functional", "Office"))
    assert "A-2027-001" in card.text
    assert "Last time (A-2026-001" in card.text and "Minor NC" in card.text and "NC1" in card.text
    assert "Two of five job descriptions unsigned" in card.text and "verify its effectiveness" in card.text
    assert "Result: <b>—</b>" in card.text or "Result: —" in card.text  # results start empty
    effective = card.button(label(AUDITOR_EN, "carry_btn_effective"))
    toast = await bot.press_for_answer(AUDITOR_EN, effective, message_id=card.message_id)
    assert "effective" in toast.params["text"]
    again = await bot.press_for_answer(AUDITOR_EN, effective, message_id=card.message_id, check=False)  # a double tap
    assert "Already" in again.params["text"]
    card = await bot.command(AUDITOR_EN, "/resume")
    assert "verified effective by Ann" in card.text
    assert label(AUDITOR_EN, "carry_btn_effective") not in button_labels(card)

    card = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_skip")), message_id=card.message_id)
    assert "NC2" in card.text and "Interface matter with Finance not minuted" in card.text
    old_card = card
    asked = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "carry_btn_not_effective")),
                            message_id=card.message_id)
    assert "Type <b>why</b>" in asked.text
    refused = await bot.say(AUDITOR_EN, " . ")  # not effective without a reason
    assert "Type why the action was not effective" in refused.text
    async with bot.db.read() as conn:
        assert not await fetch_all(conn, "SELECT * FROM capa_effectiveness WHERE verdict = 'not_effective'")
    mark = bot.double.mark()
    card = await bot.say(AUDITOR_EN, "Two interface matters this year again without minutes")
    assert "Minor NC" in card.text and "not effective" in card.text and "repeat nonconformity" in card.text
    told = await bot.double.wait_for(lambda s: s.chat_id == STAFF_EN.id and "Not effective" in (s.text or ""),
                                     after=mark)
    assert "Two interface matters" in told.text
    stale = await bot.press_for_answer(AUDITOR_EN, old_card.button(label(AUDITOR_EN, "carry_btn_effective")),
                                       message_id=old_card.message_id, check=False)  # the card replaced meanwhile
    assert "already found that action not effective" in stale.params["text"]

    async with bot.db.read() as conn:
        verdicts = [dict(r) for r in await fetch_all(
            conn, "SELECT capa_id, verdict, reason, person_id FROM capa_effectiveness ORDER BY capa_id")]
        states = [r["state"] for r in await fetch_all(conn, "SELECT state FROM capa ORDER BY id")]
        answers = [dict(r) for r in await fetch_all(
            conn, "SELECT x.question_id, x.result FROM answers x JOIN audits a ON a.id = x.audit_id"
                  " WHERE a.number = 'A-2027-001'")]
    assert verdicts == [
        {"capa_id": first, "verdict": "effective", "reason": None, "person_id": AUDITOR_EN.id},
        {"capa_id": second, "verdict": "not_effective",
         "reason": "Two interface matters this year again without minutes", "person_id": AUDITOR_EN.id}]
    assert states == ["closed", "implemented"]  # the second one is back at its verification
    assert answers == [{"question_id": "resp-2", "result": "minor"}]
    reopened = await outbox(bot, "capa_reopened")
    assert {r["chat_id"] for r in reopened} == {STAFF_EN.id, AUDITOR_EN.id}

    card = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_next")), message_id=card.message_id)
    assert "Last time (A-2026-001" in card.text and "Conform" in card.text
    assert label(AUDITOR_EN, "carry_btn_effective") not in button_labels(card)

    done = await complete_from(bot, AUDITOR_EN, card)
    assert "completed" in done.text
    text = body_text(await fetch_report(bot, AUDITOR_EN, "A-2027-001"))
    assert "Follow-up of previous findings" in text and "Verified effective: 1; not effective: 1" in text
    assert "A-2026-001 NC1" in text and "✔ Effective" in text and "✘ Not effective" in text
    assert "Two interface matters this year again without minutes" in text
    first_report = body_text(await fetch_report(bot, AUDITOR_EN, "A-2026-001"))
    assert "Follow-up of previous findings" not in first_report  # a department's first audit

    tz = ZoneInfo("Asia/Shanghai")
    today = clock.now().astimezone(tz).date()
    figures = await load_review(bot.db, parse_period(str(today.year), today), tz, today)
    assert figures.verified == {"effective": 1, "not_effective": 1}
    pack = body_text(docx.Document(render_review(figures, "en", tmp_path / "review.docx")))
    assert "Earlier actions verified effective at the next audit" in pack
    earlier = await load_review(bot.db, parse_period(str(today.year - 1), today), tz, today)
    assert earlier.verified == {}


def _checklist(version: int, questions: list[tuple[str, str]]) -> dict:
    return {"id": "carry-test", "version": version, "title": {"zh": "沿用测试", "en": "Carry test"},
            "sections": [{"id": "s1", "title": {"zh": "第一章", "en": "Part one"}, "questions": [
                {"id": qid, "clause": clause, "text": {"zh": f"问题 {qid}？", "en": f"Question {qid}?"},
                 "guidance": {"zh": "看记录", "en": "Look at the records"}, "evidence": "optional"}
                for qid, clause in questions]}]}


async def test_the_checklist_changed_between_the_audits(bot, clock):
    folder = bot.data_dir / "checklists"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "carry-test.yaml"
    path.write_text(yaml.safe_dump(_checklist(1, [("a", "5.3"), ("b", "6.2"), ("c", "7.1")]), allow_unicode=True))
    await bot.restart()
    await bot.join(AUDITOR_EN, "auditor")
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "Carry test", "Office"))
    card = await answer(bot, AUDITOR_EN, card, "minor", "The duty list is out of date")
    card = await answer(bot, AUDITOR_EN, card, "conform")
    summary = await answer(bot, AUDITOR_EN, card, "conform")  # the last question: the summary
    closing = await bot.press(AUDITOR_EN, summary.button(label(AUDITOR_EN, "btn_closing")), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button(label(AUDITOR_EN, "btn_complete")), message_id=closing.message_id)
    done = await bot.press(AUDITOR_EN, confirm.button(label(AUDITOR_EN, "btn_complete_confirm")),
                           message_id=confirm.message_id)
    assert "completed" in done.text
    await a_year_on(clock)
    path.write_text(yaml.safe_dump(_checklist(2, [("a", "5.3"), ("b2", "6.2"), ("d", "8.5")]), allow_unicode=True))
    await bot.restart()

    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "Carry test", "Office"))
    assert "Last time (A-2026-001" in card.text and "NC1" in card.text and "The duty list is out of date" in card.text
    assert "same clause" not in card.text  # the same question
    assert "Corrective action still waiting for a plan" in card.text  # not closed: nothing to verify
    assert label(AUDITOR_EN, "carry_btn_effective") not in button_labels(card)
    card = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_skip")), message_id=card.message_id)
    assert "Question b2?" in card.text and "same clause" in card.text and "Conform" in card.text
    card = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_skip")), message_id=card.message_id)
    assert "Question d?" in card.text and "New question" in card.text and "Last time" not in card.text



async def test_like_last_time(bot, clock):
    plan, _, _ = await team_of_two(bot)  # Ann's audit of Office, with Wang
    ask = await bot.press(AUDITOR_EN, plan.button(label(AUDITOR_EN, "btn_edit", field="Scope")), message_id=plan.message_id)
    assert "Scope" in ask.text
    await bot.say(AUDITOR_EN, "Document control and records of the Office, 2026")
    card = await bot.command(AUDITOR_EN, "/resume")
    card = await through_opening(bot, AUDITOR_EN, card)
    card = await answer(bot, AUDITOR_EN, card, "conform")
    await complete_from(bot, AUDITOR_EN, card)
    await a_year_on(clock)

    start = await bot.command(AUDITOR_EN, "/audit")
    picker = await bot.press(AUDITOR_EN, start.button("ISO 9001"), message_id=start.message_id)  # another checklist
    like = picker.button(label(AUDITOR_EN, "carry_btn_like_last_time", number="A-2026-001"))
    assert "Like last time" in picker.text
    mark = bot.double.mark()
    plan = await bot.press(AUDITOR_EN, like, message_id=picker.message_id)
    assert "A-2027-001" in plan.text and "functional department" in plan.text  # last time's checklist
    assert "Document control and records of the Office, 2026" in plan.text and "Wang" in plan.text
    told = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "A-2027-001" in (s.text or ""), after=mark)
    assert "审核组" in told.text
    stale = await bot.press_for_answer(AUDITOR_EN, like, message_id=picker.message_id, check=False)  # the old picker
    assert "out of date" in stale.params["text"]
    card = await through_opening(bot, AUDITOR_EN, plan)
    assert "Result: <b>—</b>" in card.text and "Last time (A-2026-001" in card.text  # results empty
    async with bot.db.read() as conn:
        numbers = [r["number"] for r in await fetch_all(conn, "SELECT number FROM audits ORDER BY id")]
    assert numbers == ["A-2026-001", "A-2027-001"]
