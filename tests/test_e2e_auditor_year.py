"""Issue 11, "the auditor's year", end to end through the Bot API double: one tap per
conforming answer, statements for every finding, a completion that says what it will do,
and messages that end a flow offering the next step."""

from __future__ import annotations

from tests.audit_fixtures import first_question, start_audit, team_of_two, through_opening
from tests.defect_fixtures import complete_from, fetch_report, label, send_photo
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness, TgUser
from tests.helpers import body_text, button_labels

STAFF_TWO = TgUser(id=3004, first_name="Qian", last_name="Clerk", language_code="en")


class Taps:
    """Presses and commands of one person, counted."""

    def __init__(self, bot: BotHarness, user: TgUser):
        self.bot, self.user, self.count = bot, user, 0

    async def press(self, sent, text: str):
        self.count += 1
        return await self.bot.press(self.user, sent.button(text), message_id=sent.message_id)


async def test_a_41_question_audit_all_conform_takes_48_taps(bot: BotHarness):
    """Item 1: one tap per Conform; the whole audit: 4 taps to the first question, 41
    answers, closing meeting, Complete, confirm."""
    await bot.join(AUDITOR_EN, "auditor")
    taps = Taps(bot, AUDITOR_EN)
    card = await bot.command(AUDITOR_EN, "/audit")
    card = await taps.press(card, "functional")
    await taps.press(card, "➕")
    card = await bot.say(AUDITOR_EN, "Office")  # the new department's name is typed, not tapped
    card = await taps.press(card, "✅")  # the plan
    card = await taps.press(card, "▶")  # the opening meeting
    for number in range(1, 42):
        assert f"<b>{number}/41</b>" in card.text, card.text
        card = await taps.press(card, "Conform")
    assert "Summary" in card.text and "Conform: 41" in card.text and "Unanswered: 0 of 41" in card.text
    card = await taps.press(card, "Closing meeting")
    card = await taps.press(card, "Complete")
    done = await taps.press(card, "Yes, complete")
    assert "Audit A-2026-001 completed" in done.text and "No findings" in done.text
    assert taps.count == 48  # (with an existing department: its button instead of ➕, also 48)


async def test_one_tap_toast_names_the_question_and_back_changes_it(bot: BotHarness):
    card = await first_question(bot, AUDITOR_EN)
    toast = await bot.press_for_answer(AUDITOR_EN, card.button("N/A"), message_id=card.message_id)
    assert toast.text == "Recorded: N/A for question 1. ◀ Back changes it."
    await bot.settle()
    card = bot.double.last_bot_message(AUDITOR_EN.id)
    assert "2/41" in card["text"]
    card = await bot.press(AUDITOR_EN, "1|q|1|1|back", message_id=card["message_id"])
    assert "<b>1/41</b>" in card.text and "✅ N/A" in str(card.buttons)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    assert "<b>1/41</b>" in card.text and "✅ Minor NC" in str(card.buttons)  # a finding stays for its statement
    assert "Next" in str(card.buttons)


async def test_every_finding_needs_a_statement_before_completion(bot: BotHarness):
    """Item 2: an OFI, an observation and a good practice without a statement block completion."""
    card = await first_question(bot, AUDITOR_EN)
    for result in ("OFI", "Observation", "Good practice"):
        card = await bot.press(AUDITOR_EN, card.button(result), message_id=card.message_id)
        card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("N/A"), message_id=card.message_id)  # N/A needs no reason
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    assert summary.text.count("type a statement of what was found") == 3, summary.text
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    refused = await bot.press_for_answer(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    assert "need a statement" in refused.text
    await bot.settle()
    shown = [s for s in bot.double.sent_to(AUDITOR_EN.id) if s.method in ("editMessageText", "sendMessage")]
    summary = shown[-1]
    assert "Summary" in summary.text  # the refusal shows the summary
    card = await bot.press(AUDITOR_EN, summary.button("Statement missing"), message_id=summary.message_id)
    assert "<b>1/41</b>" in card.text
    await bot.say(AUDITOR_EN, "Use a register for the interface issues")
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT status FROM audits") == "in_progress"


async def test_complete_asks_and_says_who_gets_the_actions(bot: BotHarness):
    """Item 5: '1 corrective action will be sent to Finance Bureau's 2 contacts'."""
    await bot.join(STAFF_TWO, "staff", "Finance Bureau")
    await bot.join(STAFF, "staff", "Finance Bureau")
    card = await first_question(bot, AUDITOR_EN, "Finance Bureau")
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)  # question 1 needs a photo for an NC
    card = await bot.press(AUDITOR_EN, card.button("Major NC"), message_id=card.message_id)
    await bot.say(AUDITOR_EN, "No signed job descriptions")
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    assert "Complete audit A-2026-001?" in confirm.plain_text
    assert "1 corrective action will be sent to Finance Bureau's 2 contacts." in confirm.plain_text
    assert "1 NC" in confirm.plain_text
    # not yet: back to the closing meeting, nothing completed
    closing = await bot.press(AUDITOR_EN, confirm.button("Not yet"), message_id=confirm.message_id)
    assert "Closing meeting" in closing.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT status FROM audits") == "closing"
        assert await fetch_value(conn, "SELECT COUNT(*) FROM capa") == 0


