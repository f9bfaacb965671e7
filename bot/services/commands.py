"""Each person's own command menu: the commands of their roles (setMyCommands with their
chat's scope, in their language). A change of roles or language queues a ``commands`` row in
the outbox in the same transaction; the outbox sender sets the menu from the command table
(bot/app.py). No Telegram here."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.domain.vocabulary import NoticeKind
from storage.repos import outbox

# The commands a person holding these roles has, in menu order (the command table's rule).
MenuOf = Callable[[Iterable[str]], list[str]]


async def queue_menus_at_start(conn: Any, people_roles: Iterable[Any], at: datetime, menu_of: MenuOf) -> int:
    """Every active person's menu, once per (language, commands) they have not had queued
    at a start before (menus set before per-person menus existed, or changed since: a
    command added to a role reaches the people of that role at the next start)."""
    held: dict[int, tuple[str, set[str]]] = {}
    for row in people_roles:
        held.setdefault(row["id"], (row["lang"], set()))[1].add(row["role"])
    queued = 0
    for person_id, (lang, roles) in held.items():
        digest = hashlib.sha1(",".join(menu_of(roles)).encode()).hexdigest()[:12]
        queued += await outbox.enqueue(conn, dedupe_key=f"commands:start:{person_id}:{lang}:{digest}",
                                       chat_id=person_id, kind=NoticeKind.commands, payload={}, not_before=at,
                                       at=at)
    return queued


async def queue_menu(conn: Any, person_id: int, at: datetime) -> None:
    """Set the person's menu from their roles and language as they are when it is sent."""
    # one row per change (a change is made once: its transaction claims the update)
    await outbox.enqueue(conn, dedupe_key=f"commands:{person_id}:{uuid.uuid4().hex}",
                         chat_id=person_id, kind=NoticeKind.commands, payload={}, not_before=at, at=at)
