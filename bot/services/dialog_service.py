"""Where a person is in a dialog (kept in dialog_state): read it, or leave it with /cancel.

Each flow's own service writes its dialog (AuditService, CapaService, PeopleService);
this one only reads the current one for routing typed text and files, and ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.clock import Clock
from bot.services.audit_service import FLOW as AUDIT_FLOW
from bot.services.capa_service import FLOW as CAPA_FLOW
from bot.services.people_service import Actor
from storage.db import Database
from storage.repos import audits, dialogs, findings

_STAFF_STEPS = frozenset({"correction", "why", "why_more", "elsewhere", "plan", "target", "confirm", "planned",
                          "accepted", "evidence", "extend_date", "extend_reason"})


@dataclass(frozen=True)
class Place:
    """Where a person left off, to offer "continue": an audit, or a step of an action."""

    flow: str  # "audit" or "capa"
    id: int  # the audit's or the action's
    number: str  # the audit's number, or the finding's (NC1)
    department: str
    step: str | None = None  # the action's step (what its dialog awaits)
    staff: bool = True  # the action's staff (their plan dialog), else its verifier


@dataclass(frozen=True)
class Cancelled:
    had_dialog: bool
    place: Place | None  # where the person may go back to


class DialogService:
    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    async def current(self, actor: Actor) -> dict[str, Any] | None:
        """The person's dialog: flow, what typed input is awaited, its ``data``; None outside one."""
        async with self.db.read() as conn:
            row = await dialogs.get(conn, actor.id)
        if row is None:
            return None
        state = dict(row)
        state["data"] = dialogs.data_of(row)
        return state

    async def place(self, actor: Actor) -> Place | None:
        """Where the person is in an audit or an action, if they are (for /start and /cancel)."""
        async with self.db.read() as conn:
            return await _place(conn, await dialogs.get(conn, actor.id))

    async def cancel(self, actor: Actor) -> Cancelled:
        """/cancel: what was saved stays saved; whether there was anything to leave.

        In an audit, a pending prompt (a card field, a due date) is all that is dropped:
        the person stays on their card, and typed text is a note again. Otherwise the
        dialog ends. An audit's cards keep working either way: their buttons carry the
        audit and the question, and the person's place is kept with the audit's team.
        """
        async with self.db.transaction() as conn:
            had = await dialogs.get(conn, actor.id)
            if had is None:
                return Cancelled(False, None)
            place = await _place(conn, had)
            if had["flow"] == AUDIT_FLOW and had["awaiting"] is not None:
                await dialogs.put(conn, actor.id, flow=AUDIT_FLOW, audit_id=had["audit_id"],
                                  message_id=had["message_id"], at=self.clock.now())
            else:
                await dialogs.clear(conn, actor.id)
        return Cancelled(True, place)


async def _place(conn: Any, state: Any) -> Place | None:
    if state is None:
        return None
    if state["flow"] == AUDIT_FLOW and state["audit_id"] is not None:
        audit = await audits.get(conn, state["audit_id"])
        if audit is None or audit["status"] in ("completed", "cancelled"):
            return None
        return Place(AUDIT_FLOW, audit["id"], audit["number"], audit["department"])
    if state["flow"] == CAPA_FLOW and state["capa_id"] is not None:
        action = await findings.get_capa(conn, state["capa_id"])
        if action is None or action["state"] == "closed":
            return None
        step = state["awaiting"]
        return Place(CAPA_FLOW, action["id"], action["number"], action["department"], step,
                     staff=step is None or step in _STAFF_STEPS)
    return None
