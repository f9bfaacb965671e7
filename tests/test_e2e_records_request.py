"""Issue 21, point 3: records the department provides before the audit. The auditor asks from
the plan card (a question's number and typed items, with a date); the clerk answers with files
and a "not applicable"; the files land as evidence on their question, provided by the
department; the auditor sees what arrived and returns an item; and the bad input."""

from __future__ import annotations

from sqlalchemy import text

from tests.audit_fixtures import jpeg, start_audit
from tests.harness import AUDITOR, STAFF
from tests.helpers import button_labels


async def requested(bot):
    """Wang plans an audit of 财务局 (Zhao its clerk) and asks for question 3's records and two
    typed items, due in 7 days. Returns (the plan card's request card, Zhao's notice)."""
    await bot.join(AUDITOR, "auditor")
    plan = await start_audit(bot, AUDITOR, "职能部门", "财务局")
    await bot.join(STAFF, "staff", "财务局")
    draft = await bot.press(AUDITOR, plan.button("请提供资料"), message_id=plan.message_id)
    assert "每行输入一项" in draft.text
    draft = await bot.say(AUDITOR, "3\n2026年质量目标\n5月归档索引")
    assert "1. Q3 · " in draft.text and "2. 2026年质量目标" in draft.text and "3. 5月归档索引" in draft.text
    week = [label for label in button_labels(draft) if label.endswith("前")][2]
    draft = await bot.press(AUDITOR, draft.button(week), message_id=draft.message_id)
    mark = bot.double.mark()
    sent = await bot.press(AUDITOR, draft.button("发送给部门（3 项）"), message_id=draft.message_id)
    assert "已发送给部门的 1 位联系人" in sent.text
    notice = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "请提供资料" in (s.text or ""),
                                       after=mark)
    assert [label[:4] for label in button_labels(notice)] == ["📎 1.", "📎 2.", "📎 3."]
    return plan, notice


async def department_evidence(bot) -> list[dict]:
    async with bot.db.read() as conn:
        rows = await conn.execute(text(
            "SELECT e.question_id, e.kind, e.source, e.document_date, i.state, i.late FROM evidence e"
            " JOIN document_request_items i ON i.id = e.request_item_id ORDER BY e.id"))
        return [dict(r._mapping) for r in rows]


async def items(bot) -> list[dict]:
    async with bot.db.read() as conn:
        rows = await conn.execute(text("SELECT * FROM document_request_items ORDER BY position"))
        return [dict(r._mapping) for r in rows]


async def test_a_request_answered_with_two_files_and_one_not_applicable(bot):
    plan, notice = await requested(bot)
    card = await bot.press(STAFF, notice.button("📎 1."), message_id=notice.message_id)
    assert "请现在发送文件或照片" in card.text
    card = await bot.send_document(STAFF, b"%PDF-1.4 register", "用印登记表.pdf")
    assert "已收到 1 个文件" in card.text and "逾期" not in card.text
    card = await bot.say(STAFF, "2026-05-03")  # the date the document bears
    assert "资料日期：2026-05-03" in card.text
    card = await bot.press(STAFF, notice.button("📎 2."), message_id=notice.message_id)
    card = await bot.send_photo(STAFF, jpeg(7, (640, 480)))
    assert "已收到 1 个文件" in card.text
    card = await bot.press(STAFF, notice.button("📎 3."), message_id=notice.message_id)
    card = await bot.press(STAFF, card.button("不适用"), message_id=card.message_id)
    assert "请输入没有该记录的原因" in card.text
    card = await bot.say(STAFF, "不适用：本部门无此类记录")
    assert "不适用" in card.text and "本部门无此类记录" in card.text

    files = await department_evidence(bot)
    assert [(f["kind"], f["source"], f["document_date"], f["state"], f["late"]) for f in files] == [
        ("document", "department", "2026-05-03", "provided", 0), ("photo", "department", None, "provided", 0)]
    assert files[0]["question_id"] and files[1]["question_id"] is None  # question 3's; a typed item has none
    answered = await items(bot)
    assert [i["state"] for i in answered] == ["provided", "provided", "not_applicable"]
    assert answered[2]["note"] == "不适用：本部门无此类记录"

    # the auditor sees what arrived, and returns the photo with a reason; Zhao is told
    seen = await bot.press(AUDITOR, plan.button("请提供资料"), message_id=plan.message_id)
    assert "已请求的资料" in seen.text and "已提供，1 个文件，资料日期 2026-05-03" in seen.text
    assert "不适用：“不适用：本部门无此类记录”" in seen.text
    back = await bot.press(AUDITOR, seen.button("退回 2."), message_id=seen.message_id)
    assert "请输入退回的原因" in back.text
    mark = bot.double.mark()
    after = await bot.say(AUDITOR, "照片看不清，请重新拍摄")
    assert "2. 2026年质量目标：已退回，1 个文件：照片看不清" in after.text
    told = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "资料被退回" in (s.text or ""), after=mark)
    assert "照片看不清" in told.text
    again = await bot.press(STAFF, told.button("重新提供"), message_id=told.message_id)
    assert "退回原因：照片看不清" in again.text


