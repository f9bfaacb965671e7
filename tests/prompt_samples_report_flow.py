"""Sample contexts of the report lifecycle's templates (bot/services/report_flow_service.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.report_rules import SignOff as Line
from bot.services.report_flow_service import Asked, Receipt, Recipient, ReportStatus
from tests.prompt_samples import HOSTILE

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LINES = [Line(1, step, "Ann" + HOSTILE, role, AT, HOSTILE * 3)
         for step, role in (("submitted", "leader"), ("changes_requested", "approver"), ("approved", "lead"),
                            ("issued", "leader"), ("sent_for_comment", "leader"), ("agreed", "department"),
                            ("disagreed", "department"), ("delay_reason", "leader"))]
RECEIPTS = [Receipt(1, "Lena" + HOSTILE, 1, AT), Receipt(2, "Zhao", 1, None), Receipt(3, "Qian", 1, None, "left")]


def _status(state: str, nxt: str | None, **more) -> ReportStatus:
    return ReportStatus(1, "A-2026-001" + HOSTILE, HOSTILE * 4, "completed", 2, state, next=nxt, **more)


STATUSES = [
    _status("in_progress", None),
    _status("draft", "submit", manages=True, review_due=date(2026, 12, 1)),
    _status("submitted", "decide", lines=LINES[:1]),
    _status("changes_requested", "submit", lines=LINES[:2]),
    _status("approved", "issue", lines=LINES[:3]),
    _status("issued", "receipts", report_number="A-2026-001", issued_at=AT, received=1, recipients=2,
            lines=LINES, receipts=RECEIPTS,
            distribution=[Recipient(1, "Lena", True, True), Recipient(2, "Qian", False, True)]),
]
ASKED = [Asked(ask, "A-2026-001" + HOSTILE, 2) for ask in ("changes", "disagree", "delay")]
NOTICE = {"audit_id": 1, "number": "A-2026-001" + HOSTILE, "department": HOSTILE * 4, "rev": 2, "by": "Ann" + HOSTILE,
          "report_number": "A-2026-001", "issued_at": AT, "verdict": None, "note": HOSTILE * 10,
          "due": date(2026, 12, 1), "completed_at": AT, "draft_sha256": "0" * 64}

SAMPLES: dict[str, list[dict]] = {
    "rf_card": [{"s": s} for s in STATUSES],
    "rf_distribution": [{"s": STATUSES[-1]}],
    "rf_issued": [{"s": STATUSES[-1], "sent": ["Lena", "Zhao" + HOSTILE], "skipped": ["Qian"]},
                  {"s": STATUSES[-1], "sent": [], "skipped": []}],
    "rf_sent_for_comment": [{"s": STATUSES[1]}],
    "rf_ask_changes": [{"asked": ASKED[0]}],
    "rf_ask_disagree": [{"asked": ASKED[1]}],
    "rf_ask_delay": [{"asked": ASKED[2]}],
    "rf_done_changes": [{"s": STATUSES[3]}],
    "rf_done_disagree": [{"s": STATUSES[1]}],
    "rf_done_delay": [{"s": STATUSES[1]}],
    "report_submitted": [NOTICE],
    "report_changes_requested": [NOTICE],
    "report_approved": [NOTICE],
    "report_issued": [NOTICE, {**NOTICE, "issued_at": None}],
    "report_draft_review": [NOTICE, {**NOTICE, "due": None}],
    "report_commented": [NOTICE, {**NOTICE, "verdict": "agree"}],
    "report_delay_asked": [NOTICE, {**NOTICE, "completed_at": None}],
    "report_delay_reason": [NOTICE],
}
