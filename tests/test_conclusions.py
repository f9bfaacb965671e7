"""The conclusion at completion without Telegram: the suggestion from the counts, the refusal
without a conclusion, the one-tap suggestion (and a stale one), a revision's review."""

from __future__ import annotations

import json

import pytest

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.services import conclusions
from bot.services.audit_service import AuditService
from bot.services.conclusions import ConclusionError
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import departments, people, trail
from storage.sql import execute, fetch_value
from tests.audit_fixtures import jpeg
from tests.databases import target

AUDITOR = Actor(id=1, name="Wang", lang="zh", active=True, roles=frozenset({"auditor"}))
LEAD = Actor(id=3, name="Lena", lang="en", active=True, roles=frozenset({"lead"}))


def test_the_suggestion_names_the_counts_in_both_languages():
    counts = {"minor": 2, "observation": 1, "conform": 30, "na": 2}
    assert conclusions.suggest("zh", counts) == \
        "本次审核发现轻微不符合项 2 项、观察项 1 项，质量管理体系运行基本有效，不符合项需按期纠正。"
    assert conclusions.suggest("en", counts).startswith(
        "This audit found 2 minor nonconformities and 1 observation; the quality management system is generally")
    assert conclusions.suggest("en", {"major": 1, "minor": 1, "ofi": 2}).startswith(
        "This audit found 1 major nonconformity, 1 minor nonconformity and 2 opportunities for improvement; "
        "the quality management system's effectiveness is to be confirmed")
    assert conclusions.suggest("zh", {"conform": 5}) == "本次审核未发现不符合项，质量管理体系运行有效。"
    assert conclusions.suggest("en", {"good": 1}) == ("No nonconformities were found (1 good practice); the quality "
                                                      "management system is effectively implemented and maintained.")


def test_marks_and_changes():
    assert conclusions.mark("a") == conclusions.mark("a") != conclusions.mark("b")
    assert 0 <= conclusions.mark("本次审核") < 65536
    assert conclusions.changes({"minor": 2, "observation": 1}, {"minor": 3, "conform": 4}) == \
        (("minor", 2, 3), ("observation", 1, 0))
    assert conclusions.changes({"minor": 2}, {"minor": 2, "na": 1}) == ()


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock()
    db = await Database(target(tmp_path / "db.sqlite3")).open()
    async with db.transaction() as conn:
        for actor in (AUDITOR, LEAD):
            await people.upsert(conn, actor.id, name=actor.name, username=None, lang=actor.lang, at=clock.now())
            for role in actor.roles:
                await people.add_role(conn, actor.id, role, None, clock.now())
        department_id, _ = await departments.get_or_create(conn, "办公室", clock.now())
    service = AuditService(db, clock, Settings(data_dir=tmp_path, _env_file=None), load_all(),
                           FileStore(tmp_path / "evidence"))
    yield service, department_id, db
    await db.close()


async def at_closing(service: AuditService, department_id: int) -> int:
    """Two minor NCs (questions 2 and 6: no evidence required) and an observation (3), at the closing meeting."""
    audit_id = await service.create(AUDITOR, "functional-department", department_id)
    await service.advance_stage(AUDITOR, audit_id, "planning")
    await service.advance_stage(AUDITOR, audit_id, "opening")
    for index, result in ((1, "minor"), (2, "observation"), (5, "minor")):
        await service.question(AUDITOR, audit_id, index)
        await service.record_result(AUDITOR, audit_id, index, result)
        await service.add_note(AUDITOR, audit_id, index, f"发现 {index}")
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    return audit_id


