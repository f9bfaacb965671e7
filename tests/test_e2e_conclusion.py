"""Issue 23, point 5 (seen in Chinese): an audit is not completed without a conclusion — the
completion card refuses, suggests one from the counts, and one tap uses it and completes (or
✍️ one's own); on a revision the old conclusion is shown to keep or edit, with the counts
that changed since the last completion ("结论写于第1版：轻微不符合项 2 项，现为 3 项")."""

from __future__ import annotations

import json

from storage.sql import fetch_all, fetch_value
from tests.audit_fixtures import first_question, jpeg
from tests.defect_fixtures import fetch_report, label
from tests.harness import AUDITOR, LEAD, STAFF, BotHarness
from tests.helpers import button_labels, document_text

SUGGESTED = "本次审核发现轻微不符合项 2 项、观察项 1 项，质量管理体系运行基本有效，不符合项需按期纠正。"


async def _findings_then_closing(bot: BotHarness):
    """Wang (Chinese) audits 办公室: Q2 a minor NC, Q3 an observation, Q6 a minor NC, the rest of the
    first six conform; the closing card."""
    card = await first_question(bot, AUDITOR, "办公室")
    card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    for result, statement in (("轻微不符合", "岗位职责未经审批"), ("观察项", "代理人未书面指定")):
        card = await bot.press(AUDITOR, card.button(result), message_id=card.message_id)
        card = await bot.say(AUDITOR, statement)
        card = await bot.press(AUDITOR, card.button("下一题"), message_id=card.message_id)
    for _ in range(2):
        card = await bot.press(AUDITOR, card.button("符合"), message_id=card.message_id)
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    card = await bot.say(AUDITOR, "质量目标未分解到岗位")
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    return await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)


async def _closing_json(bot: BotHarness) -> dict:
    async with bot.db.read() as conn:
        return json.loads(await fetch_value(conn, "SELECT closing_json FROM audits"))


async def test_no_conclusion_is_refused_and_the_suggested_one_completes_in_one_tap(bot: BotHarness):
    await bot.join(STAFF, "staff", "办公室")
    closing = await _findings_then_closing(bot)
    mark = bot.double.mark()
    card = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    told = await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery" and "审核结论尚未填写" in (s.text or ""),
                                     after=mark)
    assert "不能完成审核" in told.text  # refused, in Wang's language
    assert "审核结论尚未填写" in card.plain_text and SUGGESTED in card.plain_text
    assert button_labels(card) == ["采用此结论 · ✅ 确认完成", "✍️ 填写审核结论", "◀ 暂不完成"]
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "closing"  # nothing completed
    done = await bot.press(AUDITOR, card.button("采用此结论"), message_id=card.message_id)  # one tap
    assert "已完成" in done.plain_text and "NC1" in done.plain_text
    assert (await _closing_json(bot))["conclusions"] == SUGGESTED
    async with bot.db.read() as conn:
        trail = await fetch_all(conn, "SELECT action FROM audit_trail WHERE entity = 'audit' ORDER BY id")
    assert [t["action"] for t in trail][-2:] == ["closing.conclusions", "completed"]
    document = await fetch_report(bot, AUDITOR)
    assert SUGGESTED in document_text(document)  # the report's conclusions


async def test_write_the_conclusion_from_the_refusal(bot: BotHarness):
    closing = await _findings_then_closing(bot)
    card = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    ask = await bot.press(AUDITOR, card.button("填写审核结论"), message_id=card.message_id)
    assert "审核结论" in ask.plain_text
    closing = await bot.say(AUDITOR, "体系基本有效，岗位职责管理需改进。")
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    assert "体系基本有效，岗位职责管理需改进。" in confirm.plain_text and "尚未填写" not in confirm.plain_text
    assert button_labels(confirm)[0] == "✅ 确认完成"
    done = await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    assert "已完成" in done.plain_text