async def test_complete_says_when_the_department_has_no_contact_yet(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "档案室")
    card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    await bot.say(AUDITOR, "两份岗位说明书未签批")
    summary = await bot.press(AUDITOR, card.button(label(AUDITOR, "btn_summary")), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button(label(AUDITOR, "btn_closing")), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button(label(AUDITOR, "btn_complete")), message_id=closing.message_id)
    assert "档案室还没有联系人" in confirm.plain_text, confirm.plain_text


async def test_completion_offers_the_report_and_another_audit(bot: BotHarness):
    """Item 9: the completion message's buttons: Report, Resume another."""
    await bot.join(AUDITOR_EN, "auditor")
    await start_audit(bot, AUDITOR_EN, "functional", "Finance")  # another unfinished audit
    card = await through_opening(bot, AUDITOR_EN, await start_audit(bot, AUDITOR_EN, "functional", "Office"))
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    done = await complete_from(bot, AUDITOR_EN, card)
    assert "A-2026-002 completed" in done.text
    assert button_labels(done) == ["📄 Report A-2026-002", "⏯ Resume another audit"]
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR_EN, done.button("Report"), message_id=done.message_id)
    sent = await bot.document_after(AUDITOR_EN, mark, timeout=30)
    assert "A-2026-002" in (sent.params.get("caption") or "") + str(sent.params.get("document", ""))
    resumed = await bot.press(AUDITOR_EN, done.button("Resume another"), message_id=done.message_id)
    assert "A-2026-001" in resumed.text and "Audit plan" in resumed.text  # the only unfinished one


async def test_pause_offers_resume_and_the_menu(bot: BotHarness):
    """Item 9: the pause message's buttons."""
    card = await through_opening(bot, LEAD, await start_audit(bot, LEAD, "functional", "Office"))
    paused = await bot.press(LEAD, card.button("Pause"), message_id=card.message_id)
    assert "paused at question 1/41" in paused.text
    menu = await bot.press(LEAD, paused.button("Menu"), message_id=paused.message_id)
    assert "New audit" in str(menu.buttons)
    card = await bot.press(LEAD, paused.button("Resume"), message_id=paused.message_id)
    assert "<b>1/41</b>" in card.text


async def skip_all(bot: BotHarness, user: TgUser, card, count: int):
    for _ in range(count):
        card = await bot.press(user, card.button("Skip"), message_id=card.message_id)
    return card


async def test_summary_names_problems_by_question_and_pages_every_unanswered_one(bot: BotHarness):
    """Item 7: problems by number and first words (questions 1–3 share clause 5.3); all 41
    unanswered questions reachable, a page at a time; a way back to where the auditor was."""
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Skip"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Observation"), message_id=card.message_id)  # question 2, 5.3
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    text = summary.plain_text
    assert "2. How are responsibilities divided" in text and "(5.3): type a statement" in text, text
    assert "Unanswered: 40 of 41 (questions 1, 3–41)" in text
    labels = button_labels(summary)
    assert labels[0].startswith("✏️ Statement missing: 2. How are")
    assert labels[1].startswith("❔ 1. ") and "1/6" in labels and "▶" in labels
    assert "◀ Back to question 3" in labels
    seen = set()
    for page in range(6):
        seen |= {t.split(".")[0].split()[-1] for t in button_labels(summary) if "❔" in t}
        if page < 5:
            summary = await bot.press(AUDITOR_EN, summary.button("▶"), message_id=summary.message_id)
    assert seen == {str(n) for n in [1, *range(3, 42)]}  # every unanswered question, none cut off
    assert "6/6" in str(summary.buttons) and "▶" not in button_labels(summary)
    card = await bot.press(AUDITOR_EN, summary.button("❔ 41."), message_id=summary.message_id)
    assert "<b>41/41</b>" in card.text
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, summary.button("Back to question 41"), message_id=summary.message_id)
    assert "<b>41/41</b>" in card.text


async def test_a_typed_number_on_the_summary_or_sections_jumps_there(bot: BotHarness):
    """Item 7, and the bad input: a jump to question 0 or 999 is refused with the range."""
    card = await first_question(bot, AUDITOR_EN)
    await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    for bad in ("0", "999"):
        refused = await bot.say(AUDITOR_EN, bad)
        assert f"There is no question {bad}. Type a number from 1 to 41." in refused.text
    card = await bot.say(AUDITOR_EN, "12")
    assert "<b>12/41</b>" in card.text
    note = await bot.say(AUDITOR_EN, "7")  # on a question card a number is a note, as any text
    assert "Note saved" in note.text and "<b>12/41</b>" in note.text
    sections = await bot.press(AUDITOR_EN, note.button("Sections"), message_id=note.message_id)
    assert "type a question number" in sections.text
    card = await bot.say(AUDITOR_EN, "#40")
    assert "<b>40/41</b>" in card.text
    await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "sampled 3 files")  # other text on the summary: a note where they were
    assert "Note saved" in card.text and "<b>40/41</b>" in card.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_all
        notes = await fetch_all(conn, "SELECT question_id, text FROM notes ORDER BY id")
    assert [n["text"] for n in notes] == ["7", "sampled 3 files"]


