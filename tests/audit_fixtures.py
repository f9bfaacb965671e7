"""A 60-question test checklist and helpers that walk an auditor through an audit."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from PIL import Image

from tests.harness import LEAD, BotHarness, TgUser

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
    existing = [text for row in card.buttons for text, _ in row]
    if department in existing:
        return await bot.press(auditor, card.button(department), message_id=card.message_id)
    await bot.press(auditor, card.button("➕"), message_id=card.message_id)
    return await bot.say(auditor, department)


async def through_opening(bot: BotHarness, auditor: TgUser, plan) -> object:
    """Confirm the plan and the opening meeting; returns the first question card."""
    opening = await bot.press(auditor, plan.button("✅"), message_id=plan.message_id)
    return await bot.press(auditor, opening.button("▶"), message_id=opening.message_id)


__all__ = ["LEAD", "jpeg", "start_audit", "through_opening", "write_sixty_question_checklist"]
