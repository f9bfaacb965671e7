"""Two webhook replicas on one PostgreSQL database; one is killed with SIGKILL mid-way.

Telegram is played by the test: it posts each of the double's updates as soon as it is
there (as Telegram's parallel webhook connections do) to the replicas in turn (as a load
balancer would), and tries the next replica when one does not answer 200; a chat's next
update may reach the other replica while the first still finishes the one before, so the
replicas hand chats over by their leases. Sixty auditors run audits meanwhile (results,
notes, completion of some with nonconformities for a department with a contact); the chats
the killed replica held are taken over when their leases run out. Afterwards: no update
lost, none handled twice, each auditor's notes in the order typed, each corrective-action
notice received once (a resend only for a notice in doubt), and the inbox empty.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest

from bot.telegram import callbacks
from devtools.botapi_double import Sent
from storage.db import Database
from storage.repos import people
from storage.sql import fetch_all, fetch_value
from tests import databases
from tests.audit_fixtures import start_audit, through_opening
from tests.databases import postgres_only
from tests.harness import LEAD, STAFF, BotHarness, TgUser

pytestmark = postgres_only

AUDITORS = 60
QUESTIONS = 5
COMPLETING = 6  # the first auditors complete their audit of the Office (one NC each)
SECRET = "replica-test-secret"
REPLY_WAIT = 25.0  # seconds: longer than a chat lease (15 s) the killed replica held runs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    def __init__(self, double, data_dir, database_url: str):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
        env.update(
            AUDITBOT_TOKEN=double.token, AUDITBOT_API_URL=double.url, AUDITBOT_DATA_DIR=str(data_dir),
            AUDITBOT_ADMIN_IDS=str(LEAD.id), AUDITBOT_DATABASE_URL=database_url,
            AUDITBOT_WEBHOOK_URL=f"http://127.0.0.1:{self.port}/telegram",
            AUDITBOT_WEBHOOK_LISTEN=f"127.0.0.1:{self.port}", AUDITBOT_WEBHOOK_SECRET=SECRET,
            AUDITBOT_QUIET_START="00:00", AUDITBOT_QUIET_END="00:00",
        )
        # Its log goes to a file: a pipe nobody reads fills up (a line per update) and stops it.
        self.log = data_dir.parent / f"replica-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=log)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Telegram:
    """Posts the double's updates by webhook as they come, to the replicas in turn, each tried
    on the next replica until one answers 200."""

    def __init__(self, double, replicas: list[Replica]):
        self.double = double
        self.replicas = replicas
        self.turn = itertools.count()
        self.client = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=256))
        self.failovers = 0
        self._task: asyncio.Task | None = None
        self._posting: set[asyncio.Task] = set()

    async def post(self, update: dict, headers: dict) -> int:
        for _ in range(200):
            replica = self.replicas[next(self.turn) % len(self.replicas)]
            try:
                answer = await self.client.post(f"http://127.0.0.1:{replica.port}/telegram", json=update,
                                                headers=headers)
                if answer.status_code == 200:
                    return 200
            except httpx.TransportError:
                pass
            self.failovers += 1
            await asyncio.sleep(0.05)
        return 503

    def _take(self) -> list[dict]:
        """The updates waiting in the double, now counted as delivered (it has no parallel
        delivery of its own: ``deliver_webhook`` posts one at a time)."""
        taken, self.double._pending = self.double._pending, []
        if taken:
            self.double._max_delivered_update_id = max(self.double._max_delivered_update_id, taken[-1]["update_id"])
        return taken

    async def _run(self) -> None:
        while True:
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.double.webhook_secret}
            for update in self._take():
                task = asyncio.create_task(self.post(update, headers))
                self._posting.add(task)
                task.add_done_callback(self._posting.discard)
            await self.double._wait_change(0.05)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for task in list(self._posting):
            task.cancel()
        await asyncio.gather(*self._posting, return_exceptions=True)
        await self.client.aclose()


async def until_healthy(replicas: list[Replica], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for replica in replicas:
            while True:
                assert replica.proc.poll() is None, replica.log_tail()
                try:
                    if (await client.get(f"http://127.0.0.1:{replica.port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "a replica did not come up"
                await asyncio.sleep(0.1)


async def answered(bot: BotHarness, user: TgUser, send: Callable[[], object]) -> Sent | None:
    """Send one input, wait for the bot's answer; None when none comes in REPLY_WAIT: the input
    was applied, and the replica that applied it was killed before it answered (an input not
    applied stays pending, is handled by the other replica, and answered)."""
    mark = bot.double.mark()
    send()
    try:
        return await bot.double.reply_to(user, timeout=REPLY_WAIT, after=mark)
    except AssertionError:
        return None


async def auditor_run(bot: BotHarness, user: TgUser, k: int, counts: dict[str, int]) -> dict:
    """One auditor's audit; returns what was entered. An input left unanswered by the killed
    replica is followed by /resume, as the auditor would (its card is where they are)."""
    department = "Office" if k < COMPLETING else f"Dept {k}"
    plan = await start_audit(bot, user, "functional", department)
    audit_id = int(plan.button("✅").split("|")[2])
    card = await through_opening(bot, user, plan)
    counts["ready"] += 1
    notes = []

    async def say(text: str) -> None:
        notes.append(text)
        await then(lambda: bot.double.send_message(user, text))

    async def press(*data: object) -> None:
        await then(lambda: bot.double.press_button(user, callbacks.pack(*data), message_id=card.message_id,
                                                   check=False))

    async def then(send: Callable[[], object]) -> None:
        nonlocal card
        answer = await answered(bot, user, send)
        if answer is None:
            counts["unanswered"] += 1
            answer = await bot.command(user, "/resume")
        card = answer

    for index in range(QUESTIONS):
        nc = k < COMPLETING and index == 1
        if not nc and index % 2 == 0:  # Conform moves on by itself: its note comes first
            await say(f"auditor {k} note {index}")
        await press("q", audit_id, index, "mi" if nc else "c")
        if nc:  # a finding stays on its question for the statement, then Next
            await say(f"auditor {k} note {index}")
            await press("q", audit_id, index, "next")
        counts["questions"] += 1
    if k < COMPLETING:
        await press("q", audit_id, QUESTIONS, "sum")
        await press("cl", audit_id)
        await press("cf", audit_id, 1)  # ✏️ Conclusions (completion needs one); the text is no note
        await then(lambda: bot.double.send_message(user, "The system is generally effective."))
        await press("fin", audit_id)
        await press("fiy", audit_id)
    return {"audit_id": audit_id, "notes": notes}


async def test_two_replicas_one_killed_mid_way_lose_and_double_nothing(double, tmp_path):
    url = databases.current()
    data_dir = tmp_path / "shared-data"
    replicas = [Replica(double, data_dir, url) for _ in range(2)]
    telegram = Telegram(double, replicas)
    bot = BotHarness(double, data_dir)
    bot.reply_timeout = 60.0
    auditors = [TgUser(id=7000 + k, first_name=f"Aud{k}", last_name="Replica", language_code="en")
                for k in range(AUDITORS)]
    try:
        await until_healthy(replicas)
        telegram.start()
        assert "Hello" in (await bot.command(LEAD, "/start")).text
        await bot.join(STAFF, "staff", "Office")
        db = await Database(url).open()
        try:
            async with db.transaction(claim=False) as conn:  # as if the lead had invited them
                for user in auditors:
                    await people.upsert(conn, user.id, name=f"{user.first_name} Replica", username=None,
                                        lang="en", at=bot.clock.now())
                    await people.add_role(conn, user.id, "auditor", None, bot.clock.now())
        finally:
            await db.close()
        staff_mark = double.mark()

        counts = {"ready": 0, "questions": 0, "unanswered": 0}
        runs = [asyncio.create_task(auditor_run(bot, user, k, counts)) for k, user in enumerate(auditors)]
        while (counts["ready"] < AUDITORS or counts["questions"] < AUDITORS * QUESTIONS // 2) \
                and not any(r.done() for r in runs):
            await asyncio.sleep(0.01)
        replicas[0].kill()  # in the middle of everything, requests in flight
        entered = await asyncio.gather(*runs)

        async def notices() -> int:
            return sum(1 for s in double.sent[staff_mark:]
                       if s.chat_id == STAFF.id and s.method in ("sendMessage", "sendPhoto", "sendMediaGroup"))

        deadline = time.monotonic() + 90  # the surviving replica leads from its next pass (30 s)
        while await notices() < COMPLETING and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        received = await notices()
    finally:
        await telegram.stop()
        for replica in replicas:
            replica.stop()

    db = await Database(url).open()
    try:
        async with db.read() as conn:
            notes = [r["text"] for r in await fetch_all(conn, "SELECT text FROM notes ORDER BY id")]
            handled = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state = 'done'")
            answers = await fetch_value(conn, "SELECT COUNT(*) FROM answers")
            results = await fetch_value(conn, "SELECT COUNT(*) FROM audit_trail WHERE action = 'result'")
            pending = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state <> 'done'")
            completed = await fetch_value(conn, "SELECT COUNT(*) FROM audits WHERE status = 'completed'")
            sent = await fetch_value(conn, "SELECT COUNT(*) FROM outbox WHERE chat_id = :c AND state = 'sent'",
                                     {"c": STAFF.id})
            in_doubt = await fetch_value(conn, "SELECT COALESCE(SUM(in_doubt), 0) FROM outbox")
    finally:
        await db.close()
    print(f"\n{handled} updates handled, {len(double.sent)} messages, {telegram.failovers} deliveries retried "
          f"on the other replica, {counts['unanswered']} inputs applied but not answered at the kill, "
          f"{received} notices received for {sent} sent, {in_doubt} in doubt")
    expected_notes = sorted(n for run in entered for n in run["notes"])
    assert sorted(notes) == expected_notes  # every note once
    for run in entered:  # and each auditor's in the order typed, whichever replica had the chat
        assert [n for n in notes if n in run["notes"]] == run["notes"]
    assert answers == AUDITORS * QUESTIONS and results == AUDITORS * QUESTIONS  # every result once
    assert completed == COMPLETING and pending == 0
    assert received >= COMPLETING and received - sent <= in_doubt


async def test_postgresql_restarted_under_load_loses_nothing(bot):
    """The server restarts while an auditor types notes: the bot waits and goes on."""
    restart = os.environ.get("AUDITBOT_TEST_PG_RESTART")
    if not restart:
        pytest.skip("needs tests/pg_cluster.sh (make test-pg)")
    auditor = TgUser(id=7999, first_name="Rita", last_name="Restart", language_code="en")
    await bot.command(LEAD, "/start")
    await bot.join(auditor, "auditor")
    plan = await start_audit(bot, auditor, "functional", "Office")
    await through_opening(bot, auditor, plan)
    await bot.settle()
    mark = double_mark = bot.double.mark()
    restarting = asyncio.create_task(asyncio.to_thread(subprocess.run, restart, shell=True, check=True,
                                                       capture_output=True, timeout=60))
    texts = [f"note {n} typed while the database restarts" for n in range(12)]
    for text in texts:
        bot.double.send_message(auditor, text)
        await asyncio.sleep(0.1)
    await restarting
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        saved = [s for s in bot.double.sent[mark:] if s.chat_id == auditor.id and "Note saved" in (s.text or "")]
        if len(saved) == len(texts):
            break
        await asyncio.sleep(0.2)
    await bot.settle()
    async with bot.db.read() as conn:
        notes = [r["text"] for r in await fetch_all(conn, "SELECT text FROM notes ORDER BY id")]
        pending = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state <> 'done'")
    assert notes == texts and pending == 0  # each once, in order
    assert not [s for s in bot.double.sent[double_mark:] if s.chat_id == auditor.id
                and (s.text or "").startswith("Something went wrong")]
