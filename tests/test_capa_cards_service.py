"""Issue 23, points 14 and 20, without Telegram: the live card of an action (CapaService.card_sent,
fresh_card), the chat's newest messages (ChatLog), and a returned step's earlier text
(CapaService.keep_returned, bot/services/capa_return.py)."""

from __future__ import annotations

import json

import pytest

from bot.services.capa_return import kept_columns, part_of, previous_text, resubmission
from bot.services.capa_service import CapaError
from bot.telegram.chat_log import ChatLog
from storage.repos import findings, trail
from tests.capa_fixtures import DUE, cast, make_action, open_world
from tests.harness import AUDITOR, LEAD, STAFF


@pytest.fixture
async def world(tmp_path):
    w = await open_world(tmp_path / "data")
    await cast(w.db)
    yield w
    await w.close()


async def row_of(world, capa_id: int):
    async with world.db.read() as conn:
        return await findings.get_capa(conn, capa_id)


async def plan_it(world, staff, capa_id: int) -> None:
    await world.capa.open(staff, capa_id)
    await world.capa.answer(staff, "Signed both job descriptions.")
    await world.capa.answer(staff, "The template has no signature line.")
    await world.capa.whys_done(staff, capa_id)
    await world.capa.answer(staff, "Not found elsewhere.")
    await world.capa.answer(staff, "Add a signature line.")
    await world.capa.answer(staff, "2026-11-30")
    await world.capa.confirm(staff, capa_id)


async def returned_to(world, capa_id: int, step: str, reason: str = "Dig deeper.") -> None:
    auditor = await world.actor(AUDITOR)
    await world.capa.ask_return(auditor, capa_id, step)
    await world.capa.answer(auditor, reason)


# --- the live card (point 14) -------------------------------------------------------------------

