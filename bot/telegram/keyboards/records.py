"""The buttons of a document request: the auditor's draft, the department's card and an item."""

from __future__ import annotations

from bot.services.document_request_service import Draft, ItemCard, RequestCard
from bot.telegram import buttons
from bot.telegram.replies import Label, Rows

BUTTON_TEXT = 40
MARKS = {"asked": "📎", "returned": "↩️", "provided": "✅", "not_applicable": "➖"}


def draft_rows(draft: Draft, label: Label) -> Rows:
    """Due dates, ✉️ Send and ◀ Back to the plan; ↩️ Return for each answered item of before."""
    if draft.sent or draft.returning is not None:
        return [[(label("records_btn_back"), buttons.Resume(draft.audit_id).pack())]]
    due = [((("✅ " if day == draft.due else "") + label("records_btn_due", day=day.strftime("%m-%d"))),
            buttons.RecordsDue(draft.audit_id, day).pack()) for day in draft.due_choices]
    rows: list[list[tuple[str, str]]] = [due]
    if draft.items:
        rows.append([(label("records_btn_send", count=len(draft.items)), buttons.RecordsSend(draft.audit_id).pack())])
    rows += [[(label("records_btn_return", n=n, text=item.text[:BUTTON_TEXT]), buttons.RecordsReturn(item.id).pack())]
             for n, item in enumerate(draft.earlier, start=1) if item.state in ("provided", "not_applicable")]
    rows.append([(label("records_btn_back"), buttons.Resume(draft.audit_id).pack())])
    return rows


def request_rows(card: RequestCard, label: Label) -> Rows:
    """A button per item of the request."""
    return [[(f"{MARKS.get(item.state, '📎')} {n}. {item.text[:BUTTON_TEXT]}", buttons.RecordsItem(item.id).pack())]
            for n, item in enumerate(card.items, start=1)]


def item_rows(card: ItemCard, label: Label) -> Rows:
    rows: list[list[tuple[str, str]]] = []
    if card.awaiting != "note":
        rows.append([(label("records_btn_not_applicable"), buttons.RecordsNotApplicable(card.item.id).pack())])
    rows.append([(label("records_btn_all"), buttons.RecordsList(card.request_id).pack())])
    return rows
