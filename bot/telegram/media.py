"""Files people send (photos, documents, voice): downloaded at once, within Telegram's limits;
and stored files sent back (their bytes, or Telegram's file id)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Message
from telegram.error import BadRequest

from bot.domain.errors import ServiceError
from storage.files import FileStore

# The Bot API lets bots download files up to 20 MB.
DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass(frozen=True)
class Incoming:
    """A file taken from a message, with its bytes."""

    kind: str  # photo | document | voice
    data: bytes
    file_name: str | None
    mime_type: str | None
    telegram_file_id: str
    caption: str | None


class TooBig(ServiceError):
    """The file is over the download limit; ``size`` is what Telegram reported (a refusal:
    the person is told its size, in MB, by prompt ``file_too_big``)."""

    def __init__(self, size: int | None):
        super().__init__("file_too_big", size_mb=round(size / 1048576, 1) if size else None)
        self.size = size


def describe(message: Message) -> tuple[str, object] | None:
    """(kind, Telegram file object) of a message's evidence; the largest photo size."""
    if message.photo:
        return "photo", message.photo[-1]
    if message.document is not None:
        kind = "photo" if (message.document.mime_type or "").startswith("image/") else "document"
        return kind, message.document
    if message.voice is not None:
        return "voice", message.voice
    if message.audio is not None:
        return "voice", message.audio
    if message.video is not None:
        return "document", message.video
    return None


async def download(message: Message) -> Incoming | None:
    """Download the message's file; None when it carries none; TooBig over 20 MB."""
    found = describe(message)
    if found is None:
        return None
    kind, media = found
    size = getattr(media, "file_size", None)
    if size is not None and size > DOWNLOAD_LIMIT:
        raise TooBig(size)
    try:
        telegram_file = await media.get_file()
    except BadRequest as exc:
        if "too big" in str(exc).lower():
            raise TooBig(size) from None
        raise
    data = bytes(await telegram_file.download_as_bytearray())
    return Incoming(
        kind=kind,
        data=data,
        file_name=getattr(media, "file_name", None),
        mime_type=getattr(media, "mime_type", None) or ("image/jpeg" if kind == "photo" else None),
        telegram_file_id=media.file_id,
        caption=message.caption,
    )


async def media_source(files: FileStore, row: dict) -> bytes | str:
    """A stored file's bytes; Telegram's file id when the file is not on this disk."""
    if await asyncio.to_thread(files.exists, row["sha256"]):
        return await asyncio.to_thread(files.get, row["sha256"])
    return row["telegram_file_id"]