async def test_a_new_card_for_the_same_action_names_the_one_it_replaces(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    other = await make_action(world.db, due=DUE, index=1)
    await world.capa.open(staff, action.capa_id)
    assert await world.capa.card_sent(staff, action.capa_id, 10) is None  # the first card
    assert await world.capa.card_sent(staff, action.capa_id, 10) is None  # the same one again
    assert await world.capa.card_sent(staff, action.capa_id, 14) == 10
    assert await world.capa.card_sent(staff, other.capa_id, 20) is None  # not the dialog's action
    step = await world.capa.answer(staff, "Signed both job descriptions.")
    assert step.card == 14


async def test_a_press_on_an_older_card_of_the_action_gets_where_the_person_is(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await world.capa.open(staff, action.capa_id)
    await world.capa.answer(staff, "Signed both job descriptions.")
    await world.capa.card_sent(staff, action.capa_id, 14)
    fresh = await world.capa.fresh_card(staff, action.capa_id, 9)
    assert (fresh.name, fresh.notice) == ("why", "superseded")
    assert (await row_of(world, action.capa_id))["root_cause_json"] == "[]"  # nothing done
    assert await world.capa.fresh_card(staff, action.capa_id, 14) is None  # the live card itself
    assert await world.capa.fresh_card(staff, action.capa_id, 15) is None  # newer: not a replaced card
    lead = await world.actor(LEAD)
    assert await world.capa.fresh_card(lead, action.capa_id, 3) is None  # no dialog on it: a forged press
    with pytest.raises(CapaError):
        await world.capa.fresh_card(staff, 999, 3)


def test_the_chat_log_knows_what_came_after_a_card():
    log = ChatLog()
    assert log.newest(5) is None and not log.followed(5, 3)  # nothing known: the card is left in place
    log.seen(5, 3)  # the card
    assert not log.followed(5, 3)
    log.seen(5, 4)  # an answer typed to it, being handled
    assert not log.followed(5, 3, incoming=4)
    log.answered(5, 3, 4)
    log.seen(5, 5)
    assert not log.followed(5, 3, incoming=5)  # the second answer: the first one belongs to the card
    log.answered(5, 3, 5)
    log.seen(5, 6)  # a notice
    assert log.followed(5, 3) and log.followed(5, 3, incoming=7)
    assert not log.followed(5, 6) and log.newest(5, below=6) == 5
    log.seen(6, 1)
    assert log.newest(6) == 1 and log.newest(5) == 6  # one chat's messages are not another's


def test_after_a_restart_a_typed_answer_tells_by_its_number():
    log = ChatLog()  # nothing seen in the chat since the start
    assert not log.followed(5, 3, incoming=4)  # right below the card
    assert log.followed(5, 3, incoming=6)  # two messages came between
    assert not log.followed(5, 3)  # a press: nothing known, the card is edited in place


def test_the_chat_log_forgets_the_least_recent_chats():
    log = ChatLog(max_chats=2)
    for chat in (1, 2, 3):
        log.seen(chat, 10)
    assert log.newest(1) is None and log.newest(3) == 10
    for message_id in range(20):
        log.seen(3, message_id)
    assert log.newest(3) == 19 and log.newest(3, below=15) == 14 and log.newest(3, below=12) is None  # only the newest kept


# --- a returned step's earlier text (point 20) --------------------------------------------------

async def test_a_returned_step_shows_its_earlier_text_until_given_again(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await plan_it(world, staff, action.capa_id)
    await returned_to(world, action.capa_id, "why", "Why had the template no review?")
    step = await world.capa.open(staff, action.capa_id)
    assert step.name == "why" and step.capa.returned_step == "why"
    assert step.capa.previous == {"root_cause": ["The template has no signature line."],
                                  "elsewhere": "Not found elsewhere."}
    step = await world.capa.answer(staff, "Templates are never reviewed.")
    assert step.name == "why_more" and step.capa.previous is None


async def test_keep_as_it_was_gives_the_step_back_unchanged_once(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await plan_it(world, staff, action.capa_id)
    await returned_to(world, action.capa_id, "why")
    await world.capa.open(staff, action.capa_id)
    with pytest.raises(CapaError) as wrong:  # a stale button of another step
        await world.capa.keep_returned(staff, action.capa_id, "plan")
    assert wrong.value.code == "step_done" and wrong.value.step.name == "why"
    step = await world.capa.keep_returned(staff, action.capa_id, "why")
    assert step.name == "confirm" and step.capa.whys == ["The template has no signature line."]
    row = await row_of(world, action.capa_id)
    assert json.loads(row["root_cause_json"]) == ["The template has no signature line."]
    assert row["elsewhere"] == "Not found elsewhere." and row["returned_step"] == "why"
    with pytest.raises(CapaError) as twice:  # a double tap
        await world.capa.keep_returned(staff, action.capa_id, "why")
    assert twice.value.code == "step_done" and twice.value.step.name == "confirm"
    async with world.db.read() as conn:
        actions = [r["action"] for r in await trail.entries(conn, "capa", action.capa_id)]
    assert actions.count("kept_after_return") == 1

    await world.capa.confirm(staff, action.capa_id)
    async with world.db.read() as conn:
        again = await resubmission(conn, await findings.get_capa(conn, action.capa_id))
    assert again["step"] == "why" and again["changed"] is False and again["reason"] == "Dig deeper."


async def test_keep_refused_for_a_kept_target_date_that_has_passed(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await plan_it(world, staff, action.capa_id)
    await returned_to(world, action.capa_id, "target")
    world.clock.advance(days=40)  # 2026-11-30 is past now
    step = await world.capa.open(staff, action.capa_id)
    assert step.name == "target" and step.capa.previous == {"target_date": "2026-11-30"}
    with pytest.raises(CapaError) as past:
        await world.capa.keep_returned(staff, action.capa_id, "target")
    assert past.value.code == "date_past" and past.value.step.name == "target"
    assert (await row_of(world, action.capa_id))["target_date"] is None


async def test_the_resubmission_says_what_changed_in_the_returned_step(world):
    staff = await world.actor(STAFF)
    action = await make_action(world.db, due=DUE)
    await plan_it(world, staff, action.capa_id)
    async with world.db.read() as conn:
        assert await resubmission(conn, await findings.get_capa(conn, action.capa_id)) is None  # first review
    await returned_to(world, action.capa_id, "plan", "Who checks it?")
    await world.capa.open(staff, action.capa_id)
    await world.capa.answer(staff, "Add a signature line; HR checks each quarter.")
    await world.capa.confirm(staff, action.capa_id)
    async with world.db.read() as conn:
        row = await findings.get_capa(conn, action.capa_id)
        again = await resubmission(conn, row)
        assert await previous_text(conn, row) is None  # not returned any more
    assert again == {"step": "plan", "reason": "Who checks it?", "before": {"action_plan": "Add a signature line."},
                     "after": {"action_plan": "Add a signature line; HR checks each quarter."}, "changed": True}
    await world.capa.accept_plan(await world.actor(AUDITOR), action.capa_id)
    async with world.db.read() as conn:
        assert await resubmission(conn, await findings.get_capa(conn, action.capa_id)) is None  # accepted since


def test_the_parts_of_a_step():
    plan = {"correction": "c", "root_cause": ["a", "b"], "elsewhere": "e", "action_plan": "p",
            "target_date": "2026-11-30"}
    assert part_of(plan, "why") == {"root_cause": ["a", "b"], "elsewhere": "e"}
    assert part_of(plan, "nonsense") == {}
    assert kept_columns(plan, "why") == {"root_cause_json": '["a", "b"]', "elsewhere": "e"}
    assert kept_columns(plan, "target") == {"target_date": "2026-11-30"}


async def test_review_buttons_of_an_earlier_round_do_not_decide_a_resubmitted_plan(world):
    staff, auditor = await world.actor(STAFF), await world.actor(AUDITOR)
    action = await make_action(world.db, due=DUE)
    await plan_it(world, staff, action.capa_id)
    assert (await world.capa.verify_card(auditor, action.capa_id)).capa.reviews == 0
    await returned_to(world, action.capa_id, "plan")
    with pytest.raises(CapaError) as returned:  # the plan is with the staff: a stale return button
        await world.capa.ask_return(auditor, action.capa_id, "why", 0)
    assert returned.value.code == "step_done"
    await world.capa.open(staff, action.capa_id)
    await world.capa.answer(staff, "Add a signature line; HR checks each quarter.")
    await world.capa.confirm(staff, action.capa_id)
    for press in (world.capa.accept_plan(auditor, action.capa_id, 0),
                  world.capa.ask_return(auditor, action.capa_id, "why", 0)):
        with pytest.raises(CapaError) as old:
            await press
        assert old.value.code == "plan_resubmitted" and old.value.step.capa.reviews == 1
    assert (await row_of(world, action.capa_id))["state"] == "planned"
    step = await world.capa.accept_plan(auditor, action.capa_id, 1)
    assert step.name == "plan_accepted_done"
