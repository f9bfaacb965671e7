"""Benchmark of the Word report: 300 questions, 200 photos of 4000×3000 (phone-camera JPEGs).

    .venv/bin/python benchmarks/report.py [--photos 200] [--questions 300] [--workdir DIR]

Prints the build time (loading the audit + writing the .docx, photos scaled on the way),
the peak RSS of the process that built it, the file size, and the floor: the time the
same document takes when its photos were scaled beforehand (python-docx alone). Then the
same build again with the scaled photos in the photo cache (a report asked for again).
Each measurement runs in a fresh process so its peak RSS is its own. Targets: under
15 s, under 500 MB, under 40 MB, within 2× the floor.

The photos (gradients, shapes and noise, 1.5–3 MB each like a phone's) are generated
once and kept in ``<workdir>/photos``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
# the project first, and never this folder (its checklists.py would hide the checklists package)
sys.path[:] = [str(ROOT), *(p for p in sys.path if p and Path(p).resolve() not in (ROOT, ROOT / "benchmarks"))]

from bot.report import load_report_data, render_report  # noqa: E402
from bot.report.photos import ScaledPhoto, default_workers, scale_file  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.files import FileStore  # noqa: E402
from tests.report_fixtures import TZ, create_sample_audit  # noqa: E402

PHOTO_SIZE = (4000, 3000)
TARGET_SECONDS, TARGET_RSS_MB, TARGET_FILE_MB, TARGET_FLOOR_RATIO = 15.0, 500.0, 40.0, 2.0
_NOISE: Image.Image | None = None


# --- photos ---------------------------------------------------------------------------------

def _noise() -> Image.Image:
    """One large noise plane per process; each photo crops it at its own offset."""
    global _NOISE
    if _NOISE is None:
        _NOISE = Image.effect_noise((PHOTO_SIZE[0] + 400, PHOTO_SIZE[1] + 400), 28)
    return _NOISE


def make_photo(seed: int) -> bytes:
    """A 4000×3000 JPEG: colour gradients, a few shapes, sensor-like noise; 1.5–3 MB."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    left, top = rng.randrange(400), rng.randrange(400)
    noise = _noise().crop((left, top, left + width, top + height))
    planes = []
    for gradient in ("linear", "radial", "linear"):
        base = getattr(Image, f"{gradient}_gradient")("L").resize(PHOTO_SIZE, Image.Resampling.BILINEAR)
        if rng.random() < 0.5:
            base = base.transpose(Image.Transpose.ROTATE_180)
        planes.append(Image.blend(base, noise, 0.15 + rng.random() * 0.15))
    image = Image.merge("RGB", planes)
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(200, 1200), y + rng.randrange(100, 800)),
                       fill=colour, outline=(0, 0, 0), width=10)
    out = io.BytesIO()
    exif = Image.Exif()
    if seed % 3 == 2:
        exif[0x0112] = 6  # taken with the phone upright
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def _write_photo(args: tuple[int, Path]) -> int:
    seed, path = args
    if not path.exists():
        data = make_photo(seed)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path.stat().st_size


