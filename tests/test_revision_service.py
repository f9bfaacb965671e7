"""RevisionService and the revision notices without Telegram (issue 23, points 1 and 2): the
snapshot a revision keeps, withdrawing it exactly, its refusals, what a revision changed,
and the department's acknowledgement of each revision."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from alembic import command

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.domain.vocabulary import NoticeKind
from bot.services.audit_service import AuditError, AuditService
from bot.services.capa_service import CapaService
from bot.services.people_service import Actor
from bot.services.revision_notices import changes_between, notice
from bot.services.revision_service import RevisionService
from bot.settings import Settings
from storage import migrate
from storage.db import Database
from storage.files import FileStore
from storage.repos import departments, evidence, people, revision_snapshot
from storage.sql import fetch_all, fetch_value
from tests.audit_fixtures import jpeg
from tests.databases import sqlite_only, target

AUDITOR = Actor(id=1, name="Ann", lang="en", active=True, roles=frozenset({"auditor"}))
LEAD = Actor(id=3, name="Lena", lang="zh", active=True, roles=frozenset({"lead"}))
OTHER_LEAD = Actor(id=5, name="Lu", lang="zh", active=True, roles=frozenset({"lead"}))


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock()
    settings = Settings(data_dir=tmp_path, _env_file=None)
    db = await Database(target(tmp_path / "db.sqlite3")).open()
    async with db.transaction() as conn:
        department_id, _ = await departments.get_or_create(conn, "Office", clock.now())
        for actor in (AUDITOR, LEAD, OTHER_LEAD):
            await people.upsert(conn, actor.id, name=actor.name, username=None, lang=actor.lang, at=clock.now())
            for role in actor.roles:
                await people.add_role(conn, actor.id, role, None, clock.now())
        await people.upsert(conn, 4, name="Zhao", username=None, lang="zh", at=clock.now())
        await people.add_role(conn, 4, "staff", department_id, clock.now())
    files = FileStore(tmp_path / "evidence")
    audit = AuditService(db, clock, settings, load_all(), files)
    yield audit, RevisionService(db, clock, settings), CapaService(db, clock, settings, files), department_id, db
    await db.close()


def staff(department_id: int) -> Actor:
    return Actor(id=4, name="Zhao", lang="zh", active=True, roles=frozenset({"staff"}),
                 staff_departments=(department_id,))


async def completed(audit: AuditService, department_id: int) -> int:
    """Question 2 a minor NC (a note), question 3 an observation (a note, a photo); completed."""
    audit_id = await audit.create(AUDITOR, "functional-department", department_id)
    await audit.advance_stage(AUDITOR, audit_id, "planning")
    await audit.advance_stage(AUDITOR, audit_id, "opening")
    await audit.record_result(AUDITOR, audit_id, 0, "conform")
    await audit.record_result(AUDITOR, audit_id, 1, "minor")
    await audit.add_note(AUDITOR, audit_id, 1, "Interface list not signed")
    await audit.question(AUDITOR, audit_id, 2)
    await audit.record_result(AUDITOR, audit_id, 2, "observation")
    await audit.add_note(AUDITOR, audit_id, 2, "Deputies not named")
    await audit.add_evidence(AUDITOR, audit_id, 2, kind="photo", data=jpeg(3), file_name=None,
                             mime_type="image/jpeg", caption=None, telegram_file_id="f1")
    await audit.advance_stage(AUDITOR, audit_id, "in_progress")
    await audit.set_field(AUDITOR, audit_id, "closing", "conclusions", "Generally effective.")
    await audit.complete(AUDITOR, audit_id)
    return audit_id


async def state(db: Database, audit_id: int) -> dict:
    async with db.read() as conn:
        snapshot = await revision_snapshot.take(conn, audit_id)
        snapshot["status"] = await fetch_value(conn, "SELECT status FROM audits WHERE id = :id", {"id": audit_id})
        snapshot["capa"] = [dict(r) for r in await fetch_all(conn, "SELECT * FROM capa ORDER BY id")]
    snapshot["notes"] = [n for n in snapshot["notes"] if n["deleted_at"] is None]
    snapshot["files"] = [f for f in snapshot["files"] if f["deleted_at"] is None]
    return snapshot


async def test_withdrawing_puts_back_exactly_the_last_completed_revision(env):
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    before = await state(db, audit_id)
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    await audit.question(LEAD, audit_id, 1)
    await audit.record_result(LEAD, audit_id, 1, "conform")  # NC1 would be withdrawn at completion
    view = await audit.question(LEAD, audit_id, 2)
    records = await audit.records(LEAD, audit_id, 2)
    await audit.edit_note(LEAD, audit_id, records.notes[0]["id"], "Deputies not named, nor trained")
    await audit.delete_file(LEAD, audit_id, records.files[0]["id"])
    await audit.add_note(LEAD, audit_id, 2, "A note of the revision")
    await audit.set_field(LEAD, audit_id, "closing", "conclusions", "Changed conclusions")
    assert view.index == 2 and await state(db, audit_id) != before

    asked = await revision.withdraw_preview(LEAD, audit_id)
    assert (asked.rev, asked.back_to, asked.reason, asked.status) == (2, 1, "a typo", "in_progress")
    done = await revision.withdraw(OTHER_LEAD, audit_id)  # any lead, not only the one who reopened it
    assert (done.rev, done.back_to, done.findings) == (2, 1, 2)
    assert await state(db, audit_id) == before
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT COUNT(*) FROM audit_revisions") == 0
        entry = await fetch_all(conn, "SELECT person_id, before_json, after_json FROM audit_trail"
                                      " WHERE action = 'revision_withdrawn'")
        told = await fetch_all(conn, "SELECT chat_id, kind FROM outbox WHERE kind LIKE 'revision_%' ORDER BY id")
    assert entry[0]["person_id"] == OTHER_LEAD.id and json.loads(entry[0]["after_json"]) == {
        "revision": 2, "reason": "a typo", "back_to": 1}
    # the auditor (the team before the revision) hears of the reopening and of the withdrawal
    assert [(t["chat_id"], t["kind"]) for t in told] == [(AUDITOR.id, "revision_reopened"),
                                                          (AUDITOR.id, "revision_withdrawn")]
    again = await audit.reopen(LEAD, "A-2026-001", "now for real")  # the next revision is 2 again
    assert again.revising
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT rev FROM audit_revisions") == 2


async def test_a_file_the_department_sent_during_the_revision_stays(env):
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    await audit.add_evidence(LEAD, audit_id, 2, kind="photo", data=jpeg(4), file_name=None,
                             mime_type="image/jpeg", caption=None, telegram_file_id="f2")
    async with db.transaction() as conn:
        theirs = await evidence.add(conn, kind="document", sha256="0" * 64, size=1, person_id=4, at=FakeClock().now(),
                                    audit_id=audit_id, question_id="resp-3")
        await conn.exec_driver_sql(f"UPDATE evidence SET source = 'department' WHERE id = {theirs}")
    await revision.withdraw(LEAD, audit_id)
    async with db.read() as conn:
        live = await fetch_all(conn, "SELECT id, telegram_file_id, source FROM evidence WHERE deleted_at IS NULL")
    assert sorted((r["telegram_file_id"] or "", r["source"] or "") for r in live) == [("", "department"), ("f1", "")]


async def test_refusals_change_nothing(env):
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    with pytest.raises(AuditError, match="withdraw_stale"):  # nothing reopened
        await revision.withdraw_preview(LEAD, audit_id)
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    with pytest.raises(AuditError, match="withdraw_not_allowed"):
        await revision.withdraw(AUDITOR, audit_id)
    await revision.withdraw(LEAD, audit_id)
    with pytest.raises(AuditError, match="withdraw_stale") as refused:  # the second tap
        await revision.withdraw(LEAD, audit_id)
    assert refused.value.details == {"number": "A-2026-001", "rev": 1}
    with pytest.raises(AuditError, match="stale"):
        await revision.withdraw(LEAD, 999)
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "completed"
        assert await fetch_value(conn, "SELECT COUNT(*) FROM audit_trail WHERE action = 'revision_withdrawn'") == 1


async def test_a_revision_opened_without_a_snapshot_is_not_withdrawn(env):
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    async with db.transaction() as conn:
        await conn.exec_driver_sql("UPDATE audit_revisions SET snapshot_json = NULL")
    with pytest.raises(AuditError, match="withdraw_no_snapshot"):
        await revision.withdraw(LEAD, audit_id)
    async with db.read() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits") == "in_progress"


def test_changes_between_revisions():
    before = [{"question_id": "a", "number": "NC1", "kind": "minor", "statement": "x", "withdrawn_at": None},
              {"question_id": "b", "number": "OBS1", "kind": "observation", "statement": "y", "withdrawn_at": None},
              {"question_id": "c", "number": "NC2", "kind": "major", "statement": "z", "withdrawn_at": None},
              {"question_id": "d", "number": "OFI1", "kind": "ofi", "statement": "w", "withdrawn_at": "2026"}]
    after = [{"question_id": "a", "number": "OBS2", "kind": "observation", "statement": "x", "withdrawn_at": None},
             {"question_id": "b", "number": "OBS1", "kind": "observation", "statement": "y2", "withdrawn_at": None},
             {"question_id": "c", "number": "NC2", "kind": "major", "statement": "z", "withdrawn_at": "2027"},
             {"question_id": "e", "number": "NC3", "kind": "minor", "statement": "v", "withdrawn_at": None}]
    changes = changes_between(before, after)
    assert changes.new == [{"number": "NC3", "kind": "minor"}]
    assert changes.changed == [
        {"number": "OBS2", "kind": "observation", "was": "NC1", "was_kind": "minor", "statement": False},
        {"number": "OBS1", "kind": "observation", "was": "OBS1", "was_kind": "observation", "statement": True}]
    assert changes.withdrawn == [{"number": "NC2", "kind": "major"}]
    assert not changes_between(before, before)


async def test_each_revision_is_acknowledged_for_itself(env):
    audit, _, capa, department_id, db = env
    audit_id = await completed(audit, department_id)
    clerk = staff(department_id)
    first = await capa.acknowledge_findings(clerk, audit_id, 1)
    assert first["rev"] == 1 and first["acknowledged_at"] is not None and not first["changes"]
    await audit.reopen(LEAD, "A-2026-001", "NC1 was another department's")
    await audit.question(LEAD, audit_id, 1)
    await audit.record_result(LEAD, audit_id, 1, "conform")
    await audit.advance_stage(LEAD, audit_id, "in_progress")
    await audit.complete(LEAD, audit_id)
    async with db.read() as conn:
        queued = await fetch_all(conn, "SELECT chat_id, kind, payload_json FROM outbox"
                                       " WHERE kind IN ('audit_findings', 'revision_completed') ORDER BY id")
        completed_notice = await notice(conn, NoticeKind.revision_completed, {"audit_id": audit_id, "rev": 2, "by": 3},
                                        AUDITOR.id)
    assert [(q["kind"], json.loads(q["payload_json"]).get("rev")) for q in queued] == [
        ("audit_findings", 1), ("audit_findings", 2), ("revision_completed", 2)]
    assert completed_notice["changes"].withdrawn == [{"number": "NC1", "kind": "minor"}]
    assert completed_notice["by"] == "Lena" and completed_notice["reason"] == "NC1 was another department's"

    stale = await capa.acknowledge_findings(clerk, audit_id, 1)  # rev 1's button: nothing recorded
    assert stale["stale_rev"] == 1 and stale["rev"] == 2 and stale["acknowledged_at"] is None
    old = await capa.acknowledge_findings(clerk, audit_id)  # a button from before revisions were named
    assert old["stale_rev"] == 1
    done = await capa.acknowledge_findings(clerk, audit_id, 2)
    assert done["acknowledged_at"] is not None and done["stale_rev"] is None
    assert [f["number"] for f in done["findings"]] == ["OBS1"]
    assert done["changes"].withdrawn == [{"number": "NC1", "kind": "minor"}]
    async with db.read() as conn:
        rows = await fetch_all(conn, "SELECT rev FROM audit_acknowledgements ORDER BY rev")
    assert [r["rev"] for r in rows] == [1, 2]


async def test_revision_notices_lapse_when_they_no_longer_apply(env):
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    payload = {"audit_id": audit_id, "rev": 2, "by": LEAD.id, "reason": "a typo"}
    async with db.read() as conn:
        reopened = await notice(conn, NoticeKind.revision_reopened, payload, AUDITOR.id)
    assert reopened["by"] == "Lena" and reopened["rev"] == 2 and reopened["number"] == "A-2026-001"
    await revision.withdraw(LEAD, audit_id)
    async with db.read() as conn:
        assert await notice(conn, NoticeKind.revision_reopened, payload, AUDITOR.id) is None
        assert await notice(conn, NoticeKind.revision_completed, payload, AUDITOR.id) is None
        withdrawn = await notice(conn, NoticeKind.revision_withdrawn, payload, AUDITOR.id)
    assert withdrawn["back_to"] == 1


@sqlite_only
async def test_migration_0013_keeps_earlier_acknowledgements_as_revision_1(env, tmp_path):
    audit, _, capa, department_id, db = env
    audit_id = await completed(audit, department_id)
    await capa.acknowledge_findings(staff(department_id), audit_id, 1)
    await db.close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0012")
        assert [r[0] for r in conn.execute(sa.text("SELECT person_id FROM audit_acknowledgements"))] == [4]
        command.upgrade(migrate.config(conn), "0013")
        assert conn.execute(sa.text("SELECT person_id, rev FROM audit_acknowledgements")).all() == [(4, 1)]
        conn.execute(sa.text("INSERT INTO audit_acknowledgements(audit_id, person_id, rev, acknowledged_at)"
                             " VALUES (:a, 4, 2, 'x')"), {"a": audit_id})  # a revision's own row
    engine.dispose()
    await db.open()


async def test_an_audit_sent_back_for_changes_has_no_revision_to_withdraw(env):
    """Changes requested on the report put a completed audit back at its closing meeting
    without a revision: it is still a record (no discard), and nothing to withdraw."""
    audit, revision, _, department_id, db = env
    audit_id = await completed(audit, department_id)
    async with db.transaction() as conn:
        await conn.exec_driver_sql(f"UPDATE audits SET status = 'closing' WHERE id = {audit_id}")
    summary = await audit.summary(LEAD, audit_id)
    assert summary.revising and not summary.revision_open
    with pytest.raises(AuditError, match="withdraw_stale"):
        await revision.withdraw_preview(LEAD, audit_id)
    async with db.transaction() as conn:
        await conn.exec_driver_sql(f"UPDATE audits SET status = 'completed' WHERE id = {audit_id}")
    await audit.reopen(LEAD, "A-2026-001", "a typo")
    assert (await audit.summary(LEAD, audit_id)).revision_open
