"""Sample contexts of the /agency templates."""

from __future__ import annotations

from bot.domain.agency import FIELDS, AgencyProfile
from bot.services.agency_service import AgencyCard
from tests.prompt_samples import HOSTILE

FULL = AgencyProfile(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, b"png")

SAMPLES: dict[str, list[dict]] = {
    "agency_card": [{"card": AgencyCard(AgencyProfile()), "profile": AgencyProfile()},
                    {"card": AgencyCard(FULL), "profile": FULL}],
    "agency_field_ask": [{"field": field, "card": AgencyCard(FULL)} for field in FIELDS],
    "agency_logo_not_image": [{}],
    "agency_logo_too_big": [{"limit_mb": 1}],
    "agency_logo_too_wide": [{"limit_px": "20,000"}],
}
