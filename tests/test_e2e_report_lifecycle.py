"""Issue 20, the official record: a report from completion through submit, a change request,
resubmit, the department's comment, the late-issue question, approval, issue to three
recipients, two receipts, then a reopening that issues revision 2; and the bad input."""

from __future__ import annotations

import io

import docx

from bot.telegram import report_buttons as rb
from devtools.harness import jpeg
from storage.sql import execute, fetch_value
from tests.audit_fixtures import first_question
from tests.defect_fixtures import complete_from
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness
from tests.helpers import body_text


async def audit_with_an_nc(bot: BotHarness):
    """Zhao is the contact of Office; Ann audits Office (one minor NC, one observation) and completes
    it. Returns the first question's card (an old card, to press after the issue)."""
    await bot.join(STAFF, "staff", "Office")
    first = card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Two of five job descriptions unsigned")
    card = await bot.send_photo(AUDITOR_EN, jpeg(5, (640, 480)))
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Observation"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Objectives not yet broken down to posts")
    done = await complete_from(bot, AUDITOR_EN, card)
    assert "completed" in done.text
    await bot.settle()
    return first


async def make_approver(bot: BotHarness, user) -> None:
    """The lead makes ``user`` a report approver from their person card (/users)."""
    people = await bot.command(LEAD, "/users")
    card = await bot.press(LEAD, people.button(user.first_name), message_id=people.message_id)
    toast = await bot.press_for_answer(LEAD, card.button("Approves reports"), message_id=card.message_id)
    assert "now approve reports" in toast.text
    await bot.settle()
    assert "✅ Approves reports" in str(bot.double.sent_to(LEAD.id)[-1].buttons)  # the card shows it


async def report_row(bot: BotHarness, user, label: str):
    """/report, and the callback data of the button ``label`` of its row."""
    await bot.settle()  # the notices of the step before are out: the next reply is the list
    listing = await bot.command(user, "/report")
    return listing, listing.button(label)


async def notice(bot: BotHarness, user, mark: int, words: str):
    return await bot.double.wait_for(lambda s: s.chat_id == user.id and words in (s.text or ""), after=mark,
                                     timeout=20)


