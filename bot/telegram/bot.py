"""The bot object the Application talks to Telegram through.

An update handled again after a crash (or late, from the inbox) may carry a button press
whose query was already answered or has expired: Telegram then refuses the answer. That
must never undo the press, so a refused answer is reported as ``False`` instead of
raising; ``toast`` in bot/telegram/replies.py then says it in a message.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


class AuditBot(ExtBot):
    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as exc:
            if "query" not in str(exc).lower():
                raise
            log.info("button press %s answered too late: %s", callback_query_id, exc)
            return False
