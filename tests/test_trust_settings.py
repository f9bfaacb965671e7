"""Trust: secrets never show in a repr or a dump, come from a secrets dir, and the data dir is private."""

from __future__ import annotations

import os
import stat

import pytest

from bot.settings import SettingsError, load_settings
from tests import databases
from tests.harness import LEAD, BotHarness

pytestmark = pytest.mark.usefixtures("clean_env")  # conftest.py

TOKEN = "123456:AAHfiqksKZ8-secret-token"
WEBHOOK = "s3cr3t-webhook-Value_42"
PASSWORD = "hunter2-db-password"
URL = f"postgresql://bot:{PASSWORD}@db.example:5432/auditbot"



def _all_three():
    return load_settings(token=TOKEN, webhook_secret=WEBHOOK, database_url=URL,
                         webhook_url="https://bot.example.org/hook", webhook_listen="0.0.0.0:8080")


def test_repr_str_and_dumps_show_no_secret():
    settings = _all_three()
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        for secret in (TOKEN, "AAHfiqksKZ8", WEBHOOK, PASSWORD):
            assert secret not in shown, shown


def test_the_plain_values_are_there_for_those_who_need_them():
    settings = _all_three()
    assert settings.require_token() == TOKEN
    assert settings.webhook_secret_value == WEBHOOK
    assert settings.database == f"postgresql+asyncpg://bot:{PASSWORD}@db.example:5432/auditbot"
    assert settings.database_path is None


def test_secrets_come_from_the_secrets_dir_after_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "AUDITBOT_TOKEN").write_text(TOKEN + "\n", encoding="utf-8")
    (folder / "auditbot_database_url").write_text(URL, encoding="utf-8")
    monkeypatch.setenv("AUDITBOT_SECRETS_DIR", str(folder))
    settings = load_settings()
    assert settings.require_token() == TOKEN
    assert PASSWORD in settings.database and PASSWORD not in repr(settings)
    monkeypatch.setenv("AUDITBOT_TOKEN", "999:fromtheenvironment")
    assert load_settings().require_token() == "999:fromtheenvironment"


def test_a_bad_secret_file_or_secrets_dir_is_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "AUDITBOT_TOKEN").write_text("not-a-token", encoding="utf-8")
    monkeypatch.setenv("AUDITBOT_SECRETS_DIR", str(folder))
    with pytest.raises(SettingsError, match="^AUDITBOT_TOKEN: does not look like a bot token"):
        load_settings()
    monkeypatch.setenv("AUDITBOT_SECRETS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(SettingsError, match="^AUDITBOT_SECRETS_DIR: .* is not a folder$"):
        load_settings()


class SecretsDirBot(BotHarness):
    """The bot with no token given: it reads it from the secrets dir."""

    def settings(self):
        return load_settings(api_url=self.double.url, data_dir=self.data_dir, admin_ids=self.admin_ids,
                             database_url=databases.current(), _env_file=None)


async def test_the_bot_runs_on_a_token_from_a_secrets_dir_file(double, tmp_path, monkeypatch):
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "AUDITBOT_TOKEN").write_text(double.token + "\n", encoding="utf-8")
    monkeypatch.setenv("AUDITBOT_SECRETS_DIR", str(folder))
    bot = SecretsDirBot(double, tmp_path / "data")
    await bot.start()
    try:
        assert "Lena" in (await bot.command(LEAD, "/start")).text
    finally:
        await bot.stop()


def test_the_data_dir_is_created_private(tmp_path):
    old = os.umask(0o022)
    try:
        settings = load_settings(data_dir=tmp_path / "deep" / "data")
        settings.prepare_data_dir()
    finally:
        os.umask(old)
    for folder in (settings.data_dir, settings.evidence_dir, settings.reports_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
