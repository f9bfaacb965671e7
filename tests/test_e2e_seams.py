"""The seams of issue 8, tried as a new user would: after /cancel, between co-auditors, in
the person's language; and what an auditor's press costs the database."""

from __future__ import annotations

from sqlalchemy import event

from storage.repos import trail
from tests.audit_fixtures import first_question, start_audit, team_of_two, through_opening
from tests.databases import sqlite_only
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF


async def test_field_button_after_cancel_still_asks_for_the_field(bot):
    """Defect 1: ✏️ on the plan card after /cancel used to fail with 'something went wrong'."""
    await bot.join(AUDITOR_EN, "auditor")
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    ask = await bot.press(AUDITOR_EN, plan.button("Objectives"), message_id=plan.message_id)
    assert "Objectives" in ask.text
    cancelled = await bot.command(AUDITOR_EN, "/cancel")
    assert "went wrong" not in cancelled.text
    ask = await bot.press(AUDITOR_EN, plan.button("Scope"), message_id=plan.message_id)
    assert "Scope" in ask.text and "went wrong" not in ask.text
    plan = await bot.say(AUDITOR_EN, "Licensing, 2026")
    assert "Licensing, 2026" in plan.text


async def test_field_button_after_pause(bot):
    """Defect 1, after Pause: the plan card of another audit still takes its ✏️ buttons."""
    await bot.join(AUDITOR_EN, "auditor")
    first_plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    second_plan = await start_audit(bot, AUDITOR_EN, "functional", "Finance")
    card = await through_opening(bot, AUDITOR_EN, second_plan)
    paused = await bot.press(AUDITOR_EN, card.button("Pause"), message_id=card.message_id)
    assert "went wrong" not in paused.text
    ask = await bot.press(AUDITOR_EN, first_plan.button("Scope"), message_id=first_plan.message_id)
    assert "Scope" in ask.text and "went wrong" not in ask.text
    plan = await bot.say(AUDITOR_EN, "Licensing, 2026")
    assert "Licensing, 2026" in plan.text and "Office" in plan.text


async def test_error_reaches_a_chinese_user_in_chinese_and_the_leads_once(bot, clock):
    """Defect 2: the last-resort message follows the person's language; leads hear once in 10 minutes."""
    await bot.command(LEAD, "/start")
    await bot.join(AUDITOR, "auditor")
    runtime = bot.app.bot_data["runtime"]

    def broken(lang):
        raise RuntimeError("disk on fire")

    runtime.audit.checklist_choices = broken
    mark = bot.double.mark()
    reply = await bot.command(AUDITOR, "/audit")
    assert "出了点问题" in reply.text, reply.text
    await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "RuntimeError" in (s.text or ""), after=mark)
    mark = bot.double.mark()
    reply = await bot.command(AUDITOR, "/audit")
    assert "出了点问题" in reply.text
    await bot.settle()
    assert not [s for s in bot.double.sent[mark:] if s.chat_id == LEAD.id]
    clock.advance(minutes=11)
    await bot.command(AUDITOR, "/audit")
    await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "RuntimeError" in (s.text or ""), after=mark)

    async def broken_lang(actor, lang):
        raise RuntimeError("disk on fire")

    runtime.people.set_lang = broken_lang  # a press fails: the popup is in Chinese too
    popup = await bot.press_for_answer(AUDITOR, "1|lang|en", check=False)
    assert "出了点问题" in popup.text and popup.params.get("show_alert") is True


async def test_newest_card_keeps_working_after_cancel_of_a_field_prompt(bot):
    """Defect 3: /cancel drops only the pending prompt; the card keeps working."""
    card = await first_question(bot)
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing"), message_id=summary.message_id)
    await bot.press(AUDITOR_EN, closing.button("Conclusions"), message_id=closing.message_id)
    await bot.command(AUDITOR_EN, "/cancel")
    ignored = await bot.say(AUDITOR_EN, "not a conclusion")  # the prompt is gone: nothing is filled in
    assert "not a conclusion" not in ignored.text
    toast = await bot.press_for_answer(AUDITOR_EN, closing.button("◀ Summary"), message_id=closing.message_id)
    assert "out of date" not in (toast.text or "")
    summary = bot.double.last_bot_message(AUDITOR_EN.id)
    assert "Closing meeting" not in summary["text"]


async def test_newest_card_keeps_working_after_a_lead_renames_the_department(bot):
    """Defect 3: a lead renaming the department mid-audit keeps their own card working."""
    plan = await start_audit(bot, LEAD, "functional", "Office")
    card = await through_opening(bot, LEAD, plan)
    summary = await bot.press(LEAD, card.button("Summary"), message_id=card.message_id)
    listing = await bot.command(LEAD, "/departments")
    await bot.press(LEAD, listing.button("Office"), message_id=listing.message_id)
    renamed = await bot.say(LEAD, "General Office")
    assert "General Office" in renamed.text
    toast = await bot.press_for_answer(LEAD, summary.button("Closing"), message_id=summary.message_id)
    assert "out of date" not in (toast.text or "")
    await bot.settle()
    closing = [s for s in bot.double.sent_to(LEAD.id) if s.method == "editMessageText"][-1]
    assert "General Office" in closing.text and "Conclusions" in closing.text


