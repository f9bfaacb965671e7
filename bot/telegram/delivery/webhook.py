"""Webhook mode: Telegram POSTs updates to a Starlette app served by uvicorn.

python-telegram-bot's "custom webhook" setup: our own web server hands each update to the
bot. Each request is checked against the secret token (constant-time), kept in the inbox,
handled, and only then answered 200, so Telegram retries what failed and sends one chat's
updates in order. A malformed body gets 400, a wrong or missing secret 403 (nothing is
kept). ``/healthz`` answers the load balancer.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.delivery.inbox import ALLOWED_UPDATES, Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FILE = "webhook_secret"
MAX_BODY = 1_000_000  # an update is a few kB; Telegram never sends more


def webhook_path(settings: Settings) -> str:
    """The path part of AUDITBOT_WEBHOOK_URL (``/telegram`` when it has none)."""
    path = urlsplit(settings.webhook_url or "").path.rstrip("/")
    return path or "/telegram"


def webhook_secret(settings: Settings) -> str:
    """AUDITBOT_WEBHOOK_SECRET, or one generated once and kept in the data folder.

    Replicas sharing the data folder share the generated secret (the first one writes it).
    """
    if settings.webhook_secret:
        return settings.webhook_secret
    path: Path = settings.data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def web_app(application: Application, inbox: Inbox, settings: Settings, secret: str) -> Starlette:
    """The ASGI app: POST <webhook path> for Telegram, GET /healthz for the load balancer."""
    expected = secret.encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
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
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route(webhook_path(settings), telegram, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ])


async def set_webhook(application: Application, settings: Settings, secret: str) -> None:
    """Tell Telegram where to send updates (pending ones are kept, not dropped)."""
    await application.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
