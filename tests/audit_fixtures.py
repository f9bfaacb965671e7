"""A 60-question test checklist (devtools/harness.py, which the benchmarks use too) and helpers
that walk an auditor through an audit."""

from __future__ import annotations

from devtools.harness import CHECKLIST_ID, jpeg, write_sixty_question_checklist
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, BotHarness, TgUser
from tests.helpers import button_labels


async def start_audit(bot: BotHarness, auditor: TgUser, checklist_label: str, department: str):
    """/audit → checklist → (new) department → plan card; returns the plan card."""
    card = await bot.command(auditor, "/audit")
    card = await bot.press(auditor, card.button(checklist_label), message_id=card.message_id)
    if department in button_labels(card):
        return await bot.press(auditor, card.button(department), message_id=card.message_id)
    await bot.press(auditor, card.button("➕"), message_id=card.message_id)
    return await bot.say(auditor, department)


async def through_opening(bot: BotHarness, auditor: TgUser, plan) -> object:
    """Confirm the plan and the opening meeting; returns the first question card."""
    opening = await bot.press(auditor, plan.button("✅"), message_id=plan.message_id)
    return await bot.press(auditor, opening.button("▶"), message_id=opening.message_id)


def lang_of(user: TgUser) -> str:
    return "zh" if (user.language_code or "").startswith("zh") else "en"


def checklist_label(user: TgUser) -> str:
    """The button of the bundled functional-department checklist, in the person's language."""
    return "职能部门" if lang_of(user) == "zh" else "functional"


async def first_question(bot: BotHarness, user: TgUser = AUDITOR_EN, department: str = "Office"):
    """``user`` joins as an auditor and starts an audit of ``department`` on the functional-department
    checklist; returns the first question card."""
    await bot.join(user, "auditor")
    plan = await start_audit(bot, user, checklist_label(user), department)
    return await through_opening(bot, user, plan)


async def team_of_two(bot: BotHarness):
    """AUDITOR_EN and AUDITOR join; AUDITOR_EN starts an audit of Office and adds Wang (AUDITOR) to its
    team. Returns the plan card (back from the team card), the team card with Wang, and Wang's notice."""
    await bot.join(AUDITOR_EN, "auditor")
    await bot.join(AUDITOR, "auditor")
    plan = await start_audit(bot, AUDITOR_EN, "functional", "Office")
    team = await bot.press(AUDITOR_EN, plan.button("Audit team"), message_id=plan.message_id)
    mark = bot.double.mark()
    team = await bot.press(AUDITOR_EN, team.button("Wang"), message_id=team.message_id)
    told = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and "审核组" in (s.text or ""), after=mark)
    plan = await bot.press(AUDITOR_EN, team.button("Back"), message_id=team.message_id)
    return plan, team, told


async def completed_audit(bot: BotHarness) -> None:
    """A short audit: one minor NC with a note and a photo, an observation, then completion."""
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await bot.say(AUDITOR_EN, "Two of five job descriptions unsigned")
    card = await bot.send_photo(AUDITOR_EN, jpeg(5, (640, 480)))
    card = await bot.press(AUDITOR_EN, card.button("Next"), message_id=card.message_id)
    card = await bot.press(AUDITOR_EN, card.button("Observation"), message_id=card.message_id)
    await bot.say(AUDITOR_EN, "Objectives not yet broken down to posts")
    card = await bot.command(AUDITOR_EN, "/resume")
    summary = await bot.press(AUDITOR_EN, card.button("Summary"), message_id=card.message_id)
    closing = await bot.press(AUDITOR_EN, summary.button("Closing meeting"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR_EN, closing.button("Complete"), message_id=closing.message_id)
    done = await bot.press(AUDITOR_EN, confirm.button("Yes, complete"), message_id=confirm.message_id)
    assert "completed" in done.text


__all__ = ["CHECKLIST_ID", "LEAD", "checklist_label", "completed_audit", "first_question", "jpeg", "lang_of",
           "start_audit", "team_of_two", "through_opening", "write_sixty_question_checklist"]
