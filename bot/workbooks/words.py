"""A workbook's coded words (sheet names, column names, a column's values) in either language.

A workbook is written in its reader's language, and read back whichever language it was
written in: a Chinese template filled in by an English lead imports, and so does an old
file with the English codes. Each word is a prompt label (written once, in prompts/); a
label ``<key>_also``, when there is one, lists other spellings accepted, separated by '|'.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from bot.domain.vocabulary import LANGS
from bot.prompts import Prompts
from bot.workbooks.guard import Worded

_SPACE = re.compile(r"\s+")

Spell = Callable[[str], Mapping[str, list[str]]]  # a language -> each code's spellings, the shown one first


def normal(text: str) -> str:
    """``text`` as compared: full-width forms folded (（中文） = (中文)), case and spaces ignored."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


class Words:
    """One vocabulary: each code shown in a language, and read back from any of its spellings."""

    def __init__(self, codes: Iterable[str], spell: Spell):
        self.codes = tuple(codes)
        self._shown: dict[str, dict[str, str]] = {}
        self._by_text: dict[str, str] = {normal(code): code for code in self.codes}
        self.spellings: dict[str, str] = {}  # every spelling as compared -> as written (for suggestions)
        for lang in LANGS:
            spelt = spell(lang)
            self._shown[lang] = {code: spelt[code][0] for code in self.codes}
            for code in self.codes:
                for text in spelt[code]:
                    self._by_text.setdefault(normal(text), code)
                    self.spellings.setdefault(normal(text), text)
        for code in self.codes:
            self.spellings.setdefault(normal(code), code)

    def show(self, lang: str, code: str) -> str:
        return self._shown.get(lang, self._shown[LANGS[-1]])[code]

    def read(self, text: str) -> str | None:
        """The code ``text`` spells (in either language, or the code itself), else None."""
        return self._by_text.get(normal(text)) if text else None

    def choices(self, lang: str) -> list[str]:
        return [self.show(lang, code) for code in self.codes]


def labelled(prompts: Prompts, codes: Iterable[str], *prefixes: str) -> Words:
    """The words whose spellings are the labels ``<prefix><code>`` (the first prefix's is shown)
    and their ``…_also`` spellings."""
    def spell(lang: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for code in codes:
            texts: list[str] = []
            for prefix in prefixes:
                texts.append(prompts.label(lang, prefix + code))
                texts += also(prompts, lang, prefix + code)
            found[code] = texts
        return found
    return Words(codes, spell)


def also(prompts: Prompts, lang: str, key: str) -> list[str]:
    """The other spellings of label ``key`` accepted when read (label ``<key>_also``)."""
    if not prompts.has_label(f"{key}_also"):
        return []
    return [t.strip() for t in prompts.label(lang, f"{key}_also").split("|") if t.strip()]


class Said(Worded):
    """A problem's value that is a code of ``words``: worded in the reader's language when shown."""

    def __new__(cls, code: str, words: Callable[[Prompts], Words]):
        said = super().__new__(cls, code)
        said.words = words
        return said

    def text(self, lang: str, prompts: Prompts) -> str:
        return self.words(prompts).show(lang, str(self))


class Choices(Worded):
    """The values ``words`` takes, listed in the reader's language (label ``wb_list_separator``)."""

    def __new__(cls, words: Callable[[Prompts], Words]):
        said = super().__new__(cls, "")
        said.words = words
        return said

    def text(self, lang: str, prompts: Prompts) -> str:
        return prompts.label(lang, "wb_list_separator").join(self.words(prompts).choices(lang))

