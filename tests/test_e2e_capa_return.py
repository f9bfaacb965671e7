"""Issue 23, point 20 (seen in Chinese): a returned plan step was blank.

The clerk's card for the step the auditor returned shows the reason and what the step said
before (quoted, to copy and change; Telegram cannot prefill the input), with one tap to keep
it as it was; the plan confirmed again reaches the auditor marked "resubmitted after return",
with that step before and after.
"""

from __future__ import annotations

from storage.repos import findings
from tests.capa_fixtures import DUE, cast, day, local, make_action
from tests.harness import AUDITOR, STAFF
from tests.helpers import button_labels, last_to

REASON = "“没有签发栏”只是现象，请再分析为什么模板没有评审。"



async def plan_for_review(bot, clock, correction: str, cause: str):
    """The clerk answers the new action's plan (``correction``, ``cause``) and confirms it;
    the action and the auditor's review notice."""
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    await bot.say(STAFF, correction)
    card = await bot.say(STAFF, cause)
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    await bot.say(STAFF, "修订模板，增加签发栏。")
    card = await bot.say(STAFF, "2026-11-30")
    await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)
    review = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "纠正措施计划" in (s.plain_text or ""))
    return action, review

async def returned_to_the_root_cause(bot, clock):
    """A plan confirmed, returned by the auditor to the root cause; the clerk's returned notice."""
    action, review = await plan_for_review(bot, clock, "已补签两份岗位说明书。", "模板没有签发栏。")
    await bot.press(AUDITOR, review.button("退回：原因分析"), message_id=review.message_id)
    mark = bot.double.mark()
    await bot.say(AUDITOR, REASON)
    returned = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "计划被退回" in (s.plain_text or ""),
                                         after=mark)
    await bot.settle()
    clock.set(local(11, 3, 10))  # the clerk comes back to it the next day
    return action, review, returned


async def _resubmitted_notice(bot, mark):
    return await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "纠正措施计划" in (s.plain_text or ""),
                                     after=mark)


async def test_the_returned_step_shows_its_text_and_the_auditor_sees_what_changed(bot, clock):
    action, review, returned = await returned_to_the_root_cause(bot, clock)
    card = await bot.press(STAFF, returned.button("回复"), message_id=returned.message_id)
    text = card.plain_text
    assert "2/6 原因分析" in text and REASON in text
    assert "退回前填写的内容" in text and "为什么 1：模板没有签发栏。" in text and "其他地方：已检查" in text
    assert "❓ 为什么 1" not in text  # quoted as the earlier text, not as an answer given
    assert "blockquote" in card.text
    assert button_labels(card)[0] == "📋 保持原文"

    # a stale return button on the first review notice: the plan is with the clerk already
    toast = await bot.press_for_answer(AUDITOR, review.button("退回：措施计划"), message_id=review.message_id)
    assert toast.params.get("text") == "这一步已经完成。"

    # the clerk writes a new root cause: the earlier text and its button are gone from the card
    card = await bot.say(STAFF, "模板发布前没有经过评审。")
    assert "这是根本原因吗" in card.plain_text and "退回前填写的内容" not in card.plain_text
    assert "📋 保持原文" not in button_labels(card)
    stale = await bot.press_for_answer(STAFF, f"1|cpq|{action.capa_id}|why", message_id=card.message_id,
                                       check=False)  # a stale "keep as it was"
    assert stale.params.get("text") == "这一步已经完成。"
    await bot.settle()
    assert bot.double.last_bot_message(STAFF.id)["message_id"] == card.message_id  # still the card shown
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    assert "3/6 举一反三" in card.plain_text
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    assert "6/6 确认" in card.plain_text
    mark = bot.double.mark()
    await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)

    # the auditor's review notice: marked, with the root cause before and after
    again = await _resubmitted_notice(bot, mark)
    text = again.plain_text
    assert text.startswith("📌 收到法制办公室的纠正措施计划")
    assert "🔁 退回后重新提交" in text and REASON in text
    before, after = text.index("修改前"), text.index("修改后")
    assert before < text.index("模板没有签发栏。") < after < text.index("模板发布前没有经过评审。", after)
    assert "计划通过" in str(again.buttons)
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
    assert (row["state"], row["returned_step"]) == ("planned", None)

    # the first review notice's buttons answer the plan as it was then: not accepted unseen
    toast = await bot.press_for_answer(AUDITOR, review.button("计划通过"), message_id=review.message_id)
    assert toast.params.get("text", "").startswith("计划已退回后重新提交")
    await bot.settle()
    async with bot.db.read() as conn:
        assert (await findings.get_capa(conn, action.capa_id))["state"] == "planned"
    done = await bot.press(AUDITOR, again.button("计划通过"), message_id=again.message_id)
    assert "计划已通过" in done.plain_text


async def test_keep_as_it_was_resubmits_the_step_unchanged(bot, clock):
    action, _review, returned = await returned_to_the_root_cause(bot, clock)
    card = await bot.press(STAFF, returned.button("回复"), message_id=returned.message_id)
    kept = await bot.press(STAFF, card.button("保持原文"), message_id=card.message_id)
    assert "6/6 确认" in kept.plain_text and "❓ 为什么 1：模板没有签发栏。" in kept.plain_text
    assert "🔎 其他地方：已检查" in kept.plain_text and "退回前填写的内容" not in kept.plain_text
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
    assert row["root_cause_json"] == '["模板没有签发栏。"]' and row["elsewhere"]

    # a double tap: the step is given already; nothing changes
    toast = await bot.press_for_answer(STAFF, card.button("保持原文"), message_id=card.message_id, check=False)
    assert toast.params.get("text") == "这一步已经完成。"
    # text where a button is expected
    typed = await bot.say(STAFF, "好的")
    assert "请使用下方的按钮" in typed.plain_text and "6/6 确认" in typed.plain_text
    async with bot.db.read() as conn:
        assert (await findings.get_capa(conn, action.capa_id))["root_cause_json"] == '["模板没有签发栏。"]'

    mark = bot.double.mark()
    await bot.press(STAFF, typed.button("确认计划"), message_id=typed.message_id)
    again = await _resubmitted_notice(bot, mark)
    assert "🔁 退回后重新提交" in again.plain_text and "该步骤保持原文，未作修改" in again.plain_text
    assert "修改前" not in again.plain_text


async def test_a_returned_plan_step_and_target_date_show_their_earlier_text(bot, clock):
    _, review = await plan_for_review(bot, clock, "已补签。", "没有签发栏。")
    await bot.press(AUDITOR, review.button("退回：完成日期"), message_id=review.message_id)
    await bot.say(AUDITOR, "请提前到 11 月 20 日。")
    returned = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "计划被退回" in (s.plain_text or ""))
    clock.set(local(11, 3, 10))
    card = await bot.press(STAFF, returned.button("回复"), message_id=returned.message_id)
    assert "5/6 计划完成日期" in card.plain_text and "退回前填写的内容" in card.plain_text
    assert "2026-11-30" in card.plain_text.split("退回前填写的内容")[1]
    assert button_labels(card)[0] == "📋 保持原文" and "两周后" in str(card.buttons)
    card = await bot.say(STAFF, "2026-11-20")
    assert "6/6 确认" in card.plain_text
    mark = bot.double.mark()
    await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)
    again = await _resubmitted_notice(bot, mark)
    text = again.plain_text
    assert "🔁 退回后重新提交" in text
    assert text.index("修改前") < text.index("2026-11-30") < text.index("修改后") < text.index("2026-11-20")