async def test_chinese_summary_and_jump(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "办公室")
    summary = await bot.press(AUDITOR, card.button("汇总"), message_id=card.message_id)
    assert "第 1–41 题" in summary.plain_text
    refused = await bot.say(AUDITOR, "0")
    assert "没有第 0 题" in refused.text
    card = await bot.say(AUDITOR, "第3题")
    assert "<b>3/41</b>" in card.text


async def test_discard_an_audit_started_by_mistake(bot: BotHarness):
    """Item 4: with a confirmation; it leaves /resume, /status and /report; the trail keeps
    it; its number is not reused."""
    await bot.join(AUDITOR_EN, "auditor")
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    ask = await bot.press(AUDITOR_EN, plan.button("Discard"), message_id=plan.message_id)
    assert "Discard audit A-2026-001?" in ask.plain_text and "number is not given to another audit" in ask.plain_text
    plan = await bot.press(AUDITOR_EN, ask.button("Keep it"), message_id=ask.message_id)
    assert "Audit plan" in plan.text
    ask = await bot.press(AUDITOR_EN, plan.button("Discard"), message_id=plan.message_id)
    done = await bot.press(AUDITOR_EN, ask.button("Yes, discard"), message_id=ask.message_id)
    assert "Audit A-2026-001 (Office) discarded" in done.plain_text
    assert "Menu" in str(done.buttons)
    resume = await bot.command(AUDITOR_EN, "/resume")
    assert "A-2026-001" not in resume.text + str(resume.buttons)
    status = await bot.command(LEAD, "/status")
    assert "A-2026-001" not in status.text
    reports = await bot.command(AUDITOR_EN, "/report")
    assert "A-2026-001" not in reports.text + str(reports.buttons)
    toast = await bot.press_for_answer(AUDITOR_EN, plan.button("✅"), message_id=plan.message_id, check=False)
    assert "was discarded" in toast.text  # the old plan card's buttons
    again = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    assert "A-2026-002" in again.text  # the number is not reused
    async with bot.db.read() as conn:
        from storage.sql import fetch_all
        rows = await fetch_all(conn, "SELECT action, before_json, after_json FROM audit_trail"
                                     " WHERE entity = 'audit' AND entity_id = '1' AND action = 'discarded'")
    assert [(r["before_json"], r["after_json"]) for r in rows] == [('"planning"', '"cancelled"')]


