"""Which messages are at the bottom of each chat: the newest message ids this process saw
there, sent by the bot (bot/telegram/bot.py) or received (``note_incoming``).

A card edited in place above newer messages is off-screen on a phone; a flow asks
``followed`` to know whether anything came after its card, and tells ``answered`` when a
typed answer edited its card (the answer belongs to the card: the card is still the
bottom of the conversation). Kept in memory: after a restart, or for messages another
replica sent, nothing is known and a card is edited in place, as it always was (a typed
answer still tells by its number whether anything came between it and the card).
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update

MAX_CHATS = 20_000  # chats remembered (the least recently active are forgotten first)
KEEP = 8  # the newest ids kept per chat (enough to look below the message being handled)


class ChatLog:
    def __init__(self, max_chats: int = MAX_CHATS):
        self.max_chats = max_chats
        self._ids: OrderedDict[int, list[int]] = OrderedDict()  # chat → its newest ids, ascending
        self._answered: dict[int, tuple[int, int]] = {}  # chat → (card, the last answer typed to it)

    def seen(self, chat_id: int, message_id: int) -> None:
        """A message ``message_id`` is in chat ``chat_id`` (sent or received)."""
        ids = self._ids.pop(chat_id, [])
        if message_id not in ids:
            ids = sorted([*ids, message_id])[-KEEP:]
        self._ids[chat_id] = ids
        while len(self._ids) > self.max_chats:
            old, _ = self._ids.popitem(last=False)
            self._answered.pop(old, None)

    def newest(self, chat_id: int, *, below: int | None = None) -> int | None:
        """The newest message id seen in the chat (``below``: older than that one), None if unknown."""
        ids = [i for i in self._ids.get(chat_id, ()) if below is None or i < below]
        return ids[-1] if ids else None

    def followed(self, chat_id: int, card: int, *, incoming: int | None = None) -> bool:
        """Did anything come after ``card`` (besides the answers typed to it, and besides
        ``incoming``, the message being handled)?"""
        answered_card, last_answer = self._answered.get(chat_id, (None, None))
        bottom = last_answer if answered_card == card else card
        newest = self.newest(chat_id, below=incoming)
        if newest is None and incoming is not None:
            # Nothing seen here since a restart: a private chat numbers its messages one by
            # one, so a gap between the card and what was typed is a message in between.
            return incoming > bottom + 1
        return newest is not None and newest > bottom

    def answered(self, chat_id: int, card: int, answer: int) -> None:
        """The typed ``answer`` was shown on ``card`` (edited in place): nothing new below it."""
        self._answered[chat_id] = (card, answer)


async def note_incoming(update: Update, context) -> None:
    """A handler of every update (before the gate): a message the person sent is the chat's newest."""
    message = update.message
    if message is not None and update.effective_chat is not None:
        log = getattr(context.bot, "chat_log", None)
        if log is not None:
            log.seen(update.effective_chat.id, message.message_id)
