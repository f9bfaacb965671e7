"""The agency's profile as the documents need it, read from the database and the file store."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.domain.agency import AgencyProfile
from bot.report.clean import clean_text
from storage.db import Database
from storage.files import FileStore
from storage.repos import agency


def profile_of(row: Any, logo: bytes | None) -> AgencyProfile | None:
    """The profile of a stored row (None when there is none or it is empty)."""
    if row is None:
        return None
    profile = AgencyProfile(
        name_zh=clean_text(row["name_zh"]), name_en=clean_text(row["name_en"]),
        number_prefix=clean_text(row["number_prefix"]), confidentiality=clean_text(row["confidentiality"]),
        footer=clean_text(row["footer"]), logo=logo,
    )
    return None if profile.empty else profile


async def read_logo(files: FileStore, sha256: str | None) -> bytes | None:
    """The stored logo's bytes; None when there is none or the file is gone."""
    if not sha256:
        return None
    try:
        return await asyncio.to_thread(files.get, sha256)
    except (OSError, ValueError):
        return None


async def load_agency(db: Database, files: FileStore) -> AgencyProfile | None:
    """The agency's profile, None when none was set."""
    async with db.read() as conn:
        row = await agency.get(conn)
    return profile_of(row, await read_logo(files, row["logo_sha256"] if row else None))
