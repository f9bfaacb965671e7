"""Small previews of evidence photos (Pillow), upright as the camera held them; an image of
more pixels than the report can take (bot/report/photos.py MAX_PIXELS) is refused."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.domain.errors import ServiceError
from bot.report.photos import MAX_PIXELS, open_image, too_many_pixels
from storage.files import FileStore

THUMB_EDGE = 320


class ImageTooLarge(ServiceError):
    """An image of more than MAX_PIXELS, not kept as evidence (prompt ``image_too_large``)."""

    def __init__(self):
        super().__init__("image_too_large", limit_mp=MAX_PIXELS // 1_000_000)


def make_thumbnail(data: bytes, edge: int = THUMB_EDGE) -> bytes | None:
    """A JPEG at most ``edge`` pixels wide or high; None if the bytes are no image."""
    try:
        with open_image(data) as image:
            image.draft("RGB", (edge * 2, edge * 2))  # JPEG: decode at a reduced scale
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge))
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


async def store_file(files: FileStore, data: bytes, kind: str) -> tuple[str, str | None]:
    """Store an evidence file by its SHA-256, and a thumbnail of a photo: (sha, thumbnail sha or None).

    ImageTooLarge, before anything is stored, for a photo of more than MAX_PIXELS.
    """
    if kind == "photo" and await asyncio.to_thread(too_many_pixels, data):
        raise ImageTooLarge()
    sha = await asyncio.to_thread(files.put, data)
    thumb = await asyncio.to_thread(make_thumbnail, data) if kind == "photo" else None
    thumb_sha = await asyncio.to_thread(files.put, thumb) if thumb else None
    return sha, thumb_sha
