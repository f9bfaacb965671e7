"""The bot object the Application talks to Telegram through.

An update handled again after a crash (or late, from the inbox) may carry a button press
whose query was already answered or has expired: Telegram then refuses the answer. That
must never undo the press, so a refused answer is reported as ``False`` instead of
raising; ``toast`` in bot/telegram/replies.py then says it in a message.

Every message it sends is noted in ``chat_log`` (bot/telegram/chat_log.py): which message
is the newest of a chat, so a card below newer messages is not edited out of sight.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.telegram.chat_log import ChatLog

log = logging.getLogger(__name__)


class AuditBot(ExtBot):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._chat_log = ChatLog()

    @property
    def chat_log(self) -> ChatLog:
        return self._chat_log

    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as exc:
            if "query" not in str(exc).lower():
                raise
            log.info("button press %s answered too late: %s", callback_query_id, exc)
            return False

    async def _send_message(self, endpoint: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        result = await super()._send_message(endpoint, data, *args, **kwargs)
        if endpoint.startswith(("send", "copy", "forward")):
            self._note(result)
        return result

    async def send_media_group(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().send_media_group(*args, **kwargs)
        for message in result:
            self._note(message)
        return result

    def _note(self, message: Any) -> None:
        if isinstance(message, Message):
            self._chat_log.seen(message.chat_id, message.message_id)
