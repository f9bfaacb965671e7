"""Each person's command menu: the commands of their roles (setMyCommands with their chat's
scope, in their language). A change of roles or language queues a ``commands`` row in the
outbox in the same transaction; the outbox sender sets the menu. No Telegram here."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.domain.vocabulary import Role
from storage.repos import outbox

_AUDITORS = frozenset({Role.auditor, Role.lead})
_LEADS = frozenset({Role.lead})
# (command, the roles that see it; None: everyone with a role), in the menu's order.
MENU: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("start", None),
    ("audit", _AUDITORS),
    ("resume", _AUDITORS),
    ("capa", None),
    ("report", _AUDITORS),
    ("status", _LEADS),
    ("overdue", _LEADS),
    ("export", _LEADS),
    ("checklists", _LEADS),
    ("invite", _LEADS),
    ("departments", _LEADS),
    ("users", _LEADS),
    ("lang", None),
    ("help", None),
    ("cancel", None),
)


def commands_for(roles: Iterable[str]) -> list[str]:
    """The commands a person holding ``roles`` sees (none without a role)."""
    held = set(roles)
    if not held:
        return []
    return [name for name, who in MENU if who is None or held & who]


async def queue_menus_at_start(conn: Any, people_roles: Iterable[Any], at: datetime) -> int:
    """Every active person's menu, once per (language, commands) they have not had queued
    at a start before (menus set before per-person menus existed, or changed since)."""
    held: dict[int, tuple[str, set[str]]] = {}
    for row in people_roles:
        held.setdefault(row["id"], (row["lang"], set()))[1].add(row["role"])
    queued = 0
    for person_id, (lang, roles) in held.items():
        digest = hashlib.sha1(",".join(commands_for(roles)).encode()).hexdigest()[:12]
        queued += await outbox.enqueue(conn, dedupe_key=f"commands:start:{person_id}:{lang}:{digest}",
                                       chat_id=person_id, kind="commands", payload={}, not_before=at, at=at)
    return queued


async def queue_menu(conn: Any, person_id: int, at: datetime) -> None:
    """Set the person's menu from their roles and language as they are when it is sent."""
    # one row per change (a change is made once: its transaction claims the update)
    await outbox.enqueue(conn, dedupe_key=f"commands:{person_id}:{uuid.uuid4().hex}",
                         chat_id=person_id, kind="commands", payload={}, not_before=at, at=at)
