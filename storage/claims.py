"""Claiming an update in the transaction of its effect.

The inbox dispatcher sets the update being handled in a context variable; the first write
transaction of the task that handles it (``Database.transaction``) marks the update handled
in the inbox before it commits. The effect and the claim then commit together: a crash
leaves the update either applied and claimed, or neither (and it is handled again).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime


class AlreadyHandled(Exception):
    """The update was claimed before (a redelivery): its effect must not be written again."""


@dataclass
class UpdateClaim:
    """One attempt at handling one update."""

    update_id: int
    at: datetime
    final: bool  # the last attempt before the update is set aside
    task: asyncio.Task | None = field(default_factory=asyncio.current_task)
    claimed: bool = False
    error: BaseException | None = None


CURRENT: ContextVar[UpdateClaim | None] = ContextVar("auditbot_update_claim", default=None)


def unclaimed() -> UpdateClaim | None:
    """The claim a write transaction of this task must take, if any.

    Only the task that handles the update claims it: a task it started (a background send)
    copies the context variable but is not the update's effect.
    """
    claim = CURRENT.get()
    if claim is None or claim.claimed or claim.task is not asyncio.current_task():
        return None
    return claim


def current() -> UpdateClaim | None:
    """The update being handled by this task (claimed or not)."""
    return CURRENT.get()
