"""Dates people type: the forms auditors and clerks actually use.

2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日; 31/12/2026 and 31.12.2026 (day first, or
month first when the day cannot be a month: 12/31/2026); 12月31日, 12-31 and 12/31 without a
year (the next such day); "Dec 31", "31 Dec", "December 31 2026". 03/04/2027 could be either
order: it is refused as ambiguous rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YEAR_LAST = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_NO_YEAR = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), 1) for name in names}
_MONTH_NAME = r"([a-z]{3,9})\.?"
_NAMED = (re.compile(rf"{_MONTH_NAME}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?(?:\s+(\d{{4}}))?"),  # Dec 31, 2026
          re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_NAME},?(?:\s+(\d{{4}}))?"))  # 31 Dec 2026


def read_date(text: str, today: date) -> tuple[date | None, str | None]:
    """The date typed, or why not: (None, 'unreadable' | 'no_such_day' | 'ambiguous')."""
    text = " ".join(text.strip().lower().split())
    parts = _parts(text)
    if parts is None:
        return None, "unreadable"
    if parts == "ambiguous":
        return None, "ambiguous"
    year, month, day = parts
    try:
        parsed = date(year or today.year, month, day)
    except ValueError:
        return None, "no_such_day"
    if year is None and parsed < today:
        try:
            parsed = parsed.replace(year=parsed.year + 1)
        except ValueError:  # 29 February
            return None, "no_such_day"
    return parsed, None


def _parts(text: str) -> tuple[int | None, int, int] | str | None:
    if m := _YEAR_FIRST.fullmatch(text):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := _YEAR_LAST.fullmatch(text):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first > 12 >= second:
            return year, second, first  # 31/12/2026
        if second > 12 >= first:
            return year, first, second  # 12/31/2026
        if first != second and first <= 12 and second <= 12:
            return "ambiguous"
        return year, second, first
    if m := _NO_YEAR.fullmatch(text):
        first, second = int(m.group(1)), int(m.group(2))
        if first > 12 >= second and "月" not in text:
            return None, second, first  # 31/12
        return None, first, second  # 12月31日, 12-31
    for pattern in _NAMED:
        if m := pattern.fullmatch(text):
            groups = m.groups()
            name, day = (groups[0], groups[1]) if pattern is _NAMED[0] else (groups[1], groups[0])
            month = _MONTHS.get(name)
            if month is None:
                return None
            return (int(groups[2]) if groups[2] else None), month, int(day)
    return None


def parse_date(text: str, today: date) -> date | None:
    """The date typed (any form ``read_date`` reads), else None."""
    return read_date(text, today)[0]


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept within the month: 31 Jan + 1 → 28/29 Feb."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
