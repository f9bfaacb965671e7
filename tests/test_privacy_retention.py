"""Lifetimes of personal data (PIPL, GDPR): the daily pass prunes what outlived its setting and
keeps what is young; the error log names an update by id, kind and chat hash, never its text."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.services.privacy_service import PrivacyService, Pruned
from bot.settings import Settings, SettingsError, load_settings
from bot.telegram.delivery import scheduler
from storage.repos import inbox, invites, outbox
from storage.sql import fetch_all
from tests.capa_fixtures import NOW, add_person, open_world
from tests.harness import AUDITOR_EN, LEAD

DAY = timedelta(days=1)
PRUNED_AT = NOW + 200 * DAY  # cutoffs: files and set-aside text 170 days after NOW, notices 110, invites 20


@pytest.fixture
async def world(tmp_path):
    w = await open_world(tmp_path / "data")
    yield w
    await w.close()


def test_the_defaults_a_quality_office_accepts():
    settings = Settings(_env_file=None)
    assert (settings.retain_generated_days, settings.retain_set_aside_days, settings.retain_outbox_days,
            settings.retain_invites_days) == (30, 30, 90, 180)


async def _rows(world, sql: str) -> list[dict]:
    async with world.db.read() as conn:
        return [dict(r) for r in await fetch_all(conn, sql)]


async def _notice(conn, key: str, at, state: str | None, kind: str = "capa_new") -> None:
    await outbox.enqueue(conn, dedupe_key=key, chat_id=LEAD.id, kind=kind, payload={"n": key}, not_before=at, at=at)
    (row,) = await fetch_all(conn, "SELECT id FROM outbox WHERE dedupe_key = :k", {"k": key})
    if state == "sent":
        await outbox.mark_sent(conn, row["id"], at)
    elif state is not None:
        await outbox.mark_failed(conn, row["id"], state, "Forbidden: blocked")


def _generated(world, name: str, age_at, folder=None):
    path = (folder or world.settings.reports_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a report naming people")
    os.utime(path, (age_at.timestamp(), age_at.timestamp()))
    return path


async def test_the_daily_pass_prunes_what_is_past_its_lifetime_and_keeps_the_young(world):
    await add_person(world.db, LEAD, "lead")
    async with world.db.transaction(claim=False) as conn:
        for update_id, at in ((1, NOW), (2, NOW + 180 * DAY)):  # set aside long ago, and lately
            await inbox.add(conn, update_id, f"c{LEAD.id}", '{"message": {"text": "secret"}}', at)
            await inbox.set_aside(conn, update_id, "unreadable", at)
        await inbox.add(conn, 3, f"c{LEAD.id}", "{}", NOW)
        await inbox.claim(conn, 3, NOW)  # handled: its id is forgotten after a week
        await _notice(conn, "old-sent", NOW, "sent")
        await _notice(conn, "old-failed", NOW, "failed")
        await _notice(conn, "old-blocked", NOW, "blocked")
        await _notice(conn, "old-pending", NOW, None)  # not sent yet: never pruned
        await _notice(conn, "old-missed", NOW, "sent", kind="programme_missed")  # its row stops a resend
        await _notice(conn, "young-sent", NOW + 150 * DAY, "sent")
        for code, created, used in (("used-old", NOW, NOW + DAY), ("expired-old", NOW, None),
                                    ("used-young", NOW + 150 * DAY, NOW + 150 * DAY)):
            await invites.create(conn, code=code, role="auditor", department_id=None, created_by=LEAD.id,
                                 at=created, expires_at=created + 7 * DAY)
            if used is not None:
                await invites.redeem(conn, code, LEAD.id, used)
        await invites.create(conn, code="pending-long", role="auditor", department_id=None, created_by=LEAD.id,
                             at=NOW, expires_at=NOW + 400 * DAY)  # still valid: kept
    old_report = _generated(world, "A-2026-001-20261102.docx", NOW)
    young_export = _generated(world, "export-20270510.xlsx", NOW + 190 * DAY)
    cached_photo = _generated(world, "ab.jpg", NOW, world.settings.photo_cache_dir)

    world.clock.set(PRUNED_AT)
    await scheduler._prune_job(SimpleNamespace(rt=world))  # as the daily job runs it (the leader: SQLite's one)

    poison = await _rows(world, "SELECT update_id, state, raw_json FROM inbox ORDER BY update_id")
    assert [(r["update_id"], r["state"], bool(r["raw_json"])) for r in poison] == [
        (1, "poison", False), (2, "poison", True)]  # update 3's id is forgotten
    keys = [r["dedupe_key"] for r in await _rows(world, "SELECT dedupe_key FROM outbox ORDER BY id")]
    assert keys == ["old-pending", "old-missed", "young-sent"]
    codes = sorted(r["code"] for r in await _rows(world, "SELECT code FROM invites"))
    assert codes == ["pending-long", "used-young"]
    assert not old_report.exists() and young_export.exists() and cached_photo.exists()

    assert await world.privacy.prune() == Pruned()  # nothing more to do


async def test_the_settings_name_and_move_the_lifetimes(world, monkeypatch):
    monkeypatch.setenv("AUDITBOT_RETAIN_OUTBOX_DAYS", "365")
    assert Settings(_env_file=None).retain_outbox_days == 365
    with pytest.raises(SettingsError, match="AUDITBOT_RETAIN_INVITES_DAYS"):
        load_settings(retain_invites_days=0, _env_file=None)
    longer = PrivacyService(world.db, world.clock, world.settings.model_copy(update={"retain_outbox_days": 365}),
                            world.files)
    async with world.db.transaction(claim=False) as conn:
        await _notice(conn, "old-sent", NOW, "sent")
    world.clock.set(PRUNED_AT)
    await longer.prune()
    assert [r["dedupe_key"] for r in await _rows(world, "SELECT dedupe_key FROM outbox")] == ["old-sent"]
    await world.privacy.prune()
    assert await _rows(world, "SELECT dedupe_key FROM outbox") == []


async def test_the_error_log_names_the_update_not_what_was_written(bot, caplog):
    await bot.command(LEAD, "/start")
    await bot.join(AUDITOR_EN, "auditor")
    people_service = bot.app.bot_data["runtime"].people
    real_identify = people_service.identify

    async def broken_identify(user_id, **kwargs):
        if user_id == AUDITOR_EN.id:
            raise RuntimeError("disk on fire")
        return await real_identify(user_id, **kwargs)

    people_service.identify = broken_identify
    secret = "Director Liu signs the records unread"
    mark = bot.double.mark()
    with caplog.at_level(logging.INFO):
        bot.double.send_message(AUDITOR_EN, secret)
        await bot.double.reply_to(AUDITOR_EN, after=mark, timeout=10)  # the apology
        await bot.settle()
    people_service.identify = real_identify

    failed = [r for r in caplog.records if r.levelno >= logging.ERROR and "failed (" in r.getMessage()]
    assert failed, [r.getMessage() for r in caplog.records]
    line = failed[0].getMessage()
    assert line.startswith("update ") and "(message, chat " in line and str(AUDITOR_EN.id) not in line
    assert secret not in caplog.text  # no line and no traceback carries what was written
