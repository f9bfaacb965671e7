"""The one text cleaner (bot/domain/text.py): unsafe characters go, everything else stays."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import BIDI_CONTROLS, clean_line, clean_text
from bot.services.people_service import clean_name

FAMILY = "👨\u200d👩\u200d👧"
RAINBOW_FLAG = "🏳\ufe0f\u200d🌈"
ENGLAND_FLAG = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


def test_emoji_sequences_and_joiners_are_kept():
    for text in (FAMILY, RAINBOW_FLAG, ENGLAND_FLAG, "می\u200cخواهم", "क्\u200dष"):
        assert clean_text(text) == text
        assert clean_name(f"  {text}  ") == text


def test_controls_and_bidi_overrides_are_dropped():
    assert clean_text("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert clean_text("invoice \u202egnp.exe\u202c") == "invoice gnp.exe"
    assert clean_text("\u2066x\u2069") == "x"
    assert clean_text("line 1\r\nline 2\rline 3\u2028line 4\tend") == "line 1\nline 2\nline 3\nline 4\tend"
    assert clean_line("  Legal\n\tAffairs   Office ") == "Legal Affairs Office"


safe_text = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="".join(BIDI_CONTROLS)
                                  + "\u2028\u2029"))


@given(safe_text)
def test_safe_text_is_kept_as_typed(text):
    assert clean_text(text) == text.strip()


@given(st.text())
def test_nothing_unsafe_survives(text):
    cleaned = clean_text(text)
    assert not any(ch in BIDI_CONTROLS for ch in cleaned)
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in cleaned)
    assert clean_text(cleaned) == cleaned  # idempotent
    assert "\u200d" in cleaned or "\u200d" not in text


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_the_limit_holds(text, limit):
    assert len(clean_text(text, limit)) <= limit
