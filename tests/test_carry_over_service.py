"""The carry-over part of AuditService without Telegram: what a card recalls, the verdicts and
their refusals, "Like last time"."""

from __future__ import annotations

import pytest

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.services.audit_service import AuditService
from bot.services.carry_over_service import CarryError
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import departments, findings, people
from storage.sql import fetch_all
from storage.times import to_db
from tests.databases import target

AUDITOR = Actor(id=1, name="Ann", lang="en", active=True, roles=frozenset({"auditor"}))
OTHER = Actor(id=2, name="Bob", lang="en", active=True, roles=frozenset({"auditor"}))
CHECKLIST = "functional-department"


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock()
    db = await Database(target(tmp_path / "db.sqlite3")).open()
    async with db.transaction() as conn:
        for actor in (AUDITOR, OTHER):
            await people.upsert(conn, actor.id, name=actor.name, username=None, lang=actor.lang, at=clock.now())
            await people.add_role(conn, actor.id, "auditor", None, clock.now())
        department_id, _ = await departments.get_or_create(conn, "Office", clock.now())
    service = AuditService(db, clock, Settings(data_dir=tmp_path, _env_file=None), load_all(),
                           FileStore(tmp_path / "evidence"))
    yield service, department_id, clock, db
    await db.close()


async def started(service: AuditService, department_id: int) -> int:
    audit_id = await service.create(AUDITOR, CHECKLIST, department_id)
    await service.advance_stage(AUDITOR, audit_id, "planning")
    await service.advance_stage(AUDITOR, audit_id, "opening")
    return audit_id


async def last_year(service: AuditService, department_id: int, clock, db, *, close: bool = True) -> None:
    """Questions 2 and 6 (resp-2, obj-3: no evidence required) minor NCs; the rest unanswered."""
    audit_id = await started(service, department_id)
    for index, text in ((1, "Interfaces not minuted"), (5, "Objectives not measurable")):
        await service.question(AUDITOR, audit_id, index)
        await service.record_result(AUDITOR, audit_id, index, "minor")
        await service.add_note(AUDITOR, audit_id, index, text)
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "Generally effective.")
    await service.complete(AUDITOR, audit_id)
    if close:
        async with db.transaction() as conn:
            for row in await findings.capas_of_audit(conn, audit_id):
                await findings.update_capa(conn, row["id"], clock.now(), state="closed", closed_at=to_db(clock.now()))
    clock.advance(days=365)


async def test_a_first_audit_recalls_nothing(env):
    service, department_id, _, _ = env
    audit_id = await started(service, department_id)
    assert (await service.question(AUDITOR, audit_id, 1)).carried is None


async def test_an_open_action_is_shown_not_judged(env):
    service, department_id, clock, db = env
    await last_year(service, department_id, clock, db, close=False)
    audit_id = await started(service, department_id)
    card = await service.question(AUDITOR, audit_id, 1)
    assert card.carried.before.finding == "NC1" and card.carried.action.state == "open"
    assert not card.carried.can_verify
    with pytest.raises(CarryError) as refused:
        await service.verify_effective(AUDITOR, audit_id, 1)
    assert refused.value.code == "action_not_closed"


async def test_effective_once_and_not_effective_with_a_reason(env):
    service, department_id, clock, db = env
    await last_year(service, department_id, clock, db)
    audit_id = await started(service, department_id)
    card = await service.question(AUDITOR, audit_id, 0)
    assert card.carried.before.result is None and card.carried.action is None  # not answered last time
    with pytest.raises(CarryError) as refused:  # a forged press: no action of last time there
        await service.verify_effective(AUDITOR, audit_id, 0)
    assert refused.value.code == "stale"
    await service.question(AUDITOR, audit_id, 1)
    judged = await service.verify_effective(AUDITOR, audit_id, 1)
    assert judged.changed and judged.view.carried.action.verdict == "effective" and not judged.view.carried.can_verify
    assert not (await service.verify_effective(AUDITOR, audit_id, 1)).changed  # a double tap
    with pytest.raises(CarryError) as refused:
        await service.ask_not_effective(AUDITOR, audit_id, 1)
    assert refused.value.code == "verdict_given_effective"

    await service.question(AUDITOR, audit_id, 5)
    await service.ask_not_effective(AUDITOR, audit_id, 5)
    with pytest.raises(CarryError) as refused:
        await service.typed(AUDITOR, "  ")
    assert refused.value.code == "reason_needed"
    card, saved = await service.typed(AUDITOR, "Still no measurable objectives")
    assert saved == "not_effective" and card.result == "minor" and card.notes == ["Still no measurable objectives"]
    assert card.carried.action.verdict == "not_effective" and card.carried.action.state == "implemented"
    async with db.read() as conn:
        kinds = [r["kind"] for r in await fetch_all(conn, "SELECT kind FROM outbox WHERE kind = 'capa_reopened'")]
    assert kinds == ["capa_reopened"]  # the verifier (no staff in Office)
    with pytest.raises(CarryError):  # the reason again: the verdict is given
        await service.not_effective_typed(AUDITOR, audit_id, 5, "again")


async def test_like_last_time_needs_a_last_time(env):
    service, department_id, clock, db = env
    await service.begin(AUDITOR)
    await service.choose_checklist(AUDITOR, "iso9001-government")
    with pytest.raises(CarryError) as refused:
        await service.like_last_time(AUDITOR, department_id, plan_defaults={})
    assert refused.value.code == "nothing_before"
    await last_year(service, department_id, clock, db)
    departments_offered = await service.choose_checklist(AUDITOR, "iso9001-government")
    assert [d["previous"] for d in departments_offered] == ["A-2026-001"]
    view = await service.like_last_time(AUDITOR, department_id, plan_defaults={"scope": "default"})
    assert view.card == "plan" and view.number == "A-2027-001" and view.checklist_title.startswith("Audit checklist")
    with pytest.raises(Exception):  # noqa: B017 - the picker is used up: a second tap is stale
        await service.like_last_time(AUDITOR, department_id, plan_defaults={})
