"""PDF copies of reports through LibreOffice (``soffice --convert-to pdf``), where installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 300.0


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

    Raises PdfUnavailable when LibreOffice is not installed and PdfFailed when the
    conversion fails or takes longer than ``timeout`` seconds. Each call uses its own
    LibreOffice profile, so conversions may run at the same time. Blocking.
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
    with tempfile.TemporaryDirectory(prefix="auditbot-soffice-") as profile:
        command = [
            soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--convert-to", "pdf", "--outdir", str(target_dir), str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"LibreOffice did not finish converting {source.name} in {timeout:.0f} s") from None
    pdf = target_dir / (source.stem + ".pdf")
    if done.returncode != 0 or not pdf.exists():
        detail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise PdfFailed(f"LibreOffice could not convert {source.name} (exit {done.returncode}): {detail[0]}")
    return pdf
