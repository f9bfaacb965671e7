"""An in-process test double of the Telegram Bot API.

It runs an aiohttp web server on 127.0.0.1 (random free port) that speaks enough of the
Bot API for python-telegram-bot (PTB) 22 to run unmodified against it::

    double = BotApiDouble()
    await double.start()
    app = (
        ApplicationBuilder()
        .token(double.token)
        .base_url(f"{double.url}/bot")
        .base_file_url(f"{double.url}/file/bot")
        .build()
    )

Tests then *inject* what users do (``send_message``, ``press_button``, ``send_photo`` ...)
and *read* what the bot did (``sent``, ``calls``, ``wait_for``, ``reply_to``).
Faults can be injected with ``fail``, ``delay`` and ``block_user``.

Requests are decoded the way PTB encodes them: ``application/x-www-form-urlencoded`` with
JSON-encoded non-string values, ``multipart/form-data`` when files are uploaded
(JSON request bodies and query strings are accepted as well).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import itertools
import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["BotApiDouble", "Sent", "TgUser", "Upload", "render_text"]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile limit of the cloud Bot API
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

# Methods that create or change a message that a user sees (used by ``reply_to``).
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)

# Parameters that are always strings, never JSON-decoded.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "description",
        "short_description",
        "name",
        "file_id",
        "action",
        "language_code",
        "emoji",
        "title",
        "url",
        "question",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_ACCEPT_TRUE = frozenset(
    {
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setChatMenuButton",
        "setMyDefaultAdministratorRights",
        "setMessageReaction",
        "pinChatMessage",
        "unpinChatMessage",
        "unpinAllChatMessages",
        "leaveChat",
    }
)

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


# --------------------------------------------------------------------------------------------
# Public data classes
# --------------------------------------------------------------------------------------------


@dataclass
class TgUser:
    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> dict:
        return _clean(
            {
                "id": self.id,
                "is_bot": False,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    def private_chat(self) -> dict:
        return _clean(
            {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        )


@dataclass
class Upload:
    """A file part of a multipart request (appears in decoded ``params``)."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass
class Sent:
    """One thing the bot sent, edited, deleted or answered."""

    method: str
    chat_id: int | None
    message_id: int | None
    text: str | None  # text/caption exactly as the bot sent it (answerCallbackQuery: its text)
    parse_mode: str | None
    reply_markup: dict | None
    params: dict
    file_bytes: bytes | None = None
    file_name: str | None = None
    file_id: str | None = None  # file_id of the (largest) file the message carries
    plain_text: str | None = None  # text/caption after entity parsing, as the user sees it
    index: int = -1  # position in BotApiDouble.sent

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (text, callback_data or url) of an inline keyboard; reply keyboards give
        (text, None)."""
        markup = self.reply_markup or {}
        rows: list[list[tuple[str, str | None]]] = []
        for row in markup.get("inline_keyboard") or []:
            rows.append([(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row])
        for row in markup.get("keyboard") or []:
            rows.append(
                [(b, None) if isinstance(b, str) else (b.get("text", ""), None) for b in row]
            )
        return rows

    def _find_button(self, label_substring: str) -> dict:
        markup = self.reply_markup or {}
        for row in markup.get("inline_keyboard") or []:
            for b in row:
                if label_substring in b.get("text", ""):
                    return b
        raise AssertionError(
            f"no button containing {label_substring!r} in {self.method} "
            f"#{self.message_id}; buttons: {self.buttons!r}"
        )

    def button(self, label_substring: str) -> str:
        """callback_data of the first inline button whose text contains ``label_substring``."""
        b = self._find_button(label_substring)
        if b.get("callback_data") is None:
            raise AssertionError(f"button {b!r} has no callback_data")
        return b["callback_data"]

    def button_url(self, label_substring: str) -> str:
        b = self._find_button(label_substring)
        if b.get("url") is None:
            raise AssertionError(f"button {b!r} has no url")
        return b["url"]

    def short(self) -> str:
        text = self.plain_text if self.plain_text is not None else self.text
        if text is not None and len(text) > 300:
            text = text[:300] + "…"
        extra = f" buttons={self.buttons!r}" if self.buttons else ""
        if self.file_name:
            extra += f" file={self.file_name!r}"
        return (
            f"[{self.index}] {self.method} chat={self.chat_id} msg={self.message_id} "
            f"text={text!r}{extra}"
        )


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Fault:
    method: str | None
    status: int
    remaining: int
    retry_after: int | None
    description: str


@dataclass
class _Delay:
    method: str | None
    seconds: float
    remaining: int


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_size: int
    file_path: str


# --------------------------------------------------------------------------------------------
# Text / entity parsing
# --------------------------------------------------------------------------------------------


def _buttons_taken_off(sent: Sent) -> bool:
    """An editMessageReplyMarkup that only removed a message's buttons."""
    return sent.method == "editMessageReplyMarkup" and not (sent.reply_markup or {}).get("inline_keyboard")


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


class _ParseError(Exception):
    pass


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z_:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z_:-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _byte_offset(text: str, i: int) -> int:
    return len(text[:i].encode("utf-8"))


def _decode_entity(m: re.Match) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def _unescape_attr(value: str) -> str:
    return _ENTITY_RE.sub(_decode_entity, value)


