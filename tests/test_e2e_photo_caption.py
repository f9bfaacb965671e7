"""Issue 8, defect 4: a photo's caption belongs to the photo, not to the nonconformity statement."""

from __future__ import annotations

import pytest

from storage.sql import execute
from tests.audit_fixtures import first_question
from tests.defect_fixtures import fetch_report, label, one_nc_audit, send_photo
from tests.harness import AUDITOR, AUDITOR_EN, STAFF, BotHarness
from tests.helpers import body_text, button_labels

CAPTION = "Fire exit blocked by boxes, east stair"


@pytest.mark.parametrize("user", [AUDITOR_EN, AUDITOR])
async def test_caption_stays_with_its_photo(bot: BotHarness, user):
    await bot.join(STAFF, "staff", "Office")
    note = "两份岗位说明书未经签发" if user is AUDITOR else "Two of five job descriptions unsigned"
    mark = bot.double.mark()
    done = await one_nc_audit(bot, user, "Office", note=note, caption=CAPTION)
    assert "A-2026-001" in done.text
    await bot.settle()

    async with bot.db.read() as conn:
        notes = [r[0] for r in (await execute(conn, "SELECT text FROM notes")).fetchall()]
        captions = [r[0] for r in (await execute(conn, "SELECT caption FROM evidence")).fetchall()]
        statements = [r[0] for r in (await execute(conn, "SELECT statement FROM findings")).fetchall()]
    assert notes == [note]
    assert captions == [CAPTION]
    assert statements == [note]

    # what the department receives: the statement, without the photo's caption
    to_staff = [s.text or "" for s in bot.double.sent[mark:] if s.chat_id == STAFF.id]
    assert any(note in text for text in to_staff)
    assert not any(CAPTION in text for text in to_staff)

    # the report shows the caption once, under its photo
    document = await fetch_report(bot, user)
    assert body_text(document).count(CAPTION) == 1
    captions_in_report = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    captions_in_report += [p.text for t in document.tables for row in t.rows for cell in row.cells
                           for p in cell.paragraphs if p.style.name == "Caption"]
    assert any(CAPTION in c for c in captions_in_report)


async def test_a_caption_alone_is_no_statement(bot: BotHarness):
    """Without a typed note, the NC still needs its statement before completion."""
    card = await first_question(bot, AUDITOR_EN)
    card = await bot.press(AUDITOR_EN, card.button("Minor NC"), message_id=card.message_id)
    card = await send_photo(bot, AUDITOR_EN, 3, CAPTION)
    assert "Evidence saved" in card.text and "Note saved" not in card.text
    summary = await bot.press(AUDITOR_EN, card.button(label(AUDITOR_EN, "btn_summary")), message_id=card.message_id)
    assert [t for t in button_labels(summary) if "statement" in t.lower()]
