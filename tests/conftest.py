"""Fixtures: the Bot API double, the real bot running against it, a database and a file store,
and settings read from a clean environment."""

from __future__ import annotations

import os

import pytest

from bot.domain.clock import FakeClock
from devtools.botapi_double import BotApiDouble
from storage.db import Database
from storage.files import FileStore
from tests.databases import fresh_database, target  # noqa: F401  (autouse: a database per test on PostgreSQL)
from tests.harness import BotHarness


@pytest.fixture
async def double():
    server = BotApiDouble()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bot(double, tmp_path, clock):
    harness = BotHarness(double, tmp_path / "data", clock=clock)
    await harness.start()
    yield harness
    await harness.stop()
    harness.kill_process()


@pytest.fixture
async def db(tmp_path):
    """An open database (SQLite in tmp_path, or the test run's PostgreSQL)."""
    async with Database(target(tmp_path / "auditbot.sqlite3")) as database:
        yield database


@pytest.fixture
def files(tmp_path) -> FileStore:
    return FileStore(tmp_path / "evidence")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AUDITBOT_ variable of the machine's, and no .env file, reaches the settings."""
    for key in list(os.environ):
        if key.startswith("AUDITBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
