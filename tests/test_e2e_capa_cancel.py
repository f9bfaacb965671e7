"""Issue 8, defect 5: a step's button still works after /cancel (CAPA "elsewhere" step)."""

from __future__ import annotations

import pytest

from storage.sql import execute, fetch_one
from tests.capa_fixtures import DEPARTMENT, DUE, add_person, cast, local, make_action
from tests.defect_fixtures import label
from tests.harness import STAFF, STAFF_EN, BotHarness, TgUser


async def to_elsewhere_step(bot: BotHarness, clock, user: TgUser):
    """The notice → Respond → correction → one why → Continue: the 'elsewhere' card."""
    await cast(bot.db)
    if user is STAFF_EN:
        await add_person(bot.db, STAFF_EN, "staff", DEPARTMENT)
    await make_action(bot.db, due=DUE)
    clock.set(local(11, 2))
    await bot.tick()
    notice = next(s for s in reversed(bot.double.sent_to(user.id)) if s.reply_markup)
    card = await bot.press(user, notice.button(label(user, "capa_btn_respond")), message_id=notice.message_id)
    card = await bot.say(user, "Signed the two job descriptions." if user is STAFF_EN else "已补签两份岗位说明书。")
    card = await bot.say(user, "The template had no signature field." if user is STAFF_EN else "模板没有签发栏。")
    return await bot.press(user, card.button(label(user, "capa_btn_why_done")), message_id=card.message_id)


@pytest.mark.parametrize(("user", "step3", "step4"), [(STAFF, "3/6", "4/6"), (STAFF_EN, "3/6", "4/6")])
async def test_not_found_elsewhere_still_works_after_cancel(bot: BotHarness, clock, user, step3, step4):
    card = await to_elsewhere_step(bot, clock, user)
    assert step3 in card.text
    cancelled = await bot.command(user, "/cancel")
    assert "⏯" in cancelled.text and cancelled.buttons  # a way back to the action, not "send /start"
    mark = bot.double.mark()
    card = await bot.press(user, card.button(label(user, "capa_btn_not_elsewhere")), message_id=card.message_id)
    assert step4 in card.text, card.text
    toasts = [s.text for s in bot.double.sent[mark:] if s.method == "answerCallbackQuery" and s.text]
    assert toasts == []  # no "this step is done" popup
    async with bot.db.read() as conn:
        row = await fetch_one(conn, "SELECT elsewhere FROM capa")
    assert row["elsewhere"] == label(user, "capa_not_elsewhere_text")
    # the dialog goes on from there: typed text is the action plan
    card = await bot.say(user, "Revise the template; HR checks quarterly." if user is STAFF_EN else "修订模板。")
    assert "5/6" in card.text


async def test_not_found_elsewhere_before_any_root_cause_is_still_refused(bot: BotHarness, clock):
    """The button cannot skip the root cause: pressed on an old card after 'start over', it is refused."""
    card = await to_elsewhere_step(bot, clock, STAFF_EN)
    async with bot.db.transaction() as conn:
        await execute(conn, "UPDATE capa SET root_cause_json = '[]'")
    mark = bot.double.mark()
    bot.double.press_button(STAFF_EN, card.button("Not found elsewhere"), message_id=card.message_id)
    await bot.double.wait_for(lambda s: s.method == "answerCallbackQuery", after=mark)
    await bot.settle()
    async with bot.db.read() as conn:
        row = await fetch_one(conn, "SELECT elsewhere FROM capa")
    assert row["elsewhere"] is None
