"""Settings from the environment or a `.env` file (pydantic-settings).

A wrong value raises SettingsError with one line naming the variable and the problem;
the CLI prints that line and exits with status 2. The token, the webhook secret and the
database URL are SecretStr: no repr, str or dump shows them. Container secrets are files
named like the variables (``AUDITBOT_TOKEN``) in AUDITBOT_SECRETS_DIR, else /run/secrets
when it exists; the environment and .env come first.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from bot.domain.reminder_rules import Rules
from storage.url import normalise, sqlite_url

PREFIX = "AUDITBOT_"
SECRETS_DIR_VARIABLE = f"{PREFIX}SECRETS_DIR"
CONTAINER_SECRETS = Path("/run/secrets")


class SettingsError(Exception):
    """One line for the person who started the bot."""


class Settings(BaseSettings):
    """Everything the bot can be told from outside; field names map to AUDITBOT_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    data_dir: Path = Path("./data")
    timezone: str = "Asia/Shanghai"
    api_url: str = "https://api.telegram.org"
    # Default: the SQLite file in the data dir; postgresql://user:pass@host/db for a shared server.
    database_url: SecretStr | None = None
    # PostgreSQL: connections kept open per process; as many again may be opened in a burst.
    db_pool_size: int = Field(10, ge=1, le=1000)
    # Connections to the Bot API kept per process. httpcore looks at every idle connection for
    # each request, so a pool larger than the calls really in flight costs time at load.
    http_pool_size: int = Field(64, ge=1, le=1000)

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

    # The official record (bot/services/report_flow_service.py): days from completion to the
    # report's issue before its leader is asked why; whether the approver must be someone
    # outside the audit's team; whether the issued report goes out with protect_content.
    report_issue_days: int = Field(15, ge=1, le=365)
    report_separate_approver: bool = False
    report_protect_content: bool = False

    # Lifetimes of what the bot keeps (PIPL, GDPR): pruned by the daily pass (bot/services/privacy_service.py).
    retain_generated_days: int = Field(30, ge=1, le=3650)  # reports, exports, review packs in <data dir>/reports
    retain_set_aside_days: int = Field(30, ge=1, le=3650)  # the raw text of set-aside (poison) updates
    retain_outbox_days: int = Field(90, ge=1, le=3650)  # sent, failed and blocked notices
    retain_invites_days: int = Field(180, ge=1, le=3650)  # used, expired and revoked invites

    # Flood control (bot/telegram/delivery/throttle.py) and back-pressure (delivery/inbox.py).
    flood_updates: int = Field(60, ge=1, le=10_000)  # updates per sender per flood_seconds (a fast thumb taps ~3/s)
    flood_seconds: float = Field(10.0, gt=0, le=3600)
    stranger_reply_minutes: int = Field(10, ge=0, le=1440)  # a turned-away person is told once per this
    inbox_backlog: int = Field(2000, ge=1, le=1_000_000)  # pending updates in memory: getUpdates waits above
    # Telegram's ~30 messages a second (bot/telegram/delivery/rate_limit.py): off only against a
    # local Bot API double (benchmarks/interview.py's replicas), never against Telegram.
    telegram_rate_limit: bool = True
    # LibreOffice conversions at once (bot/report/pdf.py).
    pdf_concurrency: int = Field(2, ge=1, le=32)

    # Webhook mode (both set) instead of long polling; see bot/telegram/delivery/webhook.py.
    webhook_url: str | None = None
    webhook_listen: str | None = None
    webhook_secret: SecretStr | None = None

    # Operations (bot/telegram/delivery/metrics.py): polling mode's /metrics and /healthz on
    # 127.0.0.1:<metrics_port> (webhook mode has them on its own port); the log's format.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init values, the environment, .env, then the files of the secrets dir."""
        folder = secrets_dir()
        if folder is not None and getattr(file_secret_settings, "secrets_dir", None) is None:
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=folder)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _blank_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: object) -> str | None:
        value = _plain(value)
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

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _check_webhook_secret(cls, value: object) -> str | None:
        value = _plain(value)
        if value is None or not value.strip():
            return None  # not set: one is generated (bot/telegram/delivery/webhook.py)
        return check_webhook_secret(value)

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

    @field_validator("token", mode="before")
    @classmethod
    def _check_token(cls, value: object) -> str | None:
        value = _plain(value)
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
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return sqlite_url(self.data_dir / "auditbot.sqlite3")

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
        """The bot token in plain text (for the Bot API only)."""
        if self.token is None:
            raise SettingsError(
                f"{PREFIX}TOKEN: missing; get a bot token from @BotFather and set it "
                "in the environment or in .env"
            )
        return self.token.get_secret_value()

    @property
    def webhook_secret_value(self) -> str | None:
        """AUDITBOT_WEBHOOK_SECRET in plain text (never empty), or None when not set."""
        return self.webhook_secret.get_secret_value() if self.webhook_secret is not None else None

    def prepare_data_dir(self) -> None:
        """Create the data dir, private to the bot's user (0700), and check it is writable."""
        try:
            for folder in (self.data_dir, self.evidence_dir, self.reports_dir):
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.data_dir, prefix=".probe-"):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SettingsError(
                f"{PREFIX}DATA_DIR: {str(self.data_dir)!r} is not a writable folder ({reason})"
            ) from None


def check_webhook_secret(value: str) -> str:
    """A webhook secret by Telegram's rule (1 to 256 of A-Z a-z 0-9 _ -), stripped; ValueError else."""
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ValueError("1 to 256 characters: letters, digits, _ and - (Telegram's rule)")
    return value


def secrets_dir() -> Path | None:
    """AUDITBOT_SECRETS_DIR, else /run/secrets when there is one; SettingsError if it is no folder."""
    named = os.environ.get(SECRETS_DIR_VARIABLE, "").strip()
    if not named:
        return CONTAINER_SECRETS if CONTAINER_SECRETS.is_dir() else None
    folder = Path(named).expanduser()
    if not folder.is_dir():
        raise SettingsError(f"{SECRETS_DIR_VARIABLE}: {named!r} is not a folder")
    return folder


def _plain(value: object) -> str | None:
    """A secret setting as given: a SecretStr unwrapped, else the value as text."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


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
