"""Telegram's limits, and riding out its passing failures.

PTB's AIORateLimiter keeps to ~30 requests a second and waits out 429 (retry_after).
On top of it, a 5xx or a network failure is retried with backoff, so an answer still
arrives once the Bot API recovers. Errors that will not pass (400, 403) are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# Re-sending these after a timeout cannot duplicate anything the person sees.
IDEMPOTENT = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "answerCallbackQuery",
              "deleteMessage", "getFile", "getMe", "setMyCommands", "deleteWebhook", "sendChatAction"}


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter plus retries of passing server and network failures."""

    def __init__(self, *, network_retries: int = 5, first_backoff: float = 0.5, max_backoff: float = 8.0,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        delay = self.first_backoff
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except TimedOut:
                if endpoint not in IDEMPOTENT or attempt == self.network_retries:
                    raise
            except NetworkError as exc:
                if attempt == self.network_retries:
                    raise
                log.info("Bot API %s failed (%s); retrying in %.1fs", endpoint, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")
