"""End to end through the Bot API double: an action the way certification bodies run them.

The plan is returned once (at the root cause), accepted, the due date is extended (the
original kept), the implementation is rejected once, then accepted and closed; every
notice to every person is checked on the way.
"""

from __future__ import annotations

from datetime import date

from storage.repos import capa_history, findings
from storage.sql import fetch_all
from tests.capa_fixtures import DIGEST, DUE, add_person, cast, day, first_lines, local, make_action
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, OTHER_AUDITOR, OTHER_STAFF, STAFF, BotHarness
from tests.helpers import button_labels, last_to

QUIET = {LEAD.id: [DIGEST]}


def told(bot: BotHarness, mark: int) -> dict[int, list[str]]:
    """The notices each chat got since ``mark`` (not the cards answering the person's own action)."""
    got = {chat: [line for line in lines if not line.startswith("🛠")] for chat, lines in first_lines(bot, mark).items()}
    return {chat: lines for chat, lines in got.items() if lines}


async def expect(bot: BotHarness, mark: int, notices: dict[int, list[str]]) -> None:
    """Exactly ``notices`` went out since ``mark`` (waiting for each, then for quiet)."""
    for chat_id, lines in notices.items():
        for line in lines:
            await bot.double.wait_for(lambda s, c=chat_id, t=line: s.chat_id == c and s.method == "sendMessage"
                                      and (s.plain_text or "").startswith(t), timeout=15, after=mark)
    await bot.settle()
    assert told(bot, mark) == notices


async def plan(bot: BotHarness, notice) -> int:
    """The staff answer the new action's notice with a whole plan and confirm it (the mark before)."""
    first = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    card = await bot.say(STAFF, "已补签两份岗位说明书。")
    assert (card.method, card.message_id) == ("editMessageText", first.message_id)  # the card, edited in place
    card = await bot.say(STAFF, "模板没有签发栏。")
    assert (card.method, card.message_id) == ("editMessageText", first.message_id)
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    card = await bot.say(STAFF, "修订模板，增加签发栏。")
    card = await bot.say(STAFF, "2026-11-30")
    mark = bot.double.mark()
    await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)
    return mark


