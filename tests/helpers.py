"""Small helpers the tests share: reading what the bot sent, the text of its documents, workbooks as
bytes, a data directory for the command line. (Talking to the bot: ``tests.harness.BotHarness``.)"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import openpyxl
from docx.oxml.ns import qn

from devtools.botapi_double import Sent
from storage.db import Database
from storage.sql import fetch_all

if TYPE_CHECKING:
    from tests.harness import BotHarness

T = TypeVar("T")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- what the bot sent ----------------------------------------------------------------------

def button_labels(sent: Sent) -> list[str]:
    """The labels of a message's buttons, row after row."""
    return [label for row in sent.buttons for label, _ in row]


def messages_to(bot: BotHarness, chat_id: int, *markers: str) -> list[Sent]:
    """The messages (sendMessage) to ``chat_id`` whose text holds any of ``markers``."""
    return [s for s in bot.double.sent_to(chat_id)
            if s.method == "sendMessage" and any(m in (s.plain_text or "") for m in markers)]


def last_to(bot: BotHarness, chat_id: int, marker: str) -> Sent:
    """The last thing sent to ``chat_id`` (of any kind, edits too) whose text holds ``marker``."""
    return next(s for s in reversed(bot.double.sent_to(chat_id)) if marker in (s.plain_text or s.text or ""))


def invite_code(sent: Sent) -> str:
    """The code of the invite link (``…?start=CODE``) in a message."""
    return sent.text.split("start=")[1].split()[0]


async def outbox(bot: BotHarness, kind: str | None = None) -> list[dict]:
    """The outbox's rows in order (of one ``kind``, if given)."""
    sql = "SELECT * FROM outbox" + (" WHERE kind = :k" if kind is not None else "") + " ORDER BY id"
    async with bot.db.read() as conn:
        return [dict(r) for r in await fetch_all(conn, sql, {"k": kind} if kind is not None else None)]


# --- documents and workbooks ----------------------------------------------------------------

def document_text(document, *, footers: bool = False) -> str:
    """A Word document's body paragraphs, every table cell and the headers (footers too if asked),
    one per line."""
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        if footers:
            parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def headings(document, level: int = 1) -> list[str]:
    """The texts of a Word document's headings of ``level``."""
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def body_text(document) -> str:
    """Every w:t of the body, in order (tables and nested tables included), one per line."""
    return "\n".join(t.text or "" for t in document.element.body.iter(qn("w:t")))


def workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    """A workbook saved, as the bytes of its .xlsx file."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the command line -----------------------------------------------------------------------

def cli_data_dir(tmp_path: Path, monkeypatch, fill: Callable[[Database, Path], Awaitable[T]]) -> tuple[Path, T]:
    """A data directory for ``auditbot`` commands (AUDITBOT_DATA_DIR set, run from beside it) whose
    SQLite database ``fill(database, data_dir)`` has filled; returns it and what ``fill`` returned."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("AUDITBOT_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)

    async def seed() -> T:
        async with Database(data_dir / "auditbot.sqlite3") as database:
            return await fill(database, data_dir)

    return data_dir, asyncio.run(seed())
