"""ProgrammeService without Telegram: refusals and what the reminder pass queues."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.services.programme_service import ProgrammeError
from storage.repos import programme
from tests.capa_fixtures import DEPARTMENT, NOW, add_person, make_action, open_world
from tests.harness import AUDITOR, LEAD


@pytest.fixture
async def world(tmp_path):
    runtime = await open_world(tmp_path / "data")
    yield runtime
    await runtime.close()


async def test_accepting_needs_an_auditor_free_of_conflicts(world):
    await add_person(world.db, LEAD, "lead")
    await make_action(world.db, due=date(2026, 12, 2), auditor=LEAD.id)  # the only auditor verifies there
    lead = await world.actor(LEAD)
    found = await world.programme.suggestions(lead)
    assert [s.department for s in found.items] == [DEPARTMENT]
    with pytest.raises(ProgrammeError) as refused:
        await world.programme.accept(lead)
    assert refused.value.code == "no_free_auditor"


async def test_a_moved_window_is_reminded_again_and_a_stale_stage_is_dropped(world):
    await add_person(world.db, LEAD, "lead")
    await add_person(world.db, AUDITOR, "auditor")
    await make_action(world.db, due=date(2026, 12, 2), auditor=LEAD.id)
    lead = await world.actor(LEAD)
    (item,) = await world.programme.accept(lead)
    assert [m["person_id"] for m in item.team] == [AUDITOR.id]
    assert (item.window_start, item.reason) == (date(2027, 11, 1), "routine")  # 12 months after the last audit
    item = await world.programme.set_month(lead, item.id, date(2026, 12, 1))
    world.clock.set(NOW + timedelta(days=17))  # 2026-11-19: 12 days before
    assert await world.programme.plan_notices() == 1
    assert await world.programme.plan_notices() == 0  # once
    await world.programme.set_month(lead, item.id, date(2027, 1, 1))
    world.clock.set(NOW + timedelta(days=19))  # the new window is 43 days away: nothing yet
    assert await world.programme.plan_notices() == 0
    rows = await world.outbox_rows()
    async with world.db.read() as conn:
        notice = await world.programme.notice(conn, "programme_reminder", {"item": item.id, "stage": "before14"},
                                              AUDITOR.id, "en")
        assert (await programme.get(conn, item.id))["window_start"] == "2027-01-01"
    assert [r["kind"] for r in rows] == ["programme_reminder"]
    assert notice is None  # the window moved: the queued reminder no longer applies