async def test_return_accept_extend_reject_accept_close_with_every_notice(bot, clock):
    await cast(bot.db)
    action = await make_action(bot.db, due=DUE)
    assert await day(bot, clock, local(11, 2)) == {STAFF.id: ["🆕 法制办公室有一项新的纠正措施"], **QUIET}
    clock.set(local(11, 2, 10))

    # the plan goes to the auditor, who returns it to the root cause with a reason
    mark = await plan(bot, last_to(bot, STAFF.id, "新的纠正措施"))
    await expect(bot, mark, {AUDITOR.id: ["📌 收到法制办公室的纠正措施计划"]})
    review = last_to(bot, AUDITOR.id, "纠正措施计划")
    assert button_labels(review) == [
        "👍 计划通过", "↩️ 退回：原因分析", "↩️ 退回：措施计划", "↩️ 退回：完成日期"]
    ask = await bot.press(AUDITOR, review.button("退回：原因分析"), message_id=review.message_id)
    assert "为什么将计划退回到原因分析" in ask.plain_text
    mark = bot.double.mark()
    done = await bot.say(AUDITOR, "“没有签发栏”只是现象，请再分析为什么模板没有评审。")
    assert "已连同您的意见将计划退回部门人员" in done.plain_text
    await expect(bot, mark, {STAFF.id: [
        "↩️ 计划被退回：NC1。审核员要求重新填写原因分析：“没有签发栏”只是现象，请再分析为什么模板没有评审。"]})

    # the staff land at the root cause, with the reason; the rest of the plan is kept
    assert await day(bot, clock, local(11, 3)) == QUIET  # the next day
    clock.set(local(11, 3, 10))
    returned = last_to(bot, STAFF.id, "计划被退回")
    card = await bot.press(STAFF, returned.button("回复"), message_id=returned.message_id)
    assert "2/6 原因分析" in card.plain_text and "请再分析为什么模板没有评审" in card.plain_text
    assert "修订模板，增加签发栏" in card.plain_text and "❓ 为什么 1：模板没有签发栏" not in card.plain_text
    assert "退回前填写的内容" in card.plain_text.split("2/6 原因分析")[1]  # issue 23: the earlier text, to copy
    card = await bot.say(STAFF, "模板发布前没有经过评审。")
    card = await bot.press(STAFF, card.button("继续"), message_id=card.message_id)
    card = await bot.press(STAFF, card.button("其他地方未发现"), message_id=card.message_id)
    assert "6/6 确认" in card.plain_text
    mark = bot.double.mark()
    card = await bot.press(STAFF, card.button("确认计划"), message_id=card.message_id)
    assert "已提交Wang Auditor审查" in card.plain_text and "计划被退回" not in card.plain_text
    await expect(bot, mark, {AUDITOR.id: ["📌 收到法制办公室的纠正措施计划"]})

    # accepted: the staff are told and may now implement
    review = last_to(bot, AUDITOR.id, "纠正措施计划")
    mark = bot.double.mark()
    done = await bot.press(AUDITOR, review.button("计划通过"), message_id=review.message_id)
    assert "计划已通过，已通知部门人员落实" in done.plain_text
    await expect(bot, mark, {STAFF.id: ["👍 计划已通过：NC1。请落实措施；完成后点击“✍️ 回复”并发送证据。"]})

    # a later due date: refused for a past date or one not after the due date, then asked
    accepted = last_to(bot, STAFF.id, "计划已通过")
    card = await bot.press(STAFF, accepted.button("回复"), message_id=accepted.message_id)
    assert "标记为已实施" in str(card.buttons)
    card = await bot.press(STAFF, card.button("申请延期"), message_id=card.message_id)
    assert "希望将整改期限延至哪一天" in card.plain_text
    for typed, problem in (("2026-10-01", "这个日期已经过去"), ("2026-12-01", "必须晚于当前期限"),
                           ("2026-12-02", "必须晚于当前期限")):
        card = await bot.say(STAFF, typed)
        assert problem in card.plain_text and "希望将整改期限延至哪一天" in card.plain_text
    card = await bot.say(STAFF, "2026-12-20")
    assert "为什么需要延至 2026-12-20" in card.plain_text
    mark = bot.double.mark()
    card = await bot.say(STAFF, "新模板需要经过局务会审议，12 月 18 日开会。")
    assert "延期申请已提交" in card.plain_text and "已申请延期至 2026-12-20" in card.plain_text
    await expect(bot, mark, {AUDITOR.id: [
        "📅 申请延期：法制办公室申请将 NC1 的整改期限由 2026-12-02 延至 2026-12-20。"]})
    again = await bot.press_for_answer(STAFF, f"1|cpx|{action.capa_id}", check=False)
    assert again.text == "已经申请过延期，请等待审核员决定。"
    asked = last_to(bot, AUDITOR.id, "申请延期")
    assert "局务会" in asked.plain_text
    grant = asked.button("批准 · 2026-12-20")
    forged = await bot.press_for_answer(STAFF, grant, check=False)  # the staff cannot grant themselves
    assert forged.text.startswith("您没有此项权限")
    mark = bot.double.mark()
    done = await bot.press(AUDITOR, grant, message_id=asked.message_id)
    assert "已批准延期：整改期限为 2026-12-20" in done.plain_text
    await expect(bot, mark, {STAFF.id: ["📅 延期已批准：NC1 的整改期限改为 2026-12-20。"]})
    granted = last_to(bot, STAFF.id, "延期已批准")
    assert "原整改期限 2026-12-02（已延期）" in granted.plain_text
    stale = await bot.press_for_answer(AUDITOR, f"1|cpg|{grant.split('|')[2]}|0", check=False)
    assert stale.text == "该申请已经处理过了。"

    # the reminders follow the new date (nothing on the original one)
    assert await day(bot, clock, local(11, 25)) == QUIET
    assert await day(bot, clock, local(12, 2)) == QUIET
    assert await day(bot, clock, local(12, 13)) == {STAFF.id: ["⏰ 提醒：NC1 还有 7 天到期。"], **QUIET}
    clock.set(local(12, 13, 10))

    # implemented, rejected (the staff land at the evidence), implemented again
    card = await bot.press(STAFF, granted.button("回复"), message_id=granted.message_id)
    card = await bot.press(STAFF, card.button("标记为已实施"), message_id=card.message_id)
    card = await bot.say(STAFF, "新模板已发布。")
    mark = bot.double.mark()
    await bot.press(STAFF, card.button("提交验证"), message_id=card.message_id)
    await expect(bot, mark, {AUDITOR.id: ["✅ 已实施，请验证"]})
    verify = last_to(bot, AUDITOR.id, "已实施，请验证")
    await bot.press(AUDITOR, verify.button("退回"), message_id=verify.message_id)
    mark = bot.double.mark()
    await bot.say(AUDITOR, "旧的岗位说明书还没有补签。")
    await expect(bot, mark, {STAFF.id: ["↩️ 暂未通过：NC1。审核员意见：旧的岗位说明书还没有补签。"]})
    assert await day(bot, clock, local(12, 14)) == QUIET
    clock.set(local(12, 14, 10))
    rejected = last_to(bot, STAFF.id, "暂未通过")
    card = await bot.press(STAFF, rejected.button("回复"), message_id=rejected.message_id)
    assert "请发送实施证据" in card.plain_text and "旧的岗位说明书还没有补签" in card.plain_text
    card = await bot.say(STAFF, "12 份岗位说明书已全部补签。")
    mark = bot.double.mark()
    await bot.press(STAFF, card.button("提交验证"), message_id=card.message_id)
    await expect(bot, mark, {AUDITOR.id: ["✅ 已实施，请验证"]})

    # accepted and closed
    verify = last_to(bot, AUDITOR.id, "已实施，请验证")
    await bot.press(AUDITOR, verify.button("验证通过"), message_id=verify.message_id)
    mark = bot.double.mark()
    await bot.say(AUDITOR, "抽查全部 12 份岗位说明书，均已签发。")
    await expect(bot, mark, {STAFF.id: ["🏁 已关闭：NC1（A-2026-001）已通过验证并关闭。谢谢！"]})
    assert await day(bot, clock, local(12, 20)) == {}  # closed: nothing more, not even a digest

    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
        reviews = await capa_history.reviews(conn, action.capa_id)
        extension = await capa_history.latest_extension(conn, action.capa_id)
        trail = [r["action"] for r in await fetch_all(
            conn, "SELECT action FROM audit_trail WHERE entity = 'capa' AND entity_id = :id ORDER BY id",
            {"id": str(action.capa_id)})]
    assert (row["state"], row["due_date"], row["original_due_date"]) == ("closed", "2026-12-20", "2026-12-02")
    assert [(r["verdict"], r["step"]) for r in reviews] == [("returned", "why"), ("accepted", None)]
    assert (extension["state"], extension["requested_date"], extension["decided_by"]) == (
        "granted", "2026-12-20", AUDITOR.id)
    milestones = [a for a in trail if not a.startswith("set_") and a != "implementation_note"]
    assert milestones == ["planned", "plan_returned", "planned", "plan_accepted", "extension_asked",
                          "extension_granted", "implemented", "rejected", "implemented", "closed"]


