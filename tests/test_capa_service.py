"""CapaService directly: the staff's answer step by step, rights, bad input, verification."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from bot.report.data import load_report_data
from bot.report.xlsx_export import load_export_rows, write_workbook
from bot.services.capa_service import CapaError
from storage.repos import audits, departments, dialogs, findings, trail
from tests.capa_fixtures import (
    CHECKLIST,
    DUE,
    NOW,
    QUESTIONS,
    SHANGHAI,
    add_person,
    cast,
    jpeg,
    local,
    make_action,
    open_world,
)
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF


@pytest.fixture
async def world(tmp_path):
    w = await open_world(tmp_path / "data")
    await cast(w.db)
    yield w
    await w.close()


async def row(world, capa_id: int):
    async with world.db.read() as conn:
        return await findings.get_capa(conn, capa_id)


async def kinds_to(world, chat_id: int) -> list[str]:
    return [r["kind"] for r in await world.outbox_rows() if r["chat_id"] == chat_id]


async def plan_it(world, staff, capa_id: int) -> None:
    """Give a whole plan and confirm it."""
    await world.capa.open(staff, capa_id)
    for text in ("Signed both job descriptions.", "The template has no signature line."):
        await world.capa.answer(staff, text)
    await world.capa.whys_done(staff, capa_id)
    await world.capa.answer(staff, "Checked all 12 posts: the same elsewhere in two.")
    await world.capa.answer(staff, "Add a signature line to the template; HR checks each quarter.")
    await world.capa.answer(staff, "2026-11-30")
    await world.capa.confirm(staff, capa_id)


async def plan_accepted(world, staff, capa_id: int) -> None:
    """A whole plan, confirmed and accepted (by a lead, who may act as any action's verifier)."""
    await plan_it(world, staff, capa_id)
    await world.capa.accept_plan(await world.actor(LEAD), capa_id)


async def test_the_plan_step_by_step_saved_as_given(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    c = action.capa_id
    step = await world.capa.open(staff, c)
    assert step.name == "correction" and step.capa.number == "NC1" and step.capa.clause == "5.3"
    assert (await world.capa.answer(staff, "  Signed both job descriptions.\x00 ")).name == "why"
    assert (await row(world, c))["correction"] == "Signed both job descriptions."
    assert (await world.capa.answer(staff, "No signature line")).name == "why_more"
    assert (await world.capa.why_again(staff, c)).name == "why"
    step = await world.capa.answer(staff, "Template copied from 2015")
    assert step.name == "why_more" and step.capa.whys == ["No signature line", "Template copied from 2015"]
    assert (await world.capa.whys_done(staff, c)).name == "elsewhere"
    assert (await world.capa.give(staff, c, "elsewhere", "Not found elsewhere.")).name == "plan"
    assert (await world.capa.answer(staff, "New template; quarterly check")).name == "target"
    assert (await world.capa.answer(staff, "12月1日")).name == "confirm"  # the next 1 December
    saved = await row(world, c)
    assert saved["target_date"] == "2026-12-01" and saved["state"] == "open"
    assert json.loads(saved["root_cause_json"]) == ["No signature line", "Template copied from 2015"]
    step = await world.capa.confirm(staff, c)
    assert step.name == "planned" and (await row(world, c))["state"] == "planned"
    assert await kinds_to(world, AUDITOR.id) == ["capa_planned"]
    async with world.db.read() as conn:
        actions = [e["action"] for e in await trail.entries(conn, "capa", c)]
    assert actions == ["set_correction", "set_root_cause", "set_root_cause", "set_elsewhere", "set_action_plan",
                       "set_target_date", "planned"]


async def test_leaving_half_way_continues_there(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await world.capa.open(staff, action.capa_id)
    await world.capa.answer(staff, "Fixed")
    await world.capa.answer(staff, "Why one")
    await world.capa.why_again(staff, action.capa_id)
    assert (await world.capa.open(staff, action.capa_id)).name == "why"  # the dialog still says "why again"
    async with world.db.transaction() as conn:
        await dialogs.clear(conn, STAFF.id)  # /cancel
    assert (await world.capa.open(staff, action.capa_id)).name == "why_more"  # derived from what was saved
    for _ in range(4):
        await world.capa.why_again(staff, action.capa_id)
        step = await world.capa.answer(staff, "deeper")
    assert step.name == "elsewhere" and len(step.capa.whys) == 5  # five whys at most


async def test_bad_input_changes_nothing(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    c = action.capa_id
    with pytest.raises(CapaError) as err:
        await world.capa.answer(staff, "hello")
    assert err.value.code == "no_dialog"
    await world.capa.open(staff, c)
    with pytest.raises(CapaError) as err:
        await world.capa.answer(staff, "x" * 2001)
    assert err.value.code == "too_long" and err.value.step.name == "correction"
    await world.capa.answer(staff, "Fixed")
    await world.capa.answer(staff, "Why")
    with pytest.raises(CapaError) as err:
        await world.capa.answer(staff, "typed where a button is expected")
    assert err.value.code == "use_buttons" and err.value.step.name == "why_more"
    with pytest.raises(CapaError) as err:
        await world.capa.confirm(staff, c)
    assert err.value.code == "step_done" and err.value.step.name == "why_more"
    await world.capa.whys_done(staff, c)
    await world.capa.answer(staff, "Nowhere else")
    await world.capa.answer(staff, "Plan")
    for text, code in (("2026-11-01", "date_past"), ("next week", "date_invalid"), ("2026-02-30", "date_invalid"),
                       ("2031-01-01", "date_too_far")):
        with pytest.raises(CapaError) as err:
            await world.capa.answer(staff, text)
        assert (err.value.code, err.value.step.name) == (code, "target")
    with pytest.raises(CapaError) as err:
        await world.capa.set_target(staff, c, date(2026, 11, 1))
    assert err.value.code == "date_past"
    assert (await row(world, c))["target_date"] is None
    assert (await world.capa.answer(staff, "2026/12/01")).name == "confirm"
    assert (await world.capa.start_over(staff, c)).name == "correction"
    assert (await row(world, c))["action_plan"] is None


async def test_only_the_departments_staff_answer(world):
    action = await make_action(world.db, due=DUE)
    await add_person(world.db, 3010, "staff", "其他科室")
    for user in (3010, LEAD, AUDITOR):
        with pytest.raises(CapaError) as err:
            await world.capa.open(await world.actor(user), action.capa_id)
        assert err.value.code == "not_allowed"
    staff = await world.actor(STAFF)
    with pytest.raises(CapaError) as err:
        await world.capa.open(staff, 999)
    assert err.value.code == "not_found"
    other = await world.actor(3010)
    with pytest.raises(CapaError):
        await world.capa.evidence_files(other, action.capa_id)
    assert (await world.capa.lists(other)).answer == []
    assert [a["number"] for a in (await world.capa.lists(staff)).answer] == ["NC1"]


async def test_implementation_verification_rejection_and_closure(world):
    staff = await world.actor(STAFF)
    auditor = await world.actor(AUDITOR)
    action = await make_action(world.db, due=DUE)
    c = action.capa_id
    await plan_it(world, staff, c)
    assert (await world.capa.open(staff, c)).name == "planned"
    with pytest.raises(CapaError) as err:
        await world.capa.answer(staff, "typed at the planned card")
    assert (err.value.code, err.value.step.name) == ("use_buttons", "planned")
    with pytest.raises(CapaError) as err:
        await world.capa.implement(staff, c)
    assert (err.value.code, err.value.step.name) == ("plan_not_accepted", "planned")
    with pytest.raises(CapaError) as err:  # only the finding's auditor (or a lead) reviews the plan
        await world.capa.accept_plan(staff, c)
    assert err.value.code == "not_allowed"
    assert (await world.capa.accept_plan(auditor, c)).name == "plan_accepted_done"
    assert (await world.capa.open(staff, c)).name == "accepted"
    assert (await world.capa.implement(staff, c)).name == "evidence"
    with pytest.raises(CapaError) as err:
        await world.capa.submit(staff, c)
    assert err.value.code == "evidence_needed"
    step = await world.capa.add_file(staff, kind="photo", data=jpeg(1), file_name=None, mime_type="image/jpeg",
                                     telegram_file_id="AgAC1", caption="signed")
    assert step.added == 1 and step.capa.evidence_count == 1
    assert (await world.capa.answer(staff, "Template revised on 2026-11-20")).added == 2
    assert (await world.capa.submit(staff, c)).name == "waiting"
    assert (await row(world, c))["state"] == "implemented"
    assert await kinds_to(world, AUDITOR.id) == ["capa_planned", "capa_implemented"]
    with pytest.raises(CapaError) as err:
        await world.capa.answer(staff, "more")
    assert err.value.code == "no_dialog"

    assert [a["number"] for a in (await world.capa.lists(auditor)).verify] == ["NC1"]
    await add_person(world.db, AUDITOR_EN, "auditor")
    for user in (STAFF, AUDITOR_EN):  # staff never verify; another auditor not this one
        with pytest.raises(CapaError) as err:
            await world.capa.ask_verdict(await world.actor(user), c, accept=True)
        assert err.value.code == "not_allowed"
    assert (await world.capa.lists(await world.actor(AUDITOR_EN))).verify == []
    assert (await world.capa.ask_verdict(auditor, c, accept=False)).name == "reject_reason"
    with pytest.raises(CapaError) as err:
        await world.capa.answer(auditor, "\x07 ")
    assert (err.value.code, err.value.step.name) == ("empty", "reject_reason")
    assert (await world.capa.answer(auditor, "Only one of two posts fixed.")).name == "rejected_done"
    saved = await row(world, c)
    assert (saved["state"], saved["rejection_reason"]) == ("plan_accepted", "Only one of two posts fixed.")
    assert await kinds_to(world, STAFF.id) == ["capa_plan_accepted", "capa_rejected"]

    assert (await world.capa.open(staff, c)).name == "evidence"  # straight back to the evidence
    await world.capa.answer(staff, "Second post fixed too")
    await world.capa.submit(staff, c)
    lead = await world.actor(LEAD)
    assert (await world.capa.ask_verdict(lead, c, accept=True)).name == "effectiveness"  # a lead may verify
    assert (await world.capa.answer(lead, "Sampled 12 job descriptions a month later: all signed.")).name == "closed_done"
    saved = await row(world, c)
    assert saved["state"] == "closed" and saved["effectiveness"].startswith("Sampled") and saved["closed_at"]
    assert await kinds_to(world, STAFF.id) == ["capa_plan_accepted", "capa_rejected", "capa_closed"]
    assert len({r["dedupe_key"] for r in await world.outbox_rows()}) == len(await world.outbox_rows())

    for call in (world.capa.open(staff, c), world.capa.implement(staff, c), world.capa.ask_verdict(auditor, c, True)):
        with pytest.raises(CapaError) as err:
            await call
        assert err.value.code == "closed"


async def test_a_verdict_typed_after_someone_else_decided(world):
    staff, auditor, lead = [await world.actor(u) for u in (STAFF, AUDITOR, LEAD)]
    action = await make_action(world.db, due=DUE)
    await plan_accepted(world, staff, action.capa_id)
    await world.capa.implement(staff, action.capa_id)
    await world.capa.answer(staff, "done")
    await world.capa.submit(staff, action.capa_id)
    await world.capa.ask_verdict(auditor, action.capa_id, accept=True)
    await world.capa.ask_verdict(lead, action.capa_id, accept=True)
    await world.capa.answer(lead, "Checked")
    with pytest.raises(CapaError) as err:
        await world.capa.answer(auditor, "Checked as well")
    assert err.value.code == "closed"
    await world.capa.leave(auditor)
    async with world.db.read() as conn:
        assert await dialogs.get(conn, AUDITOR.id) is None


async def test_auditor_gone_the_leads_are_told(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE + timedelta(days=30))
    await world.people.set_active(await world.actor(LEAD), AUDITOR.id, False)
    await plan_it(world, staff, action.capa_id)
    assert await kinds_to(world, LEAD.id) == ["capa_planned"]


async def test_an_extension_keeps_the_original_due_date_for_the_figures(world, tmp_path):
    staff, auditor, lead = [await world.actor(u) for u in (STAFF, AUDITOR, LEAD)]
    action = await make_action(world.db, due=date(2026, 11, 10))
    c = action.capa_id
    await world.capa.ask_extension(staff, c)
    for typed, problem in (("2026-11-01", "date_past"), ("2026-11-10", "extension_not_later"),
                           ("2026-11-09", "extension_not_later"), ("someday", "extension_date_invalid")):
        with pytest.raises(CapaError) as err:
            await world.capa.answer(staff, typed)
        assert (err.value.code, err.value.step.name) == (problem, "extend_date")
    assert (await world.capa.answer(staff, "2026-11-20")).name == "extend_reason"
    step = await world.capa.answer(staff, "Waiting for the printer.")
    assert step.notice == "extension_asked" and step.capa.extension.state == "pending"
    assert step.name == "correction"  # back at the step the person was at (issue 23, point 8)
    with pytest.raises(CapaError) as err:
        await world.capa.ask_extension(staff, c)
    assert err.value.code == "extension_pending"
    extension = step.capa.extension.id
    with pytest.raises(CapaError) as err:  # staff never decide their own request
        await world.capa.decide_extension(staff, extension, grant=True)
    assert err.value.code == "not_allowed"
    step = await world.capa.decide_extension(lead, extension, grant=True)
    assert step.name == "extension_granted_done" and step.capa.original_due_date == date(2026, 11, 10)
    with pytest.raises(CapaError) as err:
        await world.capa.decide_extension(auditor, extension, grant=False)
    assert err.value.code == "extension_decided"
    saved = await row(world, c)
    assert (saved["due_date"], saved["original_due_date"]) == ("2026-11-20", "2026-11-10")

    # 25 November: 5 days late on the extended date, 15 on the original one
    world.clock.set(local(11, 25))
    overdue = await world.status.overdue(lead)
    assert [(i["number"], i["days_late"], i["original_due_date"]) for i in overdue.items] == [
        ("NC1", 5, "2026-11-10")]
    data = await load_report_data(world.db, action.audit_id, world.files, SHANGHAI, now=world.clock.now())
    (finding,) = [f for f in data.findings if f.action is not None]
    assert (finding.action.days_late, finding.action.days_late_original) == (5, 15)
    assert finding.action.original_due_date == date(2026, 11, 10)
    rows = await load_export_rows(world.db)
    path = write_workbook(rows, tmp_path / "export.xlsx", SHANGHAI, today=date(2026, 11, 25))
    sheet = load_workbook(path)["Actions"]
    headers = [cell.value for cell in sheet[1]]
    values = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert values["Days late"] == 5 and values["Days late (original due date)"] == 15
    assert values["Original due date"].date() == date(2026, 11, 10)


async def test_status_shows_each_open_audit_with_its_progress_and_team(world):
    async with world.db.transaction() as conn:
        department_id, _ = await departments.get_or_create(conn, "档案室", NOW)
        audit_id, _ = await audits.create(
            conn, checklist_id=CHECKLIST.id, checklist_version=CHECKLIST.version, checklist_json=CHECKLIST.to_json(),
            department_id=department_id, lang="zh", created_by=AUDITOR.id, at=NOW, number_prefix="A-2026-")
        await audits.set_status(conn, audit_id, "in_progress", NOW)
        await audits.add_member(conn, audit_id, AUDITOR.id, "leader", NOW)
        for question in QUESTIONS[:3]:
            await audits.set_answer(conn, audit_id, question, "conform", AUDITOR.id, NOW)
        await audits.set_answer(conn, audit_id, QUESTIONS[3], "skipped", AUDITOR.id, NOW)
    world.clock.set(local(11, 5))
    (audit,) = (await world.status.status(await world.actor(LEAD))).audits
    assert (audit["answered"], audit["questions"], audit["days"]) == (3, len(QUESTIONS), 3)
    assert audit["auditors"] == "Wang"
