"""Fixtures: the Bot API double, and the real bot running against it."""

from __future__ import annotations

import pytest

from bot.domain.clock import FakeClock
from devtools.botapi_double import BotApiDouble
from tests.databases import fresh_database  # noqa: F401  (autouse: a database per test on PostgreSQL)
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