async def test_a_lead_refuses_an_extension_and_only_verifiers_decide(bot, clock):
    await cast(bot.db)
    await add_person(bot.db, OTHER_AUDITOR, "auditor")
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2,10))
    notice = last_to(bot, STAFF.id, "新的纠正措施")
    card = await bot.press(STAFF, notice.button("回复"), message_id=notice.message_id)
    card = await bot.press(STAFF, card.button("申请延期"), message_id=card.message_id)
    await bot.say(STAFF, "2027-01-15")
    await bot.say(STAFF, "人员不足。")
    await bot.settle()
    async with bot.db.read() as conn:
        extension = await capa_history.latest_extension(conn, action.capa_id)
    refuse = f"1|cpg|{extension['id']}|0"
    toast = await bot.press_for_answer(OTHER_AUDITOR, refuse, check=False)  # not this action's auditor
    assert toast.text.startswith("您没有此项权限")

    # the staff's /capa says what each action is about, its state and due date
    mine = await bot.command(STAFF, "/capa")
    (label, _), = mine.buttons[0]
    assert label.startswith("NC1 · 两份岗位说明书未经签发") and label.endswith("· 待制定计划 · 期限 2026-12-02")
    assert "两份岗位说明书未经签发" in mine.plain_text and "已申请延期" not in mine.plain_text

    # the lead finds it in /capa (a request waits there for a decision), opens it and refuses
    waiting = await bot.command(LEAD, "/capa")
    card = await bot.press(LEAD, waiting.buttons[0][0][1], message_id=waiting.message_id)
    assert "Later due date asked: 2027-01-15" in card.plain_text
    mark = bot.double.mark()
    done = await bot.press(LEAD, card.button("Refuse"), message_id=card.message_id)
    assert "Extension refused; the due date stays 2026-12-02" in done.plain_text
    await expect(bot, mark, {STAFF.id: ["📅 延期未获批准：NC1 的整改期限仍为 2026-12-02。"]})
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
        extension = await capa_history.latest_extension(conn, action.capa_id)
    assert (row["due_date"], row["original_due_date"]) == ("2026-12-02", None)
    assert (extension["state"], extension["decided_by"]) == ("refused", LEAD.id)
    assert date.fromisoformat(row["due_date"]) == DUE


