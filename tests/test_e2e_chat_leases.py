"""Replicas take turns at a chat by its lease, without holding a connection while they wait.

PostgreSQL only (SQLite has one process; a chat's order is kept in it). The leases between
two inbox services on one database (taken, refused, handed over, taken over after they run
out); then sixty auditors at once on one bot whose pool has five connections: every update
answered in time, none set aside (before the leases, each chat's turn held a pooled
connection while its handler waited for another one, and a pool this small ran dry).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bot.domain.clock import FakeClock
from bot.services import inbox_service
from bot.services.inbox_service import InboxService, Incoming
from bot.settings import Settings
from bot.telegram import callbacks
from storage.db import Database
from storage.repos import people
from storage.sql import fetch_value
from tests import databases
from tests.audit_fixtures import start_audit, through_opening
from tests.databases import postgres_only
from tests.harness import LEAD, BotHarness, TgUser

pytestmark = postgres_only

CHATS = 60
QUESTIONS = 3
POOL = 5


def _settings(tmp_path) -> Settings:
    return Settings(token="123456:ABCDEF", data_dir=tmp_path, database_url=databases.current(), _env_file=None)


async def test_a_chat_is_one_replicas_at_a_time_and_taken_over_when_its_lease_runs_out(tmp_path, monkeypatch):
    db = await Database(databases.current()).open()
    clock = FakeClock()
    one, two = InboxService(db, clock, _settings(tmp_path)), InboxService(db, clock, _settings(tmp_path))
    try:
        kept = await one.keep([Incoming(update_id, "c42", {"update_id": update_id}) for update_id in (1, 2, 3)])
        assert [i.update_id for i in kept] == [1, 2, 3]

        assert [i.update_id for i in await one.take_chat("c42", 2)] == [1, 2]  # the earlier ones first
        assert one.holds("c42")
        assert await two.take_chat("c42", 3) is None  # the other's now: nothing held, ask again later
        assert [i.update_id for i in await one.take_chat("c42", 3)] == [1, 2, 3]  # renewed
        await one.handled(3)
        assert await two.take_chat("c42", 3) == []  # handled by the one holding the chat: nothing to do
        assert not two.holds("c42")

        await one.release_chat("c42")
        assert [i.update_id for i in await two.take_chat("c42", 2)] == [1, 2]
        await two.renew_chats()
        assert two.holds("c42")

        monkeypatch.setattr(inbox_service, "CHAT_LEASE", timedelta(seconds=0.3))
        await two.renew_chats()  # its lease runs out in 0.3 s now, and it stalls
        assert await one.take_chat("c42", 2) is None
        await asyncio.sleep(0.5)
        monkeypatch.setattr(inbox_service, "CHAT_LEASE", timedelta(seconds=15))
        assert [i.update_id for i in await one.take_chat("c42", 2)] == [1, 2]  # taken over
        await two.renew_chats()
        assert not two.holds("c42")  # it knows the chat is no longer its own
        await two.release_chat("c42")  # gives up nothing of the new owner's
        assert await two.take_chat("c42", 2) is None

        await one.release_chats()
        async with db.read() as conn:
            assert await fetch_value(conn, "SELECT COUNT(*) FROM chat_leases") == 0
    finally:
        await db.close()


async def test_sixty_chats_at_once_on_a_pool_of_five_are_all_answered(double, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITBOT_DB_POOL_SIZE", str(POOL))
    bot = BotHarness(double, tmp_path / "data")
    bot.reply_timeout = 20.0  # below the pool's 30 s: no update waits for a connection that long
    auditors = [TgUser(id=8000 + k, first_name=f"Aud{k}", last_name="Pool", language_code="en")
                for k in range(CHATS)]
    await bot.start()
    try:
        assert bot.db.pool_size == POOL
        await bot.command(LEAD, "/start")
        async with bot.db.transaction(claim=False) as conn:  # as if the lead had invited them
            for user in auditors:
                await people.upsert(conn, user.id, name=f"{user.first_name} Pool", username=None, lang="en",
                                    at=bot.clock.now())
                await people.add_role(conn, user.id, "auditor", None, bot.clock.now())
        busiest = 0

        async def watch() -> None:
            nonlocal busiest
            while True:
                busiest = max(busiest, bot.db.connections_in_use())
                await asyncio.sleep(0.01)

        async def audit(k: int, user: TgUser) -> list[str]:
            plan = await start_audit(bot, user, "functional", f"Pool dept {k}")
            audit_id = int(plan.button("✅").split("|")[2])
            card = await through_opening(bot, user, plan)
            notes = []
            for index in range(QUESTIONS):
                card = await bot.say(user, f"chat {k} note {index}")
                assert "Note saved" in card.text, card.text
                notes.append(f"chat {k} note {index}")
                card = await bot.press(user, callbacks.pack("q", audit_id, index, "c"), message_id=card.message_id)
            return notes

        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        try:
            entered = await asyncio.gather(*(audit(k, user) for k, user in enumerate(auditors)))
        finally:
            watcher.cancel()
        seconds = time.monotonic() - started
        await bot.settle()
        async with bot.db.read() as conn:
            notes = await fetch_value(conn, "SELECT COUNT(*) FROM notes")
            answers = await fetch_value(conn, "SELECT COUNT(*) FROM answers")
            left = await fetch_value(conn, "SELECT COUNT(*) FROM inbox WHERE state <> 'done'")
            leases = await fetch_value(conn, "SELECT COUNT(*) FROM chat_leases")
        apologies = [s for s in double.sent if (s.text or "").startswith("Something went wrong")]
        print(f"\n{CHATS} chats, {sum(map(len, entered))} notes in {seconds:.1f} s; "
              f"at most {busiest} connections busy (pool {POOL})")
        assert notes == CHATS * QUESTIONS and answers == CHATS * QUESTIONS
        assert left == 0 and not apologies  # none set aside, none failed
        assert leases == 0  # each chat's lease given up once its queue was empty
    finally:
        await bot.stop()


async def test_at_start_only_the_leases_of_this_hosts_dead_processes_are_given_up(tmp_path, monkeypatch):
    """A restart after a kill takes its chats at once; a live process's lease, and one of another
    host whose name only matches this one's through LIKE's "_", are kept."""
    monkeypatch.setattr(inbox_service.socket, "gethostname", lambda: "bot_1")
    db = await Database(databases.current()).open()
    try:
        service = InboxService(db, FakeClock(), _settings(tmp_path))
        dead = 2 ** 22 + 7  # above the kernel's pid range: no such process
        async with db.transaction(claim=False) as conn:
            from storage.repos import leases

            for chat, owner in (("c1", f"bot_1:{dead}:aa"), ("c2", f"botx1:{dead}:bb"),
                                ("c3", f"bot_1:{inbox_service.os.getpid()}:cc")):
                assert await leases.take(conn, chat, owner, 60)
        assert await service.release_dead_leases() == 1
        async with db.read() as conn:
            left = await fetch_value(conn, "SELECT string_agg(chat_key, ',' ORDER BY chat_key) FROM chat_leases")
        assert left == "c2,c3"
    finally:
        await db.close()
