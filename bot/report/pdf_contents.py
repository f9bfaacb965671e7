"""Page numbers for the contents of a PDF copy (LibreOffice does not update a Word TOC field).

A document's contents are the cached result of a TOC field: one ``toc 1`` paragraph per
section title, without page numbers (Word fills them in on F9). For the PDF, the document is converted once with a placeholder number
on each line, the page of each title is read from that PDF's text (``pdftotext``), and the
numbers are written into a copy of the document, which is converted again: both passes
have the same lines, so the pages do not move.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.text.paragraph import Paragraph

TOC_STYLE = "toc 1"
PLACEHOLDER = "00"  # as wide as most page numbers, so the first pass lays out like the second
PDFTOTEXT_TIMEOUT = 60.0
_SPACE = re.compile(r"\s+")


def find_pdftotext() -> str | None:
    return shutil.which("pdftotext")


def _entries(document) -> list[Paragraph]:
    return [p for p in document.paragraphs if p.style is not None and p.style.name == TOC_STYLE]


def contents_titles(docx_path: Path) -> list[str]:
    """The section titles the document's contents list (none for a file that is not a document)."""
    try:
        document = docx.Document(str(docx_path))
    except Exception:  # not a Word file: LibreOffice will say so
        return []
    return [p.text.split("\t", 1)[0].strip() for p in _entries(document)]


def with_page_numbers(docx_path: Path, pages: Sequence[str], out: Path) -> Path:
    """A copy of the document at ``out`` whose contents lines end in ``pages`` (after a tab)."""
    document = docx.Document(str(docx_path))
    for paragraph, page in zip(_entries(document), pages, strict=False):
        end = paragraph.runs[-1]._r if paragraph.runs else None
        for text in ("\t", page):
            run = paragraph.add_run(text)
            if end is not None and end.xpath("./w:fldChar"):  # the field's end stays last
                end.addprevious(run._r)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def heading_pages(pdf: Path, titles: Sequence[str], pdftotext: str) -> list[str]:
    """The page (as text) on which each title heads its section in ``pdf``; '' when not found."""
    try:
        done = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              timeout=PDFTOTEXT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return [""] * len(titles)
    if done.returncode != 0:
        return [""] * len(titles)
    return find_pages(done.stdout.decode("utf-8", "replace").split("\f"), titles)


def find_pages(pages: Sequence[str], titles: Sequence[str]) -> list[str]:
    """Each title's page number in ``pages`` (the text of each page), searched after the
    contents (the first page holding the last title) and in order; '' when not found."""
    keys = [_SPACE.sub("", t) for t in titles]
    lines = [[_SPACE.sub("", line) for line in page.splitlines()] for page in pages]
    if not keys:
        return []
    start = next((n for n, page in enumerate(lines) if any(line.startswith(keys[-1]) for line in page)), None)
    if start is None:
        return [""] * len(titles)
    found: list[str] = []
    at = start + 1
    for key in keys:
        page = next((n for n in range(at, len(lines)) if _holds(lines[n], key)), None)
        if page is None:
            found.append("")
            continue
        found.append(str(page + 1))
        at = page
    return found


def _holds(lines: Sequence[str], key: str) -> bool:
    """A line is ``key``, or starts it and the next line completes it (a title that wrapped)."""
    if not key:
        return False
    for index, line in enumerate(lines):
        if line == key or (line and key.startswith(line) and index + 1 < len(lines)
                           and (line + lines[index + 1]).startswith(key)):
            return True
    return False