async def test_too_big_wrong_type_and_late_answers(bot):
    plan, notice = await requested(bot)
    card = await bot.press(STAFF, notice.button("📎 2."), message_id=notice.message_id)
    big = await bot.send_document(STAFF, b"%PDF small", "scan.pdf", file_size=30 * 1024 * 1024)
    assert "30.0 MB" in big.text
    wrong = await bot.send_document(STAFF, b"MZ\x90\x00", "setup.exe", "application/x-msdownload")
    assert "不接收“setup.exe”" in wrong.text
    typed = await bot.say(STAFF, "这是什么")
    assert "请在此发送文件或照片" in typed.text
    assert await department_evidence(bot) == []  # nothing taken
    assert [i["state"] for i in await items(bot)] == ["asked", "asked", "asked"]

    # the audit starts (plan confirmed); an answer after that is still taken, marked late
    opening = await bot.press(AUDITOR, plan.button("确认"), message_id=plan.message_id)
    card = await bot.press(STAFF, notice.button("📎 1."), message_id=notice.message_id)
    card = await bot.send_document(STAFF, b"%PDF-1.4 late", "late.pdf")
    assert "已收到 1 个文件" in card.text and "逾期提供" in card.text
    assert [(f["source"], f["late"]) for f in await department_evidence(bot)] == [("department", 1)]

    # question 3's card (the item asked by its number) shows what the department provided
    first = await bot.press(AUDITOR, opening.button("▶"), message_id=opening.message_id)
    await bot.press(AUDITOR, first.button("汇总并结束"), message_id=first.message_id)  # a typed number opens it
    third = await bot.say(AUDITOR, "3")
    assert "📨 部门提供：1 份文件" in third.text, third.text


async def test_reminders_once_per_stage_and_not_once_answered(bot, clock):
    from datetime import UTC, datetime

    from tests.helpers import messages_to

    await requested(bot)  # due 2026-11-09 (a week after the clock's start)
    clock.set(datetime(2026, 11, 8, 12, 30, tzinfo=UTC))  # 20:30 in Shanghai, the day before: quiet hours
    mark = bot.double.mark()
    await bot.tick()
    assert not [s for s in bot.double.sent[mark:] if s.chat_id == STAFF.id]
    clock.set(datetime(2026, 11, 9, 1, 0, tzinfo=UTC))  # 09:00 on the due date: one reminder, the latest stage
    await bot.tick()
    await bot.tick()
    reminders = [s for s in bot.double.sent[mark:] if s.chat_id == STAFF.id and "提醒" in (s.text or "")]
    assert len(reminders) == 1 and "今天到期" in reminders[0].text
    assert len(messages_to(bot, STAFF.id, "提醒")) == 1
    for n in (1, 2, 3):  # everything answered: no reminder of a later stage
        card = await bot.press(STAFF, reminders[0].button(f"📎 {n}."), message_id=reminders[0].message_id)
        card = await bot.press(STAFF, card.button("不适用"), message_id=card.message_id)
        await bot.say(STAFF, "不适用：本部门无此类记录")
    clock.set(datetime(2026, 11, 12, 2, 0, tzinfo=UTC))
    mark = bot.double.mark()
    await bot.tick()
    assert not [s for s in bot.double.sent[mark:] if s.chat_id == STAFF.id and "提醒" in (s.text or "")]
