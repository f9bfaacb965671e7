"""Sample contexts of the /report and /export templates."""

from __future__ import annotations

from datetime import date

from bot.services.report_service import AuditRef, ReportChoices
from tests.prompt_samples import HOSTILE

AUDIT = AuditRef(1, "A-2026-001", HOSTILE, "completed")

SAMPLES: dict[str, list[dict]] = {
    "report_choose": [
        {"choices": ReportChoices([AuditRef(i, "A-2026-0" + HOSTILE, HOSTILE * 3, s, date(2026, 11, 2))
                                   for i, s in enumerate(("planning", "opening", "in_progress", "closing",
                                                          "completed") * 2)], True)},
        {"choices": ReportChoices([AuditRef(1, "A-2026-001", "Office", "completed")], False)},
    ],
    "report_none": [{}],
    "report_not_found": [{}],
    "report_not_allowed": [{}],
    "report_building": [{"audit": AUDIT, "done": 0, "total": 0}, {"audit": AUDIT, "done": 40, "total": 200}],
    "report_ready": [{"audit": AUDIT}],
    "report_failed": [{"audit": AUDIT}],
    "report_pdf_unavailable": [{}],
    "report_pdf_failed": [{}],
    "export_ready": [{}],
    "report_record_ready": [{"audit": AUDIT}],
}
