"""Small previews of evidence photos (Pillow), upright as the camera held them."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from storage.files import FileStore

THUMB_EDGE = 320


def make_thumbnail(data: bytes, edge: int = THUMB_EDGE) -> bytes | None:
    """A JPEG at most ``edge`` pixels wide or high; None if the bytes are no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (edge * 2, edge * 2))  # JPEG: decode at a reduced scale
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge))
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


async def store_file(files: FileStore, data: bytes, kind: str) -> tuple[str, str | None]:
    """Store an evidence file by its SHA-256, and a thumbnail of a photo: (sha, thumbnail sha or None)."""
    sha = await asyncio.to_thread(files.put, data)
    thumb = await asyncio.to_thread(make_thumbnail, data) if kind == "photo" else None
    thumb_sha = await asyncio.to_thread(files.put, thumb) if thumb else None
    return sha, thumb_sha
