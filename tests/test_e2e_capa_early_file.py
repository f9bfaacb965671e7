"""Issue 23, point 11 (seen in Chinese): a photo sent while the plan is written is kept.

It waits as evidence of the implementation (the card says so and names the step the clerk is
at), counts when they mark the action implemented, and reaches the auditor with the rest.
"""

from __future__ import annotations

from storage.repos import evidence
from tests.audit_fixtures import jpeg
from tests.capa_fixtures import DUE, cast, day, local, make_action
from tests.defect_fixtures import fetch_report
from tests.harness import AUDITOR, STAFF
from tests.helpers import last_to


async def test_a_photo_during_the_plan_is_kept_for_the_implementation(bot, clock):
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    card = await bot.send_photo(STAFF, jpeg(4, (800, 600)))
    assert "文件已保存，将作为实施证据" in card.plain_text and "1/6 纠正" in card.plain_text
    assert "标记为已实施" not in card.plain_text  # no instruction that cannot be followed
    card = await bot.say(STAFF, "已补签两份岗位说明书。")  # typing goes on with the step
    assert "2/6 原因分析" in card.plain_text
    async with bot.db.read() as conn:
        kept = await evidence.of_capa(conn, action.capa_id)
    assert len(kept) == 1 and kept[0]["kind"] == "photo"

    # the plan, accepted; marking it implemented, the kept photo counts: submit at once
    card = await bot.say(STAFF, "岗位说明书模板没有签字栏。")
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    card = await bot.say(STAFF, "修订模板，增加签字栏。")
    card = await bot.press(STAFF, card.buttons[0][0][1], message_id=card.message_id)
    card = await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)
    await bot.settle()  # the notice to the auditor (later on PostgreSQL)
    review = last_to(bot, AUDITOR.id, "纠正措施计划")
    await bot.press(AUDITOR, review.button("计划通过"), message_id=review.message_id)
    await bot.settle()
    accepted = last_to(bot, STAFF.id, "计划已通过")
    card = await bot.press(STAFF, accepted.button("回复"), message_id=accepted.message_id)
    card = await bot.press(STAFF, card.button("标记为已实施"), message_id=card.message_id)
    assert "本次已收到 1 项" in card.plain_text
    await bot.press(STAFF, card.button("提交验证"), message_id=card.message_id)
    await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "已实施，请验证" in (s.plain_text or ""),
                              timeout=15)
    # issue 23, point 23: the report's action section shows the department's evidence photo
    document = await fetch_report(bot, AUDITOR)
    captions = [p.text for p in document.paragraphs] + [
        p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    assert any("NC1 · 实施情况" in text for text in captions), captions[-20:]
