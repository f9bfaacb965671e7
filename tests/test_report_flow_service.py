"""The report lifecycle's service and rules without Telegram (issue 20)."""

from __future__ import annotations

import pytest

from bot.domain.agency import report_number
from bot.domain.report_rules import Who, next_step
from bot.domain.vocabulary import ReportState
from bot.services.report_flow_service import ReportFlowError
from storage.sql import execute, fetch_value
from tests.capa_fixtures import AUDITOR, DUE, LEAD, STAFF, cast, make_action, open_world


@pytest.fixture
async def world(tmp_path):
    w = await open_world(tmp_path / "data")
    await cast(w.db)
    yield w
    await w.close()


async def completed(world) -> int:
    """A completed audit with one NC, led by Wang (AUDITOR)."""
    action = await make_action(world.db, due=DUE)
    return action.audit_id


def test_next_step_is_the_person_whose_turn_it_is():
    leader, lead, approver = Who(leader=True, member=True), Who(lead=True), Who(approver=True, approvers_named=True)
    assert next_step(None, leader, completed=True, separate=False) == "submit"
    assert next_step(None, leader, completed=False, separate=False) is None  # still being worked on
    assert next_step(ReportState.submitted, leader, completed=True, separate=False) is None
    assert next_step(ReportState.submitted, lead, completed=True, separate=False) == "decide"
    assert next_step(ReportState.submitted, Who(lead=True, approvers_named=True), completed=True,
                     separate=False) is None  # approvers are named: a lead no longer approves
    assert next_step(ReportState.submitted, approver, completed=True, separate=False) == "decide"
    own = Who(approver=True, approvers_named=True, member=True)
    assert next_step(ReportState.submitted, own, completed=True, separate=True) is None
    assert next_step(ReportState.approved, leader, completed=True, separate=False) == "issue"
    assert next_step(ReportState.issued, leader, completed=True, separate=False) == "receipts"
    assert report_number(None, "A-2026-001") == "A-2026-001"  # no agency prefix: the audit's number


async def test_submit_approve_issue_in_turn(world):
    audit_id = await completed(world)
    wang, lena, zhao = await world.actor(AUDITOR), await world.actor(LEAD), await world.actor(STAFF)
    flow = world.report_flow
    with pytest.raises(ReportFlowError) as refused:
        await flow.approve(lena, audit_id, 1)  # not submitted yet
    assert refused.value.code == "already_draft"
    with pytest.raises(ReportFlowError) as refused:
        await flow.submit(zhao, audit_id, 1)
    assert refused.value.code == "not_leader"
    status = await flow.submit(wang, audit_id, 1)
    assert status.state == ReportState.submitted and status.next is None
    with pytest.raises(ReportFlowError) as refused:
        await flow.approve(wang, audit_id, 1)  # no approver named: leads approve
    assert refused.value.code == "not_approver"
    assert (await flow.counts())["waiting"] == 1
    status = await flow.approve(lena, audit_id, 1)
    assert status.state == ReportState.approved
    issued = await flow.issue(wang, audit_id, 1)
    assert issued.status.state == ReportState.issued and issued.status.report_number == "A-2026-001"
    assert sorted(issued.sent) == ["Lena", "Zhao"] and issued.skipped == []  # the lead and the contact
    with pytest.raises(ReportFlowError) as refused:
        await flow.issue(wang, audit_id, 1)
    assert refused.value.code == "already_issued"
    with pytest.raises(ReportFlowError) as refused:
        await flow.toggle_recipient(wang, audit_id, LEAD.id)  # the list is closed once issued
    assert refused.value.code == "already_issued"
    await flow.receive(zhao, audit_id, 1)
    with pytest.raises(ReportFlowError) as refused:
        await flow.receive(zhao, audit_id, 1)
    assert refused.value.code == "already_received"
    status = await flow.status(wang, audit_id)
    assert (status.received, status.recipients) == (1, 2)
    assert [line.step for line in status.lines] == ["submitted", "approved", "issued"]
    async with world.db.read() as conn:
        kinds = await fetch_value(conn, "SELECT COUNT(*) FROM outbox WHERE kind = 'report_issued'")
    assert kinds == 2


async def test_the_late_issue_question_is_asked_once(world):
    audit_id = await completed(world)
    flow = world.report_flow
    assert await flow.plan_delays() == 0  # within the agreed period
    world.clock.advance(days=world.settings.report_issue_days + 1)
    assert (await flow.counts())["overdue"] == 1
    assert await flow.plan_delays() == 1
    assert await flow.plan_delays() == 0  # once
    wang = await world.actor(AUDITOR)
    asked = await flow.ask_delay_reason(wang, audit_id, 1)
    assert asked.ask == "delay"
    ask, status = await flow.typed(wang, "The approver was on leave")
    assert ask == "delay" and status.lines[-1].note == "The approver was on leave"
    async with world.db.read() as conn:  # no programme item: the leads are told
        assert await fetch_value(conn, "SELECT chat_id FROM outbox WHERE kind = 'report_delay_reason'") == LEAD.id


async def test_changes_requested_sends_the_audit_back_and_a_stale_revision_is_named(world):
    audit_id = await completed(world)
    wang, lena = await world.actor(AUDITOR), await world.actor(LEAD)
    flow = world.report_flow
    await flow.submit(wang, audit_id, 1)
    await flow.ask_changes(lena, audit_id, 1)
    with pytest.raises(ReportFlowError):
        await flow.typed(lena, "   ")
    ask, status = await flow.typed(lena, "State the sample size")
    assert ask == "changes" and status.state == ReportState.changes_requested
    async with world.db.transaction() as conn:
        assert await fetch_value(conn, "SELECT status FROM audits WHERE id = :id", {"id": audit_id}) == "closing"
        await execute(conn, "UPDATE audits SET status = 'completed' WHERE id = :id", {"id": audit_id})
    with pytest.raises(ReportFlowError) as refused:
        await flow.submit(wang, audit_id, 2)
    assert refused.value.code == "stale_revision" and refused.value.details["rev"] == 1
    world.clock.advance(minutes=1)
    assert (await flow.submit(wang, audit_id, 1)).state == ReportState.submitted