async def test_discarding_someone_elses_audit_is_refused_unless_lead(bot: BotHarness):
    """Bad input: a co-auditor cannot discard the audit another auditor created; a lead can,
    from the summary too."""
    plan, _, _ = await team_of_two(bot)
    card = await through_opening(bot, AUDITOR_EN, plan)
    await bot.settle()  # the notice that Wang was added comes first
    theirs = await bot.command(AUDITOR, "/resume")
    summary = await bot.press(AUDITOR, theirs.button("汇总"), message_id=theirs.message_id)
    refused = await bot.press_for_answer(AUDITOR, summary.button("作废"), message_id=summary.message_id)
    assert "只有发起本次审核的审核员或审核组长可以作废" in refused.text
    mark = bot.double.mark()
    bot.double.press_button(LEAD, "1|dx|1", check=False)
    ask = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "Discard audit" in (s.text or ""), after=mark)
    done = await bot.press(LEAD, ask.button("Yes, discard"), message_id=ask.message_id)
    assert "discarded" in done.text
    toast = await bot.press_for_answer(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    assert "was discarded" in toast.text


async def nc_with_note_and_photo(bot: BotHarness, user: TgUser = AUDITOR_EN):
    card = await first_question(bot, user)
    card = await bot.press(user, card.button("Conform"), message_id=card.message_id)  # question 2 needs no photo
    card = await bot.press(user, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(user, "call Zhao about the register tomorrow")  # a note to oneself, by mistake
    card = await send_photo(bot, user, 3, "canteen menu")  # a photo for another question
    assert "📝 1 note" in card.text and "📎 1 evidence file" in card.text
    return card


async def test_deleting_the_last_statement_of_an_nc_blocks_completion(bot: BotHarness):
    """Item 3, bad input: the note deleted, completion is refused with the reason; the
    trail keeps the text; the report would show only what is current."""
    card = await nc_with_note_and_photo(bot)
    records = await bot.press(AUDITOR_EN, card.button("Notes & files (2)"), message_id=card.message_id)
    assert "call Zhao about the register" in records.text and "canteen menu" in records.text
    records = await bot.press(AUDITOR_EN, records.button("🗑 📝1"), message_id=records.message_id)
    assert "call Zhao" not in records.text
    card = await bot.press(AUDITOR_EN, records.button("Back to question 2"), message_id=records.message_id)
    assert "📝" not in card.text.split("Result")[1]
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    assert "2. When the head" in summary.plain_text or "type a statement" in summary.plain_text
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    refused = await bot.press_for_answer(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    assert "need a statement" in refused.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_all
        notes = await fetch_all(conn, "SELECT text, deleted_at, deleted_by FROM notes")
        trail = await fetch_all(conn, "SELECT action, before_json FROM audit_trail WHERE entity = 'note' ORDER BY id")
    assert notes[0]["text"] == "call Zhao about the register tomorrow" and notes[0]["deleted_at"]
    assert notes[0]["deleted_by"] == AUDITOR_EN.id
    assert [t["action"] for t in trail] == ["added", "deleted"] and "call Zhao" in trail[1]["before_json"]


async def test_edit_a_note_and_move_and_delete_files(bot: BotHarness):
    """Item 3: ✏️ a note (the old text in the trail); ↪ a photo to the question it shows;
    🗑 a file; the report holds only what is current."""
    card = await nc_with_note_and_photo(bot)
    records = await bot.press(AUDITOR_EN, card.button("Notes & files"), message_id=card.message_id)
    ask = await bot.press(AUDITOR_EN, records.button("✏️ 📝1"), message_id=records.message_id)
    assert "new text of this note" in ask.text and "call Zhao" in ask.text
    card = await bot.say(AUDITOR_EN, "Two of five job descriptions are unsigned")
    assert "Note changed" in card.text and "Two of five" in card.text and "call Zhao" not in card.text
    records = await bot.press(AUDITOR_EN, card.button("Notes & files"), message_id=card.message_id)
    assert "(edited)" in records.text
    # issue 23, point 12: the questions are buttons, and the person stays where they were
    ask = await bot.press(AUDITOR_EN, records.button("↪ 📎1"), message_id=records.message_id)
    assert "1–41" in ask.text and "question 2 now" in ask.text
    assert any("(here now)" in label for label in button_labels(ask))
    refused = await bot.say(AUDITOR_EN, "99")  # a typed number still works, and is checked
    assert "There is no question 99" in refused.text
    records = await bot.press(AUDITOR_EN, ask.button("5 · "), message_id=ask.message_id)
    assert "Question 2" in records.text and "canteen menu" not in records.text
    assert [s.text for s in bot.double.sent if s.method == "answerCallbackQuery"][-1] == "File moved to question 5."
    card = await bot.press(AUDITOR_EN, records.button("Back to question 2"), message_id=records.message_id)
    for _ in range(3):  # Next ▶ on answered questions, Skip ⏭ on the others
        on = "Next" if any("Next" in label for label in button_labels(card)) else "Skip"
        card = await bot.press(AUDITOR_EN, card.button(on), message_id=card.message_id)
    assert "<b>5/41</b>" in card.text and "📎 1 evidence file" in card.text
    card = await send_photo(bot, AUDITOR_EN, 4, "blurred photo")
    records = await bot.press(AUDITOR_EN, card.button("Notes & files (2)"), message_id=card.message_id)
    records = await bot.press(AUDITOR_EN, records.button("🗑 📎2"), message_id=records.message_id)
    assert "blurred photo" not in records.text and "canteen menu" in records.text
    card = await bot.press(AUDITOR_EN, records.button("Back to question 5"), message_id=records.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    done = await complete_from(bot, AUDITOR_EN, card)
    assert "completed" in done.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_all
        trail = await fetch_all(conn, "SELECT entity, action, before_json, after_json FROM audit_trail"
                                      " WHERE entity IN ('note', 'evidence') ORDER BY id")
    actions = [(t["entity"], t["action"]) for t in trail]
    assert ("note", "edited") in actions and ("evidence", "moved") in actions and ("evidence", "deleted") in actions
    edited = next(t for t in trail if t["action"] == "edited")
    assert "call Zhao" in edited["before_json"] and "Two of five" in edited["after_json"]
    text = body_text(await fetch_report(bot, AUDITOR_EN))
    assert "Two of five job descriptions are unsigned" in text and "call Zhao" not in text
    assert "blurred photo" not in text


async def test_a_file_cannot_be_moved_into_another_audit(bot: BotHarness):
    """Item 3, bad input: a (forged or stale) ↪ naming another audit than the file's is refused."""
    await nc_with_note_and_photo(bot)
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Finance")  # audit 2
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        file_id = await fetch_value(conn, "SELECT id FROM evidence")
    toast = await bot.press_for_answer(AUDITOR_EN, f"1|fm|2|{file_id}", message_id=plan.message_id, check=False)
    assert "belongs to another audit" in toast.text
    toast = await bot.press_for_answer(AUDITOR_EN, f"1|fd|2|{file_id}", message_id=plan.message_id, check=False)
    assert "belongs to another audit" in toast.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_one
        row = await fetch_one(conn, "SELECT audit_id, question_id, deleted_at FROM evidence")
    assert (row["audit_id"], row["deleted_at"]) == (1, None)


async def to_closing_with_an_nc(bot: BotHarness):
    await bot.join(AUDITOR_EN, "auditor")
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    opening = await bot.press(AUDITOR_EN, plan.button("✅"), message_id=plan.message_id)
    await bot.press(AUDITOR_EN, opening.button("Attendees"), message_id=opening.message_id)
    opening = await bot.say(AUDITOR_EN, "Director Li, clerk Zhao")
    card = await bot.press(AUDITOR_EN, opening.button("▶"), message_id=opening.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Two job descriptions unsigned")
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    return summary


async def test_plan_stays_editable_and_closing_attendees_come_from_the_opening(bot: BotHarness):
    """Item 8: ✏️ Plan on the summary; the closing meeting's attendees prefilled."""
    summary = await to_closing_with_an_nc(bot)
    plan = await bot.press(AUDITOR_EN, summary.button("✏️ Plan"), message_id=summary.message_id)
    assert "Audit plan" in plan.text and "Plan confirmed" not in str(plan.buttons)
    await bot.press(AUDITOR_EN, plan.button("Scope"), message_id=plan.message_id)
    plan = await bot.say(AUDITOR_EN, "Licensing and the document register, 2026")
    assert "Licensing and the document register" in plan.text
    summary = await bot.press(AUDITOR_EN, plan.button("Summary"), message_id=plan.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    assert "Director Li, clerk Zhao" in closing.text  # from the opening meeting
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert "document register" in await fetch_value(conn, "SELECT plan_json FROM audits")


async def test_due_dates_quick_buttons_and_typed_forms(bot: BotHarness, clock):
    """Item 8, and the bad input 31/02/2027: quick +30/+60/+90 buttons; typed forms; an
    impossible, ambiguous or past date is refused with the reason."""
    summary = await to_closing_with_an_nc(bot)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    ask = await bot.press(AUDITOR_EN, closing.button("📅"), message_id=closing.message_id)
    labels = button_labels(ask)
    assert [t.split(" (")[0] for t in labels] == ["+30 days", "+60 days", "+90 days", "◀ Back"]
    closing = await bot.press(AUDITOR_EN, ask.button("+90 days"), message_id=ask.message_id)
    ninety = labels[2].split("(")[1].rstrip(")")
    assert f"due {ninety}" in closing.text
    await bot.press(AUDITOR_EN, closing.button("📅"), message_id=closing.message_id)
    for typed, why in (("31/02/2027", "does not exist"), ("03/04/2027", "two ways"), ("2026-01-05", "after today"),
                       ("next week", "could not read")):
        refused = await bot.say(AUDITOR_EN, typed)
        assert why in refused.text, (typed, refused.text)
    closing = await bot.say(AUDITOR_EN, "31.12.2026")
    assert "due 2026-12-31" in closing.text
    await bot.press(AUDITOR_EN, closing.button("📅"), message_id=closing.message_id)
    closing = await bot.say(AUDITOR_EN, "Jan 15")
    assert "due 2027-01-15" in closing.text


async def test_a_co_auditor_is_told_when_added_and_opens_the_audit(bot: BotHarness):
    """Item 10: the notice with a button to open the audit; only the creator or a lead
    changes the team; the summary shows who recorded what; the lead hears of the completion."""
    plan, _, told = await team_of_two(bot)
    assert "Ann Auditor 已将您加入审核 A-2026-001" in told.plain_text
    card = await through_opening(bot, AUDITOR_EN, plan)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    theirs = await bot.press(AUDITOR, told.button("打开"), message_id=told.message_id)
    assert "1/41" in theirs.text and "Ann Auditor" in theirs.text
    refused = await bot.press_for_answer(AUDITOR, f"1|ct|1|{LEAD.id}", check=False)  # a forged team change
    assert "只有发起本次审核的审核员或审核组长可以调整审核组" in refused.text
    await bot.press(AUDITOR, theirs.button("章节"), message_id=theirs.message_id)
    theirs = await bot.say(AUDITOR, "11")
    assert "<b>11/41</b>" in theirs.text
    theirs = await bot.press(AUDITOR, theirs.button("不适用"), message_id=theirs.message_id)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    recorded_by = next(line for line in summary.plain_text.splitlines() if line.startswith("Recorded by: "))
    assert sorted(recorded_by.removeprefix("Recorded by: ").split(" · ")) == ["Ann Auditor 1", "Wang Auditor 1"]
    mark = bot.double.mark()
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    done = await bot.press(AUDITOR_EN, confirm.button("Yes, complete"), message_id=confirm.message_id)
    assert "completed" in done.text
    lead = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "completed audit" in (s.text or ""),
                                     after=mark)
    assert "Ann Auditor completed audit A-2026-001" in lead.plain_text and "No findings; 0 corrective actions" \
        in lead.plain_text
    assert "Report A-2026-001" in str(lead.buttons)


async def test_a_removed_co_auditors_next_press_is_refused_clearly(bot: BotHarness):
    """Item 10, bad input: removed while working, the next press and the next note are refused."""
    plan, _, _ = await team_of_two(bot)
    card = await through_opening(bot, AUDITOR_EN, plan)
    theirs = await bot.command(AUDITOR, "/resume")
    theirs = await bot.press(AUDITOR, theirs.button("轻微不符合"), message_id=theirs.message_id)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    plan = await bot.press(AUDITOR_EN, summary.button("✏️ Plan"), message_id=summary.message_id)
    team = await bot.press(AUDITOR_EN, plan.button("Audit team"), message_id=plan.message_id)
    team = await bot.press(AUDITOR_EN, team.button("Wang"), message_id=team.message_id)  # removed while working
    assert "➕ Wang" in str(team.buttons)
    refused = await bot.press_for_answer(AUDITOR, theirs.button("下一题"), message_id=theirs.message_id)
    assert "您不在审核 A-2026-001 的审核组中" in refused.text
    refused = await bot.say(AUDITOR, "抽查了三份记录")
    assert "您不在审核 A-2026-001 的审核组中" in refused.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT COUNT(*) FROM notes") == 0


async def completed_with_an_nc_and_an_observation(bot: BotHarness):
    await bot.join(STAFF, "staff", "Office")
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "The interface list is not signed")
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Observation"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Deputies are not named")
    done = await complete_from(bot, AUDITOR_EN, card)
    assert "NC1" in done.text and "OBS1" in done.text
    await bot.settle()


async def reopen(bot: BotHarness, reason: str):
    """The lead reopens A-2026-001 with ``reason``; the summary of the reopened audit."""
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/reopen", f"A-2026-001 {reason}")
    return await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "Summary" in (s.text or ""), after=mark)


async def complete_from_summary(bot: BotHarness, user, summary):
    """Closing meeting, Complete, Yes: the audit completed again (a revision)."""
    closing = await bot.press(user, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(user, closing.button("Complete"), message_id=closing.message_id)
    return await bot.press(user, confirm.button("Yes, complete"), message_id=confirm.message_id)


async def test_reopen_without_a_reason_is_refused(bot: BotHarness):
    """Item 6, bad input: no reason, not a lead, not completed."""
    await completed_with_an_nc_and_an_observation(bot)
    refused = await bot.command(LEAD, "/reopen", "A-2026-001")
    assert "A reason is needed" in refused.text
    refused = await bot.command(AUDITOR_EN, "/reopen", "A-2026-001 wrong photo")
    assert "not available to you" in refused.text  # leads only
    refused = await bot.command(LEAD, "/reopen", "A-2026-009 typo")
    assert "no such audit" in refused.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT status FROM audits") == "completed"


async def test_reopen_revise_and_complete_again_as_revision_2(bot: BotHarness):
    """Item 6: a lead reopens with a reason; a finding withdrawn (its action cancelled, the
    department told), one kept (its action untouched), one added (a new number, a new
    action); the report carries revision 2 and the revision history."""
    await completed_with_an_nc_and_an_observation(bot)
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/reopen", "A-2026-001 The NC on question 2 was the wrong department's list")
    reopened = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "reopened" in (s.text or ""), after=mark)
    summary = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "Summary" in (s.text or ""), after=mark)
    assert "A-2026-001" in reopened.text
    card = await bot.say(LEAD, "2")
    assert "<b>2/41</b>" in card.text
    card = await bot.press(LEAD, card.button("Conform"), message_id=card.message_id)  # the NC withdrawn
    await bot.press(LEAD, card.button("Sections"), message_id=card.message_id)
    card = await bot.say(LEAD, "6")
    card = await bot.press(LEAD, card.button("Major NC"), message_id=card.message_id)
    card = await bot.say(LEAD, "No supervision records for 2026")
    summary = await bot.press(LEAD, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(LEAD, closing.button("Complete"), message_id=closing.message_id)
    mark = bot.double.mark()
    done = await bot.press(LEAD, confirm.button("Yes, complete"), message_id=confirm.message_id)
    assert "Revision 2 of its report" in done.plain_text and "1 corrective action of withdrawn findings" \
        in done.plain_text
    assert "NC2" in done.text and "OBS1" in done.text and "NC1" not in done.text
    told = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "已取消" in (s.text or ""), after=mark)
    assert "NC1" in told.plain_text and "wrong department" in told.plain_text
    async with bot.db.read() as conn:
        from storage.sql import fetch_all
        found = await fetch_all(conn, "SELECT f.number, f.withdrawn_at, f.withdrawn_reason, c.state, c.cancelled_at"
                                      " FROM findings f LEFT JOIN capa c ON c.finding_id = f.id ORDER BY f.id")
        revs = await fetch_all(conn, "SELECT rev, reason, completed_at FROM audit_revisions")
    by_number = {f["number"]: f for f in found}
    assert by_number["NC1"]["withdrawn_at"] and "wrong department" in by_number["NC1"]["withdrawn_reason"]
    assert by_number["NC1"]["cancelled_at"] and by_number["NC1"]["state"] == "closed"
    assert by_number["OBS1"]["withdrawn_at"] is None
    assert by_number["NC2"]["state"] == "open" and by_number["NC2"]["cancelled_at"] is None
    assert [(r["rev"], bool(r["completed_at"])) for r in revs] == [(2, True)]
    text = body_text(await fetch_report(bot, LEAD))
    assert "Revision history" in text and "The NC on question 2 was the wrong department's list" in text
    assert "First issue" in text and "NC2" in text and "NC1" not in text


async def test_a_section_assigned_to_a_co_auditor_is_where_their_resume_starts(bot: BotHarness):
    """Item 10: sections assigned from the team card; the co-auditor's /resume starts there."""
    plan, _, _ = await team_of_two(bot)
    team = await bot.press(AUDITOR_EN, plan.button("Audit team"), message_id=plan.message_id)
    sections = await bot.press(AUDITOR_EN, team.button("📑"), message_id=team.message_id)
    assert "Sections for Wang Auditor" in sections.text
    sections = await bot.press(AUDITOR_EN, sections.button("Official document handling"),
                               message_id=sections.message_id)
    assert "✅ Official document handling" in str(sections.buttons)
    team = await bot.press(AUDITOR_EN, sections.button("Audit team"), message_id=sections.message_id)
    plan = await bot.press(AUDITOR_EN, team.button("Back"), message_id=team.message_id)
    await through_opening(bot, AUDITOR_EN, plan)
    theirs = await bot.command(AUDITOR, "/resume")
    assert "<b>13/41</b>" in theirs.text  # the first question of their section
    refused = await bot.press_for_answer(AUDITOR, f"1|ta|1|{AUDITOR.id}|0", check=False)
    assert "只有发起本次审核的审核员或审核组长可以调整审核组" in refused.text


async def test_each_revision_has_its_own_file_name_and_caption_and_pdf_sends_no_word(bot: BotHarness):
    """Issue 23, point 6: rev 1 and rev 2 no longer share a file name; the 📕 PDF button sends
    the PDF (or, where none can be made, says so and sends the Word report), not both."""
    await completed_with_an_nc_and_an_observation(bot)
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "A-2026-001")
    first = await bot.document_after(LEAD, mark, timeout=30)
    assert first.file_name.endswith(".docx") and "rev" not in first.file_name
    assert first.params.get("caption", "").startswith("📄 A-2026-001")

    summary = await reopen(bot, "a typo in the statement")
    await complete_from_summary(bot, LEAD, summary)

    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "A-2026-001")
    second = await bot.document_after(LEAD, mark, timeout=30)
    assert second.file_name.endswith(" rev 2.docx") and second.file_name != first.file_name
    assert second.params.get("caption", "").endswith("· rev 2")

    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "A-2026-001 pdf")
    sent = await bot.document_after(LEAD, mark, timeout=120)
    await bot.settle()
    files = [s.file_name for s in bot.double.sent[mark:] if s.method == "sendDocument" and s.chat_id == LEAD.id]
    if sent.file_name.endswith(".pdf"):
        assert files == [sent.file_name] and sent.file_name.endswith(" rev 2.pdf")  # the PDF alone
    else:  # no LibreOffice here: said so, and the Word report instead
        said = [s.text for s in bot.double.sent[mark:] if s.chat_id == LEAD.id and "PDF" in (s.text or "")]
        assert said and files == [second.file_name]


