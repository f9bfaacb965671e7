"""`auditbot demo`: the real bot against the local Bot API double, with a scripted cast.

For someone without a Telegram token: a lead, an auditor and a department clerk go through
a whole functional-department audit (answers, notes, generated photos, a pause and
/resume), the corrective-action cycle over a simulated week, and /report. Every message is
printed as it goes; the reports the lead receives are saved and their paths printed last.
The double is devtools/botapi_double.py, installed with the package.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.clock import FakeClock
from bot.settings import Settings
from devtools.botapi_double import BotApiDouble, TgUser

QUESTION_CARD = re.compile(r"(\d+)/(\d+) · ISO 9001 ([\d.]+)")


def _plain(text: str | None) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


def evidence_photo(number: int, caption: str) -> bytes:
    """A generated 'photo' of a record: a page with lines and a caption."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 960), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((140, 80, 1140, 880), fill=(252, 252, 248), outline=(90, 90, 90), width=4)
    for line in range(12):
        y = 200 + line * 52
        draw.line((200, y, 1080 - (line % 3) * 140, y), fill=(120, 120, 140), width=6)
    draw.text((200, 110), f"Evidence {number}: {caption}", fill=(20, 20, 20))
    draw.ellipse((880, 700, 1080, 840), outline=(200, 30, 30), width=8)  # a stamp
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Script:
    """Plays people against the bot and prints both sides."""

    SHOWN = ("sendMessage", "editMessageText", "sendDocument", "sendPhoto", "sendMediaGroup")

    def __init__(self, double, clock: FakeClock):
        self.double = double
        self.clock = clock
        self.documents: list[tuple[str, bytes]] = []

    def _show(self, sent) -> None:
        who = self.double.users.get(sent.chat_id)
        name = who.first_name if who else sent.chat_id
        text = _plain(sent.text)
        if sent.method in ("sendPhoto", "sendMediaGroup"):
            print(f"  🤖 → {name}: 🖼 photo" + (f" — {text}" if text else ""))
            return
        if sent.method == "sendDocument":
            print(f"  🤖 → {name}: 📎 {sent.file_name}" + (f" — {text}" if text else ""))
            self.documents.append((sent.file_name, sent.file_bytes))
            return
        card = QUESTION_CARD.search(text)
        verb = "edits card" if sent.method.startswith("edit") else "→"
        if card and sent.method.startswith("edit"):
            result = text.split("\n")[-3] if "\n" in text else ""
            print(f"  🤖 {verb} {name}: [{card.group(1)}/{card.group(2)} · {card.group(3)}] {result}")
            return
        print(f"  🤖 {verb} {name}: " + text.replace("\n", "\n      "))
        for row in sent.buttons:
            print("      " + "  ".join(f"[{label}]" for label, _ in row))

    async def _replies(self, user, mark: int):
        """Print what the bot sent to anyone since ``mark``; return what ``user`` got."""
        await self.double.wait_idle(quiet=0.15, timeout=60)
        shown = [s for s in self.double.sent[mark:] if s.method in self.SHOWN]
        for sent in shown:
            self._show(sent)
        return [s for s in shown if user is not None and s.chat_id == user.id and s.method != "sendPhoto"]

    async def say(self, user, text: str):
        print(f"\n👤 {user.first_name}: {text}")
        mark = self.double.mark()
        if text.startswith("/"):
            command, _, args = text.partition(" ")
            self.double.send_command(user, command, args)
        else:
            self.double.send_message(user, text)
        return (await self._replies(user, mark))[-1]

    async def press(self, user, sent, label: str):
        print(f"👤 {user.first_name} taps [{label}]")
        mark = self.double.mark()
        self.double.press_button(user, sent.button(label), message_id=sent.message_id)
        replies = await self._replies(user, mark)
        if not replies:  # a busy machine: the answer is slower than the quiet period
            with contextlib.suppress(AssertionError, TimeoutError):
                await self.double.reply_to(user, timeout=10, after=mark)
                replies = await self._replies(user, mark)
        return replies[-1] if replies else sent

    async def photo(self, user, number: int, caption: str):
        print(f"\n👤 {user.first_name}: 📷 photo ({caption})")
        mark = self.double.mark()
        self.double.send_photo(user, evidence_photo(number, caption))
        return (await self._replies(user, mark))[-1]

    async def document(self, user, data: bytes, name: str):
        print(f"\n👤 {user.first_name}: 📎 {name}")
        mark = self.double.mark()
        self.double.send_document(user, data, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return (await self._replies(user, mark))[0]

    async def day_passes(self, app) -> None:
        """A day later: the scheduler's pass runs (reminders, digest) and we see what it sent."""
        from bot.telegram.delivery import scheduler

        moment = self.clock.advance(days=1)
        print(f"\n⏩ {moment.astimezone(app.bot_data['runtime'].settings.tz):%Y-%m-%d %H:%M} — the scheduler runs")
        mark = self.double.mark()
        await scheduler.tick(app)
        await self._replies(None, mark)

    async def settle(self) -> None:
        """Let the notices the last step queued go out (and print them)."""
        mark = self.double.mark()
        await self.double.wait_idle(quiet=0.3)
        await self._replies(None, mark)

    def latest(self, user, marker: str):
        """The newest message ``user`` got that contains ``marker``."""
        return next(s for s in reversed(self.double.sent_to(user.id)) if marker in (s.text or ""))

    async def arrives(self, user, marker: str, timeout: float = 60):
        """``latest``, waiting for it when it is still on its way (a document is built first:
        longer than the quiet period on a busy machine)."""
        mark = self.double.mark()
        with contextlib.suppress(StopIteration):
            return self.latest(user, marker)
        await self.double.wait_for(lambda s: s.chat_id == user.id and marker in (s.text or ""),
                                   timeout=timeout, after=mark)
        await self._replies(None, mark)
        return self.latest(user, marker)


# The auditor's answers in the functional-department audit, each on the question it is about:
# question id → (result, note, photo caption). Every other question is answered Conform.
AUDIT_CHECKLIST = "functional-department"
ANSWERS: dict[str, tuple[str, str | None, str | None]] = {
    # 5.3: how each post's responsibilities are defined
    "resp-1": ("轻微不符合", "抽查5份岗位说明书，其中2份（综合科、审批科）未经负责人签批。", "unsigned post descriptions"),
    # 5.3: interfaces with other departments
    "resp-2": ("符合", "与人事科、审批科的职责接口已写入部门职责清单，交叉事项由分管领导协调。", None),
    # 6.2.1: how the quality objectives are broken down
    "obj-1": ("观察项", "年度质量目标已分解到科室，但未分解到岗位。", None),
    # 6.2.2: how the year's key work is planned
    "plan-1": ("良好实践", "重点工作台账每周更新，并在例会上逐项销号。", "weekly key-work ledger"),
    # 7.5.2: control of outgoing documents, from drafting to registration
    "offdoc-2": ("严重不符合", "2026年度发文登记簿缺少8月至10月的记录，无法追溯32份发文的签发情况。", "document register gap"),
    # 9.1.1: supervision of major matters assigned by the leadership
    "major-1": ("改进机会", "督查督办系统可增加到期自动提醒。", None),
    # 8.2.2: administrative licensing time limits (a legal affairs office grants no licences)
    "timelimit-1": ("不适用", None, None),
}

# The lead's short English audit: the first questions of the ISO 9001 checklist, in order.
ENGLISH_CHECKLIST = "iso9001-government"
ENGLISH_ANSWERS: tuple[tuple[str, str, str | None], ...] = (
    ("c4-1", "Conform", None),
    # 4.1: who updates the context when a new policy arrives
    ("c4-2", "OFI", "The context review is updated once a year; it could be updated whenever a new policy arrives."),
    ("c4-3", "Conform", None),
    # 4.2: how the applicable laws and rules are identified and kept up to date
    ("c4-4", "Good practice", "The register of applicable laws and rules is reviewed monthly by the director."),
)


async def run_demo(data_dir: Path | None = None) -> int:
    from bot.app import build_application, start_polling, stop_polling

    lead = TgUser(id=1001, first_name="Lena", last_name="Li", language_code="en")
    auditor = TgUser(id=2002, first_name="王审核", language_code="zh-hans")
    clerk = TgUser(id=3003, first_name="赵文员", language_code="zh")

    folder = (data_dir or Path("demo-data")).resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    double = BotApiDouble()
    await double.start()
    clock = FakeClock(datetime.now(UTC).replace(hour=1, minute=30, second=0, microsecond=0))  # 09:30 in Shanghai
    settings = Settings(token=double.token, api_url=double.url, data_dir=folder, admin_ids=(lead.id,),
                        flood_updates=10_000,  # a script taps faster than any thumb
                        _env_file=None)
    app = build_application(settings, clock=clock, rate_limit=False)
    print(f"Bot API double on {double.url}; a fresh data dir in {folder}")
    try:
        await start_polling(app, reminders=False)  # the script runs the scheduler's passes itself
        script = Script(double, clock)
        await _people(script, lead, auditor, clerk)
        await _audit(script, auditor)
        await _corrective_actions(script, app, lead, auditor, clerk)
        await _approve_and_issue(script, lead, auditor, clerk)
        await _short_audit_in_english(script, lead)
        await _own_checklist(script, lead, folder)
        await _reopen_for_revision(script, lead)
        await _discard_by_mistake(script, lead)
        await _second_year(script, auditor, clerk)
        reports = (await _reports(script, lead, "A-2026-001") + await _reports(script, lead, "A-2026-002")
                   + await _reports(script, lead, "A-2026-003"))
        return _save_reports(script, folder, reports)
    finally:
        await stop_polling(app)
        await double.stop()


async def _people(script: Script, lead, auditor, clerk) -> None:
    await script.say(lead, "/start")
    invite = await script.say(lead, "/invite auditor")
    await script.say(auditor, f"/start {invite.text.split('start=')[1].split()[0]}")
    invite = await script.say(lead, "/invite staff 法制办公室")
    await script.say(clerk, f"/start {invite.text.split('start=')[1].split()[0]}")


async def _audit(script: Script, auditor) -> None:
    card = await script.say(auditor, "/audit")
    card = await script.press(auditor, card, "职能部门")
    card = await script.press(auditor, card, "法制办公室")
    await script.press(auditor, card, "受审部门参加人员")
    card = await script.say(auditor, "法制办公室主任 张明；文书 赵文员")
    card = await script.press(auditor, card, "计划已确认")
    await script.press(auditor, card, "出席人员")
    card = await script.say(auditor, "审核组：王审核；受审部门：张明、赵文员")
    card = await script.press(auditor, card, "审核范围")
    card = await script.press(auditor, card, "开始提问")
    from bot.domain.checklists import load_all

    questions = [question for _, question in load_all()[AUDIT_CHECKLIST].questions()]
    number = 1
    while True:
        shown = QUESTION_CARD.search(_plain(card.text))
        total = int(shown.group(2))
        question = questions[number - 1]
        if (int(shown.group(1)), shown.group(3)) != (number, question.clause):
            raise RuntimeError(f"demo: expected question {number} ({question.id}, {question.clause}), "
                               f"the card shows {shown.group(0)}")
        result, note, photo = ANSWERS.get(question.id, ("符合", None, None))
        one_tap = result in ONE_TAP  # Conform and N/A record and move on in one tap
        if not one_tap:
            card = await script.press(auditor, card, result)
        if note:
            card = await script.say(auditor, note)
        if photo:
            card = await script.photo(auditor, number, photo)
        if number == 1:  # a reminder to himself, typed into the audit by mistake: he deletes it
            card = await script.say(auditor, "提醒自己：明天上午给赵文员打电话")
            listing = await script.press(auditor, card, "备注和文件")
            listing = await script.press(auditor, listing, "🗑 📝2")
            card = await script.press(auditor, listing, "回到第 1 题")
        card = await script.press(auditor, card, result if one_tap else "下一题")
        if result == "不适用":  # why, optional: one tap on the next card (the office grants no licences)
            card = await script.press(auditor, card, "无此活动")
        if number == total:  # past the last question: the summary
            break
        number += 1
        if number == 11:
            await script.press(auditor, card, "暂停")
            print("\n   (the auditor takes a phone call; later …)")
            card = await script.say(auditor, "/resume")
    card = await script.press(auditor, card, "末次会议")
    await script.press(auditor, card, "审核结论")
    card = await script.say(auditor, "质量管理体系基本有效运行；发文登记和岗位说明书管理需要纠正。")
    card = await script.press(auditor, card, "完成审核")
    await script.press(auditor, card, "确认完成")


async def _corrective_actions(script: Script, app, lead, auditor, clerk) -> None:
    """A simulated fortnight: the clerk plans NC1, the auditor returns the plan once and accepts
    it, grants a later due date, rejects the implementation once and then accepts it;
    reminders and the lead's daily digest arrive on their days."""
    from bot.telegram.delivery import scheduler

    print("\n⏩ The scheduler's first pass after the audit")
    mark = script.double.mark()
    await scheduler.tick(app)
    await script._replies(None, mark)
    notice = script.latest(clerk, "NC1")
    card = await script.press(clerk, notice, "回复")
    card = await script.say(clerk, "已请两名科员补签岗位说明书。")
    card = await script.say(clerk, "岗位说明书模板没有签批栏。")
    card = await script.press(clerk, card, "再问一次")
    card = await script.say(clerk, "模板是 2015 年的旧版本，制度修订时未同步更新。")
    card = await script.press(clerk, card, "继续")
    card = await script.press(clerk, card, "其他地方未发现")
    card = await script.say(clerk, "修订岗位说明书模板，增加签批栏；人事科每季度抽查。")
    card = await script.press(clerk, card, "两周后")
    await script.press(clerk, card, "确认计划")
    # plan review: the auditor returns the target date with a reason, then accepts the plan
    review = script.latest(auditor, "纠正措施计划")
    await script.press(auditor, review, "退回：完成日期")
    await script.say(auditor, "模板修订要经局务会审议，两周完成不现实，请给出可行的日期。")
    await script.day_passes(app)
    card = await script.press(clerk, script.latest(clerk, "计划被退回"), "回复")
    card = await script.press(clerk, card, "一个月后")
    await script.press(clerk, card, "确认计划")
    review = script.latest(auditor, "纠正措施计划")
    await script.press(auditor, review, "计划通过")
    # a later due date: asked with a reason, granted; the original date is kept
    card = await script.press(clerk, script.latest(clerk, "计划已通过"), "回复")
    card = await script.press(clerk, card, "申请延期")
    later = (await _first_due_date(app)) + timedelta(days=14)
    card = await script.say(clerk, later.isoformat())
    await script.say(clerk, "局务会改期到下月初，新模板需会后发布。")
    await script.press(auditor, script.latest(auditor, "申请延期"), f"批准 · {later.isoformat()}")
    for _ in range(2):
        await script.day_passes(app)
    card = await script.say(clerk, "/capa")
    card = await script.press(clerk, card, "NC1")
    card = await script.press(clerk, card, "标记为已实施")
    await script.photo(clerk, 99, "signed post description")
    card = await script.say(clerk, "新模板已于本周发布，旧的岗位说明书已全部补签。")
    await script.press(clerk, card, "提交验证")
    await script.day_passes(app)
    verify = script.latest(auditor, "已实施")
    await script.press(auditor, verify, "退回")
    await script.say(auditor, "请附上补签后的科室岗位说明书清单。")
    card = await script.press(clerk, script.latest(clerk, "暂未通过"), "回复")  # straight to the evidence
    card = await script.say(clerk, "已附清单：12 份岗位说明书均已签批（见科室台账第 3 页）。")
    await script.press(clerk, card, "提交验证")
    await script.day_passes(app)
    verify = script.latest(auditor, "已实施")
    await script.press(auditor, verify, "验证通过")
    await script.say(auditor, "现场抽查 5 份岗位说明书，均使用新模板并已签批，措施有效。")
    for _ in range(2):
        await script.day_passes(app)
    await script.say(lead, "/status")


async def _first_due_date(app) -> date:
    """The due date of the demo's NC1."""
    from storage.repos import audits, findings

    async with app.bot_data["runtime"].db.read() as conn:
        audit = await audits.by_number(conn, "A-2026-001")
        rows = await findings.of_audit(conn, audit["id"])
    return date.fromisoformat(next(r["due_date"] for r in rows if r["number"] == "NC1"))


async def _short_audit_in_english(script: Script, lead) -> None:
    """The lead audits a second department in English, leaving most questions for another day."""
    card = await script.say(lead, "/audit")
    card = await script.press(lead, card, "ISO 9001")
    card = await script.press(lead, card, "New department")
    card = await script.say(lead, "Finance Office")
    card = await script.press(lead, card, "Plan confirmed")
    card = await script.press(lead, card, "Start the questions")
    from bot.domain.checklists import load_all

    questions = [question for _, question in load_all()[ENGLISH_CHECKLIST].questions()]
    for number, (question_id, result, note) in enumerate(ENGLISH_ANSWERS, 1):
        shown = QUESTION_CARD.search(_plain(card.text))
        question = questions[number - 1]
        if question.id != question_id or (int(shown.group(1)), shown.group(3)) != (number, question.clause):
            raise RuntimeError(f"demo: expected question {number} ({question_id}), the card shows {shown.group(0)}")
        card = await _answer(script, lead, card, result, note)
    card = await script.press(lead, card, "Summary")
    card = await script.press(lead, card, "Closing meeting")
    await script.press(lead, card, "Conclusions")
    card = await script.say(lead, "Partial audit: clause 4 only; the rest follows in December.")
    card = await script.press(lead, card, "Complete")
    await script.press(lead, card, "Yes, complete")


ONE_TAP = ("符合", "不适用", "Conform", "N/A")


async def _answer(script: Script, user, card, result: str, note: str | None):
    """One English question: Conform and N/A in one tap (a note first); a finding, its
    statement, then Next."""
    if result in ONE_TAP:
        if note:
            card = await script.say(user, note)
        return await script.press(user, card, result)
    card = await script.press(user, card, result)
    if note:
        card = await script.say(user, note)
    return await script.press(user, card, "Next")


# The lead's own checklist, Chinese only: (section, section title, id, clause, question, guidance, evidence)
OWN_QUESTIONS = [
    ("doc", "文件和记录", "doc-1", "7.5.2", "本科室的制度文件是否经审批后发布，并标明版本和生效日期？",
     "抽取 3 份现行制度，核对审批单、版本号和生效日期。", "required"),
    ("doc", None, "doc-2", "7.5.3", "作废文件是否及时收回或标识，防止误用？", "查看作废文件清单，现场抽查办公桌和共享盘。",
     "optional"),
    ("serve", "服务对象", "serve-1", "9.1.2", "是否收集办事群众的满意度并分析改进？", "查看近一季度满意度统计和改进记录。",
     "必要"),  # the mistake of the first round: not an evidence rule
    ("serve", None, "serve-2", "10.2", "投诉是否在规定时限内答复，并分析原因？", "抽取 2 件投诉，核对答复时限和原因分析。",
     "required"),
]


async def _own_checklist(script: Script, lead, folder: Path) -> None:
    """The lead downloads the blank template, fills in a Chinese-only checklist, gets one problem
    back, fixes it, publishes, and runs an audit on it."""
    import openpyxl

    listing = await script.say(lead, "/checklists")
    template = await script.press(lead, listing, "Blank template")
    workbook = openpyxl.load_workbook(io.BytesIO(template.file_bytes))
    sheet = workbook["questions"]
    headers = [c.value for c in sheet[1]]
    for row, values in enumerate(OWN_QUESTIONS, 2):
        named = dict(zip(("section", "section_title::zh", "id", "clause", "question::zh", "guidance::zh",
                          "evidence"), values, strict=True))
        for name, value in named.items():
            sheet.cell(row, headers.index(name) + 1, value)
    settings = workbook["settings"]
    s_headers = [c.value for c in settings[1]]
    settings.cell(2, s_headers.index("id") + 1, "legal-office")
    settings.cell(2, s_headers.index("title::zh") + 1, "法制办公室专项检查表")
    path = folder / "法制办公室专项检查表.xlsx"
    workbook.save(path)
    print(f"\n   (the lead fills in the template in Excel, Chinese only: {path})")
    await script.document(lead, path.read_bytes(), path.name)
    marked = script.documents[-1][1]
    fixed = openpyxl.load_workbook(io.BytesIO(marked))
    fixed["questions"].cell(4, headers.index("evidence") + 1, "required")
    fixed.save(path)
    print("\n   (the lead opens the returned workbook, sees the red cell and its comment, picks 'required')")
    draft = await script.document(lead, path.read_bytes(), path.name)
    await script.press(lead, draft, "Publish")
    card = await script.say(lead, "/audit")
    card = await script.press(lead, card, "法制办公室专项")
    card = await script.press(lead, card, "法制办公室")
    card = await script.press(lead, card, "Plan confirmed")
    card = await script.press(lead, card, "Start the questions")
    for result, note in (("Conform", None), ("Minor NC", "两份作废制度仍在共享盘“现行文件”目录中。"),
                         ("Conform", None), ("Conform", None)):
        card = await _answer(script, lead, card, result, note)  # after the last question: the summary
    card = await script.press(lead, card, "Closing meeting")
    await script.press(lead, card, "Conclusions")
    card = await script.say(lead, "Own checklist, first run: document control needs one correction.")
    card = await script.press(lead, card, "Complete")
    await script.press(lead, card, "Yes, complete")


async def _approve_and_issue(script: Script, lead, auditor, clerk) -> None:
    """The official record: the audit's leader submits its report, the lead approves it, the
    leader issues it (numbered, dated, locked) and each recipient confirms receipt."""
    await script.say(auditor, "/report")
    listing = script.latest(auditor, "审核报告")
    await script.press(auditor, listing, "提交")
    await script.settle()
    await script.press(lead, script.latest(lead, "submitted the report"), "Approve")
    await script.settle()
    await script.press(auditor, script.latest(auditor, "批准了"), "发布")
    await script.settle()
    await script.press(clerk, await script.arrives(clerk, "请确认签收"), "已签收")
    await script.press(lead, await script.arrives(lead, "Please confirm receipt"), "Received")


async def _reopen_for_revision(script: Script, lead) -> None:
    """The lead reopens the English audit: the OFI on question 2 was already in hand; revision 2."""
    print("\n   (a week later the Finance Office shows that the OFI was already being done)")
    card = await script.say(lead, "/reopen A-2026-002 The context review is already updated monthly since October")
    card = await script.say(lead, "2")  # a question number typed on the summary
    card = await script.press(lead, card, "Conform")  # the OFI is withdrawn
    card = await script.press(lead, card, "Summary")
    card = await script.press(lead, card, "Closing meeting")
    card = await script.press(lead, card, "Complete")
    await script.press(lead, card, "Yes, complete")


async def _discard_by_mistake(script: Script, lead) -> None:
    """An audit started by mistake (the wrong checklist) is discarded."""
    card = await script.say(lead, "/audit")
    card = await script.press(lead, card, "ISO 9001")
    card = await script.press(lead, card, "Finance Office")
    card = await script.press(lead, card, "Discard audit")
    await script.press(lead, card, "Yes, discard")


async def _second_year(script: Script, auditor, clerk) -> None:
    """A year later the same department again: "like last time", the records asked for before
    the interview, last time's findings on the cards (NC1's closed action verified effective),
    and /find over both years."""
    moment = script.clock.advance(days=365)
    print(f"\n⏩ {moment:%Y-%m-%d} — a year later, the next audit of the Legal Affairs Office")
    card = await script.say(auditor, "/audit")
    card = await script.press(auditor, card, "职能部门")
    card = await script.press(auditor, card, "法制办公室")  # its last audit, on this checklist: A-2026-001
    card = await script.press(auditor, card, "请提供资料")
    card = await script.say(auditor, "2027年度质量目标分解表")
    card = await script.say(auditor, "1")  # the records of question 1 (post descriptions)
    card = await script.press(auditor, card, "发送给部门")
    await script.settle()
    asked = script.latest(clerk, "请提供")
    item = await script.press(clerk, asked, "1.")
    await script.photo(clerk, 90, "2027 quality objectives")
    item = await script.press(clerk, script.latest(clerk, "请提供"), "2.")
    item = await script.press(clerk, item, "不适用")
    await script.say(clerk, "不适用：岗位说明书今年未修订，沿用上次审核后补签的版本。")
    await script.settle()
    plan = script.latest(auditor, "审核计划")
    card = await script.press(auditor, plan, "计划已确认")
    card = await script.press(auditor, card, "开始提问")
    card = await script.press(auditor, card, "有效")  # last time's NC1: its closed action worked
    await script.say(auditor, "/find 岗位说明书")
    await script.press(auditor, card, "暂停")


async def _reports(script: Script, lead, number: str) -> list[tuple[str, bytes]]:
    before = len(script.documents)
    await script.say(lead, "/report")
    listing = [s for s in script.double.sent if s.chat_id == lead.id and s.method == "sendMessage"][-1]
    print(f"👤 {lead.first_name} taps [{number}]")
    mark = script.double.mark()
    script.double.press_button(lead, listing.button(number), message_id=listing.message_id)
    await script.double.wait_for(lambda s: s.method == "sendDocument" and s.chat_id == lead.id, after=mark,
                                 timeout=120)
    await script._replies(lead, mark)
    return script.documents[before:]


def _save_reports(script: Script, folder: Path, documents: list[tuple[str, bytes]]) -> int:
    if not documents:
        print("\nNo report arrived.")
        return 1
    print()
    for name, data in documents:
        path = folder / name
        path.write_bytes(data)
        print(f"Report received: {path}")
    return 0
