"""Uploaded bytes never reach the document or LibreOffice; LibreOffice is kept on a leash.

Every photo is encoded anew from its pixels (no trailing bytes, comment or EXIF survive);
soffice runs in its own process group, killed as a whole when it overruns, and only
AUDITBOT_PDF_CONCURRENCY conversions run at once. The soffice here is a fake on PATH.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.domain.clock import FakeClock
from bot.report import load_report_data, render_report
from bot.report.pdf import PdfConverter, PdfFailed, to_pdf
from bot.report.photos import scale_photo
from bot.services.report_service import ReportService
from bot.settings import Settings
from tests.report_fixtures import NOW, TZ, create_sample_audit

JUNK = b"<<TRAILING-PAYLOAD-" + b"\x90" * 64 + b"-END>>"
COMMENT = b"JPEG-COMMENT-PAYLOAD-0123456789"
EXIF_TEXT = "EXIF-DESCRIPTION-PAYLOAD-9876543210"


def _picture(seed: int) -> Image.Image:
    gradient = Image.linear_gradient("L").resize((320, 240))
    return Image.merge("RGB", (gradient, gradient.rotate(90 * seed), gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def plain_jpeg_with_junk() -> bytes:
    """What Telegram makes of a photo (small, no EXIF), with a comment and bytes after its end."""
    out = io.BytesIO()
    _picture(1).save(out, "JPEG", quality=80, comment=COMMENT)
    return out.getvalue() + JUNK


def jpeg_with_exif_text() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = EXIF_TEXT  # ImageDescription
    out = io.BytesIO()
    _picture(2).save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def test_a_small_plain_photo_is_encoded_anew_without_what_rode_along():
    data = plain_jpeg_with_junk()
    scaled = scale_photo(data, 1600, 80)
    assert (scaled.width, scaled.height) == (320, 240)
    for marker in (JUNK, COMMENT, data[:-len(JUNK)]):
        assert marker not in scaled.data
    assert Image.open(io.BytesIO(scaled.data)).info.get("comment") is None


async def test_uploaded_bytes_are_not_in_the_report_byte_for_byte(db, files, tmp_path):
    uploads = [plain_jpeg_with_junk(), jpeg_with_exif_text()]
    sample = await create_sample_audit(db, files, questions=6, photos=2, photo_bytes=lambda n: uploads[n % 2])
    data = await load_report_data(db, sample.audit_id, files, TZ, now=NOW)
    render_report(data, tmp_path / "r.docx", photo_cache=tmp_path / "cache")
    with zipfile.ZipFile(tmp_path / "r.docx") as package:
        parts = {name: package.read(name) for name in package.namelist()}
    photos = [blob for name, blob in parts.items() if name.startswith("word/media/") and blob[:2] == b"\xff\xd8"]
    assert len(photos) == 2  # both are in the report, as new JPEGs
    everything = b"".join(parts.values())
    for marker in (JUNK, COMMENT, EXIF_TEXT.encode(), *uploads, uploads[0][:-len(JUNK)]):
        assert marker not in everything
    # built again from the photo cache: still nothing of the uploads
    render_report(data, tmp_path / "again.docx", photo_cache=tmp_path / "cache")
    with zipfile.ZipFile(tmp_path / "again.docx") as package:
        again = b"".join(package.read(name) for name in package.namelist())
    assert JUNK not in again and COMMENT not in again and uploads[0][:-len(JUNK)] not in again


# --- LibreOffice -------------------------------------------------------------------------------

FAKE_SOFFICE = """#!{python}
import os, subprocess, sys, time
args = sys.argv[1:]
outdir, source = args[args.index("--outdir") + 1], args[-1]
log = os.environ["FAKE_SOFFICE_LOG"]
if os.environ.get("FAKE_SOFFICE_HANG"):
    child = subprocess.Popen(["sleep", "120"])  # a helper in its group, as soffice.bin is
    with open(os.path.join(log, "pids"), "w") as f:
        f.write(f"{{os.getpid()}} {{child.pid}}")
    time.sleep(120)
started = time.monotonic()
time.sleep(float(os.environ.get("FAKE_SOFFICE_SECONDS", "0.3")))
stem = os.path.splitext(os.path.basename(source))[0]
with open(os.path.join(outdir, stem + ".pdf"), "wb") as f:
    f.write(b"%PDF-1.4 fake")
with open(os.path.join(log, f"run-{{os.getpid()}}"), "w") as f:
    f.write(f"{{started}} {{time.monotonic()}}")
"""


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "soffice"
    script.write_text(FAKE_SOFFICE.format(python=sys.executable))
    script.chmod(0o755)
    log = tmp_path / "soffice-log"
    log.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    return log


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (nobody has reaped it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _docx(folder: Path, name: str) -> Path:
    path = folder / f"{name}.docx"
    path.write_bytes(b"PK not really a document")
    return path


def test_an_overrunning_libreoffice_is_killed_with_its_children(fake_soffice, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_HANG", "1")
    started = time.monotonic()
    with pytest.raises(PdfFailed, match="did not finish"):
        to_pdf(_docx(tmp_path, "r"), timeout=1.0)
    assert time.monotonic() - started < 10
    soffice_pid, child_pid = (int(p) for p in (fake_soffice / "pids").read_text().split())
    deadline = time.monotonic() + 5
    while not (_gone(soffice_pid) and _gone(child_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(soffice_pid), "soffice itself is still running"
    assert _gone(child_pid), "soffice's child outlived the timeout"


async def test_only_so_many_conversions_run_at_once(fake_soffice, tmp_path):
    converter = PdfConverter(concurrency=2)
    docs = [_docx(tmp_path, f"r{n}") for n in range(6)]
    pdfs = await asyncio.gather(*(converter.convert(doc) for doc in docs))
    assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
    runs = [tuple(map(float, p.read_text().split())) for p in fake_soffice.glob("run-*")]
    assert len(runs) == 6
    overlap = max(sum(1 for s, e in runs if s <= moment < e) for moment, _ in runs)
    assert overlap == 2, runs


def test_the_report_service_takes_its_limit_from_the_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, pdf_concurrency=3, _env_file=None)
    assert ReportService(None, FakeClock(), settings, None).pdfs.concurrency == 3
    assert Settings(_env_file=None).pdf_concurrency == 2
