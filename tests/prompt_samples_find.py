"""Sample data for the /find templates."""

from __future__ import annotations

from bot.services.search_service import Hit, Results

_HITS = [
    Hit("finding", 1, "A-2025-007", "财务局", "7.5", "未书面授权签字的付款凭证 3 份", 4, "closed", "capa_lead"),
    Hit("audit", 1, "A-2025-007", "Finance <Bureau>", "", "Finance <Bureau>"),
    Hit("note", 2, "A-2026-001", "Office", "4.1", "…the <b>minutes</b> of May…"),
    Hit("action", 2, "A-2026-001", "Office", "", "delegation of signature", 9, "plan_accepted", "capa"),
]

SAMPLES: dict[str, list[dict]] = {
    "find_usage": [{}],
    "find_results": [
        {"results": Results("签字 dept:财务局", 3, 0, _HITS, more=True)},
        {"results": Results("<nothing>", 4, 0, [])},
        {"results": Results("x", 4, 2, [])},
        {"results": Results("x" * 200, 5, 1, _HITS[:1])},
    ],
}
SAMPLES["find_too_long"] = [{"limit": 200}]
SAMPLES["find_bad_filter"] = [{"filter": "state:<b>"}]