async def test_report_from_completion_to_revision_2(bot: BotHarness):
    old_card = await audit_with_an_nc(bot)
    await bot.join(AUDITOR, "auditor")
    await make_approver(bot, AUDITOR)  # Wang approves reports (the management representative)

    # the leader submits from /report's row: one tap
    listing, submit = await report_row(bot, AUDITOR_EN, "Submit")
    assert "draft" in listing.text
    mark = bot.double.mark()
    card = await bot.press(AUDITOR_EN, submit, message_id=listing.message_id)
    assert "submitted for approval" in card.text
    asked = await notice(bot, AUDITOR, mark, "提交了")
    assert "A-2026-001" in asked.text

    # the approver requests changes, with the reason: back to the team
    prompt = await bot.press(AUDITOR, asked.button("要求修改"), message_id=asked.message_id)
    assert "原因" in prompt.text
    mark = bot.double.mark()
    done = await bot.say(AUDITOR, "结论中请写明抽样数量")
    assert "已要求修改" in done.text
    back = await notice(bot, AUDITOR_EN, mark, "requested changes")
    assert "结论中请写明抽样数量" in back.text
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "closing"
    closing = await bot.press(AUDITOR_EN, back.button("Open"), message_id=back.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    done = await bot.press(AUDITOR_EN, confirm.button("Yes, complete"), message_id=confirm.message_id)
    assert "completed" in done.text

    # resubmitted; the draft goes to the department, which disagrees with a reason
    listing, submit = await report_row(bot, AUDITOR_EN, "Submit")
    assert "changes requested" in listing.text
    mark = bot.double.mark()
    card = await bot.press(AUDITOR_EN, submit, message_id=listing.message_id)
    second_ask = await notice(bot, AUDITOR, mark, "提交了")
    mark = bot.double.mark()
    sent = await bot.press(AUDITOR_EN, card.button("Draft to the department"), message_id=card.message_id)
    assert "comments are due" in sent.text
    draft = await bot.document_after(STAFF, mark, timeout=20)
    assert "草稿" in draft.text
    assert draft.file_name.endswith(" 征求意见稿 第1版.docx"), draft.file_name  # named in Zhao's language
    await bot.press(STAFF, draft.button("不同意"), message_id=draft.message_id)
    mark = bot.double.mark()
    done = await bot.say(STAFF, "岗位说明书已于上周补签")
    assert "不同意见" in done.text
    await notice(bot, AUDITOR_EN, mark, "disagrees with the draft")

    # the agreed period passes before the issue: the leader is asked why, once; the reason goes on
    bot.clock.advance(days=16)
    mark = bot.double.mark()
    await bot.tick()
    late = await notice(bot, AUDITOR_EN, mark, "not issued within the agreed period")
    await bot.tick()
    assert sum(1 for s in bot.double.sent[mark:] if "agreed period" in (s.text or "")) == 1
    await bot.press(AUDITOR_EN, late.button("Reason of the delay"), message_id=late.message_id)
    mark = bot.double.mark()
    done = await bot.say(AUDITOR_EN, "The approver was on leave")
    assert "recorded" in done.text
    told = await notice(bot, LEAD, mark, "issued late")
    assert "The approver was on leave" in told.text

    # /status counts the report waiting for approval and overdue for issue
    status = await bot.command(LEAD, "/status")
    assert "1 waiting for approval · 1 overdue for issue" in status.text

    # approval, then the issue: three recipients
    mark = bot.double.mark()
    card = await bot.press(AUDITOR, second_ask.button("批准"), message_id=second_ask.message_id)
    assert "已批准" in card.text
    approved = await notice(bot, AUDITOR_EN, mark, "approved the report")
    mark = bot.double.mark()
    issued = await bot.press(AUDITOR_EN, approved.button("Issue"), message_id=approved.message_id)
    assert "rev 1 issued" in issued.text and "findings are locked" in issued.text
    copies = {}
    for user in (LEAD, AUDITOR, STAFF):
        copies[user.id] = await bot.document_after(user, mark, timeout=30)
    own = await bot.document_after(AUDITOR_EN, mark, timeout=30)
    assert len({c.file_bytes for c in (*copies.values(), own)}) == 1  # one official file
    assert copies[STAFF.id].file_name.endswith(" 第1版.docx") and own.file_name.endswith(" rev1.docx")
    text = body_text(docx.Document(io.BytesIO(own.file_bytes)))
    assert "Issued as report A-2026-001, revision 1" in text
    assert "Changes requested" in text and "结论中请写明抽样数量" in text  # the sign-off table
    assert "岗位说明书已于上周补签" in text  # the department's diverging opinion

    # two receipts; the leader sees who has not confirmed
    for user in (LEAD, STAFF):
        copy = copies[user.id]
        await bot.press_for_answer(user, copy.button("✅"), message_id=copy.message_id)
    again = await bot.press_for_answer(LEAD, copies[LEAD.id].button("✅"), message_id=copies[LEAD.id].message_id,
                                       check=False)  # a double tap (the button is gone once confirmed)
    assert "already" in again.text
    listing, open_card = await report_row(bot, AUDITOR_EN, "Sign-off")
    assert "issued rev 1" in listing.text and "receipts 2/3" in listing.text
    card = await bot.press(AUDITOR_EN, open_card, message_id=listing.message_id)
    assert "Wang Auditor: ⏳ not confirmed yet" in card.text

    # the findings are locked: an old card's button is refused, naming /reopen
    refused = await bot.press_for_answer(AUDITOR_EN, old_card.button("Major NC"), message_id=old_card.message_id,
                                         check=False)  # (that card was replaced since)
    assert "is issued" in refused.text and "/reopen" in refused.text

    # a reopening: revision 2 goes through the same steps
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/reopen", "A-2026-001 The photo belongs to another department")
    summary = await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and "Summary" in (s.text or ""), after=mark)
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(LEAD, closing.button("Complete"), message_id=closing.message_id)
    await bot.press(LEAD, confirm.button("Yes, complete"), message_id=confirm.message_id)
    stale = await bot.press_for_answer(AUDITOR, copies[AUDITOR.id].button("✅"),
                                       message_id=copies[AUDITOR.id].message_id)
    assert "第2版" in stale.text  # the current revision is named
    listing, submit = await report_row(bot, AUDITOR_EN, "Submit")
    mark = bot.double.mark()
    await bot.press(AUDITOR_EN, submit, message_id=listing.message_id)
    ask = await notice(bot, AUDITOR, mark, "第2版")
    mark = bot.double.mark()
    await bot.press(AUDITOR, ask.button("批准"), message_id=ask.message_id)
    approved = await notice(bot, AUDITOR_EN, mark, "approved the report")
    mark = bot.double.mark()
    issued = await bot.press(AUDITOR_EN, approved.button("Issue"), message_id=approved.message_id)
    assert "rev 2 issued" in issued.text
    own = await bot.document_after(AUDITOR_EN, mark, timeout=30)
    text = body_text(docx.Document(io.BytesIO(own.file_bytes)))
    assert "Issued as report A-2026-001, revision 2" in text
    assert "Receipts of the issued report" in text and "not confirmed" in text  # rev 1's receipts
    async with bot.db.read() as conn:
        steps = await fetch_value(conn, "SELECT COUNT(*) FROM audit_trail WHERE entity = 'report'")
    assert steps >= 10


