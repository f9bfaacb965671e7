"""/agency through the Bot API double: a lead sets the agency's profile in the chat, the
documents carry it, and a bad logo is refused with nothing changed."""

from __future__ import annotations

import io
import struct
import zlib

import docx
import pytest
from PIL import Image

from bot.domain.agency import AgencyProfile, report_number
from bot.telegram import buttons
from devtools.botapi_double import TgUser
from storage.repos import agency
from tests.audit_fixtures import completed_audit
from tests.capa_fixtures import add_person
from tests.harness import AUDITOR_EN, LEAD
from tests.helpers import document_text


def png(width: int = 300, height: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 60, 120, 255)).save(out, "PNG")
    return out.getvalue()


def wide_png(width: int = 20_001, height: int = 2) -> bytes:
    """A 1-bit PNG of ``width`` × ``height`` pixels, a few bytes on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def noisy_jpeg_over_a_megabyte() -> bytes:
    import random
    rng = random.Random(1)
    image = Image.frombytes("RGB", (1400, 1400), bytes(rng.getrandbits(8) for _ in range(1400 * 1400 * 3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=98)
    assert out.tell() > 1024 * 1024
    return out.getvalue()


async def _set(bot, field: str, text: str):
    card = await bot.command(LEAD, "/agency")
    await bot.press(LEAD, buttons.AgencyField(field).pack(), message_id=card.message_id)
    return await bot.say(LEAD, text)


async def _logo_of(bot) -> str | None:
    async with bot.db.read() as conn:
        row = await agency.get(conn)
    return row["logo_sha256"] if row else None


async def test_a_lead_sets_the_profile_and_the_report_carries_it(bot):
    await completed_audit(bot)
    await bot.settle()  # the lead's notice of the completion is out before the lead talks
    card = await bot.command(LEAD, "/agency")
    assert "Nothing set yet" in card.text
    shown = await _set(bot, "name_en", "City Licensing Bureau")
    assert "City Licensing Bureau" in shown.text
    await _set(bot, "confidentiality", "Internal — do not circulate")
    await _set(bot, "number_prefix", "BJ-IA")
    card = await bot.command(LEAD, "/agency")
    ask = await bot.press(LEAD, buttons.AgencyField("logo").pack(), message_id=card.message_id)
    assert "PNG or JPEG" in ask.text
    done = await bot.send_document(LEAD, png(), "logo.png", "image/png")
    assert "Logo</b>: set" in done.text or "Logo: set" in done.plain_text
    assert await _logo_of(bot)
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "A-2026-001")
    sent = await bot.document_after(LEAD, mark, timeout=20)
    document = docx.Document(io.BytesIO(sent.file_bytes))
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "City Licensing Bureau" in header and "A-2026-001" in header
    assert document.sections[0].header.part.related_parts  # the logo's image part
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "Internal — do not circulate" in footer
    assert report_number(AgencyProfile(number_prefix="BJ-IA"), "A-2026-003") == "BJ-IA-2026-003"
    card = await bot.command(LEAD, "/agency")
    cleared = await bot.press(LEAD, buttons.AgencyClear("logo").pack(), message_id=card.message_id)
    assert "Logo</b>: —" in cleared.text or "Logo: —" in cleared.plain_text
    assert await _logo_of(bot) is None


async def test_no_profile_no_change_and_only_leads(bot):
    await completed_audit(bot)
    await bot.settle()  # the lead's notice of the completion is out before the lead talks
    refused = await bot.command(AUDITOR_EN, "/agency")
    assert "not available to you" in refused.text
    mark = bot.double.mark()
    bot.double.send_command(LEAD, "/report", "A-2026-001")
    sent = await bot.document_after(LEAD, mark, timeout=20)
    document = docx.Document(io.BytesIO(sent.file_bytes))
    assert [p.text for p in document.sections[0].footer.paragraphs] == ["Page 1 of 1"]
    assert "Bureau" not in document_text(document, footers=True)


@pytest.mark.parametrize(("data", "name", "mime", "words"), [
    (b"this is not an image at all", "logo.png", "image/png", "no PNG or JPEG"),
    (b"GIF89a" + b"\x00" * 40, "logo.gif", "image/gif", "no PNG or JPEG"),
    (None, "big.jpg", "image/jpeg", "over 1 MB"),
    (wide_png(), "wide.png", "image/png", "over 20,000 px"),
])
async def test_a_bad_logo_is_refused_and_nothing_changes(bot, data, name, mime, words):
    data = data if data is not None else noisy_jpeg_over_a_megabyte()
    card = await bot.command(LEAD, "/agency")
    await bot.press(LEAD, buttons.AgencyField("logo").pack(), message_id=card.message_id)
    refused = await bot.send_document(LEAD, data, name, mime, timeout=10)
    assert words in refused.text
    assert await _logo_of(bot) is None
    fine = await bot.send_photo(LEAD, png(64, 64))  # still asked for the logo: a good one is taken
    assert "Logo</b>: set" in fine.text or "Logo: set" in fine.plain_text


async def test_a_bad_logo_in_chinese(bot):
    zh_lead = TgUser(id=1019, first_name="Zhou", language_code="zh")
    await add_person(bot.db, zh_lead, "lead", lang="zh")
    card = await bot.command(zh_lead, "/agency")
    assert "机构信息" in card.text
    await bot.press(zh_lead, buttons.AgencyField("logo").pack(), message_id=card.message_id)
    refused = await bot.send_document(zh_lead, wide_png(), "wide.png", "image/png", timeout=10)
    assert "20,000 像素" in refused.text
    typed = await bot.say(zh_lead, "北京市某局")
    assert "请发送标志图片" in typed.text