async def test_reopen_by_buttons_where_a_lead_looks(bot: BotHarness):
    """Issue 23, point 7: /reopen without arguments lists the completed audits as buttons; the
    /report list and the completion notice offer 🔓 too; the reason is typed next (◀ Back leaves)."""
    mark = bot.double.mark()
    await completed_with_an_nc_and_an_observation(bot)
    notice = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "completed audit" in (s.plain_text or ""),
                                       after=mark, timeout=15)
    assert notice.button("Reopen")
    listing = await bot.command(LEAD, "/report")
    assert any("Reopen" in label for row in listing.buttons for label, _ in row)
    auditors_list = await bot.command(AUDITOR_EN, "/report")
    assert not any("Reopen" in label for row in auditors_list.buttons for label, _ in row)

    offer = await bot.command(LEAD, "/reopen")
    assert "/reopen A-2026-001" in offer.plain_text
    ask = await bot.press(LEAD, offer.button("A-2026-001"), message_id=offer.message_id)
    assert "type the reason" in ask.plain_text
    menu = await bot.press(LEAD, ask.button("Back"), message_id=ask.message_id)  # changed their mind
    assert "Hello" in menu.plain_text
    nothing = await bot.say(LEAD, "just a note")
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT status FROM audits") == "completed"
    assert "reopened" not in (nothing.plain_text or "")

    ask = await bot.press(LEAD, notice.button("Reopen"), message_id=notice.message_id)
    mark = bot.double.mark()
    bot.double.send_message(LEAD, "A typo in the statement of NC1")
    reopened = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "reopened" in (s.text or ""), after=mark)
    assert "A-2026-001" in reopened.text
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT reason FROM audit_revisions") == "A typo in the statement of NC1"
    forged = await bot.press_for_answer(AUDITOR_EN, notice.button("Reopen"), check=False)
    assert forged.text  # not a lead: refused in a popup


