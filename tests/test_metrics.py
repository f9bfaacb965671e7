"""Operations: /metrics counts what the bot did, /healthz says whether its database answers.

The webhook app serves both (as in tests/test_webhook.py); in polling mode a small server on
127.0.0.1 does (AUDITBOT_METRICS_PORT).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.telegram.delivery import metrics, scheduler
from tests.harness import LEAD, STRANGER, hooked_at

URL = "https://bot.example.org/hook/telegram"
HOOK = "/hook/telegram"


@pytest.fixture
async def hooked(double, tmp_path, clock):
    """The bot in webhook mode, and an HTTP client on its ASGI app."""
    async with hooked_at(double, tmp_path, clock, URL) as pair:
        yield pair


async def _deliver(double, client) -> list[int]:
    async def post(update: dict, headers: dict) -> int:
        return (await client.post(HOOK, json=update, headers=headers)).status_code
    return await double.deliver_webhook(post)


async def _settle(double, application) -> None:
    """Until the outbox's background passes are over and the double is quiet."""
    await double.wait_idle(quiet=0.1)
    while kicks := application.bot_data.get(scheduler.KICKS):
        await asyncio.gather(*list(kicks), return_exceptions=True)
        await double.wait_idle(quiet=0.1)


def scraped(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def scrape(client) -> dict:
    answer = await client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return scraped(answer.text)


async def test_metrics_count_updates_outcomes_notices_and_bot_api_errors(double, hooked):
    application, client = hooked
    before = await scrape(client)
    assert value(before, "auditbot_updates_handled_total", kind="command", outcome="ok") == 0
    assert value(before, "auditbot_database_up") == 1

    double.send_command(LEAD, "/start")
    double.send_command(LEAD, "/help")
    double.send_message(LEAD, "a word the bot takes as text")
    double.press_button(LEAD, "1|nonsense", check=False)  # a made-up press: refused
    assert await _deliver(double, client) == [200, 200, 200, 200]
    await _settle(double, application)
    after = await scrape(client)
    assert value(after, "auditbot_updates_handled_total", kind="command", outcome="ok") == 2
    assert value(after, "auditbot_updates_handled_total", kind="message", outcome="ok") == 1
    assert value(after, "auditbot_updates_handled_total", kind="callback", outcome="refused") == 1
    assert value(after, "auditbot_update_seconds_count", kind="command") == 2
    assert value(after, "auditbot_update_seconds_bucket", kind="command", le="+Inf") == 2
    assert value(after, "auditbot_notices_sent_total", kind="commands") >= 1  # the lead's own menu
    assert value(after, "auditbot_inbox_backlog") == 0
    assert value(after, "auditbot_inbox_set_aside") == 0
    assert value(after, "auditbot_outbox_backlog") == 0
    assert value(after, "auditbot_outbox_oldest_seconds") == 0
    assert value(after, "auditbot_db_connections_in_use") in (0, 1)
    assert value(after, "auditbot_outbox_in_doubt_resends_total") == 0
    assert value(after, "auditbot_reminders_sent_total", kind="capa_reminder") is None  # none sent yet

    # Telegram answers 429 once: the update fails, is tried again, and is done ("retried").
    double.fail("sendMessage", 429, retry_after=1)
    double.send_command(LEAD, "/help")
    assert await _deliver(double, client) == [200]
    later = await scrape(client)
    assert value(later, "auditbot_bot_api_429_total", method="sendMessage") == 1
    assert value(later, "auditbot_bot_api_errors_total", method="sendMessage", error="retry_after") == 1
    assert value(later, "auditbot_update_failures_total", kind="command") == 1
    assert value(later, "auditbot_updates_handled_total", kind="command", outcome="retried") == 1
    assert value(later, "auditbot_updates_handled_total", kind="command", outcome="ok") == 2


async def test_healthz_answers_200_then_503_when_the_database_is_away(double, hooked):
    application, client = hooked
    answer = await client.get("/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")
    await application.bot_data["runtime"].db.close()  # the database goes away
    answer = await client.get("/healthz")
    assert (answer.status_code, answer.text) == (503, "database unavailable")
    samples = await scrape(client)  # /metrics still answers, and says so
    assert value(samples, "auditbot_database_up") == 0
    assert value(samples, "auditbot_inbox_backlog") is None


async def test_polling_mode_serves_metrics_and_healthz_on_localhost(bot):
    await bot.command(LEAD, "/start")
    await bot.command(STRANGER, "/start")  # turned away: refused
    await bot.settle()
    server = await metrics.serve(bot.app, 0)  # port 0: any free one (AUDITBOT_METRICS_PORT in production)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            samples = await scrape(client)
            assert (await client.get("/healthz")).status_code == 200
    finally:
        await server.stop()
    assert value(samples, "auditbot_updates_handled_total", kind="command", outcome="ok") == 1
    assert value(samples, "auditbot_updates_handled_total", kind="command", outcome="refused") == 1
    assert value(samples, "auditbot_database_up") == 1
    assert value(samples, "process_cpu_seconds_total") is not None or value(samples, "python_info") is not None