async def test_no_conclusion_refuses_with_a_suggestion_and_its_mark_completes(env):
    service, department_id, db = env
    audit_id = await at_closing(service, department_id)
    with pytest.raises(ConclusionError) as refused:
        await service.completion_preview(AUDITOR, audit_id)
    preview = refused.value.details["preview"]
    assert refused.value.code == "no_conclusion" and preview.findings == {"NC": 2, "OBS": 1} and preview.actions == 2
    assert preview.suggestion.startswith("本次审核发现轻微不符合项 2 项、观察项 1 项")
    with pytest.raises(ConclusionError, match="no_conclusion"):
        await service.complete(AUDITOR, audit_id)  # no conclusion, no suggestion accepted
    with pytest.raises(ConclusionError, match="no_conclusion"):
        await service.complete(AUDITOR, audit_id, suggestion=(preview.suggestion_mark + 1) % 65536)  # stale
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "closing"
    done = await service.complete(AUDITOR, audit_id, suggestion=preview.suggestion_mark)
    assert [f["number"] for f in done.findings] == ["NC1", "OBS1", "NC2"]
    async with db.read() as conn:
        closing = json.loads(await fetch_value(conn, "SELECT closing_json FROM audits"))
        entries = await trail.entries(conn, "audit", audit_id)
    assert closing["conclusions"] == preview.suggestion
    assert closing["concluded"] == {"text": preview.suggestion, "revision": 1}
    assert any(e["action"] == "closing.conclusions" and preview.suggestion in e["after_json"] for e in entries)


async def test_a_suggestion_after_a_conclusion_was_written_shows_that_one(env):
    service, department_id, _ = env
    audit_id = await at_closing(service, department_id)
    with pytest.raises(ConclusionError) as refused:
        await service.completion_preview(AUDITOR, audit_id)
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "体系基本有效。")
    with pytest.raises(ConclusionError) as written:
        await service.complete(AUDITOR, audit_id, suggestion=refused.value.details["preview"].suggestion_mark)
    assert written.value.code == "conclusion_written"
    assert written.value.details["preview"].conclusion == "体系基本有效。"
    preview = await service.completion_preview(AUDITOR, audit_id)  # written: no refusal
    assert preview.conclusion == "体系基本有效。" and not preview.suggestion and not preview.review_conclusion


async def test_a_revision_reviews_the_last_conclusion_with_the_counts_changed(env):
    service, department_id, db = env
    audit_id = await at_closing(service, department_id)
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "体系基本有效。")
    await service.complete(AUDITOR, audit_id)
    await service.reopen(LEAD, "A-2026-001", "第3题应为不符合项")
    await service.question(AUDITOR, audit_id, 2)
    await service.record_result(AUDITOR, audit_id, 2, "minor")  # question 3: a minor NC now
    await service.add_evidence(AUDITOR, audit_id, 2, kind="photo", data=jpeg(3), file_name=None,
                               mime_type="image/jpeg", caption=None, telegram_file_id="f3")
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    preview = await service.completion_preview(AUDITOR, audit_id)
    assert preview.revising and preview.review_conclusion and preview.concluded_in == 1
    assert preview.conclusion == "体系基本有效。" and preview.changes == (("minor", 2, 3), ("observation", 1, 0))
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "轻微不符合项 3 项。")
    preview = await service.completion_preview(AUDITOR, audit_id)
    assert preview.revising and not preview.review_conclusion  # edited in this revision: a plain yes
    await service.complete(AUDITOR, audit_id)
    async with db.read() as conn:
        closing = json.loads(await fetch_value(conn, "SELECT closing_json FROM audits"))
    assert closing["concluded"] == {"text": "轻微不符合项 3 项。", "revision": 2}


async def test_a_revision_with_the_same_counts_and_an_audit_completed_before_conclusions_were_kept(env):
    """Audits completed before this change have no record of the confirmed conclusion: the one
    on the card is taken as the last completion's, for review."""
    service, department_id, db = env
    audit_id = await at_closing(service, department_id)
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "体系基本有效。")
    await service.complete(AUDITOR, audit_id)
    async with db.transaction() as conn:
        await execute(conn, "UPDATE audits SET closing_json = :c", {"c": json.dumps({"conclusions": "体系基本有效。"})})
    await service.reopen(LEAD, "A-2026-001", "补充描述")
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    preview = await service.completion_preview(AUDITOR, audit_id)
    assert preview.review_conclusion and preview.concluded_in == 1 and preview.changes == ()
