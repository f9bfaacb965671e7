"""Issue 23, point 24 (last part, seen in Chinese): N/A stays one tap, and the next card carries
a small optional row for the N/A just given — a common reason in one tap, or ✍️ typed — which
the report's "not applicable" table prints; ignoring the row costs nothing."""

from __future__ import annotations

from storage.sql import fetch_all
from tests.audit_fixtures import first_question
from tests.defect_fixtures import fetch_report
from tests.harness import AUDITOR, BotHarness

ROW = ["不在范围内", "无此活动", "已外包", "✍️ 其他"]


async def _notes(bot: BotHarness) -> dict[str, list[str]]:
    async with bot.db.read() as conn:
        rows = await fetch_all(conn, "SELECT question_id, text FROM notes WHERE deleted_at IS NULL ORDER BY id")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["question_id"], []).append(row["text"])
    return found


async def _toast(bot: BotHarness, data: str, message_id: int, *, check: bool = True) -> str:
    answered = await bot.press_for_answer(AUDITOR, data, message_id=message_id, check=check)
    await bot.settle()
    return answered.params.get("text") or ""


def _card(bot: BotHarness):
    """The question card as it stands now (the last one sent or edited)."""
    return next(s for s in reversed(bot.double.sent_to(AUDITOR.id))
                if s.method in ("sendMessage", "editMessageText") and "/41" in (s.plain_text or ""))


def _last_row(card) -> list[str]:
    return [label for label, _ in card.buttons[-1]]


async def test_a_reason_in_one_tap_after_the_one_tap_na_printed_in_the_report(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "办公室")
    for _ in range(2):
        card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)
    assert "4/41" in card.plain_text  # N/A still moves on at once
    assert "第3题“不适用”的理由（可选）" in card.plain_text and _last_row(card) == ROW
    reason = card.button("无此活动")
    assert await _toast(bot, reason, card.message_id) == "已记录第 3 题“不适用”的理由。"
    card = _card(bot)
    assert "4/41" in card.plain_text and "理由（可选）" not in card.plain_text and "无此活动" not in _last_row(card)
    assert (await _notes(bot))["resp-3"] == ["本部门无此活动"]
    # a double tap: one reason, not two
    assert await _toast(bot, reason, card.message_id, check=False) == "第 3 题已有理由（或备注），未重复记录。"
    assert (await _notes(bot))["resp-3"] == ["本部门无此活动"]

    # ✍️ Other: typed, and back on the card
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)
    assert "第4题“不适用”的理由（可选）" in card.plain_text
    ask = await bot.press(AUDITOR, card.button("✍️ 其他"), message_id=card.message_id)
    assert "请输入第 4 题“不适用”的理由" in ask.plain_text
    card = await bot.say(AUDITOR, "目标分解由上级部门统一负责")
    assert "5/41" in card.plain_text and "“不适用”的理由已记录。" in card.plain_text
    assert "理由（可选）" not in card.plain_text
    assert (await _notes(bot))["obj-1"] == ["目标分解由上级部门统一负责"]

    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    document = await fetch_report(bot, AUDITOR)
    table = next(t for t in document.tables if any("本部门无此活动" in c.text for r in t.rows for c in r.cells))
    texts = [[c.text for c in r.cells] for r in table.rows]
    assert any("5.3" in row[0] and row[-1] == "本部门无此活动" for row in texts)
    assert any("6.2.1" in row[0] and row[-1] == "目标分解由上级部门统一负责" for row in texts)


async def test_ignoring_the_row_costs_nothing_and_a_stale_or_late_reason_changes_nothing(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "办公室")
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)
    stale = card.button("已外包")  # the reason row for question 1
    card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)  # ignored: one tap on
    assert "3/41" in card.plain_text and "理由（可选）" not in card.plain_text and "已外包" not in _last_row(card)
    assert await _notes(bot) == {}
    # question 1 becomes conform: its old reason button is stale
    card = await bot.command(AUDITOR, "/resume")
    for _ in range(2):
        card = await bot.press(AUDITOR, card.button("上一题"), message_id=card.message_id)
    assert "1/41" in card.plain_text and "理由（可选）" not in card.plain_text
    card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    told = await _toast(bot, stale, card.message_id, check=False)
    assert told == "第 1 题已不是“不适用”，理由未记录。"
    assert await _notes(bot) == {}
    # a completed audit: the reason row of an N/A is too late
    card = _card(bot)
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)  # question 2
    late = card.button("不在范围内")
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    assert await _toast(bot, late, confirm.message_id, check=False) == "该审核已完成，不能再修改。"
    assert await _notes(bot) == {}


async def test_a_note_before_the_na_is_its_reason_no_row(bot: BotHarness):
    card = await first_question(bot, AUDITOR, "办公室")
    await bot.say(AUDITOR, "本部门不对外采购")
    card = _card(bot)
    card = await bot.press(AUDITOR, card.button("不适用"), message_id=card.message_id)
    assert "2/41" in card.plain_text and "理由（可选）" not in card.plain_text and _last_row(card) != ROW
