"""Files people send (photos, documents, voice): download them at once, within Telegram's limits."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message
from telegram.error import BadRequest

from bot.domain.errors import ServiceError

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
