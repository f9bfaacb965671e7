"""Settings: defaults, parsing, and one-line errors naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    import os

    for key in list(os.environ):
        if key.startswith("AUDITBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    settings = load_settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.api_url == "https://api.telegram.org"
    assert settings.admin_ids == ()
    assert settings.remind_before_days == (7, 1)
    assert settings.major_due_days == 30 and settings.minor_due_days == 60


def test_admin_ids_and_api_url(monkeypatch):
    monkeypatch.setenv("AUDITBOT_ADMIN_IDS", " 11, 22 ,33")
    monkeypatch.setenv("AUDITBOT_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.admin_ids == (11, 22, 33)
    assert settings.api_url == "http://127.0.0.1:8081"


def test_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("AUDITBOT_TIMEZONE=Europe/Berlin\nAUDITBOT_ADMIN_IDS=5\n")
    settings = load_settings()
    assert settings.timezone == "Europe/Berlin"
    assert settings.admin_ids == (5,)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("AUDITBOT_TIMEZONE", "Mars/Olympus", "AUDITBOT_TIMEZONE"),
        ("AUDITBOT_ADMIN_IDS", "12,abc", "AUDITBOT_ADMIN_IDS"),
        ("AUDITBOT_API_URL", "ftp://x", "AUDITBOT_API_URL"),
        ("AUDITBOT_TOKEN", "not-a-token", "AUDITBOT_TOKEN"),
        ("AUDITBOT_MINOR_DUE_DAYS", "0", "AUDITBOT_MINOR_DUE_DAYS"),
    ],
)
def test_wrong_value_names_the_variable(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(fragment)
    assert "\n" not in message


def test_missing_token_for_run():
    with pytest.raises(SettingsError, match="^AUDITBOT_TOKEN: missing"):
        load_settings().require_token()


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = load_settings(data_dir=blocker / "sub")
    with pytest.raises(SettingsError, match="^AUDITBOT_DATA_DIR: "):
        settings.prepare_data_dir()


def _run_cli(*args, env=None):
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=full_env, timeout=60)


def test_run_without_token_prints_one_line_and_exits_2():
    result = _run_cli("run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "auditbot: AUDITBOT_TOKEN: missing; get a bot token from @BotFather and set it in the environment or in .env"
    ]
    assert "Traceback" not in result.stderr


def test_bad_timezone_stops_run_with_one_line():
    result = _run_cli("run", env={"AUDITBOT_TOKEN": "1:abcdefgh", "AUDITBOT_TIMEZONE": "Nowhere/City"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "AUDITBOT_TIMEZONE" in lines[0]
