"""Settings from the environment or a `.env` file (pydantic-settings).

A wrong value raises SettingsError with one line naming the variable and the problem;
the CLI prints that line and exits with status 2.
"""

from __future__ import annotations

import re
import tempfile
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.reminder_rules import Rules
from storage.url import normalise, sqlite_url

PREFIX = "AUDITBOT_"


class SettingsError(Exception):
    """One line for the person who started the bot."""


class Settings(BaseSettings):
    """Everything the bot can be told from outside; field names map to AUDITBOT_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: str | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    data_dir: Path = Path("./data")
    timezone: str = "Asia/Shanghai"
    api_url: str = "https://api.telegram.org"
    # Default: the SQLite file in the data dir; postgresql://user:pass@host/db for a shared server.
    database_url: str | None = None

    # CAPA timings (PRODUCT.md: "All numbers are settings").
    major_due_days: int = Field(30, ge=1, le=3650)
    minor_due_days: int = Field(60, ge=1, le=3650)
    remind_before_days: Annotated[tuple[int, ...], NoDecode] = (7, 1)
    overdue_every_days: int = Field(3, ge=1, le=365)
    escalate_after_days: int = Field(7, ge=1, le=365)
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    digest_time: time = time(9, 0)
    invite_days: int = Field(7, ge=1, le=365)

    # Webhook mode (both set) instead of long polling; see bot/telegram/delivery/webhook.py.
    webhook_url: str | None = None
    webhook_listen: str | None = None
    webhook_secret: str | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> tuple[int, ...]:
        return _int_list(value, "a comma-separated list of numeric Telegram user ids")

    @field_validator("remind_before_days", mode="before")
    @classmethod
    def _parse_days(cls, value: object) -> tuple[int, ...]:
        days = _int_list(value, "a comma-separated list of whole days")
        if any(d < 0 for d in days):
            raise ValueError("days must not be negative")
        return tuple(sorted(set(days), reverse=True))

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if "://" not in value:
            raise ValueError(f"{value.strip()!r} is not a database URL (sqlite:///path or postgresql://user@host/db)")
        return normalise(value.strip()).render_as_string(hide_password=False)

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address Telegram sends updates to")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _check_webhook_listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port to listen on, e.g. 0.0.0.0:8080")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.strip()):
            raise ValueError("1 to 256 characters: letters, digits, _ and - (Telegram's rule)")
        return value.strip()

    @model_validator(mode="after")
    def _webhook_pair(self) -> Settings:
        if bool(self.webhook_url) != bool(self.webhook_listen):
            missing = "AUDITBOT_WEBHOOK_LISTEN" if self.webhook_url else "AUDITBOT_WEBHOOK_URL"
            raise ValueError(f"webhook mode needs both AUDITBOT_WEBHOOK_URL and AUDITBOT_WEBHOOK_LISTEN; "
                             f"{missing} is missing")
        return self

    @property
    def webhook(self) -> bool:
        return bool(self.webhook_url and self.webhook_listen)

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        head, _, tail = value.partition(":")
        if not head.isdigit() or len(tail) < 5:
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rules(self) -> Rules:
        """The CAPA timing settings, as the reminder rules take them."""
        return Rules(
            remind_before_days=tuple(self.remind_before_days),
            overdue_every_days=self.overdue_every_days,
            escalate_after_days=self.escalate_after_days,
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            digest_time=self.digest_time,
            tz=self.tz,
        )

    @property
    def database(self) -> str:
        """The database URL: AUDITBOT_DATABASE_URL, else the SQLite file in the data dir."""
        return self.database_url or sqlite_url(self.data_dir / "auditbot.sqlite3")

    @property
    def database_path(self) -> Path | None:
        """The SQLite file of the database (None on PostgreSQL)."""
        url = normalise(self.database)
        return Path(url.database) if url.get_backend_name() == "sqlite" else None

    @property
    def heartbeat_path(self) -> Path:
        """Touched by the polling loop each time Telegram answers (``auditbot health``)."""
        return self.data_dir / "heartbeat"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def photo_cache_dir(self) -> Path:
        """Evidence photos already scaled for reports (filled as photos arrive)."""
        return self.reports_dir / "photo-cache"

    @property
    def checklists_dir(self) -> Path:
        """Where a site's own checklists may be added next to the bundled ones."""
        return self.data_dir / "checklists"

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(
                f"{PREFIX}TOKEN: missing; get a bot token from @BotFather and set it "
                "in the environment or in .env"
            )
        return self.token

    def prepare_data_dir(self) -> None:
        """Create the data dir and check it is writable."""
        try:
            for folder in (self.data_dir, self.evidence_dir, self.reports_dir):
                folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.data_dir, prefix=".probe-"):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SettingsError(
                f"{PREFIX}DATA_DIR: {str(self.data_dir)!r} is not a writable folder ({reason})"
            ) from None


def _int_list(value: object, expected: str) -> tuple[int, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, int):
        return (value,)
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [part.strip() for part in str(value).split(",") if part.strip()]
    try:
        return tuple(int(item) for item in items)
    except (TypeError, ValueError):
        raise ValueError(f"expected {expected}, got {value!r}") from None


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line on a wrong value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        if not err["loc"]:  # a rule across several settings names them itself
            raise SettingsError(message) from None
        raise SettingsError(f"{PREFIX}{str(err['loc'][0]).upper()}: {message}") from None
