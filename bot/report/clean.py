"""Text as Word and Excel accept it (the documents' one sanitiser)."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: object) -> str:
    """``value`` as text Word and Excel accept: illegal characters dropped, the rest kept."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _XML_ILLEGAL.sub("", text.replace("\r\n", "\n"))