def _parse_html(text: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    pos16 = 0
    stack: list[dict] = []
    entities: list[dict] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            m = _TAG_RE.match(text, i)
            if not m:
                name = re.match(r"</?([^\s>]*)", text[i:])
                tag = name.group(1) if name else ""
                raise _ParseError(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, i)}'
                )
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if closing:
                if not stack:
                    raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
                top = stack[-1]
                if top["tag"] != name:
                    raise _ParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'expected "</{top["tag"]}>", found "</{name}>"'
                    )
                stack.pop()
                length = pos16 - top["offset"]
                if top.get("entity") and length > 0:
                    ent = {"type": top["type"], "offset": top["offset"], "length": length}
                    ent.update(top.get("extra", {}))
                    entities.append(ent)
            else:
                if name not in _HTML_TAGS:
                    raise _ParseError(
                        f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                    )
                attr_map = {}
                for am in _ATTR_RE.finditer(attrs):
                    val = am.group(2) if am.group(2) is not None else am.group(3)
                    if val is None:
                        val = am.group(4) or ""
                    attr_map[am.group(1).lower()] = _unescape_attr(val)
                etype = _HTML_TAGS[name]
                extra: dict[str, Any] = {}
                emit = True
                if name == "span" and attr_map.get("class") != "tg-spoiler":
                    raise _ParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset '
                        f"{_byte_offset(text, i)}"
                    )
                if name == "a":
                    href = attr_map.get("href")
                    if not href:
                        emit = False
                    elif href.startswith("tg://user?id="):
                        etype = "text_mention"
                        with contextlib.suppress(ValueError):
                            extra["user"] = {
                                "id": int(href.split("=", 1)[1]),
                                "is_bot": False,
                                "first_name": "User",
                            }
                    else:
                        extra["url"] = href
                if name == "tg-emoji":
                    if "emoji-id" not in attr_map:
                        raise _ParseError(
                            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                            f"{_byte_offset(text, i)}"
                        )
                    extra["custom_emoji_id"] = attr_map["emoji-id"]
                if name == "blockquote" and "expandable" in attr_map:
                    etype = "expandable_blockquote"
                if name == "code" and stack and stack[-1]["tag"] == "pre":
                    lang = attr_map.get("class", "")
                    if lang.startswith("language-"):
                        stack[-1]["extra"]["language"] = lang[len("language-") :]
                        emit = False
                stack.append(
                    {"tag": name, "type": etype, "offset": pos16, "extra": extra, "entity": emit}
                )
            i = m.end()
            continue
        if ch == "&":
            m = _ENTITY_RE.match(text, i)
            if not m:
                snippet = text[i : i + 10].split()[0] if text[i:].strip() else "&"
                raise _ParseError(
                    f'Unsupported HTML entity "{snippet}" at byte offset {_byte_offset(text, i)}; '
                    "use &amp; for a literal '&'"
                )
            dec = _decode_entity(m)
            out.append(dec)
            pos16 += _utf16_len(dec)
            i = m.end()
            continue
        out.append(ch)
        pos16 += 2 if ord(ch) > 0xFFFF else 1
        i += 1
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
}
_MDV2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # (marker, offset16, char index)
    entities: list[dict] = []
    i = 0
    n = len(text)

    def emit(s: str) -> None:
        nonlocal pos16
        out.append(s)
        pos16 += _utf16_len(s)

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _ParseError(
                    f"Can't parse entities: unexpected end of text at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            emit(text[i + 1])
            i += 2
            continue
        if ch == "`":
            if text.startswith("```", i):
                end = text.find("```", i + 3)
                if end < 0:
                    raise _ParseError(
                        f"Can't find end of Pre entity at byte offset {_byte_offset(text, i)}"
                    )
                body = text[i + 3 : end]
                language = None
                if "\n" in body:
                    first, rest = body.split("\n", 1)
                    if first and " " not in first:
                        language, body = first, rest
                body = re.sub(r"\\([\\`])", r"\1", body)
                start = pos16
                emit(body)
                if body:
                    entities.append(
                        _clean(
                            {
                                "type": "pre",
                                "offset": start,
                                "length": pos16 - start,
                                "language": language,
                            }
                        )
                    )
                i = end + 3
                continue
            end = i + 1
            while end < n and text[end] != "`":
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                raise _ParseError(
                    f"Can't find end of Code entity at byte offset {_byte_offset(text, i)}"
                )
            body = re.sub(r"\\([\\`])", r"\1", text[i + 1 : end])
            start = pos16
            emit(body)
            if body:
                entities.append({"type": "code", "offset": start, "length": pos16 - start})
            i = end + 1
            continue
        marker = None
        if text.startswith("__", i):
            marker = "__"
        elif text.startswith("||", i):
            marker = "||"
        elif ch in "*_~":
            marker = ch
        if marker is not None:
            if stack and stack[-1][0] == marker:
                _m, start, _ci = stack.pop()
                if pos16 > start:
                    entities.append(
                        {"type": _MDV2_TYPES[marker], "offset": start, "length": pos16 - start}
                    )
            else:
                stack.append((marker, pos16, i))
            i += len(marker)
            continue
        if ch == "[":
            stack.append(("[", pos16, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _m, start, _ci = stack.pop()
            if not text.startswith("(", i + 1):
                raise _ParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, i)}"
                )
            end = i + 2
            while end < n and text[end] != ")":
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                raise _ParseError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
            url = re.sub(r"\\(.)", r"\1", text[i + 2 : end])
            if pos16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": pos16 - start, "url": url}
                )
            i = end + 1
            continue
        if ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # block quote marker (entity not tracked)
            continue
        if ch in _MDV2_RESERVED:
            raise _ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if stack:
        marker, _start, ci = stack[-1]
        raise _ParseError(
            f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset "
            f"{_byte_offset(text, ci)}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out: list[str] = []
    pos16 = 0
    entities: list[dict] = []
    i = 0
    n = len(text)
    types = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            pos16 += 1
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + 3 : end]
            out.append(body)
            if body:
                entities.append({"type": "pre", "offset": pos16, "length": _utf16_len(body)})
            pos16 += _utf16_len(body)
            i = end + 3
            continue
        if ch in types:
            end = text.find(ch, i + 1)
            if end < 0:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + 1 : end]
            out.append(body)
            if body:
                entities.append({"type": types[ch], "offset": pos16, "length": _utf16_len(body)})
            pos16 += _utf16_len(body)
            i = end + 1
            continue
        if ch == "[":
            m = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if not m:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = m.group(1)
            out.append(body)
            if body:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": pos16,
                        "length": _utf16_len(body),
                        "url": m.group(2),
                    }
                )
            pos16 += _utf16_len(body)
            i = m.end()
            continue
        out.append(ch)
        pos16 += _utf16_len(ch)
        i += 1
    return "".join(out), entities