async def test_keep_it_on_the_summary_returns_to_the_summary_and_a_number_goes_to_its_question(bot: BotHarness):
    """Issue 23, point 10: "◀ Keep it" on the discard question returns to the summary it came
    from (not question 1), and the question number the summary invites one to type opens that
    question instead of becoming a note."""
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    ask = await bot.press(AUDITOR_EN, summary.button("Discard"), message_id=summary.message_id)
    back = await bot.press(AUDITOR_EN, ask.button("Keep it"), message_id=ask.message_id)
    assert "Summary" in back.plain_text and "<b>1/" not in back.text, back.plain_text
    card = await bot.say(AUDITOR_EN, "5")
    assert "<b>5/41</b>" in card.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT COUNT(*) FROM notes") == 0  # "5" was not a note


async def test_the_lead_who_reopens_is_in_the_revision_history_not_the_team(bot: BotHarness):
    """Issue 23, point 4: the reviser belongs in the revision history only, not in the audit
    facts' auditors or the sign-off of revision 2."""
    await completed_with_an_nc_and_an_observation(bot)
    summary = await reopen(bot, "a typo in the statement")
    await complete_from_summary(bot, LEAD, summary)
    document = await fetch_report(bot, LEAD)
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    team = [row for row in rows if row and row[0] in ("Auditors", "Auditor", "Audit team leader")]
    assert team and all("Lena" not in " ".join(row[1:]) for row in team), team  # not an auditor of it
    assert any(row[0] == "Audit team leader" and "Ann Auditor" in " ".join(row[1:]) for row in team)
    history = body_text(document) + "\n".join(" ".join(row) for row in rows)
    assert "Lena Lead" in history and "a typo in the statement" in history  # the revision history


