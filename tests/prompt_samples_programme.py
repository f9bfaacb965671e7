"""Sample data for the /programme templates."""

from __future__ import annotations

from datetime import date

from bot.services.programme_service import (
    ImportOutcome,
    Item,
    OverrideAsked,
    Overview,
    Suggestion,
    Suggestions,
)

HOSTILE = "<script>alert(1)</script> & 办公室"
_TEAM = [{"person_id": 1, "name": HOSTILE, "override_reason": None},
         {"person_id": 2, "name": "Wang", "override_reason": HOSTILE * 3}]


def _item(state: str = "planned", *, status: str = "active", month: bool = True, team=_TEAM, reason=None,
          number=None) -> Item:
    end = date(2027, 3, 31) if month else date(2027, 3, 20)
    return Item(7, 3, HOSTILE, "iso9001-government", HOSTILE, date(2027, 3, 1), end, month, "high", status, state,
                reason, 12 if number else None, number, list(team))


_SCOPED = Item(8, 3, "Ops", "aa", "Aa", date(2027, 3, 1), date(2027, 3, 31), True, "low", "active", "planned",
               None, None, None, [], HOSTILE * 20, HOSTILE * 20)
_ITEMS = [_SCOPED, _item(), _item("due", month=False), _item("in_progress", number="A-2027-001"),
          _item("done", number="A-2027-002"), _item("missed", team=[]), _item(status="draft", reason="never")]
_COUNTS = {"planned": 1, "due": 1, "in_progress": 1, "done": 1, "missed": 1}
_SUGGESTIONS = [Suggestion(3, HOSTILE, risk, date(2027, 1, 1), date(2027, 1, 31), reason, 6, number, day)
                for risk, reason, number, day in (("high", "high_risk", "A-2026-001", date(2026, 7, 1)),
                                                  ("normal", "never", None, None),
                                                  ("normal", "major", "A-2026-002", date(2026, 8, 1)),
                                                  ("low", "routine", "A-2026-003", date(2026, 2, 1)))]

SAMPLES: dict[str, list[dict]] = {
    "programme_list": [{"view": Overview(2027, date(2027, 2, 1), [], dict.fromkeys(_COUNTS, 0))},
                       {"view": Overview(2027, date(2027, 2, 1), _ITEMS, _COUNTS)},
                       {"view": Overview(2027, date(2027, 2, 1), [_item()] * 60, _COUNTS)}],
    "programme_item": [{"item": i, "asking": asking} for i in _ITEMS
                       for asking in (None, "window", "checklist", "team", "cancel", "scope", "objectives")],
    "programme_choose_department": [{"has_departments": True}, {"has_departments": False}],
    "programme_override_ask": [{"asked": OverrideAsked(7, HOSTILE, "staff")},
                               {"asked": OverrideAsked(7, "Li", "verifier")}],
    "programme_cancelled": [{"item": _item()}],
    "programme_suggestions": [{"found": Suggestions([], [])}, {"found": Suggestions(_SUGGESTIONS, ["7.5", "9.3"])},
                              {"found": Suggestions(_SUGGESTIONS[:1], ["4.1"])},
                              {"found": Suggestions(_SUGGESTIONS * 15, [f"{n}.1" for n in range(4, 40)])},
                              {"found": Suggestions(_SUGGESTIONS, [], never_audited=True)}],
    "programme_accepted": [{"items": _ITEMS[:2]}, {"items": [_item()] * 50}],
    "programme_reminder": [{"item": _item(), "stage": "before14", "days": 14},
                           {"item": _item(month=False), "stage": "before1", "days": 1}],
    "programme_missed": [{"item": _item("missed")}],
    "programme_team_added": [{"item": _item(), "by": "Lena Lead"}, {"item": _item(month=False), "by": ""}],
    "programme_team_removed": [{"item": _item(), "by": "Lena Lead"}, {"item": _item(), "by": ""}],
    "programme_send_file": [{}],
    "programme_export_caption": [{"year": 2027}],
    "programme_import_problems": [{"problems": [HOSTILE]}, {"problems": [HOSTILE * 10] * 40}],
    "programme_imported": [{"outcome": ImportOutcome(1, 0)}, {"outcome": ImportOutcome(12, 3)}],
}
