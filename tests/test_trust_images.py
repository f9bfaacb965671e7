"""Trust: an image small on disk but huge in pixels is refused as evidence, never decoded."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from bot.report.photos import MAX_PIXELS, scale_photo, too_many_pixels
from bot.services.thumbnails import ImageTooLarge, make_thumbnail
from storage.sql import execute
from tests.audit_fixtures import first_question
from tests.capa_fixtures import DUE, cast, jpeg, make_action, open_world
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF
from tests.test_capa_service import plan_it

EDGE = 13000  # 169 megapixels: ~700 MB as RGBA, under Pillow's default refusal (179 MP)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(edge: int = EDGE) -> bytes:
    """A 1-bit black PNG of edge × edge pixels, a few kB on disk (built without Pillow)."""
    row = b"\x00" * (1 + (edge + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(edge)) + packer.flush()
    header = struct.pack(">IIBBBBB", edge, edge, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def test_the_limit_is_set_once_for_pillow_and_huge_images_are_not_decoded():
    data = huge_png()
    assert len(data) < 100_000
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS <= 50_000_000
    started = time.monotonic()
    assert too_many_pixels(data)
    assert make_thumbnail(data) is None and scale_photo(data, 1600, 80) is None
    assert time.monotonic() - started < 2
    small = io.BytesIO()
    Image.new("RGB", (640, 480)).save(small, "PNG")
    assert not too_many_pixels(small.getvalue()) and not too_many_pixels(b"not an image")
    assert make_thumbnail(small.getvalue())


async def _evidence_count(bot) -> int:
    async with bot.db.read() as conn:
        return (await execute(conn, "SELECT COUNT(*) FROM evidence")).fetchone()[0]


@pytest.mark.parametrize(("user", "words"), [(AUDITOR_EN, "megapixels"), (AUDITOR, "百万像素")])
async def test_a_huge_png_sent_as_a_document_is_refused_in_the_persons_language(bot, user, words):
    await first_question(bot, user)
    reply = await bot.send_document(user, huge_png(), "plan.png", "image/png", timeout=10)
    assert words in reply.text and "50" in reply.text
    assert await _evidence_count(bot) == 0
    assert not any(p.is_file() for p in bot.settings().evidence_dir.rglob("*"))


async def test_a_huge_png_sent_as_a_photo_is_refused_and_a_normal_one_kept(bot):
    await first_question(bot, AUDITOR_EN)
    reply = await bot.send_photo(AUDITOR_EN, huge_png(), timeout=10)
    assert "megapixels" in reply.text
    assert await _evidence_count(bot) == 0
    card = await bot.send_photo(AUDITOR_EN, jpeg(3))
    assert "Evidence saved" in card.text
    assert await _evidence_count(bot) == 1


async def test_a_huge_png_as_capa_evidence_is_refused(tmp_path):
    world = await open_world(tmp_path / "data")
    try:
        await cast(world.db)
        staff = await world.actor(STAFF)
        action = await make_action(world.db, due=DUE)
        await plan_it(world, staff, action.capa_id)
        await world.capa.accept_plan(await world.actor(LEAD), action.capa_id)
        assert (await world.capa.implement(staff, action.capa_id)).name == "evidence"
        with pytest.raises(ImageTooLarge) as info:
            await world.capa.add_file(staff, kind="photo", data=huge_png(), file_name="x.png",
                                      mime_type="image/png", telegram_file_id="AgAC1", caption=None)
        assert info.value.label_key == "image_too_large" and info.value.details == {"limit_mp": 50}
        step = await world.capa.add_file(staff, kind="photo", data=jpeg(1), file_name=None,
                                         mime_type="image/jpeg", telegram_file_id="AgAC2", caption=None)
        assert step.added == 1
    finally:
        await world.close()
