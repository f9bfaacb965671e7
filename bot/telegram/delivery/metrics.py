"""Prometheus metrics, the health check, and the one log line per handled update.

Counters move where things happen: the inbox (bot/telegram/delivery/inbox.py) counts each
update it finishes, by kind and outcome, with its latency, and logs one line for it; the
outbox sender counts the notices it sends and those it sends again in doubt; the Bot API
requests (``MeteredRequest``) count the errors Telegram answers, 429s apart. The database's
gauges (inbox backlog and set-aside updates, outbox backlog and its oldest due notice) are
read when /metrics is scraped, one read per scrape (storage/health.py), never per update;
the connections in use are read from the pool then too. Each Application has its own
registry (tests and the demo run several in one process).

/metrics and /healthz are routes of the webhook app (bot/telegram/delivery/webhook.py); in
polling mode ``serve`` puts them on 127.0.0.1:AUDITBOT_METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.domain.vocabulary import NoticeKind
from bot.settings import SettingsError
from bot.telegram.context import METRICS, RUNTIME
from bot.telegram.delivery.aiohttp_request import AiohttpRequest
from storage import health
from storage.db import Database
from storage.health import Backlog

log = logging.getLogger(__name__)
UPDATES = logging.getLogger("auditbot.updates")  # the one line per handled update

KINDS = ("command", "message", "media", "callback", "edited_message", "other")
OUTCOMES = ("ok", "refused", "failed", "retried")
MEDIA = ("photo", "document", "voice", "audio", "video")
REMINDERS = frozenset({NoticeKind.capa_reminder, NoticeKind.capa_escalation, NoticeKind.programme_reminder,
                       NoticeKind.lead_digest})
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
DB_TIMEOUT = 2.0  # seconds the health check and the scrape's read wait for the database
HOST = "127.0.0.1"  # polling mode: /metrics for a scraper on the same machine only

disable_created_metrics()  # no *_created series beside each counter (the bot's process only)


class Metrics:
    """The bot's counters and gauges, in a registry of its own; kept in ``bot_data[METRICS]``."""

    def __init__(self, salt: str | bytes | None = None):
        """``salt`` keys the chat hashes of the log (the bot token: the same in every replica)."""
        raw = salt.encode() if isinstance(salt, str) else salt or secrets.token_bytes(32)
        self._hash_key = hashlib.sha256(b"auditbot chat hash\0" + raw).digest()
        self.registry = registry = CollectorRegistry()
        self.updates = Counter("auditbot_updates_handled", "Updates finished, by kind and outcome",
                               ["kind", "outcome"], registry=registry)
        self.update_failures = Counter("auditbot_update_failures",
                                       "Failed attempts at an update (tried again, or set aside)",
                                       ["kind"], registry=registry)
        self.latency = Histogram("auditbot_update_seconds", "From the first attempt at an update to its end",
                                 ["kind"], buckets=LATENCY_BUCKETS, registry=registry)
        self.in_doubt = Counter("auditbot_outbox_in_doubt_resends",
                                "Notices sent again because a crash left them in doubt", registry=registry)
        self.notices_sent = Counter("auditbot_notices_sent", "Notices the outbox sent, by kind", ["kind"],
                                    registry=registry)
        self.reminders_sent = Counter("auditbot_reminders_sent",
                                      "Reminders, escalations and digests the outbox sent, by kind", ["kind"],
                                      registry=registry)
        self.api_errors = Counter("auditbot_bot_api_errors", "Bot API requests that failed, by method and error",
                                  ["method", "error"], registry=registry)
        self.api_429 = Counter("auditbot_bot_api_429", "Bot API requests answered 429 (retry after)",
                               ["method"], registry=registry)
        self.database = DatabaseGauges()
        registry.register(self.database)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        for kind in KINDS:  # every series from 0, so that rates start at once
            self.update_failures.labels(kind)
            for outcome in OUTCOMES:
                self.updates.labels(kind, outcome)

    # --- updates ------------------------------------------------------------------------------

    def chat_hash(self, chat_key: str) -> str:
        """A short keyed hash of a chat: the same in every line, the id not recoverable from it."""
        return hmac.new(self._hash_key, chat_key.encode(), hashlib.sha256).hexdigest()[:12]

    def update_failed(self, raw: dict[str, Any]) -> None:
        self.update_failures.labels(update_kind(raw)).inc()

    def update_handled(self, update_id: int, raw: dict[str, Any], chat_key: str, seconds: float, outcome: str,
                       attempts: int) -> None:
        """Count a finished update and log its one line (no text of the message in it)."""
        kind = update_kind(raw)
        self.updates.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)
        fields = {"event": "update", "update_id": update_id, "kind": kind, "chat": self.chat_hash(chat_key),
                  "latency_ms": round(seconds * 1000), "outcome": outcome, "attempts": attempts}
        UPDATES.info("update %d %s chat=%s %d ms %s (attempts %d)", update_id, kind, fields["chat"],
                     fields["latency_ms"], outcome, attempts, extra=fields)

    # --- notices and the Bot API -----------------------------------------------------------

    def notice_sent(self, kind: str) -> None:
        self.notices_sent.labels(kind).inc()
        if kind in REMINDERS:
            self.reminders_sent.labels(kind).inc()

    def api_error(self, method: str, error: TelegramError) -> None:
        self.api_errors.labels(method, error_kind(error)).inc()
        if isinstance(error, RetryAfter):
            self.api_429.labels(method).inc()

    # --- scrapes -----------------------------------------------------------------------------

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The registry in the format the scraper asked for (Prometheus text, or OpenMetrics)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def update_kind(raw: dict[str, Any]) -> str:
    """command, message (text), media, callback, edited_message or other, from the raw JSON."""
    if "callback_query" in raw:
        return "callback"
    if "edited_message" in raw:
        return "edited_message"
    message = raw.get("message")
    if not isinstance(message, dict):
        return "other"
    text = message.get("text")
    if isinstance(text, str):
        return "command" if text.startswith("/") else "message"
    return "media" if any(key in message for key in MEDIA) else "message"


