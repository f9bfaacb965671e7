"""Buttons every flow shares."""

from __future__ import annotations

from bot.telegram import buttons
from bot.telegram.replies import Label, Rows


def back_rows(label: Label) -> Rows:
    """◀ Back under a typed prompt: nothing is asked any more; the card it came from again."""
    return [[(label("btn_back_from_prompt"), buttons.LeaveDialog().pack())]]