async def test_the_lead_opens_any_action_from_status_overdue_and_the_digest(bot, clock):
    await cast(bot.db)
    late = await make_action(bot.db, due=date(2026, 10, 20))
    await make_action(bot.db, due=DUE, audit_id=late.audit_id, index=1)
    sent = await day(bot, clock, local(11, 2))
    assert DIGEST in sent[LEAD.id]
    digest = last_to(bot, LEAD.id, DIGEST)
    assert button_labels(digest) == ["🔍 NC1 · 法制办公室 · waiting for a plan"]
    clock.set(local(11, 2, 10))

    # the staff plan the late one; the lead reviews it from the digest, as its verifier
    notice = next(s for s in bot.double.sent_to(STAFF.id) if "NC1" in (s.plain_text or ""))
    mark = await plan(bot, notice)
    await expect(bot, mark, {AUDITOR.id: ["📌 收到法制办公室的纠正措施计划"]})
    card = await bot.press(LEAD, digest.button("NC1"), message_id=digest.message_id)
    assert "Review the plan" in card.plain_text
    mark = bot.double.mark()
    done = await bot.press(LEAD, card.button("Accept plan"), message_id=card.message_id)
    assert "Plan accepted. The department's staff have been told" in done.plain_text
    await expect(bot, mark, {STAFF.id: ["👍 计划已通过：NC1。请落实措施；完成后点击“✍️ 回复”并发送证据。"]})

    # /overdue and /status → department → action
    overdue = await bot.command(LEAD, "/overdue")
    assert button_labels(overdue) == ["🔍 NC1 · 法制办公室 · plan accepted"]
    card = await bot.press(LEAD, overdue.buttons[0][0][1], message_id=overdue.message_id)
    assert "NC1" in card.plain_text and "plan accepted" in card.plain_text
    status = await bot.command(LEAD, "/status")
    assert "📝1 🔎0 🛠1 ⏳0" in status.plain_text
    listing = await bot.press(LEAD, status.button("法制办公室"), message_id=status.message_id)
    assert "NC1" in listing.plain_text and "NC2" in listing.plain_text and "13 days late" in listing.plain_text
    card = await bot.press(LEAD, listing.button("NC2"), message_id=listing.message_id)
    assert "NC2" in card.plain_text and "waiting for a plan" in card.plain_text

    # a lead's buttons pressed by someone else (forged): refused before anything happens
    for user in (AUDITOR, STAFF):
        toast = await bot.press_for_answer(user, f"1|lca|{late.capa_id}", check=False)
        assert toast.text.startswith("您没有此项权限")
        toast = await bot.press_for_answer(user, f"1|lcd|{late.department_id}", check=False)
        assert toast.text.startswith("您没有此项权限")