def _strip(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims leading/trailing whitespace; shift/clip entities accordingly."""
    stripped_left = text.lstrip()
    lead = _utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip()
    total = _utf16_len(result)
    new: list[dict] = []
    for e in entities:
        start = max(0, e["offset"] - lead)
        end = min(total, e["offset"] + e["length"] - lead)
        if end > start:
            ne = dict(e)
            ne["offset"], ne["length"] = start, end - start
            new.append(ne)
    return result, new


def render_text(
    text: str, parse_mode: str | None, entities: list[dict] | None = None
) -> tuple[str, list[dict]]:
    """Parse ``text`` like Telegram does. Raises ApiError(400) on markup errors."""
    mode = (parse_mode or "").strip()
    try:
        if not mode:
            plain, ents = text, list(entities or [])
        elif mode.lower() == "html":
            plain, ents = _parse_html(text)
        elif mode.lower() == "markdownv2":
            plain, ents = _parse_markdown_v2(text)
        elif mode.lower() == "markdown":
            plain, ents = _parse_markdown(text)
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {mode}")
    except _ParseError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    return _strip(plain, ents)


# --------------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------------


class BotApiDouble:
    """Fake Telegram Bot API server. See module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "audit_test_bot",
        bot_id: int = 123456,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_user: dict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Audit Test Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.url: str = ""
        self.port: int | None = None
        # what the bot did
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict]] = []
        # failed calls: (method, params, status, description)
        self.errors: list[tuple[str, dict, int, str]] = []
        self.commands: dict[str, list[dict]] = {}  # default scope, by language_code
        self.scoped_commands: dict[tuple[str, str], list[dict]] = {}  # (scope key, lang)
        self.uploaded_files: dict[str, bytes] = {}
        self.webhook_url: str = ""
        self.webhook_secret: str = ""
        # unknown chat ids: when True sends answer 400 "chat not found"
        self.strict_chats = False
        # state
        self.users: dict[int, TgUser] = {}
        self.chats: dict[int, dict] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, dict] = {}  # id -> {"answered": bool, ...}
        self._cq_counter = itertools.count(4_000_000_000_000_000_001)
        self._media_group_counter = itertools.count(13_000_000_000_000_001)
        self._pending: list[dict] = []  # updates not yet confirmed
        self._next_update_id = 1
        self._last_injected_update_id = 0
        self._max_delivered_update_id = 0
        self._allowed_updates: list[str] | None = None
        self._user_cursor: dict[int, int] = {}
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._blocked: set[int] = set()
        self._poll_generation = 0
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._handler_map: dict[str, tuple[str, Callable]] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = False
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port or 0)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping = True
        self._notify()  # release held getUpdates / delays
        runner, self._runner = self._runner, None
        await asyncio.sleep(0)
        await runner.cleanup()

    async def __aenter__(self) -> BotApiDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url``."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.url}/file/bot"

    def _notify(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def _wait_change(self, timeout: float) -> None:
        if timeout <= 0:
            return
        ev = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ev.wait(), timeout)

    # ------------------------------------------------------------------ chats/messages

    def _chat_for(
        self, chat_id: int, user: TgUser | None = None, chat_type: str = "private"
    ) -> dict:
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_type == "private":
                chat = (
                    user.private_chat()
                    if user is not None and user.id == chat_id
                    else {
                        "id": chat_id,
                        "type": "private",
                        "first_name": f"User{chat_id}",
                    }
                )
            else:
                chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}
            self.chats[chat_id] = chat
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """Current state of a message (after edits); None if unknown or deleted."""
        m = self._messages.get((chat_id, message_id))
        return copy.deepcopy(m) if m is not None else None

    def messages_in(self, chat_id: int) -> list[dict]:
        """All live messages of a chat in id order."""
        return [
            copy.deepcopy(m) for (cid, _mid), m in sorted(self._messages.items()) if cid == chat_id
        ]

    def last_bot_message(self, chat_id: int) -> dict | None:
        best = None
        for (cid, mid), m in self._messages.items():
            if cid == chat_id and m.get("from", {}).get("id") == self.bot_id:
                if best is None or mid > best["message_id"]:
                    best = m
        return copy.deepcopy(best) if best is not None else None

    def _store_file(
        self, data: bytes, kind: str, ext: str, file_size: int | None = None
    ) -> _StoredFile:
        n = next(self._file_counter)
        prefix = {
            "photo": "AgACAgIAAxkBAAI",
            "document": "BQACAgIAAxkBAAI",
            "voice": "AwACAgIAAxkBAAI",
            "sticker": "CAACAgIAAxkBAAI",
        }.get(kind, "BAACAgIAAxkBAAI")
        file_id = f"{prefix}{n:06d}x{abs(hash((kind, n, time.time()))) % 10**12:012d}"
        unique = f"AQAD{n:06d}"
        path = f"{kind}s/file_{n}{ext}"
        rec = _StoredFile(
            file_id, unique, data, len(data) if file_size is None else file_size, path
        )
        self._files[file_id] = rec
        self._files_by_path[path] = rec
        return rec

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes of any known file (uploaded by bot or sent by a user)."""
        return self._files[file_id].data

    # ------------------------------------------------------------------ injecting updates

    def inject_update(self, update: dict) -> int:
        update = dict(update)
        uid = self._next_update_id
        self._next_update_id += 1
        update["update_id"] = uid
        self._pending.append(update)
        self._last_injected_update_id = uid
        self._notify()
        return uid

    def _inject_from(self, user: TgUser, update: dict) -> int:
        self.users[user.id] = user
        self._user_cursor[user.id] = len(self.sent)
        return self.inject_update(update)

    def _user_message(
        self,
        user: TgUser,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        **content: Any,
    ) -> dict:
        self.users[user.id] = user
        if chat_id is None:
            chat_id = user.id
        if chat_id != user.id and chat_type == "private":
            chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        if chat_id == user.id:  # (re)describe the private chat with the user's data
            self.chats[chat_id] = user.private_chat()
        chat = self._chat_for(chat_id, user, chat_type)
        msg = {
            "message_id": self._new_message_id(chat_id),
            "from": user.to_dict(),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            target = self._messages.get((chat_id, reply_to))
            if target is not None:
                msg["reply_to_message"] = _without_reply(target)
        msg.update(_clean(content))
        self._messages[(chat_id, msg["message_id"])] = msg
        return msg

    def send_message(
        self,
        user: TgUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
    ) -> dict:
        msg = self._user_message(
            user,
            chat_id=chat_id,
            chat_type=chat_type,
            reply_to=reply_to,
            text=text,
            entities=_command_entities(text),
        )
        self._inject_from(user, {"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def send_command(self, user: TgUser, command: str, args: str = "", **kw: Any) -> dict:
        text = "/" + command.lstrip("/")
        if args:
            text += " " + args
        return self.send_message(user, text, **kw)

    def press_button(
        self,
        user: TgUser,
        callback_data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        check: bool = True,
    ) -> str:
        """Simulate pressing an inline button. ``check`` asserts the message has such a button."""
        self.users[user.id] = user
        if chat_id is None:
            chat_id = user.id
        if message_id is not None:
            msg = self._messages.get((chat_id, message_id))
        else:
            msg = self.last_bot_message(chat_id)
            if msg is not None:
                msg = self._messages[(chat_id, msg["message_id"])]
        if check:
            if msg is None:
                raise AssertionError(
                    f"press_button: no bot message {message_id or '(last)'} in chat {chat_id}"
                )
            datas = [
                b.get("callback_data")
                for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            ]
            if callback_data not in datas:
                raise AssertionError(
                    f"press_button: message {msg['message_id']} in chat {chat_id} has no button "
                    f"with callback_data {callback_data!r}; it has {datas!r}"
                )
        qid = str(next(self._cq_counter))
        query: dict[str, Any] = {
            "id": qid,
            "from": user.to_dict(),
            "chat_instance": str(-abs(hash(("chat", chat_id))) % 10**18),
            "data": callback_data,
        }
        if msg is not None:
            query["message"] = copy.deepcopy(msg)
        self._callback_queries[qid] = {
            "answered": False,
            "chat_id": chat_id,
            "message_id": msg["message_id"] if msg else None,
            "user_id": user.id,
        }
        self._inject_from(user, {"callback_query": query})
        return qid

    def _photo_sizes(self, image: bytes, file_size: int | None) -> list[dict]:
        sizes: list[tuple[bytes, int, int]] = []
        try:
            from PIL import Image

            with Image.open(io.BytesIO(image)) as im:
                w, h = im.size
                for limit in (90, 320):
                    if max(w, h) > limit:
                        thumb = im.convert("RGB")
                        thumb.thumbnail((limit, limit))
                        buf = io.BytesIO()
                        thumb.save(buf, "JPEG", quality=70)
                        sizes.append((buf.getvalue(), thumb.size[0], thumb.size[1]))
                    else:
                        sizes.append((image, w, h))
                sizes.append((image, w, h))
        except Exception:
            sizes = [(image, 90, 90), (image, 320, 320), (image, 800, 800)]
        result = []
        for k, (data, w, h) in enumerate(sizes):
            last = k == len(sizes) - 1
            rec = self._store_file(data, "photo", ".jpg", file_size if last else None)
            result.append(
                {
                    "file_id": rec.file_id,
                    "file_unique_id": rec.file_unique_id,
                    "file_size": rec.file_size,
                    "width": w,
                    "height": h,
                }
            )
        return result

    def send_photo(
        self,
        user: TgUser,
        image: bytes,
        *,
        caption: str | None = None,
        file_size: int | None = None,
        chat_id: int | None = None,
    ) -> dict:
        msg = self._user_message(
            user, chat_id=chat_id, photo=self._photo_sizes(image, file_size), caption=caption
        )
        self._inject_from(user, {"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def send_document(
        self,
        user: TgUser,
        data: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        *,
        caption: str | None = None,
        file_size: int | None = None,
        chat_id: int | None = None,
    ) -> dict:
        ext = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        rec = self._store_file(data, "document", ext, file_size)
        doc = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": rec.file_size,
        }
        msg = self._user_message(user, chat_id=chat_id, document=doc, caption=caption)
        self._inject_from(user, {"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def send_voice(
        self, user: TgUser, data: bytes, duration: int = 3, *, file_size: int | None = None
    ) -> dict:
        rec = self._store_file(data, "voice", ".oga", file_size)
        voice = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": rec.file_size,
        }
        msg = self._user_message(user, voice=voice)
        self._inject_from(user, {"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def send_sticker(self, user: TgUser, emoji: str = "👍") -> dict:
        data = b"RIFF\x00\x00\x00\x00WEBPVP8 "
        try:
            from PIL import Image

            buf = io.BytesIO()
            Image.new("RGBA", (8, 8), (255, 0, 0, 255)).save(buf, "WEBP")
            data = buf.getvalue()
        except Exception:
            pass
        rec = self._store_file(data, "sticker", ".webp")
        sticker = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": rec.file_size,
        }
        msg = self._user_message(user, sticker=sticker)
        self._inject_from(user, {"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def edit_message(
        self, user: TgUser, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> dict:
        if chat_id is None:
            chat_id = user.id
        msg = self._messages.get((chat_id, message_id))
        if msg is None:
            raise AssertionError(f"edit_message: no message {message_id} in chat {chat_id}")
        if msg.get("from", {}).get("id") != user.id:
            raise AssertionError(f"edit_message: message {message_id} was not sent by {user.id}")
        msg["text"] = new_text
        ents = _command_entities(new_text)
        if ents:
            msg["entities"] = ents
        else:
            msg.pop("entities", None)
        msg["edit_date"] = int(time.time())
        self._inject_from(user, {"edited_message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    # ------------------------------------------------------------------ reading

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def mark(self) -> int:
        return len(self.sent)

    def calls_of(self, method: str) -> list[dict]:
        return [p for m, p in self.calls if m == method]

    def dump(self, last: int = 15) -> str:
        items = self.sent[-last:]
        if not items:
            return "  (nothing sent)"
        return "\n".join("  " + s.short() for s in items)

    async def wait_for(
        self, predicate: Callable[[Sent], bool], timeout: float = 5.0, *, after: int = 0
    ) -> Sent:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idx = max(0, after)
        while True:
            while idx < len(self.sent):
                s = self.sent[idx]
                idx += 1
                if predicate(s):
                    return s
            remaining = deadline - loop.time()
            if remaining <= 0:
                errors = "".join(f"\n  {m} -> {st} {d}" for m, _p, st, d in self.errors[-5:])
                raise AssertionError(
                    f"wait_for: nothing matched within {timeout}s (after index {after}).\n"
                    f"Recent sent items:\n{self.dump()}"
                    + (f"\nRecent API errors:{errors}" if errors else "")
                )
            await self._wait_change(remaining)

    async def reply_to(
        self, user: TgUser | int, timeout: float = 5.0, *, after: int | None = None
    ) -> Sent:
        """Next message sent/edited in the user's private chat.

        ``after`` defaults to a per-user cursor: len(sent) when the user's last update was
        injected, advanced past each reply returned, so consecutive calls return
        consecutive replies. An older message losing its buttons is no reply.
        """
        uid = user if isinstance(user, int) else user.id
        start = self._user_cursor.get(uid, 0) if after is None else after
        try:
            s = await self.wait_for(
                lambda s: s.chat_id == uid and s.method in MESSAGE_METHODS and not _buttons_taken_off(s),
                timeout,
                after=start,
            )
        except AssertionError as exc:
            raise AssertionError(f"reply_to({uid}): no reply. {exc}") from None
        self._user_cursor[uid] = s.index + 1
        return s

    async def wait_idle(self, quiet: float = 0.2, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            pending = [
                u["update_id"]
                for u in self._pending
                if u["update_id"] > self._max_delivered_update_id
            ]
            idle_for = time.monotonic() - self._last_activity
            if not pending and self._inflight == 0 and idle_for >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"wait_idle: not idle after {timeout}s (undelivered updates {pending}, "
                    f"in-flight calls {self._inflight}, idle for {idle_for:.2f}s).\n"
                    f"Recent sent items:\n{self.dump()}"
                )
            step = remaining if pending or self._inflight else min(remaining, quiet - idle_for)
            await self._wait_change(max(step, 0.001))

    # ------------------------------------------------------------------ faults

    def fail(
        self,
        method: str | None,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "Internal Server Error",
    ) -> None:
        if status == 429 and description == "Internal Server Error":
            description = f"Too Many Requests: retry after {retry_after or 1}"
            if retry_after is None:
                retry_after = 1
        self._faults.append(_Fault(method, status, times, retry_after, description))

    def delay(self, method: str | None, seconds: float, *, times: int = 1) -> None:
        self._delays.append(_Delay(method, seconds, times))

    def block_user(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()
        self._blocked.clear()

    @staticmethod
    def _matches(rule_method: str | None, method: str) -> bool:
        if rule_method is None:
            return method != "getUpdates"
        return rule_method.lower() == method.lower()

    # ------------------------------------------------------------------ HTTP handling

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return _error_response(404, "Not Found")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        rec = self._files_by_path.get(request.match_info["path"])
        if rec is None:
            return _error_response(404, "Not Found: file not found")
        ctype = mimetypes.guess_type(rec.file_path)[0] or "application/octet-stream"
        return web.Response(body=rec.data, content_type=ctype)

    async def _decode_params(self, request: web.Request) -> dict:
        params: dict[str, Any] = {}
        for k, v in request.query.items():
            params[k] = v
        ctype = request.content_type
        if request.method == "POST" and request.can_read_body:
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
                return params
            post = await request.post()
            for k, v in post.items():
                if isinstance(v, web.FileField):
                    params[k] = Upload(v.filename, v.content_type, v.file.read())
                else:
                    params[k] = v
        for k, v in list(params.items()):
            if isinstance(v, str):
                params[k] = _decode_value(k, v)
        return params

    async def _handle_api(self, request: web.Request) -> web.Response:
        method_raw = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        if self._handler_map is None:
            self._handler_map = self._handlers()
        handler = self._handler_map.get(method_raw.lower())
        method = handler[0] if handler else method_raw
        is_poll = method == "getUpdates"
        if not is_poll:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            try:
                params = await self._decode_params(request)
            except Exception as exc:
                return _error_response(400, f"Bad Request: can't parse request: {exc}")
            self.calls.append((method, params))
            if not is_poll:
                self._notify()
            try:
                result = await self._dispatch(method, handler, params)
            except ApiError as exc:
                self.errors.append((method, params, exc.status, exc.description))
                return _error_response(exc.status, exc.description, exc.parameters)
            return web.json_response({"ok": True, "result": result})
        finally:
            if not is_poll:
                self._inflight -= 1
                self._last_activity = time.monotonic()
                self._notify()

    async def _dispatch(self, method: str, handler: tuple | None, params: dict) -> Any:
        for d in self._delays:
            if d.remaining > 0 and self._matches(d.method, method):
                d.remaining -= 1
                await self._sleep(d.seconds)
                break
        for f in self._faults:
            if f.remaining > 0 and self._matches(f.method, method):
                f.remaining -= 1
                parameters = {"retry_after": f.retry_after} if f.retry_after is not None else None
                raise ApiError(f.status, f.description, parameters)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self._blocked and method != "getChat":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return await handler[1](params)

    async def _sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self._wait_change(remaining)

    def _handlers(self) -> dict[str, tuple[str, Callable]]:
        names = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": lambda p: self._send_media("sendPhoto", "photo", p),
            "sendDocument": lambda p: self._send_media("sendDocument", "document", p),
            "sendVoice": lambda p: self._send_media("sendVoice", "voice", p),
            "sendAudio": lambda p: self._send_media("sendAudio", "audio", p),
            "sendVideo": lambda p: self._send_media("sendVideo", "video", p),
            "sendAnimation": lambda p: self._send_media("sendAnimation", "animation", p),
            "sendSticker": lambda p: self._send_media("sendSticker", "sticker", p),
            "sendMediaGroup": self._send_media_group,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "close": self._true,
            "logOut": self._true,
        }
        for name in _ACCEPT_TRUE:
            names[name] = self._true
        return {k.lower(): (k, v) for k, v in names.items()}

    # ------------------------------------------------------------------ method implementations

    async def _true(self, params: dict) -> bool:
        return True

    async def _get_me(self, params: dict) -> dict:
        return dict(self.bot_user)

    async def _delete_webhook(self, params: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            if self._pending:
                self._max_delivered_update_id = max(
                    self._max_delivered_update_id, self._pending[-1]["update_id"]
                )
            self._pending.clear()
        return True

    async def _set_webhook(self, params: dict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        self.webhook_secret = str(params.get("secret_token") or "")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: dict) -> dict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def deliver_webhook(self, post: Callable[[dict, dict], Awaitable[int]]) -> list[int]:
        """Deliver what is pending as Telegram does in webhook mode: one update at a time, in
        order, with the secret token header; an update answered 200 is confirmed, any other
        answer stops the delivery (Telegram tries that update again later). ``post(update,
        headers)`` makes the request and returns the status. Returns the statuses seen.
        """
        statuses = []
        while self._available(1):
            update = copy.deepcopy(self._pending[0])
            status = await post(update, {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret})
            statuses.append(status)
            if status != 200:
                break
            self._confirm(update["update_id"] + 1)
            self._max_delivered_update_id = max(self._max_delivered_update_id, update["update_id"])
            self._last_activity = time.monotonic()
            self._notify()
        return statuses

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _available(self, limit: int) -> list[dict]:
        allowed = self._allowed_updates
        if allowed:
            keep = []
            for u in self._pending:
                kinds = [k for k in u if k != "update_id"]
                if any(k in allowed for k in kinds):
                    keep.append(u)
            self._pending = keep
        return self._pending[:limit]

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        limit = max(1, min(100, limit))
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = allowed or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # tell an older held request it has been superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            updates = self._available(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self._stopping:
                break
            await self._wait_change(remaining)
        if updates:
            self._max_delivered_update_id = max(
                self._max_delivered_update_id, updates[-1]["update_id"]
            )
            self._last_activity = time.monotonic()
            self._notify()
        return copy.deepcopy(updates)

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return "default"
        if isinstance(scope, str):
            try:
                scope = json.loads(scope)
            except ValueError:
                return scope
        key = str(scope.get("type", "default"))
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key

    async def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for c in commands:
            if not isinstance(c, dict) or not _COMMAND_RE.match(str(c.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            desc = str(c.get("description", ""))
            if not 1 <= len(desc) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        lang = str(params.get("language_code") or "")
        key = self._scope_key(params.get("scope"))
        cmds = [{"command": c["command"], "description": c["description"]} for c in commands]
        self.scoped_commands[(key, lang)] = cmds
        if key == "default":
            self.commands[lang] = cmds
        return True

    async def _get_my_commands(self, params: dict) -> list[dict]:
        lang = str(params.get("language_code") or "")
        key = self._scope_key(params.get("scope"))
        return copy.deepcopy(self.scoped_commands.get((key, lang), []))

    async def _delete_my_commands(self, params: dict) -> bool:
        lang = str(params.get("language_code") or "")
        key = self._scope_key(params.get("scope"))
        self.scoped_commands.pop((key, lang), None)
        if key == "default":
            self.commands.pop(lang, None)
        return True

    # --- helpers for sending

    def _target_chat(self, params: dict) -> dict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str):
            for chat in self.chats.values():
                if chat.get("username") and "@" + chat["username"] == chat_id:
                    return chat
            raise ApiError(400, "Bad Request: chat not found")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id not in self.chats:
            if self.strict_chats:
                raise ApiError(400, "Bad Request: chat not found")
            if chat_id > 0:
                user = self.users.get(chat_id)
                return self._chat_for(chat_id, user, "private")
            return self._chat_for(
                chat_id, None, "supergroup" if str(chat_id).startswith("-100") else "group"
            )
        return self.chats[chat_id]

    def _check_markup(self, markup: Any) -> dict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or any(not isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: field "
                    '"inline_keyboard" must be an Array of Arrays',
                )
            for row in rows:
                for b in row:
                    if not isinstance(b, dict) or not b.get("text"):
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard",
                        )
                    actions = [
                        k
                        for k in (
                            "callback_data",
                            "url",
                            "switch_inline_query",
                            "switch_inline_query_current_chat",
                            "web_app",
                            "login_url",
                            "pay",
                            "callback_game",
                            "copy_text",
                            "switch_inline_query_chosen_chat",
                        )
                        if k in b
                    ]
                    if not actions:
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard",
                        )
                    if "callback_data" in b:
                        data = b["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    if "url" in b:
                        url = str(b["url"])
                        if not re.match(r"^(https?|tg)://\S+$", url):
                            raise ApiError(
                                400,
                                "Bad Request: inline keyboard button URL "
                                f"'{url}' is invalid: Wrong HTTP URL",
                            )
        return markup

    def _reply_target(self, params: dict, chat_id: int) -> dict | None:
        rp = params.get("reply_parameters")
        mid = None
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(rp, dict):
            mid = rp.get("message_id")
            chat_id = rp.get("chat_id", chat_id) if isinstance(rp.get("chat_id"), int) else chat_id
            allow = allow or bool(rp.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id"):
            mid = params.get("reply_to_message_id")
        if mid is None:
            return None
        target = self._messages.get((chat_id, int(mid)))
        if target is None and not allow:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(target) if target is not None else None

    def _new_bot_message(self, chat: dict, params: dict, **content: Any) -> dict:
        chat_id = chat["id"]
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        reply = self._reply_target(params, chat_id)
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update({k: v for k, v in content.items() if v not in (None, [], "")})
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = copy.deepcopy(markup)
        self._messages[(chat_id, msg["message_id"])] = msg
        return msg

    def _record(self, **kw: Any) -> Sent:
        s = Sent(**kw)
        s.index = len(self.sent)
        self.sent.append(s)
        self._notify()
        return s

    def _render_caption(self, params: dict) -> tuple[str | None, list[dict]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, []
        plain, ents = render_text(
            str(caption), params.get("parse_mode"), params.get("caption_entities")
        )
        if len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return plain, ents

    # --- sendMessage & edits

    async def _send_message(self, params: dict) -> dict:
        chat = self._target_chat(params)
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, ents = render_text(str(text), params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(chat, params, text=plain, entities=ents)
        self._record(
            method="sendMessage",
            chat_id=chat["id"],
            message_id=msg["message_id"],
            text=str(text),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=params,
            plain_text=plain,
        )
        return copy.deepcopy(msg)

    def _edit_target(self, params: dict) -> dict | None:
        """The stored message addressed by chat_id/message_id; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = params.get("chat_id")
        message_id = params.get("message_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if isinstance(chat_id, int) and chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        msg = self._messages.get((chat_id, int(message_id)))
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    @staticmethod
    def _not_modified() -> ApiError:
        return ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )

    def _apply_markup(self, msg: dict, markup: dict | None) -> None:
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = copy.deepcopy(markup)
        else:
            msg.pop("reply_markup", None)

    async def _edit_message_text(self, params: dict) -> dict | bool:
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        msg = self._edit_target(params)
        plain, ents = render_text(str(text), params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        if msg is None:
            self._record(
                method="editMessageText",
                chat_id=None,
                message_id=None,
                text=str(text),
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
                params=params,
                plain_text=plain,
            )
            return True
        if "text" not in msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if (
            msg.get("text") == plain
            and msg.get("entities", []) == ents
            and msg.get("reply_markup") == new_markup
        ):
            raise self._not_modified()
        msg["text"] = plain
        if ents:
            msg["entities"] = ents
        else:
            msg.pop("entities", None)
        self._apply_markup(msg, new_markup)
        msg["edit_date"] = int(time.time())
        self._record(
            method="editMessageText",
            chat_id=msg["chat"]["id"],
            message_id=msg["message_id"],
            text=str(text),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=params,
            plain_text=plain,
        )
        return copy.deepcopy(msg)

    async def _edit_message_caption(self, params: dict) -> dict | bool:
        msg = self._edit_target(params)
        plain, ents = self._render_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        if msg is None:
            self._record(
                method="editMessageCaption",
                chat_id=None,
                message_id=None,
                text=params.get("caption"),
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
                params=params,
                plain_text=plain,
            )
            return True
        if "text" in msg:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if (
            msg.get("caption") == plain
            and msg.get("caption_entities", []) == ents
            and msg.get("reply_markup") == new_markup
        ):
            raise self._not_modified()
        for key, value in (("caption", plain), ("caption_entities", ents)):
            if value:
                msg[key] = value
            else:
                msg.pop(key, None)
        self._apply_markup(msg, new_markup)
        msg["edit_date"] = int(time.time())
        self._record(
            method="editMessageCaption",
            chat_id=msg["chat"]["id"],
            message_id=msg["message_id"],
            text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=params,
            plain_text=plain,
        )
        return copy.deepcopy(msg)

    async def _edit_message_reply_markup(self, params: dict) -> dict | bool:
        msg = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if msg is None:
            self._record(
                method="editMessageReplyMarkup",
                chat_id=None,
                message_id=None,
                text=None,
                parse_mode=None,
                reply_markup=markup,
                params=params,
            )
            return True
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if msg.get("reply_markup") == new_markup:
            raise self._not_modified()
        self._apply_markup(msg, new_markup)
        msg["edit_date"] = int(time.time())
        current = msg.get("text", msg.get("caption"))
        self._record(
            method="editMessageReplyMarkup",
            chat_id=msg["chat"]["id"],
            message_id=msg["message_id"],
            text=current,
            parse_mode=None,
            reply_markup=markup,
            params=params,
            plain_text=current,
        )
        return copy.deepcopy(msg)

    async def _delete_message(self, params: dict) -> bool:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        msg = (
            self._messages.pop((chat_id, int(message_id)), None)
            if isinstance(chat_id, int)
            else None
        )
        if msg is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._record_deleted(chat_id, int(message_id), msg, params)
        return True

    async def _delete_messages(self, params: dict) -> bool:
        chat_id = params.get("chat_id")
        ids = params.get("message_ids") or []
        for mid in ids:
            msg = self._messages.pop((chat_id, int(mid)), None)
            if msg is not None:
                self._record_deleted(chat_id, int(mid), msg, params)
        return True

    def _record_deleted(self, chat_id: Any, message_id: int, msg: dict, params: dict) -> None:
        self._record(
            method="deleteMessage",
            chat_id=chat_id,
            message_id=message_id,
            text=msg.get("text", msg.get("caption")),
            parse_mode=None,
            reply_markup=None,
            params=params,
        )

    async def _answer_callback_query(self, params: dict) -> bool:
        qid = str(params.get("callback_query_id") or "")
        query = self._callback_queries.get(qid)
        if query is None or query["answered"]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query["answered"] = True
        self._record(
            method="answerCallbackQuery",
            chat_id=query["chat_id"],
            message_id=query["message_id"],
            text=text,
            parse_mode=None,
            reply_markup=None,
            params=params,
            plain_text=text,
        )
        return True

    def callback_answered(self, query_id: str) -> bool:
        q = self._callback_queries.get(query_id)
        return bool(q and q["answered"])

    # --- media

    def _resolve_input_file(
        self, value: Any, params: dict, what: str
    ) -> tuple[bytes, str | None, str | None, _StoredFile | None]:
        """-> (data, filename, content_type, existing stored file or None)"""
        if isinstance(value, Upload):
            return value.data, value.filename, value.content_type, None
        if isinstance(value, str) and value.startswith("attach://"):
            up = params.get(value[len("attach://") :])
            if not isinstance(up, Upload):
                raise ApiError(400, f"Bad Request: file {value} not found in the request")
            return up.data, up.filename, up.content_type, None
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            rec = self._files.get(value)
            if rec is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return rec.data, rec.file_path.rsplit("/", 1)[-1], None, rec
        raise ApiError(400, f"Bad Request: there is no {what} in the request")

    def _build_media(
        self, kind: str, value: Any, params: dict, extra: dict
    ) -> tuple[Any, bytes, str | None, str]:
        """-> (message field value, bytes, file name, main file_id)"""
        data, filename, ctype, existing = self._resolve_input_file(value, params, kind)
        if existing is None:
            if not data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if len(data) > MAX_UPLOAD_SIZE:
                raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            if existing is None:
                try:
                    from PIL import Image

                    with Image.open(io.BytesIO(data)) as im:
                        im.verify()
                        w, h = im.size
                except Exception:
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
                if w + h > 10000 or max(w, h) > 20 * max(1, min(w, h)):
                    raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            sizes = self._photo_sizes(data, None)
            main = sizes[-1]["file_id"]
            self.uploaded_files[main] = data
            return sizes, data, filename, main
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        rec = existing or self._store_file(data, kind, ext or {"voice": ".oga"}.get(kind, ""))
        if existing is None:
            self.uploaded_files[rec.file_id] = data
        obj: dict[str, Any] = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.file_size,
        }
        mime = (
            ctype
            if ctype and ctype != "application/octet-stream"
            else (mimetypes.guess_type(filename or "")[0] or ctype or "application/octet-stream")
        )
        if kind == "document":
            obj.update(file_name=filename or "document", mime_type=mime)
        elif kind in ("voice", "audio"):
            obj.update(duration=int(extra.get("duration") or 1), mime_type=mime)
        elif kind in ("video", "animation"):
            obj.update(
                width=int(extra.get("width") or 640),
                height=int(extra.get("height") or 360),
                duration=int(extra.get("duration") or 1),
                mime_type=mime,
            )
            if kind == "animation":
                obj["file_name"] = filename or "animation.mp4"
        elif kind == "sticker":
            obj.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
        return obj, data, filename, rec.file_id

    async def _send_media(self, method: str, kind: str, params: dict) -> dict:
        chat = self._target_chat(params)
        obj, data, filename, main_id = self._build_media(kind, params.get(kind), params, params)
        caption, cap_ents = self._render_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(
            chat, params, **{kind: obj}, caption=caption, caption_entities=cap_ents
        )
        self._record(
            method=method,
            chat_id=chat["id"],
            message_id=msg["message_id"],
            text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=params,
            file_bytes=data,
            file_name=filename,
            file_id=main_id,
            plain_text=caption,
        )
        return copy.deepcopy(msg)

    async def _send_media_group(self, params: dict) -> list[dict]:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = str(next(self._media_group_counter))
        built = []
        for item in media:
            kind = item.get("type")
            if kind not in ("photo", "document", "video", "audio"):
                raise ApiError(400, "Bad Request: unsupported media type in the album")
            obj, data, filename, main_id = self._build_media(kind, item.get("media"), params, item)
            caption, ents = self._render_caption(item)
            built.append((item, kind, obj, data, filename, main_id, caption, ents))
        result = []
        for item, kind, obj, data, filename, main_id, caption, ents in built:
            msg = self._new_bot_message(
                chat,
                params,
                **{kind: obj},
                caption=caption,
                caption_entities=ents,
                media_group_id=group_id,
            )
            self._record(
                method="sendMediaGroup",
                chat_id=chat["id"],
                message_id=msg["message_id"],
                text=item.get("caption"),
                parse_mode=item.get("parse_mode"),
                reply_markup=None,
                params=params,
                file_bytes=data,
                file_name=filename,
                file_id=main_id,
                plain_text=caption,
            )
            result.append(copy.deepcopy(msg))
        return result

    def _source_message(self, params: dict) -> dict:
        from_chat = params.get("from_chat_id")
        mid = params.get("message_id")
        msg = self._messages.get((from_chat, int(mid))) if mid is not None else None
        if msg is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        return msg

    async def _copy_message(self, params: dict) -> dict:
        chat = self._target_chat(params)
        src = self._source_message(params)
        content = {
            k: copy.deepcopy(v)
            for k, v in src.items()
            if k
            in (
                "text",
                "entities",
                "photo",
                "document",
                "voice",
                "sticker",
                "audio",
                "video",
                "animation",
                "caption",
                "caption_entities",
            )
        }
        if params.get("caption") is not None:
            content["caption"], content["caption_entities"] = self._render_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(chat, params, **content)
        self._record(
            method="copyMessage",
            chat_id=chat["id"],
            message_id=msg["message_id"],
            text=content.get("text", content.get("caption")),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=params,
            plain_text=content.get("text", content.get("caption")),
        )
        return {"message_id": msg["message_id"]}

    async def _forward_message(self, params: dict) -> dict:
        chat = self._target_chat(params)
        src = self._source_message(params)
        content = {
            k: copy.deepcopy(v)
            for k, v in src.items()
            if k
            not in (
                "message_id",
                "from",
                "chat",
                "date",
                "reply_to_message",
                "edit_date",
                "reply_markup",
            )
        }
        sender = src.get("from") or {}
        content["forward_origin"] = {"type": "user", "date": src["date"], "sender_user": sender}
        msg = self._new_bot_message(chat, {}, **content)
        self._record(
            method="forwardMessage",
            chat_id=chat["id"],
            message_id=msg["message_id"],
            text=content.get("text", content.get("caption")),
            parse_mode=None,
            reply_markup=None,
            params=params,
            plain_text=content.get("text", content.get("caption")),
        )
        return copy.deepcopy(msg)

    async def _send_chat_action(self, params: dict) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _get_file(self, params: dict) -> dict:
        file_id = params.get("file_id")
        if not file_id:
            raise ApiError(400, "Bad Request: file_id not specified")
        rec = self._files.get(str(file_id))
        if rec is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if rec.file_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.file_size,
            "file_path": rec.file_path,
        }

    async def _get_chat(self, params: dict) -> dict:
        chat = copy.deepcopy(self._target_chat(params))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _decode_value(key: str, value: str) -> Any:
    if key in _TEXT_PARAMS:
        return value
    if key in ("chat_id", "from_chat_id"):
        try:
            return int(value)
        except ValueError:
            return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _command_entities(text: str) -> list[dict] | None:
    m = re.match(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if not m:
        return None
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(m.group(0))}]


def _without_reply(msg: dict) -> dict:
    m = copy.deepcopy(msg)
    m.pop("reply_to_message", None)
    return m


def _error_response(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
