"""Settings: defaults, parsing, and one-line errors naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("clean_env")  # conftest.py



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


def test_database_url_defaults_to_the_sqlite_file_and_takes_postgresql(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    assert settings.database == f"sqlite+aiosqlite:///{tmp_path / 'auditbot.sqlite3'}"
    assert settings.database_path == tmp_path / "auditbot.sqlite3"
    settings = load_settings(database_url="postgresql://bot:secret@db.example:5432/auditbot")
    assert settings.database == "postgresql+asyncpg://bot:secret@db.example:5432/auditbot"
    assert settings.database_path is None
    settings = load_settings(database_url="postgres://bot@db.example/auditbot?sslmode=require")
    assert settings.database == "postgresql+asyncpg://bot@db.example/auditbot?ssl=require"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("mysql://root@localhost/audit", "'mysql' is not supported"),
        ("localhost:5432/audit", "is not a database URL"),
        ("postgresql://bot@localhost", "names no database"),
        ("postgresql://bot@[::1/audit", "is not a database URL"),
    ],
)
def test_malformed_database_url_stops_run_with_one_line(value, fragment):
    result = _run_cli("run", env={"AUDITBOT_TOKEN": "1:abcdefgh", "AUDITBOT_DATABASE_URL": value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditbot: AUDITBOT_DATABASE_URL: "), lines
    assert fragment in lines[0]


def test_unreachable_database_stops_run_with_one_line(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://bot:hunter2@127.0.0.1:{port}/auditbot"
    result = _run_cli("run", env={"AUDITBOT_TOKEN": "1:abcdefgh", "AUDITBOT_DATABASE_URL": url,
                                  "AUDITBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("auditbot: AUDITBOT_DATABASE_URL: cannot open postgresql+asyncpg://bot:***@127.0.0.1:")
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
