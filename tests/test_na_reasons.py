"""The optional reason of a one-tap N/A without Telegram: offered on the next card (not after a
note, nor on later cards), recorded once as the question's note in the audit's language, typed
by ✍️, refused when stale or completed."""

from __future__ import annotations

import pytest

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.services.audit_service import AuditError, AuditService
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, departments, people, trail
from tests.databases import target

AUDITOR = Actor(id=1, name="Wang", lang="zh", active=True, roles=frozenset({"auditor"}))
ANN = Actor(id=2, name="Ann", lang="en", active=True, roles=frozenset({"auditor"}))


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock()
    db = await Database(target(tmp_path / "db.sqlite3")).open()
    async with db.transaction() as conn:
        for actor in (AUDITOR, ANN):
            await people.upsert(conn, actor.id, name=actor.name, username=None, lang=actor.lang, at=clock.now())
            await people.add_role(conn, actor.id, "auditor", None, clock.now())
        department_id, _ = await departments.get_or_create(conn, "办公室", clock.now())
    service = AuditService(db, clock, Settings(data_dir=tmp_path, _env_file=None), load_all(),
                           FileStore(tmp_path / "evidence"))
    audit_id = await service.create(AUDITOR, "functional-department", department_id)
    await service.advance_stage(AUDITOR, audit_id, "planning")
    await service.advance_stage(AUDITOR, audit_id, "opening")
    yield service, audit_id, db
    await db.close()


async def notes_of(db, audit_id: int, question_id: str) -> list[str]:
    async with db.read() as conn:
        return [n["text"] for n in await audits.notes(conn, audit_id, question_id)]


async def test_the_next_card_offers_the_row_and_a_tap_records_one_reason(env):
    service, audit_id, db = env
    done = await service.record_result(AUDITOR, audit_id, 0, "na")
    assert done.moved_on and done.view.index == 1 and done.view.na_reason_for == 0
    again = await service.record_result(AUDITOR, audit_id, 0, "na")  # a double tap of N/A: the same card
    assert not again.changed and again.view.na_reason_for == 0
    later = await service.question(AUDITOR, audit_id)  # any later showing of the card: no row
    assert later.na_reason_for is None
    noted = await service.na_reason(AUDITOR, audit_id, 0, "scope")
    assert noted.changed and noted.view.index == 1 and noted.view.na_reason_for is None
    assert await notes_of(db, audit_id, "resp-1") == ["不在本次审核范围内"]  # the audit's language
    twice = await service.na_reason(AUDITOR, audit_id, 0, "outsourced")
    assert not twice.changed
    assert await notes_of(db, audit_id, "resp-1") == ["不在本次审核范围内"]
    async with db.read() as conn:
        note_id = (await audits.notes(conn, audit_id, "resp-1"))[0]["id"]
        entries = await trail.entries(conn, "note", note_id)
    assert [e["action"] for e in entries] == ["added"] and '"na_reason": true' in entries[0]["after_json"]


async def test_no_row_after_a_note_nor_after_other_results(env):
    service, audit_id, _ = env
    await service.add_note(AUDITOR, audit_id, 0, "本部门不对外采购")
    done = await service.record_result(AUDITOR, audit_id, 0, "na")
    assert done.view.index == 1 and done.view.na_reason_for is None
    done = await service.record_result(AUDITOR, audit_id, 1, "conform")
    assert done.view.na_reason_for is None


async def test_a_typed_reason_and_its_awaiting(env):
    service, audit_id, db = env
    await service.record_result(AUDITOR, audit_id, 0, "na")
    assert await service.ask_na_reason(AUDITOR, audit_id, 0) == 1
    view, saved = await service.typed(AUDITOR, "由上级部门统一负责")
    assert saved == "na_reason" and view.index == 1 and view.na_reason_for is None
    assert await notes_of(db, audit_id, "resp-1") == ["由上级部门统一负责"]
    view, saved = await service.typed(AUDITOR, "第二题的备注")  # no longer awaited: a note on the card
    assert saved == "note" and await notes_of(db, audit_id, "resp-2") == ["第二题的备注"]
    with pytest.raises(AuditError, match="na_reason_given"):
        await service.ask_na_reason(AUDITOR, audit_id, 0)


async def test_bad_input_changes_nothing(env):
    service, audit_id, db = env
    await service.record_result(AUDITOR, audit_id, 0, "na")
    with pytest.raises(AuditError, match="stale"):
        await service.na_reason(AUDITOR, audit_id, 0, "made-up")
    with pytest.raises(AuditError, match="stale"):
        await service.na_reason(AUDITOR, audit_id, 999, "scope")
    with pytest.raises(AuditError, match="na_reason_not_na"):
        await service.na_reason(AUDITOR, audit_id, 1, "scope")  # not answered N/A
    with pytest.raises(AuditError, match="not_in_team"):
        await service.na_reason(ANN, audit_id, 0, "scope")
    await service.question(AUDITOR, audit_id, 0)
    await service.record_result(AUDITOR, audit_id, 0, "conform")  # no longer N/A
    with pytest.raises(AuditError, match="na_reason_not_na"):
        await service.na_reason(AUDITOR, audit_id, 0, "scope")
    await service.record_result(AUDITOR, audit_id, 1, "na")
    await service.ask_na_reason(AUDITOR, audit_id, 1)
    with pytest.raises(AuditError, match="field_empty"):
        await service.typed(AUDITOR, "   ")
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "体系有效。")
    await service.complete(AUDITOR, audit_id)
    with pytest.raises(AuditError, match="audit_closed"):
        await service.na_reason(AUDITOR, audit_id, 1, "scope")
    assert await notes_of(db, audit_id, "resp-1") == [] and await notes_of(db, audit_id, "resp-2") == []
