"""SIGKILL at the worst moments: every input applied exactly once, no notice sent twice.

The real bot process runs against the Bot API double while an auditor answers questions
(results, notes, photos) and completes the audit; the process is killed with SIGKILL more
than 30 times, most kills a few milliseconds after an input reached Telegram, so inputs are
caught everywhere between getUpdates, the inbox, the handler and the reply. Afterwards the
database must hold each input exactly once and the department must have received each
corrective-action notice once (a resend is allowed only for a notice in doubt, and counted).

AUDITBOT_FAULT_SEED picks the kill timing (a random seed otherwise; printed).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import sqlite3
import time

from bot.telegram import callbacks
from tests.audit_fixtures import jpeg, start_audit, through_opening
from tests.harness import AUDITOR_EN, LEAD, STAFF, BotHarness

QUESTIONS = 12
MIN_KILLS = 30
NO_QUIET_HOURS = {"AUDITBOT_QUIET_START": "00:00", "AUDITBOT_QUIET_END": "00:00"}


def script(audit_id: int) -> list[tuple[str, object]]:
    """The auditor's inputs, in order: (kind, payload)."""
    steps: list[tuple[str, object]] = []
    for index in range(QUESTIONS):
        note = ("note", f"note {index}: sampled record R-{index:03d} 👨‍👩‍👧")
        if index % 4 == 1:  # a minor NC stays on the question for its statement and photo, then Next
            steps.append(("press", callbacks.pack("q", audit_id, index, "mi")))
            steps += [note, ("photo", index)]
            steps.append(("press", callbacks.pack("q", audit_id, index, "next")))
        else:  # Conform moves on by itself: its note comes first
            steps += [note, ("press", callbacks.pack("q", audit_id, index, "c"))]
    steps.append(("press", callbacks.pack("q", audit_id, QUESTIONS, "sum")))
    steps.append(("press", callbacks.pack("cl", audit_id)))
    steps.append(("press", callbacks.pack("cf", audit_id, 1)))  # ✏️ Conclusions (completion needs one)
    steps.append(("note", "The system is generally effective."))
    steps.append(("press", callbacks.pack("fin", audit_id)))
    steps.append(("press", callbacks.pack("fiy", audit_id)))  # the confirmation
    return steps


async def until_polling(bot: BotHarness, polls_before: int, timeout: float = 30.0) -> None:
    """Until the new process asks Telegram for updates (it is up and has read its inbox)."""
    deadline = time.monotonic() + timeout
    while len(bot.double.calls_of("getUpdates")) <= polls_before:
        assert bot.proc is not None and bot.proc.poll() is None, bot.proc.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the bot did not start polling"
        await asyncio.sleep(0.01)


async def restart(bot: BotHarness) -> None:
    bot.kill_process()
    polls = len(bot.double.calls_of("getUpdates"))
    bot.start_process(**NO_QUIET_HOURS)
    await until_polling(bot, polls)


def send(bot: BotHarness, kind: str, payload: object) -> None:
    if kind == "press":
        bot.double.press_button(AUDITOR_EN, str(payload), check=False)
    elif kind == "note":
        bot.double.send_message(AUDITOR_EN, str(payload))
    else:
        bot.double.send_photo(AUDITOR_EN, jpeg(1000 + int(payload), (320, 240)))


