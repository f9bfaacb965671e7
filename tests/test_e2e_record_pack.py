"""The record pack from /report through the Bot API double: a .zip of the audit report, one
nonconformity report per NC, the NC distribution table and the attendance sheets."""

from __future__ import annotations

import io
import zipfile

import docx

from bot.telegram import buttons
from tests.audit_fixtures import completed_audit, first_question
from tests.harness import AUDITOR_EN, LEAD
from tests.helpers import button_labels, document_text


def _pack(sent) -> dict[str, docx.document.Document]:
    with zipfile.ZipFile(io.BytesIO(sent.file_bytes)) as pack:
        return {name: docx.Document(io.BytesIO(pack.read(name))) for name in pack.namelist()}


async def test_the_record_pack_of_a_completed_audit_from_the_report_list(bot):
    await completed_audit(bot)
    listing = await bot.command(AUDITOR_EN, "/report")
    assert "🗂 Record pack" in button_labels(listing)
    mark = bot.double.mark()
    bot.double.press_button(AUDITOR_EN, listing.button("Record pack"), message_id=listing.message_id)
    sent = await bot.document_after(AUDITOR_EN, mark, timeout=30)
    assert sent.file_name == "A-2026-001 audit records.zip"
    documents = _pack(sent)
    assert sorted(documents) == [
        "01 Audit report A-2026-001.docx", "02 Nonconformity report NC1.docx",
        "03 NC distribution table A-2026-001.docx", "04 Opening meeting attendance A-2026-001.docx",
        "05 Closing meeting attendance A-2026-001.docx"]
    nc = document_text(documents["02 Nonconformity report NC1.docx"])
    for words in ("Nonconformity Report", "Department audited", "Office", "Statement of nonconformity",
                  "Two of five job descriptions unsigned", "Minor nonconformity", "Root cause analysis",
                  "Corrective action", "Verified by"):
        assert words in nc, words
    distribution = documents["03 NC distribution table A-2026-001.docx"]
    first = distribution.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["Clause \\ Department", "Office", "Total"]
    assert [c.text for c in first.rows[-1].cells] == ["Total", "1", "1"]
    opening = document_text(documents["04 Opening meeting attendance A-2026-001.docx"])
    assert "Opening Meeting Attendance Sheet" in opening and "Signature" in opening
    sheet = documents["04 Opening meeting attendance A-2026-001.docx"].tables[-1]
    assert len(sheet.rows) >= 19 and all(row.cells[3].text == "" for row in sheet.rows[1:])  # signatures blank


async def test_a_record_pack_only_for_a_completed_audit_and_only_for_its_team(bot):
    card = await first_question(bot, AUDITOR_EN)
    audit = buttons.Question.parse(card.button("Minor NC")).audit
    listing = await bot.command(AUDITOR_EN, "/report")
    assert "🗂 Record pack" not in button_labels(listing)  # not completed: no button
    refused = await bot.press_for_answer(AUDITOR_EN, buttons.RecordPack(audit).pack(), check=False)
    assert "once the audit is completed" in refused.params.get("text", "")
    forged = await bot.press_for_answer(LEAD, buttons.RecordPack(999).pack(), check=False)
    assert "found no audit" in forged.params.get("text", "")
