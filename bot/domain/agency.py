"""The agency's profile as the documents print it, and the issued report's number.

A document without a profile (or a field left empty) looks as it did before profiles:
every field is optional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

TEXT_FIELDS = ("name_zh", "name_en", "number_prefix", "confidentiality", "footer")
FIELDS = ("name_zh", "name_en", "logo", "number_prefix", "confidentiality", "footer")  # the card's order

_YEAR_AND_SEQUENCE = re.compile(r"(\d{4})-(\d+)$")


@dataclass(frozen=True)
class AgencyProfile:
    name_zh: str = ""
    name_en: str = ""
    number_prefix: str = ""
    confidentiality: str = ""
    footer: str = ""
    logo: bytes | None = None  # PNG or JPEG, already scaled down

    def name(self, lang: str) -> str:
        """The agency's name in ``lang``, else in the other language."""
        own, other = (self.name_zh, self.name_en) if lang == "zh" else (self.name_en, self.name_zh)
        return own or other

    @property
    def empty(self) -> bool:
        return not (self.name_zh or self.name_en or self.number_prefix or self.confidentiality
                    or self.footer or self.logo)


class _Numbered(Protocol):
    number: str


def report_number(profile: AgencyProfile | None, audit: _Numbered | str) -> str:
    """The issued report's number: the prefix with the audit's year and sequence
    ("BJ-IA" and A-2026-003 → "BJ-IA-2026-003"); the audit's own number without a prefix."""
    number = audit if isinstance(audit, str) else audit.number
    prefix = (profile.number_prefix if profile else "").strip().rstrip("-")
    if not prefix:
        return number
    tail = _YEAR_AND_SEQUENCE.search(number)
    return f"{prefix}-{tail[1]}-{tail[2]}" if tail else f"{prefix}-{number}"
