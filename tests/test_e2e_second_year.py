"""Issue 21, done-when, in one story (seen in Chinese): two audits of one department a year
apart on a moved clock. Before the second interview the department answers a records request
with two files and one "not applicable"; the cards show last time's findings; one action is
verified effective, the other not (its verification reopened); /find finds the first audit's
finding by a Chinese word of its statement."""

from __future__ import annotations

from sqlalchemy import text

from tests.audit_fixtures import jpeg, start_audit, through_opening
from tests.carry_fixtures import a_year_on, answer, close_actions
from tests.defect_fixtures import complete_from, label
from tests.harness import AUDITOR, STAFF
from tests.helpers import button_labels

FIRST = "抽查5份岗位说明书，其中2份未经负责人签批，不符合5.3的要求"
SECOND = "与人事科的职责接口事项未形成会议纪要"


async def test_the_second_year_of_a_department(bot, clock):
    await bot.join(AUDITOR, "auditor")
    await bot.join(STAFF, "staff", "财务局")
    card = await through_opening(bot, AUDITOR, await start_audit(bot, AUDITOR, "职能部门", "财务局"))
    card = await answer(bot, AUDITOR, card, "minor", FIRST, photo=True)
    card = await answer(bot, AUDITOR, card, "minor", SECOND)
    card = await answer(bot, AUDITOR, card, "conform")
    assert "A-2026-001" in (await complete_from(bot, AUDITOR, card)).text
    first, second = await close_actions(bot, "A-2026-001", clock)
    await a_year_on(clock)

    # before the interview: the records asked for, answered with two files and one "not applicable"
    plan = await start_audit(bot, AUDITOR, "职能部门", "财务局")
    draft = await bot.press(AUDITOR, plan.button("请提供资料"), message_id=plan.message_id)
    draft = await bot.say(AUDITOR, "1\n2027年质量目标分解表\n5月归档索引")
    mark = bot.double.mark()
    await bot.press(AUDITOR, draft.button("发送给部门（3 项）"), message_id=draft.message_id)
    notice = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "请提供资料" in (s.text or ""), after=mark)
    await bot.press(STAFF, notice.button("📎 1."), message_id=notice.message_id)
    card = await bot.send_document(STAFF, b"%PDF-1.4 posts", "岗位说明书.pdf")
    assert "已收到 1 个文件" in card.text
    await bot.press(STAFF, notice.button("📎 2."), message_id=notice.message_id)
    card = await bot.send_photo(STAFF, jpeg(8, (640, 480)))
    assert "已收到 1 个文件" in card.text
    card = await bot.press(STAFF, notice.button("📎 3."), message_id=notice.message_id)
    card = await bot.press(STAFF, card.button("不适用"), message_id=card.message_id)
    await bot.say(STAFF, "不适用：本部门5月无归档")
    async with bot.db.read() as conn:
        states = [r[0] for r in await conn.execute(text("SELECT state FROM document_request_items ORDER BY position"))]
        provided = (await conn.execute(text("SELECT COUNT(*) FROM evidence WHERE source = 'department'"))).scalar()
    assert states == ["provided", "provided", "not_applicable"] and provided == 2

    # the interview: last time on the cards; NC1's action effective, NC2's not
    card = await through_opening(bot, AUDITOR, plan)
    assert "A-2027-001" in card.text and "上次" in card.text and FIRST[:8] in card.text
    assert "部门提供：1 份文件" in card.plain_text
    await bot.press_for_answer(AUDITOR, card.button(label(AUDITOR, "carry_btn_effective")), message_id=card.message_id)
    await bot.settle()  # the card edited to say so
    card = await bot.press(AUDITOR, card.button(label(AUDITOR, "btn_skip")), message_id=card.message_id)
    assert SECOND in card.text
    await bot.press(AUDITOR, card.button(label(AUDITOR, "carry_btn_not_effective")), message_id=card.message_id)
    card = await bot.say(AUDITOR, "今年又有两项接口事项没有会议纪要")
    assert label(AUDITOR, "carry_btn_effective") not in button_labels(card)
    async with bot.db.read() as conn:
        verdicts = [tuple(r) for r in await conn.execute(text(
            "SELECT capa_id, verdict FROM capa_effectiveness ORDER BY capa_id"))]
        actions = [r[0] for r in await conn.execute(text("SELECT state FROM capa ORDER BY id"))]
    assert verdicts == [(first, "effective"), (second, "not_effective")]
    assert actions == ["closed", "implemented"]  # the second back at its verification

    # a year on, the first audit's finding is found by a Chinese word of its statement
    await bot.settle()  # the reopened action's notice to its verifier
    found = await bot.command(AUDITOR, "/find", "负责人签批")
    assert "A-2026-001" in found.text and "未经负责人签批" in found.text
