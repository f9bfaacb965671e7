"""The one definition of a repeat finding, and the order clauses are listed in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.vocabulary import NONCONFORMITIES

REPEAT_KINDS = NONCONFORMITIES


@dataclass(frozen=True)
class RepeatBasis:
    """The nonconformities of a department's previous completed audit, by clause."""

    number: str  # the previous audit's
    clauses: dict[str, list[str]]  # clause → its NC numbers there


def repeat_of(kind: str | None, clause: str, previous: dict[str, list[str]] | None) -> list[str] | None:
    """A repeat finding is a nonconformity (REPEAT_KINDS) whose clause had a nonconformity in
    the same department's previous completed audit. Gives those earlier NC numbers, or None
    when the finding is not a repeat one."""
    if kind not in REPEAT_KINDS or not previous:
        return None
    return previous.get(clause) or None


def clause_key(clause: str) -> tuple:
    """Clauses in numeric order: 4.2 before 4.10; text after numbers."""
    parts = re.split(r"[.\s]", clause)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
