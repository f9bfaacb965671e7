"""Photos for the report: decoded at reduced scale, turned upright, shrunk, re-encoded.

Scaling is the expensive part of a report with many photos. A JPEG is decoded with
``Image.draft`` (libjpeg's DCT scaling: a 4000×3000 photo meant for 1600 px is decoded
at 2000×1500, four times fewer pixels), then ``thumbnail`` shrinks it the rest of the way,
and only then is the EXIF orientation applied (python-docx ignores it). Every photo is
encoded anew, small ones too, from its pixels alone (no EXIF, comment, ICC profile or
trailing bytes carried over): no byte of an upload reaches the document, or LibreOffice
when it makes the PDF. Pillow releases the GIL while decoding, resizing and encoding, so
a thread pool scales photos in parallel.

An image of more than MAX_PIXELS is never decoded (``open_image``); Pillow's own limit is
set here, once, for every other ``Image.open`` of the bot.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

# 50 megapixels (a phone's largest photos; about 200 MB decoded as RGBA). Pillow warns above
# its MAX_IMAGE_PIXELS and refuses above twice that; open_image refuses above it.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_BACKGROUND = (255, 255, 255)
# After draft() the remaining reduction is under 2×, where (antialiased) bilinear looks
# as sharp as Lanczos at about half the cost.
RESAMPLE = Image.Resampling.BILINEAR
# Cache entries made before every photo was re-encoded may hold an upload's own bytes:
# the version in the entry's name leaves them unread.
CACHE_VERSION = 2


@dataclass(frozen=True)
class ScaledPhoto:
    """A JPEG ready for the document, upright, with its pixel size."""

    data: bytes
    width: int
    height: int


def open_image(data: bytes) -> Image.Image:
    """``Image.open`` of ``data`` (only its header is read); DecompressionBombError over MAX_PIXELS."""
    image = Image.open(io.BytesIO(data))
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise Image.DecompressionBombError(f"{image.width}×{image.height} pixels: more than {MAX_PIXELS}")
    return image


def too_many_pixels(data: bytes) -> bool:
    """Whether ``data`` is an image of more than MAX_PIXELS (nothing is decoded)."""
    try:
        open_image(data).close()
    except Image.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        pass
    return False


def scale_photo(data: bytes, max_px: int, quality: int) -> ScaledPhoto | None:
    """``data`` upright as a JPEG whose longer edge is at most ``max_px``; None if unreadable."""
    try:
        with open_image(data) as image:
            return _scaled(image, max_px, quality)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            SyntaxError, EOFError):
        return None


def scale_file(
    path: Path | None, max_px: int, quality: int, cache: PhotoCache | None = None
) -> ScaledPhoto | None:
    """The photo stored at ``path``, scaled (from ``cache`` when it has it); None when the
    file is missing or unreadable."""
    if path is None:
        return None
    cached = cache.load(path, max_px, quality) if cache else None
    if cached is not None:
        return cached
    try:
        data = path.read_bytes()
    except OSError:
        return None
    scaled = scale_photo(data, max_px, quality)
    if cache and scaled:
        cache.store(path, max_px, quality, scaled)
    return scaled


class PhotoCache:
    """Scaled photos kept on disk, so a report built again does not scale its photos again.

    Only evidence files are cached: their file name is the SHA-256 of their bytes
    (``storage.files.FileStore``), so an entry can never go stale. An entry is named
    ``<sha256>-<max_px>-q<quality>-v<CACHE_VERSION>.jpg``; a damaged one is ignored and rewritten.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def entry(self, source: Path, max_px: int, quality: int) -> Path | None:
        name = source.name
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            return None
        return self.root / name[:2] / f"{name}-{max_px}-q{quality}-v{CACHE_VERSION}.jpg"

    def load(self, source: Path, max_px: int, quality: int) -> ScaledPhoto | None:
        entry = self.entry(source, max_px, quality)
        try:
            data = entry.read_bytes() if entry else None
            if not data:
                return None
            with Image.open(io.BytesIO(data)) as image:
                return ScaledPhoto(data, image.width, image.height)
        except (OSError, UnidentifiedImageError):
            return None

    def store(self, source: Path, max_px: int, quality: int, scaled: ScaledPhoto) -> None:
        """Write the entry (temp file, rename); a cache that cannot be written is skipped."""
        entry = self.entry(source, max_px, quality)
        if entry is None:
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(scaled.data)
            os.replace(tmp, entry)
        except OSError:
            return


def _scaled(image: Image.Image, max_px: int, quality: int) -> ScaledPhoto:
    if image.format == "JPEG":
        # draft() keeps both sides at least as large as asked: ask for the final size,
        # not max_px × max_px, or a 4:3 photo is decoded at twice the scale it needs.
        image.draft("RGB", _fitted(image.size, max_px))
    image.thumbnail((max_px, max_px), RESAMPLE, reducing_gap=2.0)
    upright = ImageOps.exif_transpose(image)
    rgb = _flatten(upright)
    rgb.info = {}  # pixels only: Pillow would write the upload's comment (and more) again
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality)
    return ScaledPhoto(out.getvalue(), rgb.width, rgb.height)


def _fitted(size: tuple[int, int], max_px: int) -> tuple[int, int]:
    """``size`` shrunk (never grown) so that its longer side is at most ``max_px``."""
    width, height = size
    ratio = min(1.0, max_px / max(width, height, 1))
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, _BACKGROUND)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def default_workers() -> int:
    """Threads for scaling: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


class PhotoSource(Protocol):
    """Where the report builder gets its photos: ``PhotoScaler``, or pre-scaled ones."""

    def start(self, items: Iterable[tuple[object, Path | None]]) -> None: ...

    def get(self, key: object, path: Path | None = None) -> ScaledPhoto | None: ...


class PhotoScaler:
    """Scales photos in a thread pool ahead of the document that asks for them.

    ``start`` queues every photo at once (the scaled JPEGs are small; the originals are
    read inside the workers), ``get`` waits for one. Use it as a context manager.
    """

    def __init__(self, max_px: int, quality: int, workers: int | None = None,
                 cache: PhotoCache | None = None):
        self.max_px = max_px
        self.quality = quality
        self.cache = cache
        self._pool = ThreadPoolExecutor(max_workers=workers or default_workers(),
                                        thread_name_prefix="report-photo")
        self._futures: dict[object, Future[ScaledPhoto | None]] = {}

    def start(self, items: Iterable[tuple[object, Path | None]]) -> None:
        """Queue (key, path) pairs; a key already queued is not scaled twice."""
        for key, path in items:
            if key not in self._futures:
                self._futures[key] = self._pool.submit(scale_file, path, self.max_px, self.quality, self.cache)

    def get(self, key: object, path: Path | None = None) -> ScaledPhoto | None:
        """The scaled photo of ``key`` (queued now if it was not)."""
        self.start([(key, path)])
        return self._futures[key].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()

    def __enter__(self) -> PhotoScaler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
