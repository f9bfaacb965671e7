"""The reminder pass and the notices, driven by a fake clock, without Telegram."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest

from bot.domain.errors import NotAllowed
from bot.services.reminder_service import ReminderService
from storage.repos import findings
from tests.capa_fixtures import (
    DEPARTMENT,
    DUE,
    NOW,
    SHANGHAI,
    add_person,
    cast,
    make_action,
    open_world,
)
from tests.harness import AUDITOR, LEAD, STAFF


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
async def world(tmp_path):
    w = await open_world(tmp_path / "data")
    yield w
    await w.close()


async def pass_at(world, moment: datetime) -> list[tuple[str, int, str]]:
    """Move the clock, run one pass; the (kind, chat, key) rows it queued (digests left out)."""
    world.clock.set(moment)
    before = {r["id"] for r in await world.outbox_rows()}
    await world.reminders.plan()
    return [(r["kind"], r["chat_id"], r["dedupe_key"]) for r in await world.outbox_rows()
            if r["id"] not in before and r["kind"] != "lead_digest"]


async def test_each_reminder_of_the_product_at_its_day_exactly_once(world):
    await cast(world.db)
    action = await make_action(world.db, due=DUE)
    c = action.capa_id
    timeline = [
        (at(date(2026, 11, 2)), [("capa_new", STAFF.id, f"capa:{c}:new:{STAFF.id}")]),
        (at(date(2026, 11, 24)), []),
        (at(date(2026, 11, 25)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:before7:{STAFF.id}")]),
        (at(date(2026, 11, 30)), []),
        (at(date(2026, 12, 1)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:before1:{STAFF.id}")]),
        (at(date(2026, 12, 2)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:due:{STAFF.id}")]),
        (at(date(2026, 12, 4)), []),
        (at(date(2026, 12, 5)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:overdue:1:{STAFF.id}")]),
        (at(date(2026, 12, 8)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:overdue:2:{STAFF.id}")]),
        (at(date(2026, 12, 9)), [("capa_escalation", LEAD.id, f"remind:{DUE}:{c}:escalate:{LEAD.id}")]),
        (at(date(2026, 12, 10)), []),
        (at(date(2026, 12, 11)), [("capa_reminder", STAFF.id, f"remind:{DUE}:{c}:overdue:3:{STAFF.id}")]),
    ]
    for moment, expected in timeline:
        assert await pass_at(world, moment) == expected, moment
        assert await pass_at(world, moment + timedelta(minutes=1)) == []  # the next minute: nothing twice
        restarted = ReminderService(world.db, world.clock, world.settings)  # a restart derives the same
        assert await restarted.plan() == type(await restarted.plan())()


async def test_digest_once_a_day_from_nine_while_actions_are_open(world):
    await cast(world.db)
    world.clock.set(at(date(2026, 11, 2), 8, 59))
    await world.reminders.plan()
    assert [r for r in await world.outbox_rows() if r["kind"] == "lead_digest"] == []  # before 09:00
    await make_action(world.db, due=DUE)
    for moment in (at(date(2026, 11, 2)), at(date(2026, 11, 2), 18), at(date(2026, 11, 3), 9, 30)):
        world.clock.set(moment)
        await world.reminders.plan()
    digests = [(r["chat_id"], r["dedupe_key"]) for r in await world.outbox_rows() if r["kind"] == "lead_digest"]
    assert digests == [(LEAD.id, f"digest:2026-11-02:{LEAD.id}"), (LEAD.id, f"digest:2026-11-03:{LEAD.id}")]


async def test_a_missed_week_sends_only_the_latest_stage(world):
    await cast(world.db)
    action = await make_action(world.db, due=DUE)
    await pass_at(world, at(date(2026, 11, 2)))
    queued = await pass_at(world, at(date(2026, 12, 6)))  # bot down from before "7 days before" to 4 days late
    assert queued == [("capa_reminder", STAFF.id, f"remind:{action.due}:{action.capa_id}:overdue:1:{STAFF.id}")]


async def test_a_queued_stage_overtaken_by_a_later_one_is_not_sent(world):
    await cast(world.db)
    await make_action(world.db, due=DUE)
    await pass_at(world, at(date(2026, 11, 2)))
    await pass_at(world, at(date(2026, 11, 30), 21))  # queued at night for 08:00 …
    await pass_at(world, at(date(2026, 12, 1), 0, 1))  # … but at midnight "1 day before" applies
    rows = {json.loads(r["payload_json"])["stage"]: r for r in await world.outbox_rows() if r["kind"] == "capa_reminder"}
    assert set(rows) == {"before7", "before1"}
    world.clock.set(at(date(2026, 12, 1), 8))
    assert await world.notices.compose("capa_reminder", STAFF.id, rows["before7"]["payload_json"]) is None
    notice = await world.notices.compose("capa_reminder", STAFF.id, rows["before1"]["payload_json"])
    assert notice.values["stage"] == "before1" and notice.lang == "zh"


async def test_quiet_hours_hold_everything_until_eight(world):
    await cast(world.db)
    await make_action(world.db, due=DUE)
    await pass_at(world, at(date(2026, 11, 2), 21, 30))
    rows = await world.outbox_rows()
    assert {datetime.fromisoformat(r["not_before"]) for r in rows} == {at(date(2026, 11, 3), 8)}
    assert {r["kind"] for r in rows} == {"capa_new", "lead_digest"}
    await pass_at(world, at(date(2026, 11, 25), 6))
    before7 = (await world.outbox_rows())[-1]
    assert datetime.fromisoformat(before7["not_before"]) == at(date(2026, 11, 25), 8)


async def test_reminders_stop_once_implemented_and_resume_when_rejected(world):
    await cast(world.db)
    action = await make_action(world.db, due=DUE)
    await pass_at(world, at(date(2026, 11, 2)))
    await pass_at(world, at(date(2026, 11, 25)))
    (pending,) = [r for r in await world.outbox_rows() if r["kind"] == "capa_reminder"]
    async with world.db.transaction() as conn:
        await findings.update_capa(conn, action.capa_id, NOW, state="implemented")
    assert await world.notices.compose("capa_reminder", STAFF.id, pending["payload_json"]) is None
    assert await pass_at(world, at(date(2026, 12, 2))) == []
    assert await pass_at(world, at(date(2026, 12, 10))) == []  # no reminders, no escalation: the auditor has it
    async with world.db.transaction() as conn:
        await findings.update_capa(conn, action.capa_id, NOW, state="planned")  # rejected
    queued = await pass_at(world, at(date(2026, 12, 11)))
    assert [k for _, _, k in queued] == [f"remind:{action.due}:{action.capa_id}:overdue:3:{STAFF.id}",
                                         f"remind:{action.due}:{action.capa_id}:escalate:{LEAD.id}"]
    async with world.db.transaction() as conn:
        await findings.update_capa(conn, action.capa_id, NOW, state="closed")
    assert await pass_at(world, at(date(2026, 12, 30))) == []


async def test_no_staff_yet_the_lead_is_told_and_the_action_waits(world, tmp_path):
    await add_person(world.db, LEAD, "lead")
    first = await make_action(world.db, due=DUE, department="财务科", photos=2, files=world.files)
    await make_action(world.db, due=DUE, department="财务科", audit_id=first.audit_id, index=1)
    assert await pass_at(world, at(date(2026, 11, 2))) == [
        ("capa_no_staff", LEAD.id, f"nostaff:{first.audit_id}:{LEAD.id}")]
    notice = await world.notices.compose("capa_no_staff", LEAD.id, (await world.outbox_rows())[0]["payload_json"])
    assert notice.values["count"] == 2 and notice.values["department"] == "财务科"
    assert await pass_at(world, at(date(2026, 11, 3))) == []

    await add_person(world.db, STAFF, "staff", "财务科")  # the first staff member joins
    queued = await pass_at(world, at(date(2026, 11, 4)))
    assert [(kind, chat) for kind, chat, _ in queued] == [
        ("capa_photos", STAFF.id), ("capa_new", STAFF.id), ("capa_new", STAFF.id)]  # photos before their card
    photos = await world.notices.compose("capa_photos", STAFF.id, (await world.outbox_rows())[-3]["payload_json"])
    assert len(photos.photos) == 2
    assert await world.notices.compose("capa_no_staff", LEAD.id, (await world.outbox_rows())[0]["payload_json"]) is None

    await add_person(world.db, 3004, "staff", "财务科", at=at(date(2026, 11, 5)))  # a second contact, later
    queued = await pass_at(world, at(date(2026, 11, 5), 10))
    assert [(kind, chat) for kind, chat, _ in queued] == [("capa_photos", 3004), ("capa_new", 3004),
                                                          ("capa_new", 3004)]
    assert await pass_at(world, at(date(2026, 11, 5), 11)) == []
    assert [c for _, c, _ in await pass_at(world, at(date(2026, 11, 25)))] == [STAFF.id, 3004, STAFF.id, 3004]


async def test_stages_that_began_before_the_staff_were_told_are_not_sent(world):
    await add_person(world.db, LEAD, "lead")
    action = await make_action(world.db, due=date(2026, 10, 20))  # already 13 days late, no staff
    await pass_at(world, at(date(2026, 11, 2)))
    await add_person(world.db, STAFF, "staff", DEPARTMENT)
    assert [k for k, _, _ in await pass_at(world, at(date(2026, 11, 2), 10))] == ["capa_new"]
    assert await pass_at(world, at(date(2026, 11, 3))) == []  # overdue:4 began on 11-01, before they knew
    assert await pass_at(world, at(date(2026, 11, 4))) == [
        ("capa_reminder", STAFF.id, f"remind:{action.due}:{action.capa_id}:overdue:5:{STAFF.id}")]


async def test_notices_follow_the_recipient(world):
    await cast(world.db)
    await add_person(world.db, 3010, "staff", "其他科室")
    action = await make_action(world.db, due=DUE)
    await pass_at(world, at(date(2026, 11, 2)))
    payload = f'{{"capa_id": {action.capa_id}}}'
    assert await world.notices.compose("capa_new", 3010, payload) is None  # not their department
    assert await world.notices.compose("capa_escalation", STAFF.id, payload) is None  # not a lead
    assert await world.notices.compose("no_such_kind", STAFF.id, payload) is None
    notice = await world.notices.compose("capa_new", STAFF.id, payload)
    assert notice.values["capa"].clause == "5.3" and notice.values["capa"].days_left == 30


async def test_status_overdue_and_digest(world):
    await cast(world.db)
    await add_person(world.db, 3010, "staff", "办公室", name="Li Clerk")
    late = await make_action(world.db, due=date(2026, 10, 1), department="办公室")
    await make_action(world.db, due=date(2026, 10, 20), department="办公室", audit_id=late.audit_id, index=1)
    await make_action(world.db, due=DUE)
    lead = await world.actor(LEAD)
    status = await world.status.status(lead)
    assert status.totals == {"open": 3, "overdue": 2, "to_verify": 0, "closed": 0, "waiting_plan": 3,
                             "in_review": 0, "plan_accepted": 0}
    assert [(d["department"], d["open"], d["overdue"]) for d in status.departments] == [
        ("办公室", 2, 2), (DEPARTMENT, 1, 0)]
    overdue = await world.status.overdue(lead)
    assert [(i["number"], i["days_late"], i["owners"]) for i in overdue.items] == [
        ("NC1", 32, "Li Clerk"), ("NC2", 13, "Li Clerk")]
    with pytest.raises(NotAllowed):
        await world.status.status(await world.actor(AUDITOR))
    assert (await world.status.digest(date(2026, 11, 2))).overdue.total == 2
