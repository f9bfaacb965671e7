"""Why a question is not applicable, optional and after the fact (issue 23, point 24).

N/A stays one tap: the card of the next question, as the tap shows it, carries a small row for
the N/A just given (nothing is stored for it: the press costs no more than before; the next
card shown drops it); a tap on a common reason records it as that question's note, which the report's
"not applicable" table prints; ✍️ asks for a typed one (``NA_REASON`` awaited) and returns
to the card. A question with a note already has its reason: the row is not offered, and a
second tap records nothing. A part of ``AuditService`` (a mixin, as CarryOver is).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.errors import AuditError
from bot.domain.text import clean_text
from bot.domain.vocabulary import AuditStatus, Result
from bot.prompts import default_prompts
from bot.services.people_service import Actor
from storage.repos import audits, trail

NA_REASON = "na_reason"  # awaiting: the reason of the N/A on question data["index"], typed next
REASONS = ("scope", "none", "outsourced")  # the common ones, one tap each (labels na_reason_note_*)
MAX_REASON = 2000


@dataclass(frozen=True)
class NaNoted:
    """A reason given for the N/A of question ``index`` (``changed`` False: it had one already)."""

    changed: bool
    index: int
    view: Any  # the card the person is on (QuestionView), without the row


class NaReasons:
    """The N/A reasons' part of AuditService (see the module's docstring)."""

    @staticmethod
    def _with_na_row(view, result: str, index: int, state):
        """The card shown after a one-tap ``result`` on question ``index`` (its ``state`` as read
        with it): after an N/A without a note, with the row for its reason."""
        if result != Result.na or json.loads(state["notes_json"] or "[]"):
            return view
        return replace(view, na_reason_for=index)

    async def _na_question(self, conn, actor: Actor, audit_id: int, index: int):
        """(audit, question id, its state) of question ``index`` if it is answered N/A now."""
        row = await self._audit(conn, actor, audit_id)
        if row["status"] != AuditStatus.in_progress:
            raise AuditError("not_in_questions", status=row["status"])
        ids = self.snapshot(row).question_ids()
        if not 0 <= index < len(ids):
            raise AuditError("stale")
        state = await audits.question_state(conn, audit_id, ids[index])
        if state["result"] != Result.na:
            raise AuditError("na_reason_not_na", number=index + 1)
        return row, ids[index], state

    async def na_reason(self, actor: Actor, audit_id: int, index: int, reason: str, *,
                        message_id: int | None = None) -> NaNoted:
        """A common reason tapped for the N/A of question ``index``: its note, in the audit's
        language; the card the person is on again, without the row."""
        if reason not in REASONS:
            raise AuditError("stale")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row, question_id, state = await self._na_question(conn, actor, audit_id, index)
            changed = not json.loads(state["notes_json"] or "[]")
            if changed:
                text = default_prompts().label(row["lang"], f"na_reason_note_{reason}")
                await self._na_note(conn, actor, row, question_id, text, now)
            await self._enter(conn, actor, row, message_id=message_id)
            return NaNoted(changed, index, await self._na_card(conn, row, actor))

    async def ask_na_reason(self, actor: Actor, audit_id: int, index: int) -> int:
        """✍️ on the row: the next text typed is the reason. Returns the question's number."""
        async with self.db.transaction() as conn:
            row, _, state = await self._na_question(conn, actor, audit_id, index)
            if json.loads(state["notes_json"] or "[]"):
                raise AuditError("na_reason_given", number=index + 1)
            await self._enter(conn, actor, row, awaiting=NA_REASON, data={"index": index})
        return index + 1

    async def na_reason_typed(self, actor: Actor, audit_id: int, index: int, text: str):
        """The reason typed after ✍️: that question's note; the card the person is on again."""
        reason = clean_text(text or "", MAX_REASON)
        if not reason:
            raise AuditError("field_empty")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row, question_id, _ = await self._na_question(conn, actor, audit_id, index)
            await self._na_note(conn, actor, row, question_id, reason, now)
            await self._enter(conn, actor, row)
            return await self._na_card(conn, row, actor)

    async def _na_note(self, conn, actor: Actor, row, question_id: str, text: str, now) -> None:
        note_id = await audits.add_note(conn, row["id"], question_id, actor.id, text, now)
        await trail.record(conn, at=now, person_id=actor.id, entity="note", entity_id=note_id,
                           action="added", after={"question": question_id, "text": text, "na_reason": True})
        await audits.touch(conn, row["id"], now)

    async def _na_card(self, conn, row, actor: Actor):
        """The card of the person's question (without the row: it is answered)."""
        return await self._question_view(conn, row, self.snapshot(row), row["position"] or 0, actor)
