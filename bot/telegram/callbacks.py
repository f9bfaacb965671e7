"""The compact, versioned callback_data format of every button.

``1|<route>|<arg>|<arg>…``: a format version, a short route name and arguments made of
letters, digits, '-' and '_'. Telegram allows 64 bytes. Nothing in it is trusted: every
handler checks the person's rights and the current state before acting on it.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import MISSING, dataclass, fields
from datetime import date
from enum import Enum
from typing import Any, ClassVar, Self

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


# --- typed buttons ----------------------------------------------------------------------------

ROUTES: dict[str, type[Button]] = {}


class Button:
    """Base of every button: a frozen dataclass per route, declared once (bot/telegram/buttons.py).

    ``class Jump(Button, prefix="qj")`` with fields ``audit: int`` and ``index: int`` packs
    to ``1|qj|<audit>|<index>``. Field types: int (non-negative), str, date, an Enum of
    str values, a Literal, or any of these ``| None`` with a default of None (a trailing
    None is left out of the data). ``parse`` gives None for anything else: the one check
    of a press's shape, before any handler sees it.
    """

    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            if not _ROUTE.match(prefix) or prefix in ROUTES:
                raise ValueError(f"bad or repeated button prefix {prefix!r}")
            cls.prefix = prefix
            ROUTES[prefix] = cls

    def pack(self) -> str:
        values = [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]
        while values and values[-1] is None:
            values.pop()
        return pack(self.prefix, *(_wire(v) for v in values))

    def __str__(self) -> str:
        return self.pack()

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        return pattern(cls.prefix)

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The button of this route in ``data``; None for a stale, forged or foreign one."""
        raw = unpack(data)
        if raw is None or raw.route != cls.prefix:
            return None
        declared = _shape(cls)
        if len(raw.args) > len(declared):
            return None
        values: dict[str, Any] = {}
        for i, (name, kind, required) in enumerate(declared):
            if i >= len(raw.args):
                if required:
                    return None
                continue
            try:
                values[name] = _convert(kind, raw.args[i])
            except (ValueError, TypeError):
                return None
        try:
            return cls(**values)
        except (ValueError, TypeError):
            return None


_SHAPES: dict[type, tuple[tuple[str, Any, bool], ...]] = {}


def _shape(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, required) of each field of a button class, worked out once."""
    shape = _SHAPES.get(cls)
    if shape is None:
        hints = typing.get_type_hints(cls)
        shape = _SHAPES[cls] = tuple((f.name, hints[f.name], f.default is MISSING)
                                     for f in fields(cls))  # type: ignore[arg-type]
    return shape


def _wire(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


def _convert(kind: Any, text: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(kind)
        return _convert(options[0], text)
    if origin is typing.Literal:
        for option in typing.get_args(kind):
            if str(_wire(option)) == text:
                return option
        raise ValueError(text)
    if kind is int:
        if not text.isdigit() or len(text) > 12:
            raise ValueError(text)
        return int(text)
    if kind is str:
        return text
    if kind is date:
        return date.fromisoformat(text)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(text)
    raise TypeError(kind)