async def test_report_lifecycle_bad_input(bot: BotHarness):
    """A submit without statements, a stranger's step, a deactivated recipient skipped and
    reported, and an approver of their own audit when the agency wants another person."""
    await audit_with_an_nc(bot)
    async with bot.db.transaction() as conn:
        await execute(conn, "UPDATE findings SET statement = '' WHERE number = 'NC1'")
    listing, submit = await report_row(bot, AUDITOR_EN, "Submit")
    refused = await bot.press_for_answer(AUDITOR_EN, submit, message_id=listing.message_id)
    assert "NC1" in refused.text and "no statement" in refused.text
    async with bot.db.transaction() as conn:
        await execute(conn, "UPDATE findings SET statement = 'Two unsigned' WHERE number = 'NC1'")
        assert await fetch_value(conn, "SELECT COUNT(*) FROM report_states") == 0

    # someone else's step, and a forged revision
    await bot.join(AUDITOR, "auditor")
    forged = rb.ReportSubmit(1, 1).pack()
    refused = await bot.press_for_answer(AUDITOR, forged, check=False)
    assert "审核组长" in refused.text
    refused = await bot.press_for_answer(AUDITOR_EN, rb.ReportSubmit(1, 7).pack(), check=False)
    assert "current one of A-2026-001 is rev 1" in refused.text

    # Zhao (Office's contact) leaves before the issue: skipped and reported
    people = await bot.command(LEAD, "/users")
    person = await bot.press(LEAD, people.button("Zhao"), message_id=people.message_id)
    ask = await bot.press(LEAD, person.button("Deactivate"), message_id=person.message_id)
    await bot.press(LEAD, ask.button("Yes, deactivate"), message_id=ask.message_id)

    # the agency wants another person to approve: the lead who worked on the audit may not
    bot.app.bot_data["runtime"].settings.report_separate_approver = True
    listing, submit = await report_row(bot, AUDITOR_EN, "Submit")
    mark = bot.double.mark()
    await bot.press(AUDITOR_EN, submit, message_id=listing.message_id)
    asked = await notice(bot, LEAD, mark, "submitted the report")
    async with bot.db.transaction() as conn:  # the lead was on the team
        await execute(conn, "INSERT INTO audit_team(audit_id, person_id, team_role, joined_at)"
                            " VALUES (1, :id, 'auditor', '2026-01-01T00:00:00+00:00')", {"id": LEAD.id})
    refused = await bot.press_for_answer(LEAD, asked.button("Approve"), message_id=asked.message_id)
    assert "someone outside the audit team" in refused.text
    async with bot.db.transaction() as conn:
        await execute(conn, "DELETE FROM audit_team WHERE person_id = :id", {"id": LEAD.id})
    await bot.press(LEAD, asked.button("Approve"), message_id=asked.message_id)
    listing, issue = await report_row(bot, AUDITOR_EN, "Issue")
    bot.app.bot_data["runtime"].notices.protect_reports = True  # AUDITBOT_REPORT_PROTECT_CONTENT
    mark = bot.double.mark()
    issued = await bot.press(AUDITOR_EN, issue, message_id=listing.message_id)
    assert "Not sent (left): Zhao" in issued.text
    copy = await bot.document_after(LEAD, mark, timeout=30)
    assert copy.params.get("protect_content") in (True, "true", "True")
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT skipped FROM report_receipts WHERE person_id = :id",
                                 {"id": STAFF.id}) == "left"
