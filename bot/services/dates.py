"""Dates people type: the forms auditors and clerks actually use."""

from __future__ import annotations

import re
from datetime import date

_TYPED_DATE = re.compile(r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(text: str, today: date) -> date | None:
    """2026-12-01, 2026/12/01, 2026.12.01, 2026年12月1日; without a year, the next such day."""
    match = _TYPED_DATE.fullmatch(text.strip())
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else today.year
    try:
        parsed = date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    if not match.group(1) and parsed < today:
        parsed = parsed.replace(year=year + 1)
    return parsed
