"""Webhook mode end to end: Telegram (the double) POSTs updates to the bot's Starlette app."""

from __future__ import annotations

import httpx
import pytest

from bot.settings import SettingsError, load_settings
from storage.sql import fetch_all
from tests.harness import LEAD, STRANGER, hooked_at

URL = "https://bot.example.org/hook/telegram"


@pytest.fixture
async def hooked(double, tmp_path, clock):
    async with hooked_at(double, tmp_path, clock, URL) as pair:
        yield pair


def poster(client: httpx.AsyncClient):
    async def post(update: dict, headers: dict) -> int:
        return (await client.post("/hook/telegram", json=update, headers=headers)).status_code
    return post


async def test_updates_arrive_by_webhook_and_are_answered_before_the_200(double, hooked):
    _, client = hooked
    assert double.webhook_url == URL and len(double.webhook_secret) >= 32
    mark = double.mark()
    double.send_command(LEAD, "/start")
    double.send_command(LEAD, "/help")
    assert await double.deliver_webhook(poster(client)) == [200, 200]
    replies = [s for s in double.sent[mark:] if s.chat_id == LEAD.id and s.method == "sendMessage"]
    assert len(replies) == 2 and "Lena" in replies[0].text  # both handled, in order, before their 200
    assert (await client.get("/healthz")).text == "ok"


@pytest.mark.parametrize(("url", "path", "elsewhere"), [
    ("https://bot.example.org", "/", "/telegram"),  # a bare address: Telegram posts to /
    ("https://bot.example.org/", "/", "/telegram"),
    ("https://bot.example.org/telegram", "/telegram", "/"),
    ("https://bot.example.org/hook/telegram/", "/hook/telegram/", "/telegram"),
])
async def test_the_app_listens_on_the_path_of_the_webhook_url(double, tmp_path, clock, url, path, elsewhere):
    async with hooked_at(double, tmp_path, clock, url) as (_, client):
        assert double.webhook_url == url
        headers = {"X-Telegram-Bot-Api-Secret-Token": double.webhook_secret}
        mark = double.mark()
        double.send_command(LEAD, "/start")
        update = dict(double._pending[0])
        assert (await client.post(elsewhere, json=update, headers=headers)).status_code in (404, 405)

        async def post(update: dict, headers: dict) -> int:
            return (await client.post(path, json=update, headers=headers)).status_code

        assert await double.deliver_webhook(post) == [200]
        assert [s for s in double.sent[mark:] if s.chat_id == LEAD.id and s.method == "sendMessage"]
        if path != "/":  # the same path with or without a final slash (no redirect for a POST)
            twin = path.rstrip("/") if path.endswith("/") else path + "/"
            double.send_command(LEAD, "/help")
            update = dict(double._pending[0])
            assert (await client.post(twin, json=update, headers=headers)).status_code == 200


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_kept(double, hooked):
    application, client = hooked
    update = {"update_id": 777, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                            "from": {"id": 1, "is_bot": False, "first_name": "X"}, "text": "/start"}}
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        assert (await client.post("/hook/telegram", json=update, headers=headers)).status_code == 403
    db = application.bot_data["runtime"].db
    async with db.read() as conn:
        assert await fetch_all(conn, "SELECT * FROM inbox") == []


async def test_a_malformed_body_gets_400(double, hooked):
    _, client = hooked
    headers = {"X-Telegram-Bot-Api-Secret-Token": double.webhook_secret}
    for body in (b"not json", b"[1, 2]", b'{"no_update_id": 1}'):
        assert (await client.post("/hook/telegram", content=body, headers=headers)).status_code == 400


async def test_telegram_sending_an_update_twice_gets_one_answer(double, hooked):
    _, client = hooked
    mark = double.mark()
    double.send_command(STRANGER, "/start")
    update = dict(double._pending[0])
    headers = {"X-Telegram-Bot-Api-Secret-Token": double.webhook_secret}
    for _ in range(2):
        assert (await client.post("/hook/telegram", json=update, headers=headers)).status_code == 200
    assert len([s for s in double.sent[mark:] if s.chat_id == STRANGER.id]) == 1


def test_webhook_settings_come_in_pairs_and_are_checked(monkeypatch):
    for name in ("AUDITBOT_WEBHOOK_URL", "AUDITBOT_WEBHOOK_LISTEN", "AUDITBOT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match="AUDITBOT_WEBHOOK_LISTEN is missing"):
        load_settings(webhook_url=URL, _env_file=None)
    with pytest.raises(SettingsError, match="^AUDITBOT_WEBHOOK_LISTEN: "):
        load_settings(webhook_url=URL, webhook_listen="8080", _env_file=None)
    with pytest.raises(SettingsError, match="^AUDITBOT_WEBHOOK_SECRET: "):
        load_settings(webhook_url=URL, webhook_listen="0.0.0.0:8080", webhook_secret="no spaces please", _env_file=None)
    assert load_settings(webhook_url=URL, webhook_listen="0.0.0.0:8080", _env_file=None).webhook
