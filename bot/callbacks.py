"""The compact, versioned callback_data format of every button.

``1|<route>|<arg>|<arg>…``: a format version, a short route name and arguments made of
letters, digits, '-' and '_'. Telegram allows 64 bytes. Nothing in it is trusted: every
handler checks the person's rights and the current state before acting on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
_ARG = re.compile(r"^[A-Za-z0-9_.-]{0,40}$")
_ROUTE = re.compile(r"^[a-z]{1,8}$")


@dataclass(frozen=True)
class Callback:
    route: str
    args: tuple[str, ...]

    def int(self, index: int) -> int:
        """Argument ``index`` as a non-negative int; raises ValueError otherwise."""
        value = self.args[index]
        if not value.isdigit() or len(value) > 12:
            raise ValueError(value)
        return int(value)


def pack(route: str, *args: object) -> str:
    """callback_data for ``route`` with ``args``."""
    parts = [VERSION, route, *(str(a) for a in args)]
    if not _ROUTE.match(route) or not all(_ARG.match(p) for p in parts[2:]):
        raise ValueError(f"bad callback parts: {parts}")
    data = "|".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data}")
    return data


def unpack(data: str | None) -> Callback | None:
    """The parsed button, or None for anything not made by ``pack`` of this version."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != VERSION or not _ROUTE.match(parts[1]):
        return None
    if not all(_ARG.match(p) for p in parts[2:]):
        return None
    return Callback(parts[1], tuple(parts[2:]))


def pattern(route: str) -> re.Pattern[str]:
    """The CallbackQueryHandler pattern of one route."""
    return re.compile(rf"^{VERSION}\|{route}(\||$)")
