"""Trust: the webhook secret is never empty, and a generated one is published whole (0600)."""

from __future__ import annotations

import errno
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.settings import Settings, SettingsError, check_webhook_secret
from bot.telegram.delivery import webhook
from tests.test_webhook import hooked  # noqa: F401  (the bot in webhook mode)

URL = "https://bot.example.org/hook/telegram"


def _settings(data_dir, **values) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=data_dir, webhook_url=URL, webhook_listen="127.0.0.1:8443", _env_file=None, **values)


def test_an_empty_secret_is_never_a_secret(tmp_path):
    assert _settings(tmp_path, webhook_secret="   ").webhook_secret_value is None  # not set: one is generated
    with pytest.raises(ValueError):
        check_webhook_secret("")
    with pytest.raises(ValueError, match="needs a secret"):
        webhook.web_app(None, None, _settings(tmp_path), "")


def test_an_empty_secret_file_is_refused_not_used(tmp_path):
    """What a replica read while another was still writing the file (before: "" was the secret)."""
    settings = _settings(tmp_path / "data")
    (settings.data_dir / webhook.SECRET_FILE).write_text("", encoding="utf-8")
    with pytest.raises(SettingsError, match="^AUDITBOT_WEBHOOK_SECRET: not set, and .* is empty or damaged"):
        webhook.webhook_secret(settings)


def test_replicas_starting_at_once_share_one_whole_secret(tmp_path):
    settings = _settings(tmp_path / "data")
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: webhook.webhook_secret(settings), range(32)))
    assert len(found) == 1 and len(next(iter(found))) >= 32
    path = settings.data_dir / webhook.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").strip() in found
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [webhook.SECRET_FILE]  # no temp file left
    assert webhook.webhook_secret(settings) in found  # kept across restarts


def test_without_hard_links_the_secret_is_renamed_into_place(tmp_path, monkeypatch):
    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    settings = _settings(tmp_path / "data")
    secret = webhook.webhook_secret(settings)
    path = settings.data_dir / webhook.SECRET_FILE
    assert path.read_text(encoding="utf-8") == secret + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in settings.data_dir.iterdir()] == [webhook.SECRET_FILE]


async def test_an_empty_or_missing_header_is_refused(hooked):  # noqa: F811
    _, client = hooked
    update = {"update_id": 778, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                            "from": {"id": 1, "is_bot": False, "first_name": "X"}, "text": "/start"}}
    for headers in ({}, {webhook.SECRET_HEADER: ""}, {webhook.SECRET_HEADER: " "}):
        assert (await client.post("/hook/telegram", json=update, headers=headers)).status_code == 403
