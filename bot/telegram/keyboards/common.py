"""Buttons every flow shares."""

from __future__ import annotations

from bot.telegram import buttons
from bot.telegram.replies import Label, Rows


def back_rows(label: Label) -> Rows:
    """◀ Back under a typed prompt: nothing is asked any more; the card it came from again."""
    return [[(label("btn_back_from_prompt"), buttons.LeaveDialog().pack())]]


def confirm_rows(label: Label, confirm: tuple[str, buttons.Button], keep: tuple[str, buttons.Button]) -> Rows:
    """A two-tap question (discard, withdraw): the confirming button over the one that keeps
    things as they are; each is (label key, button)."""
    return [[(label(key), button.pack())] for key, button in (confirm, keep)]
