"""Helpers for the defect tests: labels in a person's language, and a short audit to completion."""

from __future__ import annotations

import io

import docx

from bot.prompts import default_prompts
from tests.audit_fixtures import first_question, jpeg, lang_of
from tests.harness import BotHarness, TgUser


def label(user: TgUser, key: str, **values) -> str:
    return default_prompts().label(lang_of(user), key, **values)


async def send_photo(bot: BotHarness, user: TgUser, seed: int, caption: str | None = None):
    return await bot.send_photo(user, jpeg(seed, (320, 240)), caption=caption)


async def complete_from(bot: BotHarness, user: TgUser, card):
    """From a question card: summary → closing meeting → Complete → confirm; returns the completion message."""
    summary = await bot.press(user, card.button(label(user, "btn_summary")), message_id=card.message_id)
    closing = await bot.press(user, summary.button(label(user, "btn_closing")), message_id=summary.message_id)
    confirm = await bot.press(user, closing.button(label(user, "btn_complete")), message_id=closing.message_id)
    return await bot.press(user, confirm.button(label(user, "btn_complete_confirm")), message_id=confirm.message_id)


async def one_nc_audit(bot: BotHarness, user: TgUser, department: str, *, note: str = "Two job descriptions unsigned",
                       caption: str | None = None):
    """An audit with one minor NC (a note and a photo, captioned ``caption``), completed."""
    card = await first_question(bot, user, department)
    card = await bot.press(user, card.button(label(user, "result_minor")), message_id=card.message_id)
    card = await bot.say(user, note)
    card = await send_photo(bot, user, 7, caption)
    return await complete_from(bot, user, card)


async def fetch_report(bot: BotHarness, user: TgUser, number: str = "A-2026-001") -> docx.Document:
    mark = bot.double.mark()
    bot.double.send_command(user, "/report", number)
    sent = await bot.document_after(user, mark, timeout=30)
    return docx.Document(io.BytesIO(sent.file_bytes))