def ensure_photos(folder: Path, count: int) -> list[Path]:
    """``count`` generated photos in ``folder`` (made in parallel, kept between runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo-{n:03d}.jpg" for n in range(count)]
    missing = [(n, p) for n, p in enumerate(paths) if not p.exists()]
    if missing:
        print(f"generating {len(missing)} photos of {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} in {folder} …", flush=True)
        with ProcessPoolExecutor(default_workers()) as pool:
            list(pool.map(_write_photo, missing))
    sizes = [p.stat().st_size / 1e6 for p in paths]
    print(f"photos: {count}, {min(sizes):.1f}–{max(sizes):.1f} MB each, {sum(sizes):.0f} MB in all")
    return paths


async def prepare_database(data_dir: Path, photos: list[Path], questions: int) -> int:
    """A completed audit with the photos attached; returns its id."""
    async with Database(data_dir / "auditbot.sqlite3") as db:
        audit = await create_sample_audit(
            db, FileStore(data_dir / "evidence"), questions=questions, photos=len(photos),
            unanswered=5, photo_bytes=lambda n: photos[n].read_bytes(),
        )
    return audit.audit_id


# --- measurements (each in its own process) -------------------------------------------------

class PreScaled:
    """Photos scaled before the clock starts: what the floor measurement builds with."""

    def __init__(self, scaled: dict[object, ScaledPhoto | None]):
        self.scaled = scaled

    def start(self, items) -> None:
        pass

    def get(self, key: object, path: Path | None = None) -> ScaledPhoto | None:
        return self.scaled[key]


async def _load(data_dir: Path, audit_id: int):
    async with Database(data_dir / "auditbot.sqlite3") as db:
        return await load_report_data(db, audit_id, FileStore(data_dir / "evidence"), TZ)


def measure(kind: str, data_dir: Path, audit_id: int, out: Path) -> dict[str, float]:
    """'build': load + render, photos scaled (or taken from the cache in data_dir) on the
    way; 'floor': render with photos scaled beforehand."""
    prescaled = None
    if kind == "floor":
        data = asyncio.run(_load(data_dir, audit_id))
        photos = [p for q in data.questions for p in q.photos]
        prescaled = PreScaled({p: scale_file(p.path, 1600, 80) for p in photos})
    cpu_start, start = _cpu_seconds(), time.perf_counter()
    if kind == "build":
        data = asyncio.run(_load(data_dir, audit_id))
    render_report(data, out, photos=prescaled, photo_cache=data_dir / "photo-cache")
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": cpu, "rss_mb": peak_kb / 1024, "size_mb": out.stat().st_size / 1e6}


def _cpu_seconds() -> float:
    """CPU time of this process, all threads (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_child(kind: str, data_dir: Path, audit_id: int, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", kind, "--data-dir", str(data_dir),
               "--audit", str(audit_id), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "auditbot-report-bench")
    parser.add_argument("--measure", choices=("build", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--audit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.data_dir, args.audit, args.out)))
        return 0

    photos = ensure_photos(args.workdir / "photos", args.photos)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix="run-") as run_dir:
        data_dir = Path(run_dir)
        audit_id = asyncio.run(prepare_database(data_dir, photos, args.questions))
        build = _in_child("build", data_dir, audit_id, data_dir / "report.docx")
        floor = _in_child("floor", data_dir, audit_id, data_dir / "floor.docx")
        again = _in_child("build", data_dir, audit_id, data_dir / "again.docx")
    ratio = build["seconds"] / floor["seconds"]
    print(f"report of {args.questions} questions and {args.photos} photos; {default_workers()} scaling "
          f"threads; load average before the run {load:.1f}")
    print(f"  build time  {build['seconds']:6.2f} s    target < {TARGET_SECONDS:.0f} s    "
          f"{_verdict(build['seconds'] < TARGET_SECONDS)}   (CPU {build['cpu']:.1f} s)")
    print(f"  peak RSS    {build['rss_mb']:6.0f} MB   target < {TARGET_RSS_MB:.0f} MB  "
          f"{_verdict(build['rss_mb'] < TARGET_RSS_MB)}")
    print(f"  file size   {build['size_mb']:6.1f} MB   target < {TARGET_FILE_MB:.0f} MB   "
          f"{_verdict(build['size_mb'] < TARGET_FILE_MB)}")
    print(f"  floor       {floor['seconds']:6.2f} s    (same document, photos scaled beforehand; "
          f"CPU {floor['cpu']:.1f} s, peak RSS {floor['rss_mb']:.0f} MB)")
    print(f"  build/floor {ratio:6.2f}×    target < {TARGET_FLOOR_RATIO:.0f}×      "
          f"{_verdict(ratio < TARGET_FLOOR_RATIO)}")
    again_ratio = again["seconds"] / floor["seconds"]
    print(f"  again       {again['seconds']:6.2f} s    (photos from the cache; CPU {again['cpu']:.1f} s, "
          f"{again_ratio:.2f}× the floor)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