def error_kind(error: TelegramError) -> str:
    """A Bot API error's label: a few words, never the description (it may quote the user)."""
    for kind, names in (("retry_after", RetryAfter), ("bad_request", BadRequest), ("forbidden", Forbidden),
                        ("invalid_token", InvalidToken), ("conflict", Conflict), ("timeout", TimedOut),
                        ("network", NetworkError)):
        if isinstance(error, names):
            return kind
    return "other"


class DatabaseGauges(Collector):
    """The gauges read from the database, refreshed by each scrape before it is encoded."""

    def __init__(self) -> None:
        self.backlog: Backlog | None = None
        self.db: Database | None = None

    async def refresh(self, db: Database, now) -> None:
        """One read (storage/health.py); when the database does not answer in time, no backlog."""
        self.db = db
        try:
            async with asyncio.timeout(DB_TIMEOUT):
                self.backlog = await health.backlog(db, now)
        except Exception as exc:  # away or busy: the scrape says so (auditbot_database_up 0)
            log.warning("metrics: the database did not answer (%r)", exc)
            self.backlog = None

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("auditbot_database_up", "1 when the database answered this scrape's read",
                                value=int(self.backlog is not None))
        yield GaugeMetricFamily("auditbot_db_connections_in_use",
                                "Database connections busy (PostgreSQL: the pool; SQLite: 0 to 2)",
                                value=self.db.connections_in_use() if self.db is not None else 0)
        backlog = self.backlog
        if backlog is None:
            return
        yield GaugeMetricFamily("auditbot_inbox_backlog", "Updates kept and not handled yet",
                                value=backlog.inbox_pending)
        yield GaugeMetricFamily("auditbot_inbox_set_aside", "Updates set aside (unreadable or failing)",
                                value=backlog.inbox_set_aside)
        yield GaugeMetricFamily("auditbot_outbox_backlog", "Notices due and not sent yet",
                                value=backlog.outbox_due)
        yield GaugeMetricFamily("auditbot_outbox_oldest_seconds", "How long the oldest unsent due notice has waited",
                                value=backlog.outbox_oldest_seconds)


class MeteredRequest(AiohttpRequest):
    """The bot's HTTP client, counting the Bot API's errors (each try, 429s included)."""

    def __init__(self, metrics: Metrics, **kwargs: Any):
        super().__init__(**kwargs)
        self.metrics = metrics

    async def post(self, url: str, *args: Any, **kwargs: Any):
        try:
            return await super().post(url, *args, **kwargs)
        except TelegramError as exc:
            self.metrics.api_error(url.rsplit("/", 1)[-1], exc)  # the method's name, never the token
            raise


# --- the endpoints ------------------------------------------------------------------------------

Endpoint = Callable[[Request], Awaitable[Response]]


async def database_answers(application: Application) -> bool:
    """/healthz: the database answers a ``SELECT 1`` within DB_TIMEOUT seconds."""
    runtime = application.bot_data.get(RUNTIME)
    return runtime is not None and await health.ping(runtime.db, within=DB_TIMEOUT)


def metrics_endpoint(application: Application) -> Endpoint:
    """GET /metrics: the database's gauges read now, then every metric."""

    async def endpoint(request: Request) -> Response:
        metrics: Metrics = application.bot_data[METRICS]
        runtime = application.bot_data.get(RUNTIME)
        if runtime is not None:
            await metrics.database.refresh(runtime.db, runtime.clock.now())
        body, content_type = metrics.exposition(request.headers.get("accept"))
        return Response(body, headers={"Content-Type": content_type})

    return endpoint


def health_endpoint(application: Application) -> Endpoint:
    """GET /healthz: 200 while the bot runs and its database answers, else 503."""

    async def endpoint(request: Request) -> Response:
        if not application.running:
            return PlainTextResponse("stopping", status_code=503)
        if not await database_answers(application):
            return PlainTextResponse("database unavailable", status_code=503)
        return PlainTextResponse("ok")

    return endpoint


def web_app(application: Application) -> Starlette:
    """Polling mode's little app: GET /metrics and GET /healthz."""
    return Starlette(routes=[
        Route("/metrics", metrics_endpoint(application), methods=["GET"]),
        Route("/healthz", health_endpoint(application), methods=["GET"]),
    ])


class _Server(uvicorn.Server):
    """uvicorn leaving SIGINT and SIGTERM to the bot (bot/app.py stops it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class MetricsServer:
    """/metrics and /healthz on 127.0.0.1:<port>, in the bot's event loop."""

    def __init__(self, application: Application, port: int):
        self.port = port
        self._server = _Server(uvicorn.Config(web_app(application), host=HOST, port=port, log_level="warning",
                                              lifespan="off", log_config=None))
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, self.port))
        except OSError as exc:
            sock.close()
            raise SettingsError(f"AUDITBOT_METRICS_PORT: cannot listen on {HOST}:{self.port} "
                                f"({exc.strerror or exc})") from None
        sock.listen()  # a scrape from now on waits in the backlog until uvicorn takes it
        self.port = sock.getsockname()[1]  # port 0: the one the system chose
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="metrics-http")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None


async def serve(application: Application, port: int) -> MetricsServer:
    """Start /metrics and /healthz on 127.0.0.1:``port`` (polling mode; ``stop()`` ends it)."""
    server = MetricsServer(application, port)
    await server.start()
    return server
