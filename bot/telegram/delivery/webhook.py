"""Webhook mode: Telegram POSTs updates to a Starlette app served by uvicorn.

python-telegram-bot's "custom webhook" setup: our own web server hands each update to the
bot. Each request is checked against the secret token (constant-time), kept in the inbox,
handled, and only then answered 200, so Telegram retries what failed and sends one chat's
updates in order. A malformed body gets 400, a wrong, empty or missing secret 403 (nothing
is kept). ``/healthz`` answers the load balancer (503 while the database does not answer);
``/metrics`` the Prometheus scraper (bot/telegram/delivery/metrics.py). A generated secret
is published whole (a temp file of mode 0600 linked into place): no replica reads half of it.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram.ext import Application

from bot.settings import PREFIX, Settings, SettingsError, check_webhook_secret
from bot.telegram.delivery import metrics
from bot.telegram.delivery.inbox import ALLOWED_UPDATES, Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FILE = "webhook_secret"
MAX_BODY = 1_000_000  # an update is a few kB; Telegram never sends more


def webhook_path(settings: Settings) -> str:
    """The path Telegram posts to: that of AUDITBOT_WEBHOOK_URL, ``/`` for a bare address."""
    return urlsplit(settings.webhook_url or "").path or "/"


def webhook_paths(settings: Settings) -> tuple[str, ...]:
    """The paths the app takes updates on: the URL's own, and the same with(out) a final ``/``
    (``https://bot.example.org`` → ``/``; ``…/hook/telegram`` → ``/hook/telegram``, ``/hook/telegram/``)."""
    path = webhook_path(settings)
    if path == "/":
        return (path,)
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    return (path, twin) if twin else (path,)


def webhook_secret(settings: Settings) -> str:
    """AUDITBOT_WEBHOOK_SECRET, or one generated once and kept in the data folder.

    Replicas sharing the data folder share the generated secret (the first one to publish
    it wins; the others read it). An empty or damaged file is refused: SettingsError.
    """
    if settings.webhook_secret_value:
        return settings.webhook_secret_value
    path: Path = settings.data_dir / SECRET_FILE
    if path.exists():
        return _read_secret(path)
    return _publish(path, secrets.token_urlsafe(32))


def _read_secret(path: Path) -> str:
    try:
        return check_webhook_secret(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise SettingsError(f"{PREFIX}WEBHOOK_SECRET: not set, and {path} is empty or damaged; "
                            "delete it (a new one is generated) or set the variable") from None


def _publish(path: Path, secret: str) -> str:
    """Write ``secret`` to a temp file (0600), put it at ``path`` unless a replica was first; read it back."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".webhook-secret-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # never replaces a secret another replica already published
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: rename into place
            os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return _read_secret(path)


def web_app(application: Application, inbox: Inbox, settings: Settings, secret: str) -> Starlette:
    """The ASGI app: POST <webhook path> for Telegram, GET /healthz for the load balancer, GET /metrics."""
    if not secret:
        raise ValueError("the webhook needs a secret token")
    expected = secret.encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not given or not hmac.compare_digest(given, expected):
            log.warning("webhook: a request without the right secret token from %s", request.client)
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            raw = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return Response(status_code=400)
        await inbox.accept(raw)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        if not application.running:
            return PlainTextResponse("stopping", status_code=503)
        if not await metrics.database_answers(application):  # a SELECT 1, within 2 s
            return PlainTextResponse("database unavailable", status_code=503)
        return PlainTextResponse("ok")

    return Starlette(routes=[
        *(Route(path, telegram, methods=["POST"]) for path in webhook_paths(settings)),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics.metrics_endpoint(application), methods=["GET"]),
    ])


async def set_webhook(application: Application, settings: Settings, secret: str) -> None:
    """Tell Telegram where to send updates (pending ones are kept, not dropped)."""
    await application.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
