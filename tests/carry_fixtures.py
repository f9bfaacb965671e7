"""Helpers for the second-year tests: a first audit of a department, its actions closed, a year on."""

from __future__ import annotations

from bot.domain.vocabulary import CapaState
from storage.repos import findings
from storage.sql import fetch_all
from storage.times import to_db
from tests.defect_fixtures import label, send_photo
from tests.harness import BotHarness, TgUser


async def answer(bot: BotHarness, user: TgUser, card, result: str, statement: str | None = None, *, photo: bool = False):
    """Record ``result`` on the card (with its statement and a photo), then the next card."""
    card = await bot.press(user, card.button(label(user, f"result_{result}")), message_id=card.message_id)
    if result in ("conform", "na"):
        return card
    if statement:
        card = await bot.say(user, statement)
    if photo:
        card = await send_photo(bot, user, 3)
    return await bot.press(user, card.button(label(user, "btn_next")), message_id=card.message_id)


async def close_actions(bot: BotHarness, audit_number: str, clock) -> list[int]:
    """The verifier closed every action of audit ``audit_number`` (effectiveness checked)."""
    async with bot.db.transaction() as conn:
        rows = await fetch_all(conn, "SELECT c.id FROM capa c JOIN audits a ON a.id = c.audit_id"
                                     " WHERE a.number = :n ORDER BY c.id", {"n": audit_number})
        now = clock.now()
        for row in rows:
            await findings.update_capa(conn, row["id"], now, state=CapaState.closed, closed_at=to_db(now),
                                       effectiveness="Checked the records of two months")
    return [r["id"] for r in rows]


async def a_year_on(clock) -> None:
    clock.advance(days=365)