async def test_a_stale_suggestion_a_conclusion_written_meanwhile_and_a_double_tap(bot: BotHarness):
    """Bad input: the suggestion's counts changed since it was shown (refused: the new one is
    shown); a conclusion written meanwhile (that one, to confirm); a second tap after completion."""
    closing = await _findings_then_closing(bot)
    card = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    old = card.button("采用此结论")
    async with bot.db.transaction() as conn:  # meanwhile a co-auditor makes the observation an OFI
        from storage.sql import execute
        await execute(conn, "UPDATE answers SET result = 'ofi' WHERE result = 'observation'")
    again = await bot.press(AUDITOR, old, message_id=card.message_id)
    assert "审核结论尚未填写" in again.plain_text and "改进机会 1 项" in again.plain_text
    assert (await _closing_json(bot)).get("conclusions") is None
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "closing"
    fresh = again.button("采用此结论")
    write = await bot.press(AUDITOR, again.button("填写审核结论"), message_id=again.message_id)
    assert write.plain_text
    await bot.say(AUDITOR, "体系基本有效。")
    shown = await bot.press(AUDITOR, fresh, message_id=again.message_id)  # written meanwhile: confirm that one
    assert "体系基本有效。" in shown.plain_text and button_labels(shown)[0] == "✅ 确认完成"
    done = await bot.press(AUDITOR, shown.button("确认完成"), message_id=shown.message_id)
    assert "已完成" in done.plain_text
    assert (await _closing_json(bot))["conclusions"] == "体系基本有效。"
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR, fresh, message_id=shown.message_id, check=False)  # a late second tap
    await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery" and "已完成" in (s.text or ""), after=mark)
    async with bot.db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM findings") == 3
    assert (await _closing_json(bot))["conclusions"] == "体系基本有效。"


async def test_a_revision_shows_the_old_conclusion_to_keep_or_edit_with_what_changed(bot: BotHarness):
    closing = await _findings_then_closing(bot)
    card = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, card.button("采用此结论"), message_id=card.message_id)
    await bot.settle()
    bot.double.send_command(LEAD, "/reopen", "A-2026-001 第3题应为不符合项")
    await bot.settle()
    card = await bot.command(AUDITOR, "/resume")
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    card = await bot.say(AUDITOR, "3")
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    card = await bot.send_photo(AUDITOR, jpeg(4, (320, 240)))  # Q3 needs evidence for an NC
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    text = confirm.plain_text
    assert f"审核结论（第1版）：{SUGGESTED}" in text
    assert "结论写于第1版：轻微不符合项 2 项，现为 3 项；观察项 1 项，现为 0 项" in text
    assert button_labels(confirm) == ["保持结论 · ✅ 确认完成", "✏️ 修改结论", "◀ 暂不完成"]
    ask = await bot.press(AUDITOR, confirm.button("修改结论"), message_id=confirm.message_id)
    assert "审核结论" in ask.plain_text
    closing = await bot.say(AUDITOR, "本次审核发现轻微不符合项 3 项，体系运行基本有效。")
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    assert "第1版" not in confirm.plain_text and "本次审核发现轻微不符合项 3 项" in confirm.plain_text
    assert button_labels(confirm)[0] == "✅ 确认完成"  # edited in this revision: a plain yes
    done = await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    assert "报告第 2 版" in done.plain_text
    assert (await _closing_json(bot))["concluded"] == {"text": "本次审核发现轻微不符合项 3 项，体系运行基本有效。",
                                                        "revision": 2}


async def test_a_revision_whose_counts_stayed_keeps_its_conclusion_in_one_tap(bot: BotHarness):
    closing = await _findings_then_closing(bot)
    card = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, card.button("采用此结论"), message_id=card.message_id)
    await bot.settle()
    bot.double.send_command(LEAD, "/reopen", "A-2026-001 补充第3题的描述")
    await bot.settle()
    card = await bot.command(AUDITOR, "/resume")
    summary = await bot.press(AUDITOR, card.button(label(AUDITOR, "btn_summary")), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    assert "审核发现的数量与第1版相同：结论是否仍然适用？" in confirm.plain_text
    done = await bot.press(AUDITOR, confirm.button("保持结论"), message_id=confirm.message_id)
    assert "报告第 2 版" in done.plain_text
    assert (await _closing_json(bot))["conclusions"] == SUGGESTED
