"""The workbook guard: what every uploaded .xlsx goes through before and while it is read.

Before openpyxl sees a byte, ``precheck`` refuses (raising ``Refused``) an empty or oversized
file, an old .xls, an encrypted or broken one, a zip bomb (declared sizes and ratios, members
inflated in bounded chunks), too many sheets or rows. ``Problem`` is one thing wrong with a
file, worded in the reader's language; ``rows_of`` and ``cell_text`` read sheets and cells;
``escape`` keeps a written text from being taken for a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils import get_column_letter

from bot.prompts import Prompts, default_prompts

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_SHEETS = 20
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # all the zip's members together, as declared
MAX_RATIO = 100  # unpacked / packed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 1000
ESCAPE_FIRST = ("=", "+", "-", "@")


# --- problems ---------------------------------------------------------------------------------


class Worded(str):
    """A problem's value worded only when the problem is shown, in the reader's language (a
    column's or a sheet's name); equal to its code meanwhile."""

    def text(self, lang: str, prompts: Prompts) -> str:
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (sheet, row, column) and what (a label code + values)."""

    code: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None  # 1-based
    header: str | None = None  # the column's name
    values: tuple[tuple[str, Any], ...] = ()

    def where(self, lang: str, prompts: Prompts | None = None) -> str:
        prompts = prompts or default_prompts()
        if self.sheet is None:
            return ""
        letter = get_column_letter(self.column) if self.column else ""
        if self.row and self.column:
            key = "wb_where_cell"
        elif self.column:
            key = "wb_where_column"
        elif self.row:
            key = "wb_where_row"
        else:
            key = "wb_where_sheet"
        return prompts.label(lang, key, sheet=self.sheet, row=self.row, letter=letter, column=self.header or "")

    def message(self, lang: str, prompts: Prompts | None = None) -> str:
        prompts = prompts or default_prompts()
        values = {k: v.text(lang, prompts) if isinstance(v, Worded) else v for k, v in self.values}
        if "language" in values:
            values["language"] = prompts.label(lang, f"lang_name_{values['language']}")
        return prompts.label(lang, f"wb_{self.code}", **values)

    def line(self, lang: str, prompts: Prompts | None = None) -> str:
        where = self.where(lang, prompts)
        message = self.message(lang, prompts)
        return f"{where}{'：' if lang == 'zh' else ': '}{message}" if where else message


def problem(code: str, sheet: str | None = None, row: int | None = None, column: int | None = None,
            header: str | None = None, /, **values: Any) -> Problem:
    """A Problem, its values given as keywords."""
    return Problem(code, sheet, row, column, header, tuple(values.items()))


def too_big(size: int) -> Problem:
    """The problem of a file over MAX_FILE_BYTES (also told before it is downloaded)."""
    return problem("file_too_big", size=_mb(size), limit=_mb(MAX_FILE_BYTES))


# --- cells ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """A cell text Excel will not take for a formula: a leading apostrophe before = + - @."""
    return "'" + text if text.lstrip("'")[:1] in ESCAPE_FIRST else text


def unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'")[:1] in ESCAPE_FIRST else text


def cell_text(value: object) -> str:
    """A cell value as stripped text (numbers as typed: 4.1, 10; escapes undone)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return unescape(str(value).strip()).strip()


# --- before openpyxl ---------------------------------------------------------------------------


class Refused(Exception):
    """A file refused before it is opened; ``problem`` says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def precheck(data: bytes) -> bool:
    """Refuse what must not reach openpyxl; True when some sheet holds formulas."""
    if not data:
        raise Refused(problem("file_empty"))
    if len(data) > MAX_FILE_BYTES:
        raise Refused(too_big(len(data)))
    if not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: old .xls, or an encrypted .xlsx
            encrypted = "EncryptedPackage".encode("utf-16-le") in data
            raise Refused(problem("encrypted" if encrypted else "xls_old"))
        raise Refused(problem("not_xlsx_text" if _looks_like_text(data) else "not_xlsx"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refused(problem("broken")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise Refused(problem("broken"))
        unpacked = sum(m.file_size for m in members)
        bomb = unpacked > MAX_UNPACKED_BYTES or any(
            m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
        if bomb:
            raise Refused(problem("zip_bomb", size=_mb(unpacked), limit=_mb(MAX_UNPACKED_BYTES)))
        if any(m.flag_bits & 0x1 for m in members):
            raise Refused(problem("encrypted"))
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise Refused(problem("not_xlsx"))
        try:
            # Every member is inflated once, in bounded chunks: its CRC proves the declared size
            # true before openpyxl reads it (a lying header fails here, not in openpyxl's memory).
            contents = {m.filename: _inflate(archive, m) for m in members if not m.is_dir()}
            book = contents["xl/workbook.xml"]
            sheet_names = [_xml_unescape(n.decode("utf-8", "replace"))
                           for n in re.findall(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"", book)]
            if len(sheet_names) > MAX_SHEETS:
                raise Refused(problem("too_many_sheets", count=len(sheet_names), limit=MAX_SHEETS))
            has_formulas = False
            sheet_files = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            order = _sheet_order(contents, book, sheet_names)
            for name in sheet_files:
                xml = contents[name]
                if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                    raise Refused(problem("broken"))
                rows = len(re.findall(rb"<(?:\w+:)?row[ >/]", xml))
                if rows > MAX_ROWS + 1:
                    raise Refused(problem("too_many_rows", sheet=order.get(name, name), count=rows,
                                          limit=MAX_ROWS))
                has_formulas = has_formulas or re.search(rb"<(?:\w+:)?f[ >/]", xml) is not None
            for name in ("xl/sharedStrings.xml", "xl/styles.xml"):
                if name in names and b"<!DOCTYPE" in contents[name]:
                    raise Refused(problem("broken"))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, KeyError,
                zlib.error):
            raise Refused(problem("broken")) from None
    return has_formulas


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than it declares (zipfile stops there and checks the CRC)."""
    chunks = []
    total = 0
    with archive.open(member) as handle:
        while chunk := handle.read(1024 * 1024):
            total += len(chunk)
            if total > member.file_size:
                raise zipfile.BadZipFile("member larger than declared")
            chunks.append(chunk)
    return b"".join(chunks)


def _sheet_order(contents: dict[str, bytes], book: bytes, sheet_names: list[str]) -> dict[str, str]:
    """Worksheet part -> sheet name (for the message about too many rows); best effort."""
    rels = contents.get("xl/_rels/workbook.xml.rels")
    if rels is None:
        return {}
    targets = dict(re.findall(rb"Id=\"([^\"]+)\"[^>]*?Target=\"([^\"]+)\"", rels))
    targets.update({k: v for v, k in re.findall(rb"Target=\"([^\"]+)\"[^>]*?Id=\"([^\"]+)\"", rels)})
    result = {}
    for name, rel in re.findall(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?r:id=\"([^\"]+)\"", book):
        target = targets.get(rel, b"").decode("utf-8", "replace").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        result[part] = _xml_unescape(name.decode("utf-8", "replace"))
    return result


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def rows_of(sheet) -> list[tuple]:
    """Every row's values; the sheet's stated dimension is not trusted (some writers get it wrong)."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
