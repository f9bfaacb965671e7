"""Sample data for the document-request templates."""

from __future__ import annotations

from datetime import date

from bot.services.document_request_service import Draft, Item, ItemCard, RequestCard

_DUE = date(2026, 11, 20)
_ITEMS = [Item(1, "Q3 · 7.5.3 · 文件是否受控？", "provided", 2, "", True, "2026-05-03"),
          Item(2, "quality objectives <2026>", "not_applicable", 0, "we have no such record"),
          Item(3, "the May filing index", "returned", 1, return_reason="the wrong month"),
          Item(4, "会议记录", "asked")]
_CHOICES = [date(2026, 11, 4), date(2026, 11, 7)]

SAMPLES: dict[str, list[dict]] = {
    "records_draft": [
        {"draft": Draft(1, "A-2026-001", "财务局", [Item(None, "会议记录")], _DUE, _CHOICES, _ITEMS)},
        {"draft": Draft(1, "A-2026-001", "Office", [], _DUE, _CHOICES)},
        {"draft": Draft(1, "A-2026-001", "Office", [], _DUE, [], _ITEMS, sent=True, contacts=2)},
        {"draft": Draft(1, "A-2026-001", "Office", [], _DUE, [], _ITEMS, returning=_ITEMS[0])},
    ],
    "records_requested": [{"card": RequestCard(1, 1, "A-2026-001", "财务局", _DUE, _ITEMS, "Wang")},
                          {"card": RequestCard(1, 1, "A-2026-001", "Office", _DUE, _ITEMS[:1])},
                          *({"card": RequestCard(1, 1, "A-2026-001", "财务局", _DUE, _ITEMS), "stage": stage}
                            for stage in ("before1", "due", "overdue:2"))],
    "records_item": [{"card": ItemCard(_ITEMS[0], 1, "A-2026-001", "财务局", _DUE)},
                     {"card": ItemCard(_ITEMS[1], 1, "A-2026-001", "财务局", _DUE, "note")},
                     {"card": ItemCard(_ITEMS[2], 1, "A-2026-001", "财务局", _DUE)}],
    "records_returned": [{"card": ItemCard(_ITEMS[2], 1, "A-2026-001", "财务局", _DUE)}],
    "records_too_many": [{"limit": 20}],
    "records_file_type": [{"name": "setup<1>.exe"}],
}
