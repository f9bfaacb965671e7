"""Which database a URL or a file path names, with the async driver SQLAlchemy needs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def sqlite_url(path: Path | str) -> str:
    return f"sqlite+aiosqlite:///{path}"


def normalise(target: Path | str) -> URL:
    """A file path or a database URL as a URL with an async driver; ValueError when neither."""
    if isinstance(target, Path) or "://" not in str(target):
        return make_url(sqlite_url(target))
    try:
        url = make_url(str(target))
    except (ArgumentError, ValueError):
        raise ValueError(f"{_redacted(str(target))!r} is not a database URL") from None
    name = _DRIVERS.get(url.drivername.partition("+")[0])
    if name is None:
        raise ValueError(
            f"{url.drivername!r} is not supported (use sqlite:///path or postgresql://user@host/db)"
        )
    url = url.set(drivername=name)
    if "sslmode" in url.query:  # libpq's spelling; asyncpg calls it ssl
        url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": url.query["sslmode"]})
    if name.startswith("postgresql") and not url.database:
        raise ValueError("the PostgreSQL URL names no database (postgresql://user@host/db)")
    if name.startswith("sqlite") and not url.database:
        raise ValueError("the SQLite URL names no file (sqlite:///path/to/auditbot.sqlite3)")
    return url


def _redacted(text: str) -> str:
    head, sep, tail = text.rpartition("@")
    if not sep:
        return text
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"


def shown(url: URL) -> str:
    """The URL for messages, without its password."""
    return url.render_as_string(hide_password=True)
