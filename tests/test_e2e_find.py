"""Issue 21, point 4: /find over audits, findings, notes and actions, in both languages, within
each person's rights, with filters and pages; and its bad input."""

from __future__ import annotations

from tests.audit_fixtures import first_question, jpeg
from tests.harness import AUDITOR, LEAD, OTHER_STAFF, STAFF, STRANGER
from tests.helpers import button_labels

STATEMENT = "抽查的5份付款凭证中有2份未书面授权签字，不符合7.5.3的要求"


async def previous_audit_in_chinese(bot) -> None:
    """Wang audits 财务局 (one minor NC with the statement above, a photo) and completes it;
    Zhao then joins as 财务局's clerk, Qian as 办公室's."""
    card = await first_question(bot, AUDITOR, department="财务局")
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    card = await bot.say(AUDITOR, STATEMENT)
    card = await bot.send_photo(AUDITOR, jpeg(3, (640, 480)))
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    await bot.join(STAFF, "staff", "财务局")
    await bot.command(LEAD, "/departments")
    await bot.join(OTHER_STAFF, "staff", "办公室")


async def test_a_previous_audits_finding_found_by_a_chinese_word_of_its_statement(bot):
    await previous_audit_in_chinese(bot)
    found = await bot.command(AUDITOR, "/find", "授权签字")  # no spaces, in the middle of the statement
    assert "A-" in found.text and "未书面授权签字" in found.text and "财务局" in found.text
    labels = button_labels(found)
    assert any("🔴" in label for label in labels), labels
    summary = await bot.press(AUDITOR, found.button("🔴"), message_id=found.message_id)
    assert "财务局" in summary.text  # the audit's summary

    short = await bot.command(AUDITOR, "/find", "签字")  # two characters: below the trigram, still found
    assert "未书面授权签字" in short.text
    reversed_words = await bot.command(AUDITOR, "/find", "签字授权")  # the words in another order: not a substring
    assert "没有找到" in reversed_words.text
    apart = await bot.command(AUDITOR, "/find", "签字 授权")  # as two words, in any order
    assert "未书面授权签字" in apart.text

    # the lead, with filters: the department, the clause, the year, the action's state
    lead = await bot.command(LEAD, "/find", "授权签字 dept:财务 clause:5 year:2026")
    assert "Finding" not in lead.text and "finding" in lead.text and "action" in lead.text
    card = await bot.press(LEAD, lead.button("🛠"), message_id=lead.message_id)
    assert STATEMENT[:10] in card.text  # the action's card, opened as its verifier
    none = await bot.command(LEAD, "/find", "授权签字 dept:办公室")
    assert "Nothing found" in none.text
    overdue = await bot.command(LEAD, "/find", "state:overdue")
    assert "Nothing found" in overdue.text  # due in weeks
    opened = await bot.command(LEAD, "/find", "签字 状态:open")
    assert "action" in opened.text


async def test_a_clerk_finds_only_their_departments_actions(bot):
    await previous_audit_in_chinese(bot)
    other = await bot.command(OTHER_STAFF, "/find", "授权签字")
    assert "没有找到" in other.text and "财务局" not in other.text and not button_labels(other)
    mine = await bot.command(STAFF, "/find", "授权签字")
    assert "纠正措施" in mine.text and "🔴" not in mine.text and "📋" not in mine.text
    card = await bot.press(STAFF, mine.button("🛠"), message_id=mine.message_id)
    assert STATEMENT[:10] in card.text  # the clerk's own card of the action


async def test_bad_searches_get_a_short_answer(bot):
    await first_question(bot, AUDITOR, department="财务局")
    usage = await bot.command(AUDITOR, "/find", "     ")
    assert "/find 授权签字" in usage.text
    bare = await bot.command(AUDITOR, "/find")
    assert bare.text == usage.text
    long = await bot.command(AUDITOR, "/find", "签" * 2000)
    assert "检索内容过长" in long.text and len(long.text) < 100
    bad = await bot.command(AUDITOR, "/find", "state:sleeping")
    assert "state:sleeping" in bad.text
    stranger = await bot.command(STRANGER, "/find", "财务局")
    assert "财务局" not in (stranger.text or "")
    forged = await bot.press_for_answer(AUDITOR, "1|fnp|999|1", check=False)
    assert "过期" in forged.text


async def test_ten_hits_a_page_with_buttons_to_the_next(bot):
    card = await first_question(bot, AUDITOR, department="财务局")
    card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    for n in range(12):
        await bot.say(AUDITOR, f"会议记录第{n}份已抽查")
    first = await bot.command(AUDITOR, "/find", "会议记录")
    assert first.text.count("📝") == 10 and "下一页" in " ".join(button_labels(first))
    second = await bot.press(AUDITOR, first.button("下一页"), message_id=first.message_id)
    assert second.text.count("📝") == 2 and "第 2 页" in second.text and "上一页" in " ".join(button_labels(second))
    assert "11." in second.text
    newer = await bot.command(AUDITOR, "/find", "已抽查")
    stale = await bot.press_for_answer(AUDITOR, first.button("下一页"), message_id=first.message_id, check=False)
    assert "过期" in stale.text and newer.text