async def test_sigkill_at_random_moments_loses_and_doubles_nothing(double, tmp_path):
    seed = int(os.environ.get("AUDITBOT_FAULT_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    print(f"\nAUDITBOT_FAULT_SEED={seed}")
    bot = BotHarness(double, tmp_path / "data")
    bot.reply_timeout = 30.0  # a process just started, on a busy machine
    bot.start_process(**NO_QUIET_HOURS)
    try:
        assert "Hello" in (await bot.command(LEAD, "/start", timeout=30)).text
        await bot.join(AUDITOR_EN, "auditor")
        await bot.join(STAFF, "staff", "Office")
        plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
        audit_id = int(plan.button("✅").split("|")[2])
        await through_opening(bot, AUDITOR_EN, plan)
        await bot.settle()

        steps = script(audit_id)
        kills = in_flight = 0
        started = time.monotonic()
        staff_mark = double.mark()
        for kind, payload in steps:
            mark = double.mark()
            send(bot, kind, payload)
            if kills < MIN_KILLS + 5 and rng.random() < 0.85:
                await asyncio.sleep(rng.choice((0, 0.001, 0.003, 0.005, 0.01, 0.02, 0.05)))
                bot.kill_process()
                in_flight += not any(s.chat_id == AUDITOR_EN.id for s in double.sent[mark:])
                await restart(bot)
                kills += 1
            else:
                await asyncio.sleep(0.05)
        while kills < MIN_KILLS:  # kills while the corrective-action notices go out
            await asyncio.sleep(rng.choice((0.005, 0.02, 0.1)))
            await restart(bot)
            kills += 1
        expected = 2 * len([i for i in range(QUESTIONS) if i % 4 == 1])  # a notice and a photo per action
        await _until(lambda: _staff_notices(double, staff_mark) >= expected, timeout=30,
                     explain=lambda: _dump(tmp_path / "data" / "auditbot.sqlite3") + double.dump(30))
        await asyncio.sleep(1.0)  # a duplicate would come now
        bot.kill_process()
        elapsed = time.monotonic() - started
    finally:
        bot.kill_process()

    con = sqlite3.connect(tmp_path / "data" / "auditbot.sqlite3")
    con.row_factory = sqlite3.Row
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        answers = {r["question_id"]: r["result"] for r in con.execute("SELECT question_id, result FROM answers")}
        order = [r["question_id"] for r in con.execute(
            "SELECT question_id FROM answers ORDER BY answered_at")]
        notes = [r["text"] for r in con.execute("SELECT text FROM notes ORDER BY id")]
        photos = [r["sha256"] for r in con.execute("SELECT sha256 FROM evidence ORDER BY id")]
        status = con.execute("SELECT status FROM audits WHERE id = ?", (audit_id,)).fetchone()["status"]
        capas = con.execute("SELECT COUNT(*) FROM capa").fetchone()[0]
        sent_rows = con.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state = 'sent' AND kind <> 'commands'",
                                (STAFF.id,)).fetchone()[0]
        in_doubt = con.execute("SELECT COALESCE(SUM(in_doubt), 0) FROM outbox").fetchone()[0]
        pending = con.execute("SELECT COUNT(*) FROM inbox WHERE state != 'done'").fetchone()[0]
    finally:
        con.close()
    staff_messages = _staff_notices(double, staff_mark)
    print(f"\nseed {seed}: {kills} kills in {elapsed:.0f} s, {in_flight} inputs unanswered at a kill, "
          f"{len(steps)} inputs; outbox: {sent_rows} notices sent to the department, {staff_messages} received, "
          f"{in_doubt} in-doubt resends")

    ncs = [i for i in range(QUESTIONS) if i % 4 == 1]
    assert len(answers) == QUESTIONS and len(order) == QUESTIONS
    assert sorted(a for a in answers.values()) == sorted(["minor"] * len(ncs) + ["conform"] * (QUESTIONS - len(ncs)))
    assert notes == [f"note {i}: sampled record R-{i:03d} 👨‍👩‍👧" for i in range(QUESTIONS)]  # each once, in order
    assert photos == [hashlib.sha256(jpeg(1000 + i, (320, 240))).hexdigest() for i in ncs]
    assert status == "completed" and capas == len(ncs)
    assert pending == 0
    assert staff_messages - sent_rows <= in_doubt, "a notice reached the department twice without being in doubt"


def _staff_notices(double, after: int) -> int:
    return sum(1 for s in double.sent[after:]
               if s.chat_id == STAFF.id and s.method in ("sendMessage", "sendPhoto", "sendMediaGroup"))


async def _until(predicate, timeout: float, explain=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out\n{explain()}"
        await asyncio.sleep(0.05)


def _dump(path) -> str:
    con = sqlite3.connect(path)
    try:
        lines = [repr(tuple(r)) for q in (
            "SELECT id, status FROM audits", "SELECT question_id, result FROM answers",
            "SELECT question_id, text FROM notes", "SELECT id, kind, state, last_error FROM outbox",
            "SELECT update_id, state, attempts, last_error FROM inbox WHERE state != 'done'",
            "SELECT person_id, flow, audit_id, question_id, awaiting FROM dialog_state",
        ) for r in con.execute(q)]
    finally:
        con.close()
    return "\n".join(lines) + "\n"
