"""Sample contexts of the person card's data export and erasure templates."""

from __future__ import annotations

from pathlib import Path

from bot.services.people_service import Actor
from bot.services.privacy_service import Erased, ErasePreview, PersonExport
from tests.prompt_samples import HOSTILE

_PERSON = Actor(id=3003, name=HOSTILE, lang="zh", active=True, roles=frozenset({"staff"}))
_EXPORT = PersonExport(3003, HOSTILE, Path("x.zip"), 2048, {"person": 1, "notes": 4}, 3, 1)

SAMPLES: dict[str, list[dict]] = {
    "person_erase_confirm": [
        {"preview": ErasePreview(_PERSON, audits=3, files=12, verifying=2, admin=True)},
        {"preview": ErasePreview(_PERSON, audits=0, files=0, verifying=0, admin=False)},
    ],
    "person_erased": [
        {"erased": Erased(3003, "former staff #12", -12, {"person_roles": 1, "invites": 2, "outbox": 5},
                          {"notes": 3}, scrubbed=2, files_deleted=1, admin=True)},
        {"erased": Erased(3003, "former staff #1", -1)},
    ],
    "person_export_ready": [{"export": _EXPORT, "name": HOSTILE},
                            {"export": PersonExport(1, "Li", Path("y.zip"), 10, {}, 0, 0), "name": "Li"}],
    "person_export_too_big": [{"name": HOSTILE, "size_mb": 61.5, "person_id": 3003}],
}
