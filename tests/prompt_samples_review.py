"""Sample data for the /review templates."""

from __future__ import annotations

from datetime import date

from bot.report.review.figures import Period

_PERIOD = Period(date(2025, 12, 1), date(2026, 11, 30))

SAMPLES: dict[str, list[dict]] = {
    "review_not_allowed": [{}],
    "review_bad_period": [{"code": "malformed"}, {"code": "reversed"}, {"code": "too_long"}],
    "review_building": [{"period": _PERIOD}],
    "review_ready": [{"period": _PERIOD, "audits": 0}, {"period": _PERIOD, "audits": 1},
                     {"period": _PERIOD, "audits": 2000}],
    "review_failed": [{"period": _PERIOD}],
}
