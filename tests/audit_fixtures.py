"""A 60-question test checklist and helpers that walk an auditor through an audit."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from PIL import Image

from tests.harness import AUDITOR, AUDITOR_EN, LEAD, BotHarness, TgUser
from tests.helpers import button_labels

CHECKLIST_ID = "test-sixty"


def write_sixty_question_checklist(folder: Path, questions: int = 60, sections: int = 6) -> None:
    """A bilingual checklist of ``questions`` questions, every third requiring evidence."""
    per = questions // sections
    data = {
        "id": CHECKLIST_ID,
        "version": 1,
        "title": {"zh": "六十题测试检查表", "en": "Sixty-question test checklist"},
        "sections": [
            {
                "id": f"s{s}",
                "title": {"zh": f"第{s}章", "en": f"Section {s}"},
                "questions": [
                    {
                        "id": f"q{s}-{q}",
                        "clause": f"{4 + s % 7}.{q}",
                        "text": {"zh": f"问题 {s}.{q}？", "en": f"Question {s}.{q}?"},
                        "guidance": {"zh": f"抽查记录 {s}.{q}", "en": f"Sample records {s}.{q}"},
                        "evidence": "required" if q % 3 == 0 else "optional",
                    }
                    for q in range(1, per + 1)
                ],
            }
            for s in range(1, sections + 1)
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{CHECKLIST_ID}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small distinct JPEG."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


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


__all__ = ["LEAD", "checklist_label", "completed_audit", "first_question", "jpeg", "lang_of", "start_audit",
           "team_of_two", "through_opening", "write_sixty_question_checklist"]
