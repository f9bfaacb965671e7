"""The agency's profile, set by a lead in the chat: a card with a button per field, text
fields typed in reply, the logo sent as a photo or an image file, a field cleared in one tap.
No Telegram here."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from bot.domain.agency import FIELDS, AgencyProfile
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, ServiceError, StaleButton
from bot.domain.text import clean_line
from bot.report.agency import profile_of, read_logo
from bot.report.photos import open_image
from bot.services.people_service import Actor
from storage.db import Database
from storage.files import FileStore
from storage.repos import agency, dialogs, trail

FLOW = "agency"
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_EDGE = 20_000  # pixels, either side: refused beyond, before anything is decoded
LOGO_STORED_PX = (800, 300)  # scaled down to fit, for the documents' headers
MAX_LENGTH = {"name_zh": 80, "name_en": 120, "number_prefix": 20, "confidentiality": 120, "footer": 200}


class AgencyError(ServiceError):
    """A refusal about the profile (label ``agency_<code>``)."""

    prefix = "agency_"


@dataclass(frozen=True)
class AgencyCard:
    profile: AgencyProfile
    awaiting: str | None = None  # the field the lead is asked for next

    @property
    def has_logo(self) -> bool:
        return bool(self.profile.logo)


class AgencyService:
    def __init__(self, db: Database, clock: Clock, files: FileStore):
        self.db = db
        self.clock = clock
        self.files = files

    async def profile(self) -> AgencyProfile | None:
        """The profile for the documents; None when none was set."""
        async with self.db.read() as conn:
            row = await agency.get(conn)
        return profile_of(row, await read_logo(self.files, row["logo_sha256"] if row else None))

    async def card(self, actor: Actor) -> AgencyCard:
        _require_lead(actor)
        return AgencyCard(await self.profile() or AgencyProfile())

    async def ask(self, actor: Actor, field: str) -> AgencyCard:
        """The lead is asked for ``field`` (typed, or the logo sent) next."""
        _require_lead(actor)
        if field not in FIELDS:
            raise StaleButton()
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting=field, at=self.clock.now())
        return AgencyCard(await self.profile() or AgencyProfile(), awaiting=field)

    async def clear(self, actor: Actor, field: str) -> AgencyCard:
        """One tap: ``field`` is emptied (a document then prints without it)."""
        _require_lead(actor)
        if field not in FIELDS:
            raise StaleButton()
        await self._set(actor, "logo_sha256" if field == "logo" else field, None, leave=False)
        return await self.card(actor)

    async def typed(self, actor: Actor, text: str) -> AgencyCard:
        """Text typed in the profile dialog: the value of the field asked for."""
        _require_lead(actor)
        field = await self._awaiting(actor)
        if field == "logo":
            raise AgencyError("logo_expected")
        value = clean_line(text, MAX_LENGTH[field])
        if not value:
            raise AgencyError("empty")
        await self._set(actor, field, value)
        return await self.card(actor)

    async def logo(self, actor: Actor, data: bytes) -> AgencyCard:
        """A logo sent in the profile dialog: PNG or JPEG, at most 1 MB and 20,000 px a side,
        kept scaled down. Refused with nothing changed otherwise."""
        _require_lead(actor)
        field = await self._awaiting(actor)
        if field != "logo":
            raise AgencyError("text_expected")
        if len(data) > LOGO_MAX_BYTES:
            raise AgencyError("logo_too_big", limit_mb=LOGO_MAX_BYTES // (1024 * 1024))
        scaled = await asyncio.to_thread(scale_logo, data)
        sha = await asyncio.to_thread(self.files.put, scaled)
        await self._set(actor, "logo_sha256", sha)
        return await self.card(actor)

    async def _awaiting(self, actor: Actor) -> str:
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        field = state["awaiting"] if state is not None and state["flow"] == FLOW else None
        if field not in FIELDS:
            raise AgencyError("no_dialog")
        return field

    async def _set(self, actor: Actor, column: str, value: str | None, *, leave: bool = True) -> None:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            before = await agency.get(conn)
            await agency.set_field(conn, column, value, actor.id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="agency_profile", entity_id=agency.ROW_ID,
                               action="set" if value is not None else "cleared",
                               before={column: before[column] if before else None}, after={column: value})
            state = await dialogs.get(conn, actor.id)
            if state is not None and state["flow"] == FLOW and (leave or state["awaiting"] == column):
                await dialogs.clear(conn, actor.id)


def scale_logo(data: bytes) -> bytes:
    """The logo as a PNG (transparency kept) or JPEG that fits LOGO_STORED_PX; AgencyError
    'logo_not_image' for anything but a PNG or JPEG, 'logo_too_wide' beyond LOGO_MAX_EDGE."""
    try:
        with open_image(data) as image:
            if image.format not in ("PNG", "JPEG"):
                raise AgencyError("logo_not_image")
            if max(image.size) > LOGO_MAX_EDGE:
                raise AgencyError("logo_too_wide", limit_px=f"{LOGO_MAX_EDGE:,}")
            image.draft("RGB", LOGO_STORED_PX)
            image.load()
            fitted = image.copy()
    except Image.DecompressionBombError:
        raise AgencyError("logo_too_wide", limit_px=f"{LOGO_MAX_EDGE:,}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise AgencyError("logo_not_image") from None
    fitted.thumbnail(LOGO_STORED_PX)
    out = io.BytesIO()
    if fitted.mode in ("RGBA", "LA", "P"):
        fitted.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        fitted.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise NotAllowed()
