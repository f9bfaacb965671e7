"""AuditService without Telegram: rights, results and their trail, completion rules."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.domain.dates import parse_date
from bot.domain.errors import NotAllowed
from bot.services.audit_service import AuditError, AuditService
from bot.services.people_service import Actor, PeopleService
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import departments, people, trail
from tests.audit_fixtures import jpeg
from tests.databases import target

AUDITOR = Actor(id=1, name="Ann", lang="en", active=True, roles=frozenset({"auditor"}))
OTHER = Actor(id=2, name="Bob", lang="en", active=True, roles=frozenset({"auditor"}))
LEAD = Actor(id=3, name="Lena", lang="zh", active=True, roles=frozenset({"lead"}))
STAFF = Actor(id=4, name="Zhao", lang="zh", active=True, roles=frozenset({"staff"}))


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock()
    settings = Settings(data_dir=tmp_path, _env_file=None)
    db = await Database(target(tmp_path / "db.sqlite3")).open()
    async with db.transaction() as conn:
        for actor in (AUDITOR, OTHER, LEAD, STAFF):
            await people.upsert(conn, actor.id, name=actor.name, username=None, lang=actor.lang, at=clock.now())
            for role in actor.roles:
                await people.add_role(conn, actor.id, role, None, clock.now())
        department_id, _ = await departments.get_or_create(conn, "Office", clock.now())
    service = AuditService(db, clock, settings, load_all(), FileStore(tmp_path / "evidence"))
    yield service, department_id, clock, db
    await db.close()


async def started(service: AuditService, department_id: int) -> int:
    audit_id = await service.create(AUDITOR, "functional-department", department_id)
    await service.advance_stage(AUDITOR, audit_id, "planning")
    await service.advance_stage(AUDITOR, audit_id, "opening")
    return audit_id


async def test_only_auditors_in_the_team_or_leads(env):
    service, department_id, _, _ = env
    with pytest.raises(AuditError, match="not_allowed"):
        await service.create(STAFF, "functional-department", department_id)
    audit_id = await started(service, department_id)
    with pytest.raises(AuditError, match="not_in_team"):
        await service.record_result(OTHER, audit_id, 0, "conform")
    done = await service.record_result(LEAD, audit_id, 0, "conform")  # a lead joins on first use
    assert done.changed and done.result == "conform"
    assert done.moved_on and done.view.index == 1  # one tap: the next question
    await service.toggle_member(AUDITOR, audit_id, OTHER.id)
    await service.question(OTHER, audit_id, 1)  # the card of question 2 is the one they press on
    done = await service.record_result(OTHER, audit_id, 1, "na")
    assert done.view.answered == 2 and done.view.index == 2


async def test_changing_an_answer_keeps_the_old_one_in_the_trail(env):
    service, department_id, _, db = env
    audit_id = await started(service, department_id)
    await service.record_result(AUDITOR, audit_id, 0, "conform")
    done = await service.record_result(AUDITOR, audit_id, 0, "conform")  # a double tap: already moved on
    assert not done.changed and done.view.index == 1
    await service.question(AUDITOR, audit_id, 0)  # Back
    await service.record_result(AUDITOR, audit_id, 0, "major")
    async with db.read() as conn:
        entries = await trail.entries(conn, "answer", f"{audit_id}:resp-1")
    assert [(e["before_json"], e["after_json"]) for e in entries] == [(None, '"conform"'), ('"conform"', '"major"')]


async def test_completion_needs_statement_and_required_evidence(env):
    service, department_id, _, _ = env
    audit_id = await started(service, department_id)
    await service.record_result(AUDITOR, audit_id, 0, "minor")  # resp-1 requires evidence
    summary = await service.summary(AUDITOR, audit_id)
    assert [p.kind for p in summary.problems] == ["statement", "evidence"]
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    with pytest.raises(AuditError, match="cannot_complete"):
        await service.complete(AUDITOR, audit_id)
    await service.reopen_questions(AUDITOR, audit_id)
    await service.add_note(AUDITOR, audit_id, 0, "Two of five job descriptions are unsigned")
    await service.add_evidence(AUDITOR, audit_id, 0, kind="photo", data=jpeg(1), file_name=None,
                               mime_type="image/jpeg", caption=None, telegram_file_id="f1")
    await service.question(AUDITOR, audit_id, 1)
    await service.record_result(AUDITOR, audit_id, 1, "observation")
    await service.question(AUDITOR, audit_id, 2)
    await service.record_result(AUDITOR, audit_id, 2, "major")
    await service.add_note(AUDITOR, audit_id, 2, "No review of the 2026 plan")
    await service.add_evidence(AUDITOR, audit_id, 2, kind="photo", data=jpeg(2), file_name=None,
                               mime_type="image/jpeg", caption=None, telegram_file_id="f2")
    await service.add_note(AUDITOR, audit_id, 1, "Training records are kept on paper only")
    await service.set_due_date(AUDITOR, audit_id, 2, date(2026, 12, 24))
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "Generally effective.")
    done = await service.complete(AUDITOR, audit_id)
    assert [f["number"] for f in done.findings] == ["NC1", "OBS1", "NC2"]
    assert len(done.capa_ids) == 2
    with pytest.raises(AuditError, match="audit_closed"):
        await service.record_result(AUDITOR, audit_id, 3, "conform")


async def test_same_photo_twice_is_stored_once(env, tmp_path):
    service, department_id, _, _ = env
    audit_id = await started(service, department_id)
    for _ in range(2):
        view = await service.add_evidence(AUDITOR, audit_id, 0, kind="photo", data=jpeg(7), file_name=None,
                                          mime_type="image/jpeg", caption=None, telegram_file_id="x")
    assert view.evidence_count == 2
    assert len(service.files.all_files()) == 2  # the photo and its thumbnail, once each


async def test_due_dates_must_be_ahead(env):
    service, department_id, _, _ = env
    audit_id = await started(service, department_id)
    await service.record_result(AUDITOR, audit_id, 0, "minor")
    for bad, code in ((date(2026, 11, 1), "due_in_past"), (date(2030, 1, 1), "due_too_far")):
        with pytest.raises(AuditError, match=code):
            await service.set_due_date(AUDITOR, audit_id, 0, bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-01-31", date(2027, 1, 31)), ("2027/1/31", date(2027, 1, 31)), ("2027年1月31日", date(2027, 1, 31)),
     ("12月24日", date(2026, 12, 24)), ("1-15", date(2027, 1, 15)), ("yesterday", None), ("2027-02-30", None),
     ("2026-12-31", date(2026, 12, 31)), ("31/12/2026", date(2026, 12, 31)), ("31.12.2026", date(2026, 12, 31)),
     ("12月31日", date(2026, 12, 31)), ("2026年12月31日", date(2026, 12, 31)), ("Dec 31", date(2026, 12, 31)),
     ("31 December 2026", date(2026, 12, 31)), ("jan 5", date(2027, 1, 5)), ("12/31/2026", date(2026, 12, 31)),
     ("31/02/2027", None), ("03/04/2027", None), ("Foo 3", None)],
)
def test_parse_date(text, expected):
    assert parse_date(text, date(2026, 11, 21)) == expected


async def test_people_service_invites_are_single_use(env):
    _, _, clock, db = env
    settings = Settings(_env_file=None)
    people_service = PeopleService(db, clock, settings)
    invite = await people_service.create_invite(LEAD, "staff", "Legal Office")
    assert invite.department_created
    first = await people_service.join(Actor(99, "N", "en", True), invite.code)
    second = await people_service.join(Actor(98, "M", "en", True), invite.code)
    assert first.result.value == "joined" and second.result.value == "used"
    async with db.read() as conn:  # the one who came too late is not kept
        assert await people.get(conn, 98) is None and (await people.get(conn, 99))["name"] == "N"
    with pytest.raises(NotAllowed):
        await people_service.create_invite(AUDITOR, "auditor", None)


async def test_a_lead_outside_the_team_starts_at_the_first_question(env):
    service, department_id, _, _ = env
    audit_id = await started(service, department_id)
    assert (await service.question(LEAD, audit_id)).index == 0  # joins the team on first use
    assert (await service.resume(LEAD, audit_id)).index == 0
    done = await service.record_result(LEAD, audit_id, 0, "minor")
    assert done.view.answered_by == LEAD.name and not done.moved_on
    with pytest.raises(AuditError, match="stale_card"):
        await service.record_result(LEAD, audit_id, 1, "conform")  # a card the lead is not on


@pytest.mark.parametrize(("text", "problem"), [("31/02/2027", "no_such_day"), ("03/04/2027", "ambiguous"),
                                                ("soon", "unreadable"), ("Feb 30", "no_such_day")])
def test_a_date_that_cannot_be_read_says_why(text, problem):
    from bot.domain.dates import read_date
    assert read_date(text, date(2026, 11, 21)) == (None, problem)
