"""How times are written to and read from the database (UTC ISO-8601 text)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    """A timezone-aware datetime as sortable UTC text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    """The datetime stored by ``to_db`` (None stays None)."""
    return datetime.fromisoformat(text) if text else None