async def test_back_on_the_first_question_says_where_to_go_and_sections_lead_back(bot):
    """Defect 9: ◀ Back on question 1 answers; the sections list has a way back."""
    card = await first_question(bot)
    toast = await bot.press_for_answer(AUDITOR_EN, card.button("Back"), message_id=card.message_id)
    assert "first question" in toast.text
    card = await bot.press(AUDITOR_EN, card.button("Skip"), message_id=card.message_id)
    assert "<b>2/" in card.text
    sections = await bot.press(AUDITOR_EN, card.button("Sections"), message_id=card.message_id)
    back = await bot.press(AUDITOR_EN, sections.button("Back to question 2"), message_id=sections.message_id)
    assert "<b>2/" in back.text


async def test_co_auditors_see_who_answered_and_a_replaced_answer(bot):
    """Defect 10: the card shows who recorded the result; a change by someone else is visible."""
    plan, _, _ = await team_of_two(bot)
    card = await through_opening(bot, AUDITOR_EN, plan)
    card = await bot.press(AUDITOR_EN, card.button("Conform"), message_id=card.message_id)
    assert "<b>2/" in card.text  # one tap: on to question 2
    card = await bot.press(AUDITOR_EN, card.button("Back"), message_id=card.message_id)
    assert "Ann Auditor" in card.text
    theirs = await bot.command(AUDITOR, "/resume")
    assert "Ann Auditor" in theirs.text
    toast = await bot.press_for_answer(AUDITOR, theirs.button("轻微不符合"), message_id=theirs.message_id)
    assert "Ann Auditor" in toast.text and "符合" in toast.text
    await bot.settle()
    cards = [m for m in bot.double.sent if m.chat_id == AUDITOR.id and m.text and "<b>1/" in m.text]
    assert "Wang Auditor" in cards[-1].text and "Ann Auditor" in cards[-1].text  # (a team notice may come later)
    async with bot.db.read() as conn:
        entries = await trail.entries(conn, "answer", f"{card_audit_id(card)}:resp-1")
    assert [(e["person_id"], e["after_json"]) for e in entries] == [(AUDITOR_EN.id, '"conform"'),
                                                                    (AUDITOR.id, '"minor"')]


def card_audit_id(card) -> int:
    return int(card.button("Conform").split("|")[2])


@sqlite_only
async def test_an_auditors_press_costs_two_transactions_and_at_most_ten_statements(bot):
    card = await first_question(bot)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)  # warm the caches
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    engine = bot.db.engine.sync_engine

    async def measured(label: str) -> object:
        counted: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            counted.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            shown = await bot.press(AUDITOR_EN, card.button(label), message_id=card.message_id)
            await bot.settle()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        transactions = [sql for sql in counted if sql.startswith("BEGIN IMMEDIATE")]  # writes
        reads = [sql for sql in counted if sql.startswith("BEGIN DEFERRED")]  # snapshots for reads
        statements = [sql for sql in counted if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
        print(f"press {label}: {len(transactions)} write transactions, {len(reads)} reads, "
              f"{len(statements)} statements")
        assert len(transactions) <= 2, counted
        assert len(statements) <= 10, statements
        return shown

    card = await measured("Minor NC")  # a result that changes the answer and stays
    card = await measured("Next")
    assert "<b>3/" in card.text
    card = await measured("Conform")  # one tap: recorded and on to the next question
    assert "<b>4/" in card.text
    card = await measured("Back")
    card = await measured("N/A")  # one tap that changes an answer
    assert "<b>4/" in card.text
    sections = await bot.press(AUDITOR_EN, card.button("Sections"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, sections.button("Innovation"), message_id=sections.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Skip"), message_id=card.message_id)
    assert "<b>41/41" in card.text  # the last question; one tap there: the summary
    summary = await measured("Conform")
    assert "Summary" in summary.text


async def test_refusals_of_the_people_service_are_explained_in_the_persons_language(bot):
    """No more PermissionError/ValueError('taken') matched by text: codes, in one place."""
    await bot.join(STAFF, "staff", "Legal Office")
    await bot.command(LEAD, "/invite", "staff Finance")  # creates the department
    listing = await bot.command(LEAD, "/departments")
    await bot.press(LEAD, listing.button("Legal Office"), message_id=listing.message_id)
    taken = await bot.say(LEAD, "Finance")
    assert "already has that name" in taken.text
    done = await bot.say(LEAD, "Legal Affairs Office")
    assert "Legal Affairs Office" in done.text
    refused = await bot.command(STAFF, "/users")
    assert refused.text.startswith("您没有此项权限")
    forged = await bot.press_for_answer(STAFF, listing.button("Finance"), check=False)
    assert forged.text.startswith("您没有此项权限") and forged.params.get("show_alert") is True
    stale = await bot.press_for_answer(LEAD, "1|dr|999", check=False)
    assert "out of date" in stale.text
