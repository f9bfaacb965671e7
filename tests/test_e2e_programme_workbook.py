"""The programme's .xlsx through the Bot API double: export, import, and a workbook with errors."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bot.telegram import buttons
from storage.sql import fetch_all
from tests.harness import LEAD, BotHarness
from tests.helpers import XLSX, workbook_bytes
from tests.programme_fixtures import LAB, OPS, programme_bot


@pytest.fixture
async def bot(double, tmp_path, clock):
    async with programme_bot(double, tmp_path, clock) as harness:
        yield harness


async def export(bot: BotHarness, year: int = 2026) -> openpyxl.Workbook:
    listing = await bot.command(LEAD, "/programme", str(year))
    mark = bot.double.mark()
    bot.double.press_button(LEAD, buttons.ProgrammeExport(year).pack(), message_id=listing.message_id)
    sent = await bot.document_after(LEAD, mark, timeout=5.0)
    assert sent.file_name == f"programme-{year}.xlsx"
    return openpyxl.load_workbook(io.BytesIO(sent.file_bytes))


async def items(bot: BotHarness) -> list[dict]:
    async with bot.db.read() as conn:
        return [dict(r) for r in await fetch_all(
            conn, "SELECT g.id, d.name AS department, g.window_start, g.window_end, g.risk, g.status"
                  " FROM programme g JOIN departments d ON d.id = g.department_id ORDER BY g.id")]


async def import_(bot: BotHarness, data: bytes):
    listing = await bot.command(LEAD, "/programme")
    asked = await bot.press(LEAD, listing.button("Import"), message_id=listing.message_id)
    assert "Send the programme workbook" in asked.plain_text
    return await bot.send_document(LEAD, data, "programme-2026.xlsx", XLSX, timeout=10)


async def test_export_change_and_import(bot):
    listing = await bot.command(LEAD, "/programme")
    found = await bot.press(LEAD, listing.button("Suggested"), message_id=listing.message_id)
    await bot.press(LEAD, found.button(f"✅ {OPS}"), message_id=found.message_id)
    book = await export(bot)
    sheet = book["programme"]
    assert [c.value for c in sheet[1]][:7] == ["id", "department", "checklist", "window_start", "window_end",
                                               "risk", "team"]
    assert [c.value for c in sheet[2]][1:7] == [OPS, "aa-three", "2026-12-01", "2026-12-31", "normal", "Wang"]
    sheet["D2"], sheet["E2"], sheet["F2"] = "2027-01-05", "2027-01-20", "high"
    sheet.append([None, LAB, "Three-question checklist", "2027-02-01", "2027-02-28", "low", "Ann, Lena Lead"])
    done = await import_(bot, workbook_bytes(book))
    assert "1 planned audit changed, 1 added" in done.plain_text
    assert [(i["department"], i["window_start"], i["window_end"], i["risk"]) for i in await items(bot)] == [
        (OPS, "2027-01-05", "2027-01-20", "high"), (LAB, "2027-02-01", "2027-02-28", "low")]
    again = await export(bot, 2027)
    assert [[c.value for c in row][6] for row in again["programme"].iter_rows(min_row=2)] == ["Wang", "Lena Lead, Ann"]


async def test_a_workbook_with_errors_changes_nothing_and_says_where(bot):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "programme"
    sheet.append(["id", "department", "checklist", "window_start", "window_end", "risk", "team"])
    sheet.append([None, "Nowhere", "aa-three", "2027-01-01", "2027-01-31", "normal", "Wang"])  # row 2
    sheet.append([None, OPS, "no-such", "2027-01-31", "2027-01-01", "severe", "Wang"])  # row 3
    sheet.append([None, OPS, "aa-three", "2027-01-01", "2027-01-31", "normal", ""])  # row 4: a team with nobody
    sheet.append([None, OPS, "aa-three", "2027-01-01", "2027-01-31", "normal", "Ann"])  # row 5: impartiality
    sheet.append([99, LAB, "aa-three", "2027-01-01", "2027-01-31", "normal", "Nobody"])  # row 6
    sheet.append([None, LAB, "aa-three", "March", "2027-01-31", "normal", "Wang"])  # row 7
    sheet.append([None, LAB, "aa-three", "2026-10-01", "2026-10-31", "normal", "Wang"])  # row 8: in the past
    answer = await import_(bot, workbook_bytes(book))
    text = answer.plain_text
    assert "Nothing was changed" in text
    for expected in ("row 2, column B (department): There is no department 'Nowhere'",
                     "row 3, column F (risk): 'severe' is not a risk",
                     "row 4, column G (team): 'team' is empty",
                     "row 3, column E (window_end): The window ends before it starts",
                     "row 8, column E (window_end): The window ends on 2026-10-31, which is already over",
                     "row 5, column G (team): Ann verifies an open action of the department",
                     "row 6, column A (id): There is no planned audit 99",
                     "row 7, column D (window_start): 'March' is not a date"):
        assert expected in text, (expected, text)
    assert await items(bot) == []
    broken = await bot.send_document(LEAD, b"not a workbook at all", "programme.xlsx", XLSX, timeout=10)
    assert "not an Excel workbook" in broken.plain_text
    no_sheet = openpyxl.Workbook()
    answer = await bot.send_document(LEAD, workbook_bytes(no_sheet), "programme.xlsx", XLSX, timeout=10)
    assert "There is no sheet named 'programme'" in answer.plain_text
