"""Issue 23, point 8 (seen in Chinese): a later due date asked in the middle of the plan.

The person comes back to the step they were at, with the request noted on the card, and what
they type next answers that step; the prompt has a way back, and a wrong date there says how
to leave without naming a button that does not exist.
"""

from __future__ import annotations

from storage.repos import capa_history, findings
from tests.capa_fixtures import DUE, cast, day, local, make_action
from tests.harness import STAFF
from tests.helpers import button_labels, last_to


async def _at_the_root_cause(bot, clock):
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    card = await bot.say(STAFF, "已补签两份岗位说明书。")
    assert "2/6 原因分析" in card.plain_text
    return action, card


async def test_the_request_returns_to_the_step_and_typing_goes_on(bot, clock):
    action, card = await _at_the_root_cause(bot, clock)
    card = await bot.press(STAFF, card.button("申请延期"), message_id=card.message_id)
    assert "希望将整改期限延至哪一天" in card.plain_text
    assert "◀ 返回（不申请延期）" in button_labels(card)
    wrong = await bot.say(STAFF, "下个月吧")
    assert "不需要延期请点“◀ 返回”" in wrong.plain_text
    assert any(label.startswith("延后两周") for label in button_labels(wrong))  # the date buttons it names
    card = await bot.say(STAFF, "2026-12-20")
    card = await bot.say(STAFF, "需要局务会审议。")
    assert "延期申请已提交审核员" in card.plain_text and "已申请延期至 2026-12-20" in card.plain_text
    assert "2/6 原因分析" in card.plain_text  # back where they were
    card = await bot.say(STAFF, "岗位说明书模板没有签字栏。")  # the root cause, not refused
    assert "当前没有需要输入的内容" not in card.plain_text and "这是根本原因吗" in card.plain_text
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
        assert "签字栏" in (row["root_cause_json"] or "")
        assert (await capa_history.latest_extension(conn, action.capa_id))["state"] == "pending"


async def test_back_on_the_prompt_asks_nothing(bot, clock):
    action, card = await _at_the_root_cause(bot, clock)
    card = await bot.press(STAFF, card.button("申请延期"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("◀ 返回（不申请延期）"), message_id=card.message_id)
    assert "2/6 原因分析" in card.plain_text and "📅 申请延期" in button_labels(card)
    card = await bot.say(STAFF, "岗位说明书模板没有签字栏。")
    assert "这是根本原因吗" in card.plain_text
    async with bot.db.read() as conn:
        assert await capa_history.latest_extension(conn, action.capa_id) is None
