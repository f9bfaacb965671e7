"""The log: one line per handled update (kind, a chat hash, latency, outcome), JSON lines
with AUDITBOT_LOG_FORMAT=json, and never the text of a message."""

from __future__ import annotations

import json
import logging

import pytest

from bot import cli
from bot.settings import SettingsError, load_settings
from tests.harness import AUDITOR_EN, LEAD, STRANGER

SECRET_TEXT = "the auditee said the calibration log was forged"


def update_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "auditbot.updates"]


async def test_one_line_per_update_with_its_fields_and_no_message_text(bot, caplog):
    caplog.set_level(logging.INFO, logger="auditbot.updates")
    await bot.command(LEAD, "/start")
    await bot.say(LEAD, SECRET_TEXT)
    await bot.command(STRANGER, "/start")  # turned away
    await bot.settle()
    lines = update_lines(caplog)
    assert len(lines) == 3 and len({r.update_id for r in lines}) == 3  # one line each
    assert [(r.kind, r.outcome) for r in lines] == [("command", "ok"), ("message", "ok"), ("command", "refused")]
    for record in lines:
        assert record.event == "update" and isinstance(record.latency_ms, int) and record.attempts == 1
        assert len(record.chat) == 12 and str(LEAD.id) not in record.chat
    assert lines[0].chat == lines[1].chat != lines[2].chat  # the same chat, the same hash

    text_lines = [logging.Formatter(cli.LOG_FORMAT).format(r) for r in lines]
    json_lines = [json.loads(cli.JsonLines().format(r)) for r in lines]
    for text, parsed in zip(text_lines, json_lines, strict=True):
        assert SECRET_TEXT not in text and "calibration" not in json.dumps(parsed)
        assert str(LEAD.id) not in text and str(STRANGER.id) not in text
        assert {"time", "level", "logger", "message", "update_id", "kind", "chat", "latency_ms", "outcome",
                "attempts"} <= parsed.keys()
    assert json_lines[1]["kind"] == "message" and json_lines[1]["outcome"] == "ok"
    assert "calibration" not in caplog.text  # nor in any other line of the update


async def test_a_failing_update_is_one_failed_line_and_a_passing_failure_one_retried(bot, caplog):
    await bot.command(LEAD, "/start")
    await bot.join(AUDITOR_EN, "auditor")
    people_service = bot.app.bot_data["runtime"].people
    real_identify = people_service.identify
    failures = {"left": float("inf")}  # first: every try fails

    async def broken_identify(user_id, **kwargs):
        if user_id == AUDITOR_EN.id and failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("disk on fire")
        return await real_identify(user_id, **kwargs)

    people_service.identify = broken_identify
    caplog.set_level(logging.INFO, logger="auditbot.updates")
    caplog.clear()
    mark = bot.double.mark()
    bot.double.send_message(AUDITOR_EN, "a note that cannot be filed")
    await bot.double.reply_to(AUDITOR_EN, after=mark, timeout=10)  # the apology, after the third try
    await bot.settle()
    failures["left"] = 1  # fails once, then passes
    await bot.command(AUDITOR_EN, "/help")
    await bot.settle()
    lines = update_lines(caplog)
    assert [(r.kind, r.outcome, r.attempts) for r in lines] == [("message", "failed", 3), ("command", "retried", 2)]


def test_log_format_json_gives_json_lines(monkeypatch):
    monkeypatch.setenv("AUDITBOT_LOG_FORMAT", "json")
    settings = load_settings(_env_file=None)
    assert settings.log_format == "json"
    installed = {}
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: installed.update(kwargs))
    cli._logging(False, settings.log_format)
    formatter = installed["handlers"][0].formatter
    assert isinstance(formatter, cli.JsonLines)
    record = logging.LogRecord("auditbot.updates", logging.INFO, __file__, 1, "update %d", (7,), None)
    record.kind = "callback"
    assert json.loads(formatter.format(record)) | {"time": None} == {
        "time": None, "level": "INFO", "logger": "auditbot.updates", "message": "update 7", "kind": "callback"}
    monkeypatch.setenv("AUDITBOT_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="^AUDITBOT_LOG_FORMAT: "):
        load_settings(_env_file=None)
