"""One bot process per SQLite database: a second one would compete for the same updates."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_NAME = "auditbot.lock"


class DataDirBusy(RuntimeError):
    """Another bot process holds the data folder."""


def hold_data_dir(data_dir: Path) -> IO[str]:
    """Lock the data folder for this process (the kernel frees it when the process dies).

    Keep the returned file open as long as the bot runs; a second process gets a
    DataDirBusy that says what to do instead.
    """
    handle = open(data_dir / LOCK_NAME, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataDirBusy(
            f"AUDITBOT_DATA_DIR: another auditbot is already running on {data_dir} "
            "(one process per SQLite database; several replicas need PostgreSQL)"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
