"""Issue 23, "the year as its people walk it", points 1 and 2, end to end through the Bot API
double: a completed audit is a record. Reopened, it cannot be discarded; ↩️ Withdraw the
revision (two taps of a lead) puts it back exactly as its last completed revision left it.
Each revision asks the department for its own acknowledgement of what is new or changed,
and the audit's auditors hear when someone else reopens, completes or withdraws a revision."""

from __future__ import annotations

from bot.prompts import default_prompts
from storage.sql import fetch_all, fetch_value
from tests.audit_fixtures import first_question
from tests.defect_fixtures import complete_from, fetch_report, label
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness, TgUser
from tests.helpers import body_text


def zh(key: str, **values) -> str:
    return default_prompts().label("zh", key, **values)


def labels_of(sent) -> list[str]:
    return [text for row in sent.buttons for text, _ in row]


async def completed_by(bot: BotHarness, auditor: TgUser):
    """``auditor`` completes an audit of Office: question 2 a minor NC (a note), question 3 an
    observation (a note); Zhao (STAFF) is Office's contact. The completion message."""
    await bot.join(STAFF, "staff", "Office")
    card = await first_question(bot, auditor)
    card = await bot.press(auditor, card.button(label(auditor, "result_conform")), message_id=card.message_id)
    card = await bot.press(auditor, card.button(label(auditor, "result_minor")), message_id=card.message_id)
    card = await bot.say(auditor, "接口清单未签字 / interface list not signed")
    card = await bot.press(auditor, card.button(label(auditor, "btn_next")), message_id=card.message_id)
    card = await bot.press(auditor, card.button(label(auditor, "result_observation")), message_id=card.message_id)
    card = await bot.say(auditor, "未指定代理人 / deputies not named")
    done = await complete_from(bot, auditor, card)
    assert "NC1" in done.text and "OBS1" in done.text
    await bot.settle()
    return done


async def lead_in_chinese(bot: BotHarness) -> None:
    choose = await bot.command(LEAD, "/lang")
    await bot.press(LEAD, choose.button("中文"), message_id=choose.message_id)


async def reopen(bot: BotHarness, reason: str, summary_word: str = "Summary"):
    """The lead reopens A-2026-001 with ``reason``; the summary of the revision."""
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/reopen", f"A-2026-001 {reason}")
    return await bot.double.wait_for(lambda s: s.chat_id == LEAD.id and summary_word in (s.text or ""), after=mark)


async def record_of(bot: BotHarness) -> dict:
    """What a revision may change, as the database has it (ids and texts, not times of reading)."""
    async with bot.db.read() as conn:
        return {
            "audit": [dict(r) for r in await fetch_all(
                conn, "SELECT status, completed_at, plan_json, opening_json, closing_json FROM audits")],
            "answers": [dict(r) for r in await fetch_all(conn, "SELECT * FROM answers ORDER BY question_id")],
            "notes": [dict(r) for r in await fetch_all(
                conn, "SELECT id, question_id, text, deleted_at FROM notes WHERE deleted_at IS NULL ORDER BY id")],
            "files": [dict(r) for r in await fetch_all(
                conn, "SELECT id, question_id FROM evidence WHERE deleted_at IS NULL ORDER BY id")],
            "team": [dict(r) for r in await fetch_all(conn, "SELECT person_id, team_role FROM audit_team ORDER BY 1")],
            "findings": [dict(r) for r in await fetch_all(conn, "SELECT * FROM findings ORDER BY id")],
            "capa": [dict(r) for r in await fetch_all(
                conn, "SELECT id, state, cancelled_at, due_date FROM capa ORDER BY id")],
        }


# --- point 1: a record is never discarded; a revision is withdrawn ------------------------------

async def test_a_reopened_audit_offers_no_discard_and_a_forged_one_changes_nothing_in_chinese(bot: BotHarness):
    """In Chinese: the revision's summary offers ↩️ 撤回本次修订, not 作废审核; a forged 🗑
    (ask or confirm) is refused with the record message; both reports stay in /report and
    the action stays open for the clerk."""
    await completed_by(bot, AUDITOR)
    await lead_in_chinese(bot)
    summary = await reopen(bot, "事实描述有误", summary_word="汇总")
    assert zh("btn_discard") not in labels_of(summary) and "作废" not in str(summary.buttons)
    assert zh("btn_withdraw_revision") in labels_of(summary)
    for forged in ("1|dx|1", "1|dxy|1"):
        refused = await bot.press_for_answer(LEAD, forged, message_id=summary.message_id, check=False)
        assert "是正式记录，不能作废" in refused.text and "撤回本次修订" in refused.text, refused.text
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "in_progress"
        assert await fetch_value(conn, "SELECT COUNT(*) FROM capa WHERE cancelled_at IS NULL AND state = 'open'") == 1
    reports = await bot.command(LEAD, "/report")
    assert "A-2026-001" in reports.text + str(reports.buttons)
    actions = await bot.command(STAFF, "/capa")
    assert "NC1" in actions.plain_text + str(actions.buttons)


