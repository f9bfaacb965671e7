"""Sample data for every template: each entry is a list of contexts to render with.

Hostile text (markup, long strings) is part of the samples on purpose.
"""

from __future__ import annotations

from types import SimpleNamespace

from bot.services.dialog_service import Place

HOSTILE = "<script>alert(1)</script> & 办公室"
ACTOR_ALL = {"name": HOSTILE, "is_lead": True, "is_auditor": True, "is_staff": True}
ACTOR_STAFF = {"name": "Li", "is_lead": False, "is_auditor": False, "is_staff": True}

_INVITE = SimpleNamespace(code="abc", role="staff", department=HOSTILE, department_created=True, expires_days=7)
_PERSON = SimpleNamespace(name=HOSTILE, roles=frozenset({"auditor", "lead"}), active=False, is_lead=True)

_PLACES = [Place("audit", 1, "A-2026-001", HOSTILE), Place("capa", 2, "NC1", HOSTILE, "why_more"),
           Place("capa", 2, "NC12", HOSTILE, None), Place("capa", 2, "NC1", HOSTILE, "effectiveness", staff=False)]

SAMPLES: dict[str, list[dict]] = {
    "stranger": [{}],
    "deactivated": [{}],
    "private_only": [{}],
    "edit_ignored": [{}],
    "no_dialog": [{}],
    "media_without_dialog": [{"actor": ACTOR_ALL}, {"actor": ACTOR_STAFF}, {"actor": None}],
    "unsupported_message": [{}],
    "unknown_command": [{}],
    "error": [{}],
    "refusal": [{"key": "not_allowed"}, {"key": "audit_error_stale"}],
    "not_allowed": [{}],
    "lang_choose": [{}],
    "lang_set": [{}],
    "cancelled": [{"had_dialog": True}, {"had_dialog": False}, {"had_dialog": True, "place": _PLACES[1]}],
    "join_invalid": [{}],
    "join_expired": [{}],
    "join_used": [{}],
    "joined": [{"role": "staff", "department": HOSTILE}, {"role": "auditor", "department": None}],
    "invite_usage": [{}],
    "invite_choose_role": [{}],
    "invite_choose_department": [{}],
    "invite_department_ask": [{}],
    "invite_list": [{"invites": [{"code": "x", "role": r, "department": HOSTILE if r == "staff" else None,
                                  "creator": HOSTILE, "expires_at": "2026-12-01T00:00:00+00:00"}
                                 for r in ("auditor", "staff")] * 10}, {"invites": []}],
    "role_changed": [{"role": r, "held": h, "by": b} for r in ("auditor", "lead") for h in (True, False)
                     for b in (HOSTILE, "")],
    "lead_joined": [{"person": {"name": HOSTILE}, "role": "staff", "department": HOSTILE},
                    {"person": {"name": "Li"}, "role": "auditor", "department": None}],
    "invite_created": [{"invite": _INVITE, "link": "https://t.me/bot?start=abc"}],
    "department_rename_ask": [{"name": HOSTILE}],
    "department_renamed": [{"name": HOSTILE}],
    "department_created": [{"name": HOSTILE}],
    "department_new_ask": [{}],
    "department_name_taken": [{}],
    "department_name_empty": [{}],
    "departments": [
        {"departments": [{"name": HOSTILE, "staff_count": 2}] * 40},
        {"departments": []},
    ],
    "users": [{"people": [{"name": HOSTILE, "username": "li", "roles": [{"role": "staff", "department": HOSTILE}, {"role": "auditor", "department": None}], "active": 0}] * 30}],
    "person_card": [
        {"person": _PERSON, "card": SimpleNamespace(staff=[], choices=[], confirm_deactivate=False)},
        {"person": _PERSON, "card": SimpleNamespace(staff=[{"id": 1, "name": HOSTILE}] * 2, choices=[],
                                                    confirm_deactivate=True)},
        {"person": _PERSON, "card": SimpleNamespace(staff=[{"id": 1, "name": HOSTILE}],
                                                    choices=[{"id": 2, "name": HOSTILE}], confirm_deactivate=False)},
    ],
    "menu": [{"actor": ACTOR_ALL}, {"actor": ACTOR_STAFF}, {"actor": ACTOR_ALL, "place": _PLACES[0]}],
    "dialog_place": [{"place": p} for p in _PLACES],
    "help": [{"sections": [{"title": HOSTILE, "tip": HOSTILE, "lines": [("audit", HOSTILE)]},
                           {"title": "All", "tip": None, "lines": [("lang", "中文 / English")]}]},
             {"sections": []}],
}


def _merge_area_samples() -> None:
    """Each flow may keep its samples in tests/prompt_samples_<area>.py as SAMPLES."""
    import importlib
    import pkgutil

    import tests

    for info in pkgutil.iter_modules(tests.__path__):
        if info.name.startswith("prompt_samples_"):
            module = importlib.import_module(f"tests.{info.name}")
            clash = set(module.SAMPLES) & set(SAMPLES)
            if clash:
                raise ValueError(f"{info.name}: samples defined twice: {sorted(clash)}")
            SAMPLES.update(module.SAMPLES)


_merge_area_samples()
