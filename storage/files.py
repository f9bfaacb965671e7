"""Evidence files on disk, named by their SHA-256; every file the bot writes, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def save_atomically(save: Callable[[str], None], out: Path, *, durable: bool = False) -> Path:
    """Call ``save(temp_path)`` next to ``out``, then rename the temp file to ``out``, so a
    reader never sees half a file. ``durable``: fsync the file and its folder too."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=out.suffix)
    os.close(fd)
    try:
        save(tmp)
        if durable:
            _fsync(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(out.parent)
    return out


class FileStore:
    """Content-addressed files under ``root``: the same bytes are stored once."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (temp file, fsync, rename) and return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.exists():
            return digest
        save_atomically(lambda tmp: Path(tmp).write_bytes(data), target, durable=True)
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def remove_leftovers(self, older_than_seconds: float = 0.0) -> int:
        """Delete temp files a killed writer left behind; returns how many.

        One process per data folder: at start every temp file is a leftover. Where several
        processes share the folder, give an age that no write in flight can reach.
        """
        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in self.root.glob("??/.tmp-*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def all_files(self) -> list[Path]:
        return [p for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".tmp-")]


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort where a folder cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
