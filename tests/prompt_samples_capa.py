"""Sample contexts of the corrective-action and lead templates (long and hostile text included)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.capa_service import CapaLists
from bot.services.status_service import DepartmentActions, Digest, Overdue, Status

HOSTILE = "<script>alert(1)</script> & 办公室"
LONG = ("很长的文字 <b>&amp; " * 400)[:2000]
NAME = ("部门<i>&" * 20)[:80]
TODAY = date(2026, 11, 2)

CAPA_FULL = {
    "id": 12, "number": "NC12", "kind": "major", "statement": LONG, "clause": "7.5.3",
    "question": {"zh": LONG, "en": LONG}, "audit_number": "A-2026-001" + HOSTILE, "department": NAME,
    "auditor": HOSTILE, "state": "planned", "due_date": date(2026, 10, 1), "days_left": -32,
    "target_date": date(2026, 12, 1), "correction": LONG, "whys": [LONG] * 5, "elsewhere": LONG,
    "action_plan": LONG, "implementation": LONG, "effectiveness": LONG, "rejection_reason": LONG,
    "evidence_count": 12, "returned_step": "why", "return_reason": LONG, "original_due_date": date(2026, 9, 1),
    "extension": {"id": 4, "state": "pending", "date": date(2027, 1, 31), "reason": LONG},
    "return_to": "target", "asked_date": date(2027, 1, 31), "can_reassign": True,
    "choices": [{"id": 3, "name": NAME}] * 30, "previous": None,
}
CAPA_BARE = {
    "id": 1, "number": "NC1", "kind": "minor", "statement": "Records not signed.", "clause": "",
    "question": {}, "audit_number": "A-2026-002", "department": "Office", "auditor": "",
    "state": "open", "due_date": date(2026, 12, 2), "days_left": 30, "target_date": None,
    "correction": None, "whys": [], "elsewhere": None, "action_plan": None, "implementation": None,
    "effectiveness": None, "rejection_reason": None, "evidence_count": 0, "returned_step": None,
    "return_reason": None, "original_due_date": None, "extension": None, "return_to": "why",
    "asked_date": date(2026, 12, 31), "can_reassign": False, "choices": [], "previous": None,
}


def _shown(capa: dict) -> dict:
    """A sample action with the state it is shown in (CapaView.shown_state)."""
    returned = capa["state"] == "planned" and capa["returned_step"]
    return {**capa, "shown_state": "open" if returned else capa["state"]}


CAPA_FULL = _shown(CAPA_FULL)
CAPA_BARE = _shown(CAPA_BARE)
CAPAS = [CAPA_FULL, CAPA_BARE, {**CAPA_BARE, "days_left": 1}, {**CAPA_BARE, "days_left": 0},
         {**CAPA_FULL, "state": "implemented"}, {**CAPA_FULL, "state": "closed"},
         {**CAPA_FULL, "state": "plan_accepted", "returned_step": None, "return_reason": None,
          "extension": {"id": 5, "state": "refused", "date": date(2027, 1, 31), "reason": "x"}},
         {**CAPA_BARE, "state": "planned", "return_to": "plan"}]
CAPAS = [_shown(c) for c in CAPAS]
# A plan returned to each step, not given again yet (the step cleared), with its earlier text.
_PART = {"why": {"root_cause": [LONG] * 5, "elsewhere": LONG}, "plan": {"action_plan": LONG},
         "target": {"target_date": "2026-12-01"}}
_PLANNED = {**CAPA_FULL, "implementation": None, "effectiveness": None, "rejection_reason": None,
            "evidence_count": 0}
RETURNED = [{**_PLANNED, "returned_step": step, "previous": part,
             **({"whys": [], "elsewhere": None} if step == "why" else
                {"action_plan": None} if step == "plan" else {"target_date": None})}
            for step, part in _PART.items()]
RESUBMITTED = [{"step": step, "reason": LONG, "before": part, "after": part, "changed": changed}
               for step, part in _PART.items() for changed in (True, False)]
STEPS = ("correction", "why", "why_more", "elsewhere", "plan", "target", "confirm", "planned", "evidence",
         "waiting", "verify", "effectiveness", "reject_reason", "closed_done", "rejected_done", "accepted",
         "return_reason", "returned_done", "plan_accepted_done", "extend_date", "extend_reason", "extension_asked",
         "extension_granted_done", "extension_refused_done", "reassign_department", "reassign_auditor",
         "reassigned_done")
PROBLEMS = ("not_found", "not_allowed", "closed", "step_done", "no_dialog", "use_buttons", "date_invalid",
            "date_past", "date_too_far", "too_long", "empty", "evidence_needed", "media_not_now",
            "no_evidence", "plan_not_accepted", "extension_pending", "extension_date_invalid", "extension_not_later", "extension_decided",
            "extension_not_now", "same_department", "same_auditor", "plan_resubmitted")

_ITEM = {"id": 3, "number": "NC3", "kind": "minor", "audit_number": "A-2026-001" + HOSTILE, "department": NAME,
         "statement": LONG,
         "state": "open", "due_date": date(2026, 10, 1), "days_left": -32}
_LISTS = CapaLists(answer=[_ITEM] * 20, answer_total=75, verify=[{**_ITEM, "state": "implemented"}] * 20,
                   verify_total=31)
_TOTALS = {"open": 100000, "overdue": 40000, "to_verify": 123, "closed": 99999}
_STATUS = Status(
    today=TODAY, totals=_TOTALS,
    audits=[{"number": "A-2026-001" + HOSTILE, "department": NAME, "status": s, "created_at": "x", "answered": 37,
             "questions": 120, "days": 12, "auditors": (HOSTILE + ", ") * 5}
            for s in ("planning", "opening", "in_progress", "closing", "in_progress")] * 2,
    audits_total=57,
    departments=[{"department_id": 1, "department": NAME, "open": 200, "overdue": 120, "to_verify": 3,
                  "closed": 999, "waiting_plan": 150, "in_review": 20, "plan_accepted": 27}] * 20,
    departments_total=500,
)
_OVERDUE_ITEMS = [{"id": 1, "number": "NC12", "audit_number": "A-2026-001" + HOSTILE, "department": NAME,
                   "due_date": "2026-01-01", "days_late": 305, "state": "planned", "owners": NAME * 3,
                   "original_due_date": "2025-12-01"}] * 20
_OVERDUE = Overdue(TODAY, _OVERDUE_ITEMS, 40000)
_QUIET = Status(today=TODAY, totals={"open": 2, "overdue": 0, "to_verify": 0, "closed": 0})

SAMPLES: dict[str, list[dict]] = {
    "capa_card": [{"capa": c} for c in CAPAS],
    "capa_answers": [{"capa": c} for c in CAPAS if c["correction"]],  # included only with answers
    "capa_step": [
        *({"capa": c, "step": s, "added": 3, "problem": None, "notice": None} for c in CAPAS for s in STEPS),
        *({"capa": CAPA_FULL, "step": "target", "added": 0, "problem": p, "notice": None} for p in PROBLEMS),
        *({"capa": CAPA_FULL, "step": "why", "added": 0, "problem": None, "notice": n}
          for n in ("extension_asked", "file_kept", "superseded")),
        *({"capa": c, "step": c["returned_step"], "added": 0, "problem": p, "notice": "superseded"}
          for c in RETURNED for p in (None, "empty")),
    ],
    "capa_problem": [{"problem": p} for p in PROBLEMS],
    "capa_list": [{"lists": _LISTS}, {"lists": CapaLists()},
                  {"lists": CapaLists(answer=[_ITEM], answer_total=1)},
                  {"lists": CapaLists(departments=[{"department_id": 1, "department": NAME, "open": 3,
                                                    "overdue": 1}] * 20)}],
    "capa_new": [{"capa": c} for c in CAPAS],
    "capa_reminder": [
        {"capa": c, "stage": s} for c in CAPAS for s in ("before7", "before1", "due", "overdue:4")
    ],
    "capa_escalation": [{"capa": CAPA_FULL}],
    "capa_no_staff": [{"audit_number": "A-2026-001", "department": NAME, "count": 12}],
    "capa_planned": [*({"capa": c} for c in CAPAS),
                     *({"capa": {**_PLANNED, "returned_step": None, "return_reason": None}, "resubmitted": r}
                       for r in RESUBMITTED)],
    "capa_part": [{"part": part} for part in (*_PART.values(), {})],
    "capa_previous": [{"capa": c, "step": c["returned_step"]} for c in RETURNED],
    "capa_resubmitted": [{"resubmitted": r} for r in RESUBMITTED],
    "capa_implemented": [{"capa": c} for c in CAPAS],
    "capa_rejected": [{"capa": c} for c in CAPAS],
    "capa_closed": [{"capa": c} for c in CAPAS],
    "capa_cancelled": [{"capa": c, "reason": "The photo showed another office " * 30} for c in CAPAS],
    "capa_plan_returned": [{"capa": c} for c in CAPAS],
    "capa_plan_accepted": [{"capa": c} for c in CAPAS],
    "capa_extension_asked": [{"capa": c} for c in CAPAS],
    "capa_extension_granted": [{"capa": c} for c in CAPAS],
    "capa_extension_refused": [{"capa": c} for c in CAPAS],
    "capa_moved_away": [{"capa": c} for c in CAPAS],
    "audit_findings": [
        {"audit": {"id": 1, "number": "A-2026-001" + HOSTILE, "department": NAME},
         "findings": [{"number": "NC1", "kind": k, "statement": LONG, "due_date": "2026-12-01"}
                      for k in ("major", "minor", "observation", "ofi", "good")] * 8,
         "acknowledged_at": a, "zone_key": z}
        for a, z in ((None, "Asia/Shanghai"), (datetime(2026, 11, 2, 3, 0, tzinfo=UTC), "Europe/Berlin"))],
    "capa_verifier_assigned": [{"capa": c} for c in CAPAS],
    "capa_verifier_released": [{"capa": c} for c in CAPAS],
    "lead_status": [{"status": _STATUS}, {"status": _QUIET}],
    "lead_department": [{"actions": DepartmentActions(TODAY, NAME, [
        {"id": 1, "number": "NC12", "audit_number": "A-2026-001" + HOSTILE, "statement": LONG, "state": s,
         "due_date": "2026-10-01", "days_left": d, "department": NAME}
        for s in ("open", "planned", "plan_accepted", "implemented") for d in (-32, -1, 0, 5)] + [
        {"id": 1, "number": "NC12", "audit_number": "A-2026-001" + HOSTILE, "statement": LONG, "state": "open",
         "due_date": "2026-10-01", "days_left": -300, "department": NAME}] * 4, 400)},
        {"actions": DepartmentActions(TODAY, "Office")}],
    "lead_overdue": [{"overdue": _OVERDUE}, {"overdue": Overdue(TODAY)}],
    "lead_digest": [{"digest": Digest(_STATUS, _OVERDUE)}, {"digest": Digest(_QUIET, Overdue(TODAY))}],
    "lead_blocked": [{"person": {"name": HOSTILE}, "departments": [NAME] * 3},
                     {"person": {"name": "Li"}, "departments": []}],
    "lead_poison_update": [{"update_id": 123456789, "reason": HOSTILE}],
}
