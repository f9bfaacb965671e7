"""Two webhook replicas on one PostgreSQL database; one is killed with SIGKILL mid-way.

Telegram is played by the test: it delivers the double's updates one at a time, in order,
to the replicas in turn (as a load balancer would), and tries the other replica when one
does not answer 200. Twenty auditors run audits meanwhile (results, notes, completion of
some with nonconformities for a department with a contact). Afterwards: no update lost,
none handled twice, each corrective-action notice received once (a resend only for a
notice in doubt), and the inbox empty.
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

import httpx
import pytest

from bot.telegram import callbacks
from storage.db import Database
from storage.repos import people
from storage.sql import fetch_all, fetch_value
from tests import databases
from tests.audit_fixtures import start_audit, through_opening
from tests.databases import postgres_only
from tests.harness import LEAD, STAFF, BotHarness, TgUser

pytestmark = postgres_only

AUDITORS = 20
QUESTIONS = 5
COMPLETING = 4  # the first auditors complete their audit of the Office (one NC each)
SECRET = "replica-test-secret"


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
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

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
    """Delivers the double's updates by webhook to the replicas in turn, retrying on failure."""

    def __init__(self, double, replicas: list[Replica]):
        self.double = double
        self.replicas = replicas
        self.turn = itertools.count()
        self.client = httpx.AsyncClient(timeout=60)
        self.failovers = 0
        self._task: asyncio.Task | None = None

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

    async def _run(self) -> None:
        while True:
            await self.double.deliver_webhook(self.post)
            await asyncio.sleep(0.005)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.aclose()


async def until_healthy(replicas: list[Replica], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for replica in replicas:
            while True:
                assert replica.proc.poll() is None, replica.proc.stderr.read().decode()[-3000:]
                try:
                    if (await client.get(f"http://127.0.0.1:{replica.port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "a replica did not come up"
                await asyncio.sleep(0.1)


async def auditor_run(bot: BotHarness, user: TgUser, k: int, progress: list[int]) -> dict:
    """One auditor's audit; returns what was entered."""
    department = "Office" if k < COMPLETING else f"Dept {k}"
    plan = await start_audit(bot, user, "functional", department)
    audit_id = int(plan.button("✅").split("|")[2])
    card = await through_opening(bot, user, plan)
    notes = []
    for index in range(QUESTIONS):
        nc = k < COMPLETING and index == 1
        if not nc and index % 2 == 0:  # Conform moves on by itself: its note comes first
            text = f"auditor {k} note {index}"
            card = await bot.say(user, text)
            notes.append(text)
        card = await bot.press(user, callbacks.pack("q", audit_id, index, "mi" if nc else "c"),
                               message_id=card.message_id)
        if nc:  # a finding stays on its question for the statement, then Next
            text = f"auditor {k} note {index}"
            card = await bot.say(user, text)
            notes.append(text)
            card = await bot.press(user, callbacks.pack("q", audit_id, index, "next"), message_id=card.message_id)
        progress.append(1)
    if k < COMPLETING:
        card = await bot.press(user, callbacks.pack("q", audit_id, QUESTIONS, "sum"), message_id=card.message_id)
        card = await bot.press(user, callbacks.pack("cl", audit_id), message_id=card.message_id)
        card = await bot.press(user, callbacks.pack("fin", audit_id), message_id=card.message_id)
        card = await bot.press(user, callbacks.pack("fiy", audit_id), message_id=card.message_id)
        assert "complete" in card.text.lower() or "完成" in card.text, card.text
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

        progress: list[int] = []
        runs = [asyncio.create_task(auditor_run(bot, user, k, progress)) for k, user in enumerate(auditors)]
        while len(progress) < AUDITORS * QUESTIONS // 2 and not all(r.done() for r in runs):
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
            answers = await fetch_value(conn, "SELECT COUNT(*) FROM answers")
            results = await fetch_value(conn, "SELECT COUNT(*) FROM audit_trail WHERE action = 'result'")
            pending = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state <> 'done'")
            completed = await fetch_value(conn, "SELECT COUNT(*) FROM audits WHERE status = 'completed'")
            sent = await fetch_value(conn, "SELECT COUNT(*) FROM outbox WHERE chat_id = :c AND state = 'sent'",
                                     {"c": STAFF.id})
            in_doubt = await fetch_value(conn, "SELECT COALESCE(SUM(in_doubt), 0) FROM outbox")
    finally:
        await db.close()
    print(f"\n{len(double.sent)} messages, {telegram.failovers} deliveries retried on the other replica, "
          f"{received} notices received for {sent} sent, {in_doubt} in doubt")
    expected_notes = sorted(n for run in entered for n in run["notes"])
    assert sorted(notes) == expected_notes  # every note once
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
