"""Issue 23, points 14 and 9 (seen in Chinese): /start in the middle of a dialog says where the
person is ("step 2/6 of NC1") with a button to go on; /cancel offers the card that is still
live instead of "send /start"."""

from __future__ import annotations

from tests.audit_fixtures import first_question
from tests.capa_fixtures import DUE, cast, day, local, make_action
from tests.harness import AUDITOR, STAFF
from tests.helpers import button_labels, last_to


async def test_start_in_the_plan_dialog_says_the_step_and_goes_on(bot, clock):
    await cast(bot.db)
    await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    await bot.say(STAFF, "已补签两份岗位说明书。")
    menu = await bot.command(STAFF, "/start")
    assert "您正在处理 NC1" in menu.plain_text and "第 2/6 步（原因分析）" in menu.plain_text
    assert button_labels(menu)[0] == "⏯ 继续 NC1"
    card = await bot.press(STAFF, menu.button("继续 NC1"), message_id=menu.message_id)
    assert "2/6 原因分析" in card.plain_text
    card = await bot.say(STAFF, "岗位说明书模板没有签字栏。")  # the dialog goes on
    assert "这是根本原因吗" in card.plain_text

    done = await bot.command(STAFF, "/cancel")
    assert "已退出当前对话" in done.plain_text and "发送 /start" not in done.plain_text
    card = await bot.press(STAFF, done.button("继续 NC1"), message_id=done.message_id)
    assert "这是根本原因吗" in card.plain_text


async def test_start_during_an_audit_offers_the_audit(bot):
    card = await first_question(bot, AUDITOR, department="法制办公室")
    menu = await bot.command(AUDITOR, "/start")
    assert "您正在进行审核" in menu.plain_text and "法制办公室" in menu.plain_text
    card = await bot.press(AUDITOR, menu.buttons[0][0][1], message_id=menu.message_id)
    assert "1/" in card.plain_text


async def test_back_on_a_typed_prompt_returns_to_its_card(bot):
    from tests.audit_fixtures import start_audit
    await bot.join(AUDITOR, "auditor")
    plan = await start_audit(bot, AUDITOR, "职能部门", "法制办公室")
    ask = await bot.press(AUDITOR, plan.button("受审部门参加人员"), message_id=plan.message_id)
    card = await bot.press(AUDITOR, ask.button("◀ 返回"), message_id=ask.message_id)
    assert "审核计划" in card.plain_text and "✅" in " ".join(button_labels(card))
    async with bot.db.read() as conn:
        from storage.sql import fetch_value
        assert await fetch_value(conn, "SELECT awaiting FROM dialog_state") is None


async def test_back_on_the_verifiers_reason_prompt_asks_nothing(bot, clock):
    from storage.repos import findings
    action, verify = await _implemented(bot, clock)
    ask = await bot.press(AUDITOR, verify.button("退回"), message_id=verify.message_id)
    assert "为什么暂不通过" in ask.plain_text
    card = await bot.press(AUDITOR, ask.button("◀ 返回"), message_id=ask.message_id)
    assert "验证通过" in " ".join(button_labels(card))
    async with bot.db.read() as conn:
        assert (await findings.get_capa(conn, action.capa_id))["state"] == "implemented"


async def _implemented(bot, clock):
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    async with bot.db.transaction() as conn:
        from storage.repos import findings
        await findings.update_capa(conn, action.capa_id, clock.now(), state="implemented",
                                   implementation="新模板已发布。", correction="已补签。")
    card = await bot.command(AUDITOR, "/capa")
    card = await bot.press(AUDITOR, card.buttons[0][0][1], message_id=card.message_id)
    return action, card