async def test_withdraw_the_revision_puts_the_last_completed_one_back(bot: BotHarness):
    """Two taps of the lead: answers, notes, the closing card, the team and the status are as
    revision 1 left them; findings and actions untouched; the open revision gone from the
    history; the trail says who withdrew it and why; the auditor is told; the lead's dialog
    ends and the completed audit's card comes back."""
    await completed_by(bot, AUDITOR_EN)
    before = await record_of(bot)
    mark = bot.double.mark()
    summary = await reopen(bot, "a typo in the statement of NC1")
    told = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR_EN.id and "reopened your audit" in (s.text or ""),
                                     after=mark)
    assert "Lena Lead" in told.plain_text and "revision 2" in told.plain_text and "typo" in told.plain_text

    # the revision changes things: question 2 conform, a note on question 3, the conclusions
    card = await bot.say(LEAD, "2")
    card = await bot.press(LEAD, card.button("Conform"), message_id=card.message_id)  # on to question 3
    card = await bot.say(LEAD, "A new note that the revision adds")
    summary = await bot.press(LEAD, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    assert "↩️ Withdraw the revision" in labels_of(closing)
    assert await record_of(bot) != before

    ask = await bot.press(LEAD, closing.button("Withdraw the revision"), message_id=closing.message_id)
    assert "Withdraw revision 2 of A-2026-001?" in ask.plain_text and "typo" in ask.plain_text
    mark = bot.double.mark()
    done = await bot.press(LEAD, ask.button("Yes, withdraw it"), message_id=ask.message_id)
    assert "Revision 2 of A-2026-001 withdrawn" in done.plain_text and "revision 1" in done.plain_text
    assert any("Report A-2026-001" in text for text in labels_of(done))
    assert await record_of(bot) == before  # exactly revision 1 again
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM audit_revisions") == 0
        trail = await fetch_all(conn, "SELECT person_id, after_json FROM audit_trail WHERE action = 'revision_withdrawn'")
        assert await fetch_value(conn, "SELECT COUNT(*) FROM dialog_state WHERE person_id = :p", {"p": LEAD.id}) == 0
    assert len(trail) == 1 and trail[0]["person_id"] == LEAD.id and "typo" in trail[0]["after_json"]
    told = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR_EN.id and "withdrew revision 2" in (s.text or ""),
                                     after=mark)
    assert "Lena Lead" in told.plain_text

    # bad input: the confirm pressed again, the ask pressed again, an auditor's forged press
    again = await bot.press_for_answer(LEAD, ask.button("Yes, withdraw it"), message_id=ask.message_id, check=False)
    assert "nothing to withdraw" in again.text
    again = await bot.press_for_answer(LEAD, "1|rw|1", message_id=ask.message_id, check=False)
    assert "nothing to withdraw" in again.text
    forged = await bot.press_for_answer(AUDITOR_EN, "1|rwy|1", check=False)
    assert "Only a team lead" in forged.text
    assert await record_of(bot) == before
    text = body_text(await fetch_report(bot, LEAD))
    assert "Revision history" not in text and "typo" not in text and "NC1" in text
    reports = await bot.command(LEAD, "/report")
    assert "A-2026-001" in reports.text + str(reports.buttons)


async def test_a_stale_withdraw_after_the_revision_was_completed_and_a_non_lead_are_refused(bot: BotHarness):
    await completed_by(bot, AUDITOR_EN)
    summary = await reopen(bot, "one more look")
    refused = await bot.press_for_answer(AUDITOR_EN, summary.button("Withdraw the revision"), check=False)
    assert "Only a team lead" in refused.text
    closing = await bot.press(LEAD, summary.button("Closing meeting"), message_id=summary.message_id)
    ask = await bot.press(LEAD, closing.button("Withdraw the revision"), message_id=closing.message_id)
    closing = await bot.press(LEAD, ask.button("Keep revising"), message_id=ask.message_id)
    assert "Closing meeting" in closing.plain_text  # back where the question came from
    confirm = await bot.press(LEAD, closing.button("Complete"), message_id=closing.message_id)
    await bot.press(LEAD, confirm.button("Yes, complete"), message_id=confirm.message_id)
    stale = await bot.press_for_answer(LEAD, ask.button("Yes, withdraw it"), message_id=ask.message_id, check=False)
    assert "nothing to withdraw" in stale.text and "revision 2" in stale.text
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "completed"
        assert await fetch_value(conn, "SELECT COUNT(*) FROM audit_revisions WHERE completed_at IS NOT NULL") == 1


