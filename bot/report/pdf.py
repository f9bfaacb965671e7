"""PDF copies of reports through LibreOffice (``soffice --convert-to pdf``), where installed.

LibreOffice runs unsandboxed, so what it reads is made by the bot (photos are encoded
anew, bot/report/photos.py) and it is kept on a short leash: its own session and process
group (``start_new_session``), the whole group killed when it overruns its time (and any
member left behind once it is done), and at most ``AUDITBOT_PDF_CONCURRENCY``
conversions at once (``PdfConverter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bot.report import pdf_contents as contents

SOFFICE_NAMES = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 300.0
DEFAULT_CONCURRENCY = 2


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, so no PDF can be made."""


class PdfFailed(RuntimeError):
    """LibreOffice ran but did not produce the PDF."""


def find_soffice() -> str | None:
    """The path of LibreOffice's ``soffice`` (or ``libreoffice``) program, or None."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(docx_path: Path | str, out_dir: Path | str | None = None, *,
           timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert ``docx_path`` to a PDF beside it (or in ``out_dir``) and return the PDF's path.

    The contents get their page numbers from a first conversion (bot/report/pdf_contents.py).
    Raises PdfUnavailable when LibreOffice is not installed and PdfFailed when the
    conversion fails or takes longer than ``timeout`` seconds (LibreOffice and everything
    it started are killed then). Each call uses its own LibreOffice profile, so conversions
    may run at the same time. Blocking; ``PdfConverter`` limits how many run at once.
    """
    soffice = find_soffice()
    if soffice is None:
        raise PdfUnavailable(
            "LibreOffice is not installed (no 'soffice' or 'libreoffice' on PATH); "
            "install it (e.g. apt-get install libreoffice-writer-nogui) to make PDFs"
        )
    source = Path(docx_path).resolve()
    target_dir = Path(out_dir).resolve() if out_dir else source.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="auditbot-soffice-") as work:
        profile = Path(work) / "profile"
        titles = contents.contents_titles(source)
        pdftotext = contents.find_pdftotext()
        final = source
        if titles and pdftotext:  # a first pass to learn on which page each section starts
            draft = contents.with_page_numbers(source, [contents.PLACEHOLDER] * len(titles),
                                               Path(work) / "first" / source.name)
            pages = contents.heading_pages(_convert(soffice, profile, draft, draft.parent, deadline),
                                           titles, pdftotext)
            final = contents.with_page_numbers(source, pages, Path(work) / "numbered" / source.name)
        return _convert(soffice, profile, final, target_dir, deadline)


def _convert(soffice: str, profile: Path, source: Path, target_dir: Path, deadline: float) -> Path:
    """One LibreOffice run: ``source`` as ``target_dir/<its stem>.pdf``."""
    profile.mkdir(exist_ok=True)
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
        "--nolockcheck", "--convert-to", "pdf", "--outdir", str(target_dir), str(source),
    ]
    with open(profile.parent / "output.txt", "w+", encoding="utf-8", errors="replace") as output:
        returncode = _run(command, output, max(deadline - time.monotonic(), 0.1), source.name)
        output.seek(0)
        said = output.read()
    pdf = target_dir / (source.stem + ".pdf")
    if returncode != 0 or not pdf.exists():
        detail = said.strip().splitlines()[-1:] or ["no output"]
        raise PdfFailed(f"LibreOffice could not convert {source.name} (exit {returncode}): {detail[0]}")
    return pdf


def _run(command: list[str], output, timeout: float, name: str) -> int:
    """Run ``command`` as the leader of a new process group; kill the group when it overruns.

    Output goes to a file, not a pipe, so a child holding it open cannot keep us waiting.
    """
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)  # the leader is not reaped yet: its group id is still ours
        process.wait()
        raise PdfFailed(f"LibreOffice did not finish converting {name} in {timeout:.0f} s") from None
    except BaseException:
        _kill_group(process.pid)
        process.wait()
        raise
    _kill_group(process.pid)  # anything it left running in its group
    return returncode


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class PdfConverter:
    """``to_pdf`` off the event loop, at most ``concurrency`` conversions at a time."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY, timeout: float = DEFAULT_TIMEOUT):
        self.concurrency = concurrency
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)

    async def convert(self, docx_path: Path | str, out_dir: Path | str | None = None) -> Path:
        """The PDF of ``docx_path``, made in a worker thread once a slot is free."""
        async with self._slots:
            return await asyncio.to_thread(to_pdf, docx_path, out_dir, timeout=self.timeout)
