"""Where a person is in a dialog (kept in dialog_state): read it, or leave it with /cancel.

Each flow's own service writes its dialog (AuditService, CapaService, PeopleService);
this one only reads the current one for routing typed text and files, and ends it.
"""

from __future__ import annotations

from typing import Any

from bot.domain.clock import Clock
from bot.services.audit_service import FLOW as AUDIT_FLOW
from bot.services.people_service import Actor
from storage.db import Database
from storage.repos import dialogs


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

    async def cancel(self, actor: Actor) -> bool:
        """/cancel: what was saved stays saved; whether there was anything to leave.

        In an audit, a pending prompt (a card field, a due date) is all that is dropped:
        the person stays on their card, and typed text is a note again. Otherwise the
        dialog ends. An audit's cards keep working either way: their buttons carry the
        audit and the question, and the person's place is kept with the audit's team.
        """
        async with self.db.transaction() as conn:
            had = await dialogs.get(conn, actor.id)
            if had is None:
                return False
            if had["flow"] == AUDIT_FLOW and had["awaiting"] is not None:
                await dialogs.put(conn, actor.id, flow=AUDIT_FLOW, audit_id=had["audit_id"],
                                  message_id=had["message_id"], at=self.clock.now())
            else:
                await dialogs.clear(conn, actor.id)
        return True