# --- point 2: each revision is acknowledged for itself ---------------------------------------

async def test_each_revision_asks_its_own_acknowledgement_of_what_changed(bot: BotHarness):
    """Zhao acknowledged revision 1. The lead revises: NC1 withdrawn, OBS1's statement
    changed, a new NC. Zhao's notice names 第2版 and lists what changed, with its own
    ✅ button; the old button records nothing and names the current revision; the auditor
    hears what changed; the report's sign-off shows each revision's acknowledgement."""
    mark = bot.double.mark()
    await completed_by(bot, AUDITOR_EN)
    first = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "审核发现" in (s.plain_text or ""), after=mark)
    assert "第" not in first.plain_text.split("\n")[0]  # revision 1: no revision named
    await bot.settle()  # the evidence photos that follow the notice are out before Zhao presses
    acknowledged = await bot.press(STAFF, first.button("确认收到"), message_id=first.message_id)
    assert "确认收到，谢谢" in acknowledged.plain_text

    await reopen(bot, "NC1 was another department's list")
    card = await bot.say(LEAD, "2")
    card = await bot.press(LEAD, card.button("Conform"), message_id=card.message_id)  # NC1 withdrawn; question 3
    card = await bot.say(LEAD, "and no deputy list kept")  # OBS1's statement changes
    await bot.press(LEAD, card.button("Sections"), message_id=card.message_id)
    card = await bot.say(LEAD, "6")
    card = await bot.press(LEAD, card.button("Major NC"), message_id=card.message_id)
    card = await bot.say(LEAD, "No supervision records for 2026")
    mark = bot.double.mark()
    done = await complete_from(bot, LEAD, card)
    assert "Revision 2" in done.plain_text
    notice = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "第2版" in (s.plain_text or ""), after=mark)
    text = notice.plain_text
    assert "审核 A-2026-001 第2版" in text and "与第1版相比的变化" in text
    assert "新增：NC2" in text and "修改：OBS1" in text and "事实描述已修改" in text and "撤销：NC1" in text
    assert "请确认已收到以上第2版审核发现" in text and "确认收到" in str(notice.buttons)
    auditor = await bot.double.wait_for(
        lambda s: s.chat_id == AUDITOR_EN.id and "completed revision 2" in (s.text or ""), after=mark)
    assert "new: NC2" in auditor.plain_text and "withdrawn: NC1" in auditor.plain_text
    assert "changed: OBS1" in auditor.plain_text and "statement changed" in auditor.plain_text

    report = body_text(await fetch_report(bot, LEAD))
    assert "Findings of revision 1 acknowledged by the department: Zhao Clerk" in report
    assert "Acknowledgement of revision 2's findings by the department: pending" in report

    # the rev 1 button again: nothing recorded, the current revision named, its own button
    mark = bot.double.mark()  # (an old copy of it: the acknowledged message has no button any more)
    bot.double.press_button(STAFF, "1|ack|1|1", message_id=first.message_id, check=False)
    stale = await bot.double.reply_to(STAFF, after=mark)
    assert "该按钮属于第1版" in stale.plain_text and "第2版" in stale.plain_text and stale.buttons
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM audit_acknowledgements WHERE rev = 2") == 0
    done = await bot.press(STAFF, notice.button("确认收到"), message_id=notice.message_id)
    assert "第2版已于" in done.plain_text and not done.buttons
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT rev, person_id FROM audit_acknowledgements ORDER BY rev")
    assert [(r["rev"], r["person_id"]) for r in rows] == [(1, STAFF.id), (2, STAFF.id)]
    report = body_text(await fetch_report(bot, LEAD))
    assert "Findings of revision 2 acknowledged by the department: Zhao Clerk" in report and "pending" not in report


async def test_closing_meeting_pressed_again_on_the_summary_shows_the_closing_card(bot: BotHarness):
    """The summary's "🤝 Closing meeting" tapped twice (or on an older summary once the audit
    is at its closing meeting) shows the closing card again, not "out of date"."""
    await completed_by(bot, AUDITOR_EN)
    summary = await reopen(bot, "one more note")
    data = summary.button("Closing meeting")
    closing = await bot.press(LEAD, data, message_id=summary.message_id)
    mark = bot.double.mark()  # the second tap of a double tap: the client still showed the summary
    toast = await bot.press_for_answer(LEAD, data, message_id=summary.message_id, check=False)
    assert "out of date" not in (toast.params.get("text") or "")
    assert closing.button("Complete")
    await bot.say(LEAD, "/help")  # the chat's updates are handled in order: that press is done
    assert not [s for s in bot.double.sent[mark:] if "out of date" in (s.text or "")]
