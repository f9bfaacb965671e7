"""The one text cleaner for what people type: drop only what is unsafe, keep what they wrote.

Unsafe: control characters (except newline and tab), lone surrogates (SQLite and Word
cannot store them), and the bidi embeddings, overrides and isolates that reorder what a
reader sees ("\u202egnp.exe" shows as "exe.png"). Everything else is kept, in particular
zero-width joiners and non-joiners (emoji sequences such as 👨‍👩‍👧, Indic and Persian
script), variation selectors and the tag characters of flag emoji.
"""

from __future__ import annotations

import re
import unicodedata

# U+202A..U+202E: LRE RLE PDF LRO RLO; U+2066..U+2069: LRI RLI FSI PDI.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def is_unsafe(ch: str) -> bool:
    """A character that is dropped from typed text (newline and tab are not)."""
    if ch in "\n\t":
        return False
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs")


def clean_text(text: str, limit: int | None = None) -> str:
    """Typed text, unsafe characters dropped, line breaks as "\\n", trimmed; at most ``limit`` long."""
    text = _BREAKS.sub(lambda m: LINE_BREAKS[m.group()], text)
    kept = "".join(ch for ch in text if not is_unsafe(ch)).strip()
    return kept if limit is None else kept[:limit].rstrip()


def clean_line(text: str, limit: int | None = None) -> str:
    """One line (a name): cleaned, runs of white space made one space."""
    return " ".join(clean_text(text).split())[:limit]


def first_words(text: str, limit: int = 28) -> str:
    """The start of a question, to name it on a button: whole words where there are spaces,
    ``limit`` characters at most, "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut and not any("\u3000" <= ch <= "\u9fff" for ch in cut):
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:，。；：") + "…"