async def test_a_reopened_audit_cannot_be_discarded(bot: BotHarness):
    """Issue 23, point 1: a completed audit is a record; once reopened it offers no 🗑 Discard,
    and a Discard pressed anyway (an old card, a forged button) is refused; nothing changes."""
    await completed_with_an_nc_and_an_observation(bot)
    summary = await reopen(bot, "a typo in the statement")
    assert not any("Discard" in label for row in summary.buttons for label, _ in row)
    refused = await bot.press_for_answer(LEAD, "1|dx|1", message_id=summary.message_id, check=False)
    assert "cannot be discarded" in refused.text
    refused = await bot.press_for_answer(LEAD, "1|dxy|1", message_id=summary.message_id, check=False)
    assert "cannot be discarded" in refused.text
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT status FROM audits") == "in_progress"
        assert await fetch_value(conn, "SELECT COUNT(*) FROM capa WHERE cancelled_at IS NULL") == 1
    reports = await bot.command(LEAD, "/report")
    assert "A-2026-001" in reports.text + str(reports.buttons)


async def test_completing_a_revision_counts_only_the_new_actions(bot: BotHarness):
    """Issue 23, point 3: the confirmation of a revision says how many actions will be sent,
    counting only the new ones (the kept NC's action stays as it is)."""
    await completed_with_an_nc_and_an_observation(bot)
    await reopen(bot, "one more finding")
    card = await bot.say(LEAD, "6")
    card = await bot.press(LEAD, card.button("Major NC"), message_id=card.message_id)
    card = await bot.say(LEAD, "No supervision records for 2026")
    summary = await bot.press(LEAD, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(LEAD, closing.button("Complete"), message_id=closing.message_id)
    assert "1 corrective action will be sent" in confirm.plain_text, confirm.plain_text
    await bot.press(LEAD, confirm.button("Yes, complete"), message_id=confirm.message_id)
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT COUNT(*) FROM capa") == 2  # the kept one and the new one


async def test_the_confirmation_shows_the_conclusion_with_one_tap_to_write_it(bot: BotHarness):
    """Issue 23, point 5 (in part): completing shows the audit's conclusion — or that there is
    none yet — with ✏️ Conclusions one tap away; on a revision, the old one for review."""
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    assert "No conclusion yet" in confirm.plain_text  # refused: the suggested one, or ✍️ one's own
    ask = await bot.press(AUDITOR_EN, confirm.button("Write the conclusion"), message_id=confirm.message_id)
    closing = await bot.say(AUDITOR_EN, "The department's responsibilities are defined and in use.")
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    assert "Conclusion: The department's responsibilities are defined" in confirm.plain_text
    assert ask.plain_text


async def test_a_revisions_closing_card_keeps_an_actions_extended_due_date(bot: BotHarness):
    """Issue 23, point 3: reopened, the closing card shows the kept action's due date in force
    (extended since) and its state, and offers no date button for it."""
    await completed_with_an_nc_and_an_observation(bot)
    async with bot.db.transaction() as conn:
        from storage.sql import execute
        await execute(conn, "UPDATE capa SET due_date = '2027-03-31', original_due_date = due_date")
    summary = await reopen(bot, "a typo in the observation")
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    assert "due 2027-03-31 (NC1's action goes on:" in closing.plain_text
    assert not any(label.startswith("📅") for label in button_labels(closing))