async def test_a_lead_moves_an_action_to_another_department_and_verifier(bot, clock):
    await cast(bot.db)
    await add_person(bot.db, OTHER_STAFF, "staff", "人事科")
    await add_person(bot.db, AUDITOR_EN, "auditor")
    action = await make_action(bot.db, due=DUE)
    await day(bot, clock, local(11, 2))
    clock.set(local(11, 2, 10))
    async with bot.db.read() as conn:
        other = (await fetch_all(conn, "SELECT id FROM departments WHERE name = '人事科'"))[0]["id"]

    # forged or misdirected presses: refused
    toast = await bot.press_for_answer(AUDITOR, f"1|cpo|{action.capa_id}|{other}", check=False)
    assert toast.text.startswith("您没有此项权限")
    toast = await bot.press_for_answer(LEAD, f"1|cpo|{action.capa_id}|{action.department_id}", check=False)
    assert toast.text == "The action is in that department already: choose another one."

    # the lead opens it and moves it: the old staff are told, the new staff get it as new
    waiting = await bot.command(LEAD, "/status")
    listing = await bot.press(LEAD, waiting.button("法制办公室"), message_id=waiting.message_id)
    card = await bot.press(LEAD, listing.button("NC1"), message_id=listing.message_id)
    choose = await bot.press(LEAD, card.button("Move to a department"), message_id=card.message_id)
    assert button_labels(choose) == ["人事科"]
    mark = bot.double.mark()
    done = await bot.press(LEAD, choose.button("人事科"), message_id=choose.message_id)
    assert "Reassigned: 人事科" in done.plain_text
    await expect(bot, mark, {STAFF.id: ["🏢 已转交其他部门：NC1 现由人事科负责，您无需再处理。"],
                             OTHER_STAFF.id: ["🆕 人事科有一项新的纠正措施"]})
    assert await day(bot, clock, local(11, 3)) == QUIET
    toast = await bot.press_for_answer(STAFF, f"1|cpr|{action.capa_id}", check=False)
    assert toast.text.startswith("您没有此项权限")

    # and gives it another verifier: both auditors are told
    clock.set(local(11, 3, 10))
    card = await bot.press(LEAD, listing.button("NC1"), message_id=listing.message_id)
    choose = await bot.press(LEAD, card.button("Change verifier"), message_id=card.message_id)
    mark = bot.double.mark()
    await bot.press(LEAD, choose.button("Ann"), message_id=choose.message_id)
    await expect(bot, mark, {AUDITOR_EN.id: ["👤 You now verify NC1 of 人事科 (the team lead assigned it to you)."],
                             AUDITOR.id: ["👤 验证人已变更：人事科的 NC1 现由Ann验证，您无需再处理。"]})
    async with bot.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
        moves = await fetch_all(conn, "SELECT * FROM capa_reassignments ORDER BY id")
    assert (row["department_id"], row["auditor_id"]) == (other, AUDITOR_EN.id)
    assert [(m["from_department_id"], m["to_department_id"], m["from_auditor_id"], m["to_auditor_id"])
            for m in moves] == [(action.department_id, other, None, None), (None, None, AUDITOR.id, AUDITOR_EN.id)]
